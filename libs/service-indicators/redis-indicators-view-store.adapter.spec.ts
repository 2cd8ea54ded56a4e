import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { requireRedisUrl } from '../../test/support/services.js';
import type { IndicatorsLiveView, PublishedDayRow } from './indicators-view-store.port.js';
import { RedisIndicatorsViewStore } from './redis-indicators-view-store.adapter.js';

const live = (publishedAt: string): IndicatorsLiveView => ({ version: 1, publishedAt, firstDay: '2025-11-02', communes: [['00004', 1_765_000_000_000, 2]] });
const row = (commune: string, received: number): PublishedDayRow => [commune, received, 0, 0, 0, 0, 0, 0, 0, 0];

describe('RedisIndicatorsViewStore (real Redis)', () => {
  const prefix = `motlan:service-indicators:test:${randomUUID()}`;
  let store: RedisIndicatorsViewStore;
  let reader: RedisIndicatorsViewStore;

  beforeAll(() => {
    const url = requireRedisUrl();
    store = new RedisIndicatorsViewStore({ url, prefix });
    // Another process's store: what one publishes the other reads.
    reader = new RedisIndicatorsViewStore({ url, prefix });
  });

  afterAll(async () => {
    await store.close();
    await reader.close();
  });

  it('reads nothing before a publication, then the days asked for, with only the changed days rewritten', async () => {
    expect(await reader.read(['2026-12-07'])).toEqual({ live: undefined, days: new Map() });
    await store.publish(
      live('2026-12-08T03:00:00.000Z'),
      new Map([
        ['2026-12-07', [row('00004', 3)]],
        ['2026-12-08', [row('00004', 1), row('26734', 2)]],
      ]),
      [],
    );
    // A later publication with today only leaves yesterday as it was, and drops a day out of the retention.
    await store.publish(live('2026-12-08T03:00:05.000Z'), new Map([['2026-12-08', [row('00004', 4)]]]), ['2026-12-07']);
    const read = await reader.read(['2026-12-07', '2026-12-08', '2026-12-09']);
    expect(read.live).toEqual(live('2026-12-08T03:00:05.000Z'));
    expect([...read.days.keys()]).toEqual(['2026-12-08']);
    expect(read.days.get('2026-12-08')).toEqual(new Map([['00004', [4, 0, 0, 0, 0, 0, 0, 0, 0]]]));
  });

  it('ignores values that are not a view', async () => {
    const redis = new Redis(requireRedisUrl());
    try {
      await redis.set(`${prefix}:live`, '{"version":7}');
      await redis.hset(`${prefix}:days`, '2026-12-10', '[["x",1]]');
      const read = await reader.read(['2026-12-10']);
      expect(read).toEqual({ live: undefined, days: new Map() });
    } finally {
      redis.disconnect();
    }
  });
});
