/**
 * What every AccessLogStore must do, run against each implementation by its own spec
 * (libs/access-log/*-access-log-store.adapter.spec.ts): per-citizen logs, newest first,
 * idempotent adds, cursor paging without gaps or duplicates, from/to, retention and bound;
 * refusals counted per client, reason, dataset and hour, kept apart from the accesses, and bounded
 * per citizen and in the number of citizens holding only refusals.
 */
import { refusalEntryId, type AccessLogAddition } from '@motlan/access-log/access-log-entry.js';
import type { AccessLogStore } from '@motlan/access-log/access-log-store.port.js';

export interface StoreUnderTest {
  store: AccessLogStore;
  close(): Promise<void>;
  /** Citizens holding refusal entries in the backing store itself (not as seen through page()). */
  refusalCitizens(): Promise<number>;
}

export interface StoreFactoryOptions {
  now: () => number;
  retentionDays?: number;
  maxPerCitizen?: number;
  maxRefusalsPerCitizen?: number;
  maxRefusalOnlyCitizens?: number;
}

export const CITIZEN_A = '001099012345';
export const CITIZEN_B = '079203000111';

const T0 = Date.parse('2026-03-01T08:00:00.000Z');

let counter = 0;
/** An addition for `subjectId` at T0 + `offsetMs`, with a fresh id unless given. */
export function addition(subjectId: string, offsetMs: number, extra: Partial<AccessLogAddition> = {}): AccessLogAddition {
  counter++;
  return {
    subjectId,
    id: `id${String(counter).padStart(20, '0')}`,
    time: new Date(T0 + offsetMs).toISOString(),
    requestId: `req-${counter}`,
    clientId: 'commune-00004',
    clientCommune: '00004',
    officerId: 'officer-001',
    purpose: '1.004222',
    dossierId: null,
    registry: 'population',
    dataset: 'person',
    fields: ['fullName'],
    outcome: 'answered',
    status: 200,
    code: null,
    writer: 'gw-test',
    seq: counter,
    ...extra,
  };
}

