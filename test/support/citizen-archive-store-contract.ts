/**
 * What every CitizenArchiveStore must do, run against each implementation
 * (libs/citizen-archive/file-citizen-archive-store.adapter.spec.ts, and the Redis one in
 * test/integration/citizen-archive.int.spec.ts): items per citizen, idempotent by id and never
 * another citizen's; deletion takes the item's shares with it; items, shares and dossier links are
 * forgotten at their time; everything survives a reopen (a restart, or another instance).
 */
import { newShareId, type ArchiveShare, type StoredArchiveItem } from '@motlan/citizen-archive/archive-item.js';
import type { CitizenArchiveStore } from '@motlan/citizen-archive/citizen-archive-store.port.js';

export interface CitizenArchiveStoreUnderTest {
  store: CitizenArchiveStore;
  close(): Promise<void>;
  /** A new store over the same backing data. */
  reopen(): Promise<CitizenArchiveStore>;
}

/** Now, to the second: Redis expires keys by its own clock, so stored times must be near the real one. */
const T0 = Math.floor(Date.now() / 1000) * 1000;
const DAY = 86_400_000;
const A = 'subjectKeyOfCitizenA0';
const B = 'subjectKeyOfCitizenB0';
let counter = 0;

function item(subjectKey: string, storedAt: number, forgetAt = storedAt + 30 * DAY): StoredArchiveItem {
  counter++;
  return {
    id: `arc_${String(counter).padStart(22, 'x')}`,
    subjectKey,
    storedAt: new Date(storedAt).toISOString(),
    forgetAt: new Date(forgetAt).toISOString(),
    sealed: `sealed-${counter}`,
  };
}

function share(of: StoredArchiveItem, createdAt: number, validUntil = createdAt + DAY): ArchiveShare {
  return {
    id: newShareId(),
    itemId: of.id,
    subjectKey: of.subjectKey,
    communeCode: '00004',
    dossierId: 'H01.22-261123-0001',
    createdAt: new Date(createdAt).toISOString(),
    validUntil: new Date(validUntil).toISOString(),
  };
}

export function citizenArchiveStoreContract(make: (options: { now: () => number }) => Promise<CitizenArchiveStoreUnderTest>): void {
  let now = T0;
  let current: CitizenArchiveStoreUnderTest;

  beforeEach(async () => {
    now = T0;
    current = await make({ now: () => now });
  });
  afterEach(async () => {
    await current.close();
  });

  it('keeps items per citizen, newest first, once per id; another citizen never reads them', async () => {
    const { store } = current;
    const a1 = item(A, T0);
    const a2 = item(A, T0 + 1000);
    const b1 = item(B, T0 + 2000);
    for (const i of [a1, a2, b1]) expect(await store.put(i)).toBe(true);
    expect(await store.put({ ...a1, sealed: 'other' })).toBe(false);
    expect(await store.get(A, a1.id)).toEqual(a1);
    expect(await store.get(B, a1.id)).toBeNull();
    expect((await store.list(A)).map((i) => i.id)).toEqual([a2.id, a1.id]);
    expect((await store.list(B)).map((i) => i.id)).toEqual([b1.id]);
    expect(await (await current.reopen()).get(A, a2.id)).toEqual(a2);
  });

  it('deletes an item with its shares, only for its own citizen, and the deletion holds after a reopen', async () => {
    const { store } = current;
    const a1 = item(A, T0);
    const a2 = item(A, T0 + 1000);
    await store.put(a1);
    await store.put(a2);
    const s1 = share(a1, T0);
    const s2 = share(a2, T0 + 1);
    await store.addShare(s1);
    await store.addShare(s2);
    expect(await store.getShare(A, s1.id)).toEqual(s1);
    expect(await store.getShare(B, s1.id)).toBeNull();
    expect(await store.remove(B, a1.id)).toBe(false);
    expect(await store.remove(A, a1.id)).toBe(true);
    expect(await store.remove(A, a1.id)).toBe(false);
    expect(await store.get(A, a1.id)).toBeNull();
    expect(await store.getShare(A, s1.id)).toBeNull();
    expect((await store.listShares(A)).map((s) => s.id)).toEqual([s2.id]);
    const other = await current.reopen();
    expect((await other.list(A)).map((i) => i.id)).toEqual([a2.id]);
    expect(await other.getShare(A, s1.id)).toBeNull();
    expect(await other.getShare(A, s2.id)).toEqual(s2);
  });

  it('forgets items at forgetAt and shares at validUntil', async () => {
    const { store } = current;
    const a1 = item(A, T0, T0 + DAY);
    await store.put(a1);
    const s1 = share(a1, T0, T0 + 60_000);
    await store.addShare(s1);
    now = T0 + 59_000;
    expect(await store.getShare(A, s1.id)).toEqual(s1);
    now = T0 + 60_000;
    expect(await store.getShare(A, s1.id)).toBeNull();
    expect(await store.listShares(A)).toEqual([]);
    expect(await store.get(A, a1.id)).toEqual(a1);
    now = T0 + DAY;
    expect(await store.get(A, a1.id)).toBeNull();
    expect(await store.list(A)).toEqual([]);
    expect(await (await current.reopen()).list(A)).toEqual([]);
  });

  it("links a commune's dossier to its citizens, per commune", async () => {
    const { store } = current;
    const forgetAt = new Date(T0 + DAY).toISOString();
    await store.linkDossier({ communeCode: '00004', dossierId: 'D-1', subjectKey: A, forgetAt });
    await store.linkDossier({ communeCode: '00004', dossierId: 'D-1', subjectKey: A, forgetAt });
    await store.linkDossier({ communeCode: '00004', dossierId: 'D-1', subjectKey: B, forgetAt });
    expect((await store.dossierSubjects('00004', 'D-1')).sort()).toEqual([A, B].sort());
    expect(await store.dossierSubjects('00007', 'D-1')).toEqual([]);
    expect(await store.dossierSubjects('00004', 'D-2')).toEqual([]);
    expect((await (await current.reopen()).dossierSubjects('00004', 'D-1')).sort()).toEqual([A, B].sort());
  });
}
