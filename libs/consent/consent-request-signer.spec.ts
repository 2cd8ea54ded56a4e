import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { base64url, SignJWT } from 'jose';
import { EvidenceKeyStore } from '@motlan/evidence/evidence-key-store.js';
import { EvidenceSignerService } from '@motlan/evidence/evidence-signer.service.js';
import { ConsentRequestSigner, CONSENT_REQUEST_JWT_TYPE, sameRequest, type SignedConsentRequest } from './consent-request-signer.js';
import { newConsentRequestId, newRequestCode, type ConsentRequest } from './consent.js';

const ISSUER = 'urn:motlan:gateway';
const T0 = Date.parse('2026-11-23T08:00:00.000Z');

function request(extra: Partial<ConsentRequest> = {}): ConsentRequest {
  return {
    id: newConsentRequestId(),
    code: newRequestCode(),
    subjectId: '001099012345',
    procedure: '2.000815',
    dossierId: null,
    communeCode: '00004',
    datasets: [
      { registry: 'civil-status', dataset: 'birth' },
      { registry: 'civil-status', dataset: 'marriage' },
    ],
    validUntil: '2026-11-30T08:00:00.000Z',
    clientId: 'one-stop-00004',
    officerId: 'officer-001',
    createdAt: new Date(T0).toISOString(),
    expiresAt: new Date(T0 + 900_000).toISOString(),
    ...extra,
  };
}

/** The JWS with its payload replaced (header and signature kept). */
function withPayload(jws: string, change: (payload: Record<string, unknown>) => void): string {
  const [header, payload, signature] = jws.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  change(claims);
  return `${header}.${base64url.encode(JSON.stringify(claims))}.${signature}`;
}

