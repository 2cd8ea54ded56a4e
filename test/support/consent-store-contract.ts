/**
 * What every ConsentStore must do, run against each implementation by its own spec
 * (libs/consent/*-consent-store.adapter.spec.ts): consents by id and per citizen, revocation only
 * by their own citizen and kept once made, retention, counter requests that expire and are used at
 * most once, even by concurrent approvals.
 */
import { consentFromRequest, newConsentId, newConsentRequestId, newRequestCode, type Consent, type ConsentRequest } from '@motlan/consent/consent.js';
import type { ConsentStore } from '@motlan/consent/consent-store.port.js';

export interface ConsentStoreUnderTest {
  store: ConsentStore;
  close(): Promise<void>;
  /** A new store over the same backing data (a restart, or another instance). */
  reopen(): Promise<ConsentStore>;
}

export interface ConsentStoreFactoryOptions {
  now: () => number;
  retentionMs: number;
}

export const CITIZEN_A = '001099012345';
export const CITIZEN_B = '079203000111';
/** Now, to the second: Redis expires keys by its own clock, so stored times must be near the real one. */
const T0 = Math.floor(Date.now() / 1000) * 1000;
const DAY = 86_400_000;

export function consent(subjectId: string, createdAt: number, extra: Partial<Consent> = {}): Consent {
  return {
    id: newConsentId(),
    subjectId,
    procedure: '2.000815',
    dossierId: null,
    communeCode: '00004',
    datasets: [{ registry: 'civil-status', dataset: 'birth' }],
    createdAt: new Date(createdAt).toISOString(),
    validUntil: new Date(createdAt + 30 * DAY).toISOString(),
    revokedAt: null,
    origin: { kind: 'citizen' },
    ...extra,
  };
}

export function request(subjectId: string, createdAt: number, ttlMs: number): ConsentRequest {
  return {
    id: newConsentRequestId(),
    code: newRequestCode(),
    subjectId,
    procedure: '2.000815',
    dossierId: 'H01.22-261123-0001',
    communeCode: '00004',
    datasets: [{ registry: 'civil-status', dataset: 'birth' }],
    validUntil: new Date(createdAt + 30 * DAY).toISOString(),
    clientId: 'commune-00004',
    officerId: 'officer-001',
    createdAt: new Date(createdAt).toISOString(),
    expiresAt: new Date(createdAt + ttlMs).toISOString(),
  };
}

export function consentStoreContract(make: (options: ConsentStoreFactoryOptions) => Promise<ConsentStoreUnderTest>): void {
  let now = T0;
  let current: ConsentStoreUnderTest;
  const RETENTION = 10 * DAY;

  beforeEach(async () => {
    now = T0;
    current = await make({ now: () => now, retentionMs: RETENTION });
  });
  afterEach(async () => {
    await current.close();
  });

  it('keeps a consent by id and lists each citizen only their own, newest first', async () => {
    const { store } = current;
    const a1 = consent(CITIZEN_A, T0);
    const a2 = consent(CITIZEN_A, T0 + 1000, { procedure: null, dossierId: 'D-1', datasets: [{ registry: 'land', dataset: 'parcel' }] });
    const b1 = consent(CITIZEN_B, T0 + 2000);
    for (const c of [a1, a2, b1]) await store.add(c);
    expect(await store.get(a2.id)).toEqual(a2);
    expect(await store.get(newConsentId())).toBeNull();
    expect((await store.listBySubject(CITIZEN_A)).map((c) => c.id)).toEqual([a2.id, a1.id]);
    expect((await store.listBySubject(CITIZEN_B)).map((c) => c.id)).toEqual([b1.id]);
    expect(await store.listBySubject('012345678901')).toEqual([]);
  });

  it('revokes only for its own citizen, keeps the first revocation time, and survives a reopen', async () => {
    const { store } = current;
    const a = consent(CITIZEN_A, T0);
    await store.add(a);
    const first = new Date(T0 + 60_000).toISOString();
    expect(await store.revoke(a.id, CITIZEN_B, first)).toBeNull();
    expect((await store.get(a.id))?.revokedAt).toBeNull();
    expect(await store.revoke(newConsentId(), CITIZEN_A, first)).toBeNull();
    expect(await store.revoke(a.id, CITIZEN_A, first)).toEqual({ ...a, revokedAt: first });
    expect((await store.revoke(a.id, CITIZEN_A, new Date(T0 + 120_000).toISOString()))?.revokedAt).toBe(first);
    const other = await current.reopen();
    expect((await other.get(a.id))?.revokedAt).toBe(first);
    expect((await other.listBySubject(CITIZEN_A))[0]?.revokedAt).toBe(first);
  });

  it('forgets a consent once its retention after validUntil has passed', async () => {
    const { store } = current;
    const a = consent(CITIZEN_A, T0, { validUntil: new Date(T0 + DAY).toISOString() });
    await store.add(a);
    now = T0 + DAY + RETENTION - 1000;
    expect(await store.get(a.id)).not.toBeNull();
    now = T0 + DAY + RETENTION + 1000;
    expect(await store.get(a.id)).toBeNull();
    expect(await store.listBySubject(CITIZEN_A)).toEqual([]);
    expect(await (await current.reopen()).get(a.id)).toBeNull();
  });

  it('a counter request expires at its expiresAt', async () => {
    const { store } = current;
    const r = request(CITIZEN_A, T0, 60_000);
    await store.addRequest(r);
    now = T0 + 59_000;
    expect(await store.getRequest(r.code)).toEqual(r);
    now = T0 + 60_000;
    expect(await store.getRequest(r.code)).toBeNull();
    expect(await store.approveRequest(r.code, consentFromRequest(r, newConsentId(), now))).toBe(false);
    expect(await store.listBySubject(CITIZEN_A)).toEqual([]);
  });

  it('a counter request is pending until used once; approval stores its consent, a second approval is refused', async () => {
    const { store } = current;
    const r = request(CITIZEN_A, T0, 60_000);
    await store.addRequest(r);
    expect(await store.getRequest(r.code)).toEqual(r);
    expect(await store.getRequest(newRequestCode())).toBeNull();
    expect(await store.approvedConsentId(r.code)).toBeNull();
    // Read back whole, id included (its signed form is checked against it), by another instance too.
    expect(await (await current.reopen()).getRequest(r.code)).toEqual(r);
    const created = consentFromRequest(r, newConsentId(), now);
    expect(await store.approveRequest(r.code, created)).toBe(true);
    expect(await store.get(created.id)).toEqual(created);
    expect(await store.getRequest(r.code)).toBeNull();
    expect(await store.approvedConsentId(r.code)).toBe(created.id);
    expect(await store.approveRequest(r.code, consentFromRequest(r, newConsentId(), now))).toBe(false);
    expect(await store.listBySubject(CITIZEN_A)).toHaveLength(1);
    expect(await store.approvedConsentId(r.code)).toBe(created.id);
    const other = await current.reopen();
    expect(await other.getRequest(r.code)).toBeNull();
    expect(await other.get(created.id)).toEqual(created);
    expect(await other.approvedConsentId(r.code)).toBe(created.id);
    expect(await other.approvedConsentId(newRequestCode())).toBeNull();
  });

  it('of concurrent approvals of one request exactly one wins', async () => {
    const { store } = current;
    const r = request(CITIZEN_A, T0, 60_000);
    await store.addRequest(r);
    const results = await Promise.all([1, 2, 3, 4].map(() => store.approveRequest(r.code, consentFromRequest(r, newConsentId(), now))));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await store.listBySubject(CITIZEN_A)).toHaveLength(1);
  });
}
