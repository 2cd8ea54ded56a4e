import type { Redis } from 'ioredis';
import { createCommandClient, waitUntilReady } from '@motlan/redis/redis-connection.client.js';
import {
  decodeDayRows,
  decodeLiveView,
  IndicatorsViewStore,
  type IndicatorsLiveView,
  type IndicatorsRead,
  type PublishedDayRow,
} from './indicators-view-store.port.js';

export interface RedisIndicatorsViewStoreOptions {
  url: string;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  commandTimeoutMs?: number;
}

/**
 * The production profile's view: `<prefix>:live` (one JSON value) and `<prefix>:days` (a hash,
 * field = day, value = that day's rows), written in one MULTI so a reader never sees the live
 * part of one publication with the days of another. No expiry: with every worker gone the `api`
 * processes keep answering with the last publication, and its `publishedAt` says how old it is.
 */
export class RedisIndicatorsViewStore extends IndicatorsViewStore {
  private readonly redis: Redis;
  private readonly liveKey: string;
  private readonly daysKey: string;

  constructor(options: RedisIndicatorsViewStoreOptions) {
    super();
    const prefix = options.prefix ?? 'motlan:service-indicators:v1';
    this.liveKey = `${prefix}:live`;
    this.daysKey = `${prefix}:days`;
    this.redis = createCommandClient(options.url, { commandTimeoutMs: options.commandTimeoutMs ?? 3000 });
  }

  async publish(live: IndicatorsLiveView, days: Map<string, PublishedDayRow[]>, removedDays: string[]): Promise<void> {
    await this.connected();
    const tx = this.redis.multi().set(this.liveKey, JSON.stringify(live));
    if (days.size) tx.hset(this.daysKey, Object.fromEntries([...days].map(([day, rows]) => [day, JSON.stringify(rows)])));
    if (removedDays.length) tx.hdel(this.daysKey, ...removedDays);
    const results = await tx.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0]!;
  }

  async read(days: string[]): Promise<IndicatorsRead> {
    await this.connected();
    const [liveText, dayTexts] = await Promise.all([this.redis.get(this.liveKey), days.length ? this.redis.hmget(this.daysKey, ...days) : Promise.resolve([])]);
    const out = new Map<string, Map<string, number[]>>();
    days.forEach((day, i) => {
      const rows = dayTexts[i] ? decodeDayRows(dayTexts[i]!) : undefined;
      if (rows) out.set(day, rows);
    });
    return { live: liveText ? decodeLiveView(liveText) : undefined, days: out };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private async connected(): Promise<void> {
    if (!(await waitUntilReady(this.redis, 2000))) throw new Error('redis not reachable');
  }
}
