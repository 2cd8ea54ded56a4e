import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { requireRedisUrl } from '../../test/support/services.js';
import type { DataQualityView } from './data-quality-view.js';
import { RedisDataQualityViewStore } from './redis-data-quality-view-store.adapter.js';

const view = (publishedAt: string, reads: number): DataQualityView => ({
  version: 1,
  publishedAt,
  days: [['2026-12-06', [['population|26734', reads, 0, 0, 0, 0, 0, 0, 0, 0]]]],
});

describe('RedisDataQualityViewStore (real Redis)', () => {
  const key = `motlan:data-quality:test:${randomUUID()}`;
  let store: RedisDataQualityViewStore;
  let reader: RedisDataQualityViewStore;

  beforeAll(() => {
    const url = requireRedisUrl();
    store = new RedisDataQualityViewStore({ url, key });
    // Another process's store: what a worker publishes an api process reads.
    reader = new RedisDataQualityViewStore({ url, key });
  });

  afterAll(async () => {
    await store.close();
    await reader.close();
  });

  it('reads nothing before a publication, then the last one published', async () => {
    expect(await reader.read()).toBeUndefined();
    await store.publish(view('2026-12-06T03:00:00.000Z', 3));
    await store.publish(view('2026-12-06T03:00:05.000Z', 4));
    expect(await reader.read()).toEqual(view('2026-12-06T03:00:05.000Z', 4));
  });

  it('ignores a value that is not a view', async () => {
    const redis = new Redis(requireRedisUrl());
    try {
      await redis.set(key, JSON.stringify({ version: 1, publishedAt: 'x', days: [['2026-12-06', [['population|<b>', 1, 0, 0, 0, 0, 0, 0, 0, 0]]]] }));
      expect(await reader.read()).toBeUndefined();
    } finally {
      redis.disconnect();
    }
  });
});
