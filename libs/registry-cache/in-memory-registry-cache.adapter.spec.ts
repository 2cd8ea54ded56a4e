import { InMemoryRegistryCache } from './in-memory-registry-cache.adapter.js';
import { compareVersions, type CachedRecord } from './registry-cache.port.js';

const key = { registry: 'population', dataset: 'person', subjectId: '001099012345' };
const record = (version: string): CachedRecord => ({
  found: true,
  data: { fullName: 'x' },
  version,
  asOf: '2026-01-01T00:00:00Z',
  fetchedAt: Date.now(),
  freshUntil: Date.now() + 1000,
});

describe('InMemoryRegistryCache', () => {
  it('stores, returns and deletes entries', async () => {
    const cache = new InMemoryRegistryCache({ maxEntries: 10 });
    expect(await cache.get(key)).toBeUndefined();
    await cache.set(key, record('1'), 60);
    expect((await cache.get(key))?.version).toBe('1');
    await cache.delete(key);
    expect(await cache.get(key)).toBeUndefined();
  });

  it('never replaces a newer version with an older one', async () => {
    const cache = new InMemoryRegistryCache({ maxEntries: 10 });
    await cache.set(key, record('10'), 60);
    await cache.set(key, record('9'), 60);
    expect((await cache.get(key))?.version).toBe('10');
    await cache.set(key, record('11'), 60);
    expect((await cache.get(key))?.version).toBe('11');
  });

  it('evicts the least recently used entry beyond its bound', async () => {
    const cache = new InMemoryRegistryCache({ maxEntries: 2 });
    for (const id of ['1', '2', '3']) await cache.set({ ...key, subjectId: id }, record('1'), 60);
    expect(await cache.get({ ...key, subjectId: '1' })).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('expires entries after their retention', async () => {
    const cache = new InMemoryRegistryCache({ maxEntries: 2 });
    await cache.set(key, record('1'), 1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await cache.get(key)).toBeUndefined();
  });

  it('compares uint64 versions as decimal strings', () => {
    expect(compareVersions('9', '10')).toBeLessThan(0);
    expect(compareVersions('18446744073709551615', '18446744073709551614')).toBeGreaterThan(0);
    expect(compareVersions('5', '5')).toBe(0);
  });
});

describe('invalidate (change events)', () => {
  it('replaces an older entry by a marker that keeps older fetches out, and ignores older events', async () => {
    const cache = new InMemoryRegistryCache({ maxEntries: 10 });
    await cache.set(key, record('3'), 60);
    expect(await cache.invalidate(key, '3', '2026-01-01T00:00:00Z', 60)).toBe(false);
    expect(await cache.invalidate(key, '2', '2026-01-01T00:00:00Z', 60)).toBe(false);
    expect((await cache.get(key))?.invalidated).toBeUndefined();
    expect(await cache.invalidate(key, '4', '2026-01-01T00:00:00Z', 60)).toBe(true);
    expect(await cache.get(key)).toMatchObject({ invalidated: true, version: '4', data: null });
    await cache.set(key, record('3'), 60); // a fetch that started before the change lands late
    expect((await cache.get(key))?.invalidated).toBe(true);
    await cache.set(key, record('4'), 60);
    expect(await cache.get(key)).toMatchObject({ version: '4', data: { fullName: 'x' } });
  });
});