describe('ConsentRequestSigner', () => {
  let keys: EvidenceKeyStore;
  let now: number;
  let signer: ConsentRequestSigner;

  beforeEach(async () => {
    keys = await EvidenceKeyStore.open({ dir: mkdtempSync(path.join(tmpdir(), 'motlan-consent-signer-')) });
    now = T0;
    signer = new ConsentRequestSigner({ issuer: ISSUER, keys, now: () => now });
  });

  it('signs a request with the current evidence key under its own typ, and reads back exactly what it says', async () => {
    const asked = request();
    const jws = await signer.sign(asked);
    const header = JSON.parse(Buffer.from(jws.split('.')[0], 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(header).toEqual({ alg: 'EdDSA', kid: keys.current().kid, typ: CONSENT_REQUEST_JWT_TYPE });
    const check = await signer.verify(jws);
    expect(check).toMatchObject({ valid: true, kid: keys.current().kid });
    if (!check.valid) throw new Error(check.detail);
    const { createdAt: _createdAt, ...withoutCreation } = asked;
    expect(check.request).toEqual(withoutCreation);
    expect(sameRequest(check.request, asked)).toBe(true);
    expect(jws.length).toBeLessThan(1500);
  });

  it('still verifies after a key rotation (the previous key stays published)', async () => {
    const jws = await signer.sign(request());
    await keys.rotate();
    expect((await signer.verify(jws)).valid).toBe(true);
  });

  it.each([
    ['a changed claim', (jws: string) => withPayload(jws, (p) => (p.datasets = [{ registry: 'judicial-records', dataset: 'criminal-record' }]))],
    ['another citizen', (jws: string) => withPayload(jws, (p) => (p.sub = '079203000111'))],
    ['a later expiry', (jws: string) => withPayload(jws, (p) => (p.exp = (p.exp as number) + 86_400))],
    ['a changed signature', (jws: string) => `${jws.slice(0, -4)}${jws.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`],
    ['no signature', (jws: string) => `${jws.split('.').slice(0, 2).join('.')}.`],
    ['alg none', (jws: string) => `${base64url.encode(JSON.stringify({ alg: 'none', typ: CONSENT_REQUEST_JWT_TYPE }))}.${jws.split('.')[1]}.`],
    ['not a JWS', () => 'a.b.c'],
    ['junk', () => '\u0000'],
    ['too long', (jws: string) => `${jws}${'A'.repeat(5000)}`],
  ])('refuses %s as tampered', async (_what, alter) => {
    const jws = await signer.sign(request());
    expect(await signer.verify(alter(jws))).toMatchObject({ valid: false, reason: 'tampered' });
  });

  it('refuses evidence signed with the same key, and a request signed by another issuer or key, as tampered', async () => {
    const evidence = await new EvidenceSignerService({ issuer: ISSUER, keyStore: keys }).sign({
      registry: 'population',
      dataset: 'person',
      subjectId: '001099012345',
      version: '1',
      asOf: '2026-01-01T00:00:00Z',
      fields: ['fullName'],
      data: { fullName: 'A' },
    });
    expect(await signer.verify(evidence)).toMatchObject({ valid: false, reason: 'tampered' });
    // Nor does a signed request pass for evidence.
    const evidenceVerifier = new EvidenceSignerService({ issuer: ISSUER, keyStore: keys });
    expect(await evidenceVerifier.verify(await signer.sign(request()))).toMatchObject({ valid: false, reason: 'not_issued_here' });
    // The evidence's typ changed to a request's: the signature no longer matches.
    const retyped = `${base64url.encode(JSON.stringify({ alg: 'EdDSA', kid: keys.current().kid, typ: CONSENT_REQUEST_JWT_TYPE }))}.${evidence.split('.')[1]}.${evidence.split('.')[2]}`;
    expect(await signer.verify(retyped)).toMatchObject({ valid: false, reason: 'tampered' });

    const otherIssuer = new ConsentRequestSigner({ issuer: 'urn:someone-else', keys, now: () => now });
    expect(await signer.verify(await otherIssuer.sign(request()))).toMatchObject({ valid: false, reason: 'tampered' });

    const otherKeys = await EvidenceKeyStore.open({ dir: mkdtempSync(path.join(tmpdir(), 'motlan-consent-signer-other-')) });
    const forged = await new SignJWT({ code: 'K7M4QX2P' })
      .setProtectedHeader({ alg: 'EdDSA', kid: keys.current().kid, typ: CONSENT_REQUEST_JWT_TYPE })
      .setIssuer(ISSUER)
      .setSubject('001099012345')
      .setJti('crq_x')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(otherKeys.current().privateKey);
    expect(await signer.verify(forged)).toMatchObject({ valid: false, reason: 'tampered' });
    expect(await signer.verify(await new ConsentRequestSigner({ issuer: ISSUER, keys: otherKeys }).sign(request()))).toMatchObject({
      valid: false,
      reason: 'tampered',
    });
  });

  it('refuses a request signed with a key revoked since', async () => {
    const jws = await signer.sign(request());
    await keys.revoke(keys.current().kid, 'keyCompromise');
    expect(await signer.verify(jws)).toMatchObject({ valid: false, reason: 'tampered' });
  });

  it('refuses an expired request as expired, from its expiry on', async () => {
    const asked = request();
    const jws = await signer.sign(asked);
    now = Date.parse(asked.expiresAt) - 1000;
    expect((await signer.verify(jws)).valid).toBe(true);
    now = Date.parse(asked.expiresAt);
    expect(await signer.verify(jws)).toMatchObject({ valid: false, reason: 'expired' });
  });

  it('tells a stored request that differs in anything from the signed one', async () => {
    const asked = request();
    const check = await signer.verify(await signer.sign(asked));
    if (!check.valid) throw new Error(check.detail);
    const signed: SignedConsentRequest = check.request;
    for (const change of [
      { id: newConsentRequestId() },
      { code: newRequestCode() },
      { subjectId: '079203000111' },
      { procedure: '2.000635' },
      { dossierId: 'H01.22-0001' },
      { communeCode: '00007' },
      { datasets: [asked.datasets[0]] },
      { datasets: [...asked.datasets].reverse() },
      { validUntil: '2026-12-30T08:00:00.000Z' },
      { clientId: 'one-stop-00007' },
      { officerId: null },
      { expiresAt: new Date(T0 + 3_600_000).toISOString() },
    ] satisfies Array<Partial<ConsentRequest>>) {
      expect({ change, same: sameRequest(signed, { ...asked, ...change }) }).toEqual({ change, same: false });
    }
  });
});
