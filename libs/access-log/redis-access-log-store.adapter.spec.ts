/** The Redis access log against the real Redis of the test harness (test/support/services.ts). */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { accessLogStoreContract, addition, CITIZEN_A } from '../../test/support/access-log-store-contract.js';
import { requireRedisUrl } from '../../test/support/services.js';
import { RedisAccessLogStore, type RedisAccessLogStoreOptions } from './redis-access-log-store.adapter.js';

let url: string;
let admin: Redis;
const secret = randomBytes(32);

beforeAll(() => {
  url = requireRedisUrl();
  admin = new Redis(url);
});

afterAll(async () => {
  await admin.quit();
});

async function open(prefix: string, options: Omit<RedisAccessLogStoreOptions, 'url' | 'secret' | 'prefix'> = {}): Promise<RedisAccessLogStore> {
  const store = new RedisAccessLogStore({ url, secret, prefix, ...options });
  expect(await store.waitUntilReady()).toBe(true);
  return store;
}

describe('RedisAccessLogStore', () => {
  accessLogStoreContract(async (options) => {
    const prefix = `motlan:al:test:${randomUUID()}:`;
    const store = await open(prefix, options);
    // Refusal sorted sets as they are in Redis: what made-up ids could make grow.
    return { store, close: () => store.close(), refusalCitizens: async () => (await admin.keys(`${prefix}*:rz`)).length };
  });

  it("names keys by a keyed hash of the citizen's id, expiring after the retention", async () => {
    const prefix = `motlan:al:test:${randomUUID()}:`;
    const store = await open(prefix, { retentionDays: 30 });
    try {
      await store.add(addition(CITIZEN_A, Date.now() - Date.parse('2026-03-01T08:00:00.000Z')));
      const keys = await admin.keys(`${prefix}*`);
      expect(keys).toHaveLength(2);
      for (const key of keys) {
        expect(key).not.toContain(CITIZEN_A);
        const ttl = await admin.pttl(key);
        expect(ttl).toBeGreaterThan(29 * 86_400_000);
        expect(ttl).toBeLessThanOrEqual(30 * 86_400_000);
      }
      // A second gateway instance with the same secret reads the same log and accepts the cursors of the first.
      await store.add(addition(CITIZEN_A, Date.now() - Date.parse('2026-03-01T08:00:00.000Z') - 1000));
      const other = await open(prefix, { retentionDays: 30 });
      const first = await store.page(CITIZEN_A, { limit: 1 });
      const second = await other.page(CITIZEN_A, { limit: 1, cursor: first.nextCursor! });
      expect(second.entries).toHaveLength(1);
      expect(second.entries[0].id).not.toBe(first.entries[0].id);
      await other.close();
    } finally {
      await store.close();
    }
  });

  it('answers 503 access_log_unavailable when Redis cannot be reached', async () => {
    const store = new RedisAccessLogStore({ url: 'redis://127.0.0.1:1', secret, prefix: 'motlan:al:test:down:' });
    try {
      await expect(store.page(CITIZEN_A, { limit: 5 })).rejects.toMatchObject({ status: 503, code: 'access_log_unavailable' });
      await expect(store.add(addition(CITIZEN_A, 0, { time: new Date().toISOString() }))).rejects.toThrow();
    } finally {
      await store.close();
    }
  });
});
