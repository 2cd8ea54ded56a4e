import type { Redis } from 'ioredis';
import { createCommandClient, waitUntilReady } from '@motlan/redis/redis-connection.client.js';
import { DataQualityViewStore, decodeDataQualityView, type DataQualityView } from './data-quality-view.js';

/**
 * The production profile's view: one key holding the published JSON, no expiry (with every worker
 * gone, `api` processes keep answering with the last publication; `viewAsOf` says how old it is).
 * Bounded by the retention × registries × communes that read, not by the reads.
 */
export class RedisDataQualityViewStore extends DataQualityViewStore {
  private readonly redis: Redis;
  private readonly key: string;

  constructor(options: { url: string; key?: string; commandTimeoutMs?: number }) {
    super();
    this.key = options.key ?? 'motlan:data-quality:v1:view';
    this.redis = createCommandClient(options.url, { commandTimeoutMs: options.commandTimeoutMs ?? 3000 });
  }

  async publish(view: DataQualityView): Promise<void> {
    await this.connected();
    await this.redis.set(this.key, JSON.stringify(view));
  }

  async read(): Promise<DataQualityView | undefined> {
    await this.connected();
    const text = await this.redis.get(this.key);
    return text ? decodeDataQualityView(text) : undefined;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  private async connected(): Promise<void> {
    if (!(await waitUntilReady(this.redis, 2000))) throw new Error('redis not reachable');
  }
}