export function accessLogStoreContract(make: (options: StoreFactoryOptions) => Promise<StoreUnderTest>): void {
  let now = T0 + 3_600_000;
  let current: StoreUnderTest | undefined;
  const open = async (options: Partial<StoreFactoryOptions> = {}) => {
    current = await make({ now: () => now, ...options });
    return current.store;
  };

  beforeEach(() => {
    now = T0 + 3_600_000;
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });

  it("keeps each citizen's entries apart, newest first, without the citizen's id", async () => {
    const store = await open();
    const a1 = addition(CITIZEN_A, 1000);
    const b1 = addition(CITIZEN_B, 1500, { clientId: 'commune-00007' });
    const a2 = addition(CITIZEN_A, 2000, { outcome: 'refused', status: 403, code: 'missing_scope' });
    for (const entry of [a1, b1, a2]) expect(await store.add(entry)).toBe(true);
    const pageA = await store.page(CITIZEN_A, { limit: 10 });
    expect(pageA.nextCursor).toBeNull();
    expect(pageA.entries.map((e) => e.id)).toEqual([refusalEntryId(a2), a1.id]);
    const { subjectId: _a, ...expectedA2 } = a2;
    // A refusal is the entry of its client, reason, dataset and hour: the first attempt, its count and latest time.
    expect(pageA.entries[0]).toEqual({ ...expectedA2, id: refusalEntryId(a2), count: 1, lastTime: a2.time });
    expect(JSON.stringify(pageA.entries)).not.toContain(CITIZEN_A);
    expect((await store.page(CITIZEN_B, { limit: 10 })).entries.map((e) => e.id)).toEqual([b1.id]);
    expect((await store.page('001099099999', { limit: 10 })).entries).toEqual([]);
  });

  it('adds an entry delivered twice once', async () => {
    const store = await open();
    const entry = addition(CITIZEN_A, 1000);
    expect(await store.add(entry)).toBe(true);
    expect(await store.add({ ...entry })).toBe(false);
    expect((await store.page(CITIZEN_A, { limit: 10 })).entries).toHaveLength(1);
  });

  it('pages with a cursor through entries sharing a time: all of them, once each, newest first', async () => {
    const store = await open();
    const added: AccessLogAddition[] = [];
    // 25 entries over 9 distinct instants, so pages end in the middle of a tie.
    for (let i = 0; i < 25; i++) added.push(addition(CITIZEN_A, Math.floor(i / 3) * 1000));
    for (const entry of [...added].reverse()) await store.add(entry);
    await store.add(addition(CITIZEN_B, 500));
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = await store.page(CITIZEN_A, { limit: 10, cursor });
      sizes.push(page.entries.length);
      seen.push(...page.entries.map((e) => e.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(sizes).toEqual([10, 10, 5]);
    expect(new Set(seen).size).toBe(25);
    const expected = [...added].sort((x, y) => (x.time === y.time ? (x.id < y.id ? 1 : -1) : x.time < y.time ? 1 : -1)).map((e) => e.id);
    expect(seen).toEqual(expected);
  });

  it('answers a full last page without a cursor to nothing', async () => {
    const store = await open();
    for (let i = 0; i < 4; i++) await store.add(addition(CITIZEN_A, i * 1000));
    const page = await store.page(CITIZEN_A, { limit: 4 });
    expect(page.entries).toHaveLength(4);
    expect(page.nextCursor).toBeNull();
  });

  it('limits to [from, to) and keeps the limits while paging', async () => {
    const store = await open();
    const entries = Array.from({ length: 10 }, (_, i) => addition(CITIZEN_A, i * 60_000));
    for (const entry of entries) await store.add(entry);
    const from = Date.parse(entries[2].time);
    const to = Date.parse(entries[8].time);
    const first = await store.page(CITIZEN_A, { from, to, limit: 4 });
    expect(first.entries.map((e) => e.id)).toEqual([entries[7], entries[6], entries[5], entries[4]].map((e) => e.id));
    const second = await store.page(CITIZEN_A, { from, to, limit: 4, cursor: first.nextCursor! });
    expect(second.entries.map((e) => e.id)).toEqual([entries[3], entries[2]].map((e) => e.id));
    expect(second.nextCursor).toBeNull();
  });

  it('refuses a cursor altered, made up, or given to another citizen (400 invalid_cursor)', async () => {
    const store = await open();
    for (let i = 0; i < 3; i++) await store.add(addition(CITIZEN_A, i * 1000));
    for (let i = 0; i < 3; i++) await store.add(addition(CITIZEN_B, i * 1000));
    const { nextCursor } = await store.page(CITIZEN_A, { limit: 1 });
    expect(nextCursor).toEqual(expect.any(String));
    const cursor = nextCursor!;
    const [position, mac] = cursor.split('.');
    const shifted = Buffer.from(Buffer.from(position, 'base64url').toString().replace(/^\d/, '9')).toString('base64url');
    for (const bad of [`${shifted}.${mac}`, `${position}.${'A'.repeat(mac.length)}`, 'bm90LWEtY3Vyc29y', '']) {
      await expect(store.page(CITIZEN_A, { limit: 1, cursor: bad })).rejects.toMatchObject({ status: 400, code: 'invalid_cursor' });
    }
    await expect(store.page(CITIZEN_B, { limit: 1, cursor })).rejects.toMatchObject({ status: 400, code: 'invalid_cursor' });
    expect((await store.page(CITIZEN_A, { limit: 5, cursor })).entries).toHaveLength(2);
  });

  it('neither keeps nor shows entries past the retention', async () => {
    const store = await open({ retentionDays: 1 });
    const day = 86_400_000;
    expect(await store.add(addition(CITIZEN_A, -2 * day))).toBe(false);
    const old = addition(CITIZEN_A, 0);
    const recent = addition(CITIZEN_A, day / 2);
    await store.add(old);
    await store.add(recent);
    expect((await store.page(CITIZEN_A, { limit: 10 })).entries.map((e) => e.id)).toEqual([recent.id, old.id]);
    now += day;
    expect((await store.page(CITIZEN_A, { limit: 10 })).entries.map((e) => e.id)).toEqual([recent.id]);
  });

  it('shows answered entries an audit notice names as refused 503 audit_unavailable, whether the notice comes before or after them', async () => {
    const store = await open();
    const named = addition(CITIZEN_A, 1000, { writer: 'gw-1', seq: 5 });
    const refused = addition(CITIZEN_A, 2000, { writer: 'gw-1', seq: 6, outcome: 'refused', status: 403, code: 'missing_scope' });
    const otherWriter = addition(CITIZEN_A, 3000, { writer: 'gw-2', seq: 5 });
    const outside = addition(CITIZEN_A, 4000, { writer: 'gw-1', seq: 9 });
    const unchained = addition(CITIZEN_A, 4500, { writer: '', seq: 0 });
    for (const entry of [named, refused, otherWriter, outside, unchained]) await store.add(entry);
    await store.addNotice('gw-1', [
      [4, 5],
      [6, 7],
    ]);
    await store.addNotice('gw-1', [[4, 5]]);
    const later = addition(CITIZEN_A, 5000, { writer: 'gw-1', seq: 7 });
    await store.add(later);
    const byId = new Map((await store.page(CITIZEN_A, { limit: 10 })).entries.map((e) => [e.id, e]));
    expect(byId.get(named.id)).toMatchObject({ outcome: 'refused', status: 503, code: 'audit_unavailable' });
    expect(byId.get(later.id)).toMatchObject({ outcome: 'refused', status: 503, code: 'audit_unavailable' });
    expect(byId.get(refusalEntryId(refused))).toMatchObject({ outcome: 'refused', status: 403, code: 'missing_scope' });
    for (const entry of [otherWriter, outside, unchained]) expect(byId.get(entry.id)).toMatchObject({ outcome: 'answered', status: 200, code: null });
  });

  it('keeps at most maxPerCitizen entries, dropping the oldest', async () => {
    const store = await open({ maxPerCitizen: 3 });
    const entries = Array.from({ length: 5 }, (_, i) => addition(CITIZEN_A, i * 1000));
    for (const entry of entries) await store.add(entry);
    expect((await store.page(CITIZEN_A, { limit: 10 })).entries.map((e) => e.id)).toEqual([entries[4], entries[3], entries[2]].map((e) => e.id));
  });

  it('counts repeated refusals of one client, reason and dataset within an hour in one entry, each attempt once', async () => {
    const store = await open();
    const first = addition(CITIZEN_A, 1000, { outcome: 'refused', status: 403, code: 'missing_scope', clientId: 'scopeless' });
    expect(await store.add(first)).toBe(true);
    const repeats = Array.from({ length: 49 }, (_, i) =>
      addition(CITIZEN_A, 2000 + i, { outcome: 'refused', status: 403, code: 'missing_scope', clientId: 'scopeless' }),
    );
    for (const repeat of repeats) expect(await store.add(repeat)).toBe(true);
    // Delivered again (at least once): same writer, a seq already counted.
    expect(await store.add({ ...repeats[10] })).toBe(false);
    expect(await store.add({ ...first })).toBe(false);
    // Apart: another reason, another client, another dataset, the next hour.
    const others = [
      addition(CITIZEN_A, 3000, { outcome: 'refused', status: 404, code: 'subject_not_found', clientId: 'scopeless' }),
      addition(CITIZEN_A, 4000, { outcome: 'refused', status: 403, code: 'missing_scope', clientId: 'other-client' }),
      addition(CITIZEN_A, 5000, { outcome: 'refused', status: 403, code: 'missing_scope', clientId: 'scopeless', dataset: 'household', registry: 'residence' }),
      addition(CITIZEN_A, 3_600_000, { outcome: 'refused', status: 403, code: 'missing_scope', clientId: 'scopeless' }),
    ];
    for (const other of others) expect(await store.add(other)).toBe(true);
    const { entries } = await store.page(CITIZEN_A, { limit: 100 });
    expect(entries.map((e) => [e.id, e.count])).toEqual([...[...others].reverse().map((o) => [refusalEntryId(o), 1]), [refusalEntryId(first), 50]]);
    expect(entries[entries.length - 1]).toMatchObject({
      requestId: first.requestId,
      time: first.time,
      lastTime: repeats[48].time,
      outcome: 'refused',
      code: 'missing_scope',
    });
  });

  it('keeps refusals apart from accesses: no number of refusals pushes an access out', async () => {
    const store = await open({ maxPerCitizen: 3, maxRefusalsPerCitizen: 2 });
    const accesses = Array.from({ length: 3 }, (_, i) => addition(CITIZEN_A, i * 1000));
    for (const access of accesses) await store.add(access);
    // 60 refusals by 60 made-up client systems (no two counted together), after the accesses.
    const refusals = Array.from({ length: 60 }, (_, i) =>
      addition(CITIZEN_A, 10_000 + i, { outcome: 'refused', status: 403, code: 'missing_scope', clientId: `flood-${i}` }),
    );
    for (const refusal of refusals) await store.add(refusal);
    const { entries } = await store.page(CITIZEN_A, { limit: 100 });
    expect(entries.map((e) => e.id)).toEqual([refusalEntryId(refusals[59]), refusalEntryId(refusals[58]), ...[...accesses].reverse().map((a) => a.id)]);
  });

  it('pages through accesses and refusals together, newest first, each once', async () => {
    const store = await open();
    const added: Array<{ id: string; time: number }> = [];
    for (let i = 0; i < 12; i++) {
      const entry = addition(CITIZEN_A, i * 1000, i % 3 === 0 ? { outcome: 'refused', status: 403, code: 'missing_scope', clientId: `client-${i}` } : {});
      await store.add(entry);
      added.push({ id: entry.outcome === 'refused' ? refusalEntryId(entry) : entry.id, time: i });
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const page = await store.page(CITIZEN_A, { limit: 5, cursor });
      seen.push(...page.entries.map((e) => e.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...added].reverse().map((a) => a.id));
  });

  it('bounds the citizens holding only refusals (made-up ids), dropping the least recently refused, never a citizen with accesses', async () => {
    const store = await open({ maxRefusalOnlyCitizens: 3 });
    const refused = (subjectId: string, offsetMs: number) =>
      addition(subjectId, offsetMs, { outcome: 'refused', status: 404, code: 'subject_not_found', clientId: 'sprayer' });
    await store.add(addition(CITIZEN_A, 0));
    await store.add(refused(CITIZEN_A, 500));
    const madeUp = Array.from({ length: 20 }, (_, i) => `0010990${String(i).padStart(5, '0')}`);
    for (const [i, id] of madeUp.entries()) await store.add(refused(id, 1000 + i * 1000));
    expect(await current!.refusalCitizens()).toBe(4);
    for (const id of madeUp.slice(0, 17)) expect((await store.page(id, { limit: 10 })).entries).toEqual([]);
    for (const id of madeUp.slice(17)) expect((await store.page(id, { limit: 10 })).entries).toHaveLength(1);
    expect((await store.page(CITIZEN_A, { limit: 10 })).entries.map((e) => e.outcome)).toEqual(['refused', 'answered']);
    // A citizen first refused, then accessed, keeps their refusals from then on.
    await store.add(addition(madeUp[19], 30_000));
    for (let i = 0; i < 5; i++) await store.add(refused(`0790990${String(i).padStart(5, '0')}`, 40_000 + i * 1000));
    expect((await store.page(madeUp[19], { limit: 10 })).entries.map((e) => e.outcome)).toEqual(['answered', 'refused']);
    expect(await current!.refusalCitizens()).toBe(5);
  });
}
