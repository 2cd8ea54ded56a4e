import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { requireRedisUrl } from '../../test/support/services.js';
import type { OpsView } from './ops-view-store.port.js';
import { RedisOpsViewStore } from './redis-ops-view-store.adapter.js';

const view = (publishedAt: string): OpsView => ({
  version: 1,
  publishedAt,
  lag: { evaluatedAt: publishedAt, settings: { intervalMs: 100, windowMs: 1000, allowance: 1, stopAfterMs: 2000, historyMs: 10_000 }, groups: [] },
  communes: [{ communeCode: '00004', provinceCode: '01', received: 2, delivered: 1, pending: 1, failed: 0, oldestPendingAt: 1, pendingPartitions: [0] }],
});

describe('RedisOpsViewStore (real Redis)', () => {
  const key = `motlan:ops-view:test:${randomUUID()}`;
  let store: RedisOpsViewStore;
  let reader: RedisOpsViewStore;

  beforeAll(() => {
    const url = requireRedisUrl();
    store = new RedisOpsViewStore({ url, key });
    // Another process's store: what one publishes the other reads.
    reader = new RedisOpsViewStore({ url, key });
  });

  afterAll(async () => {
    await store.close();
    await reader.close();
  });

  it('reads nothing before a publication, then the last one published', async () => {
    expect(await reader.read()).toBeUndefined();
    await store.publish(view('2026-12-06T10:00:00.000Z'));
    await store.publish(view('2026-12-06T10:00:05.000Z'));
    expect(await reader.read()).toEqual(view('2026-12-06T10:00:05.000Z'));
  });

  it('ignores a key that does not hold a view', async () => {
    const redis = new Redis(requireRedisUrl());
    try {
      await redis.set(key, '{"version":7}');
      expect(await reader.read()).toBeUndefined();
    } finally {
      redis.disconnect();
    }
  });
});
