/**
 * The production snapshot store against a real Redis (the Jest global setup provides one; see
 * test/support/services.ts): one key shared by every instance, replaced whole; a store that cannot
 * answer rejects, so the figures rebuild from the topics instead of starting empty.
 */
import { randomUUID } from 'node:crypto';
import { requireRedisUrl } from '../../test/support/services.js';
import { RedisSyncFiguresSnapshotStore } from './redis-sync-figures-snapshot.adapter.js';

const stores: RedisSyncFiguresSnapshotStore[] = [];
const store = (url: string, key: string) => {
  const s = new RedisSyncFiguresSnapshotStore({ url, key });
  stores.push(s);
  return s;
};

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

describe('RedisSyncFiguresSnapshotStore', () => {
  it('has nothing at first, then the last snapshot saved by any instance', async () => {
    const key = `motlan:sync-figures:test:${randomUUID()}`;
    const a = store(requireRedisUrl(), key);
    const b = store(requireRedisUrl(), key);
    expect(await a.load()).toBeUndefined();
    await a.save('{"version":1,"first":true}');
    expect(await b.load()).toBe('{"version":1,"first":true}');
    const big = JSON.stringify({ version: 1, settled: Array.from({ length: 100_000 }, (_, i) => [`DOSSIER-${i}#1`, i]) });
    await b.save(big);
    expect(await a.load()).toBe(big);
  });

  it('rejects when Redis cannot be reached', async () => {
    const down = store('redis://127.0.0.1:1', `motlan:sync-figures:test:${randomUUID()}`);
    await expect(down.load()).rejects.toThrow();
    await expect(down.save('{}')).rejects.toThrow();
  });
});
