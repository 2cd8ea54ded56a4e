import type { Redis } from 'ioredis';
import { createCommandClient, waitUntilReady } from '@motlan/redis/redis-connection.client.js';
import { decodeOpsView, encodeOpsView, OpsViewStore, type OpsView } from './ops-view-store.port.js';

export interface RedisOpsViewStoreOptions {
  url: string;
  /** Key of the view, so several deployments can share one Redis. */
  key?: string;
  /** Per-command timeout in ms (default 2000: a view of every commune is a few hundred kilobytes). */
  commandTimeoutMs?: number;
}

/**
 * The production profile's ops view: one Redis key, replaced by a single SET (atomic) by whichever
 * worker publishes. No expiry: when every worker is gone the `api` processes keep showing the last
 * view, with its `publishedAt`, rather than nothing.
 */
export class RedisOpsViewStore extends OpsViewStore {
  private readonly redis: Redis;
  private readonly key: string;

  constructor(options: RedisOpsViewStoreOptions) {
    super();
    this.key = options.key ?? 'motlan:ops-view:v1';
    // Commands fail fast while Redis is away; the connection retries by itself.
    this.redis = createCommandClient(options.url, { commandTimeoutMs: options.commandTimeoutMs ?? 2000 });
  }

  async publish(view: OpsView): Promise<void> {
    await this.connected();
    await this.redis.set(this.key, encodeOpsView(view));
  }

  async read(): Promise<OpsView | undefined> {
    await this.connected();
    const text = await this.redis.get(this.key);
    return text === null ? undefined : decodeOpsView(text);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** Commands fail at once while disconnected: the first ones after start wait for the connection a little. */
  private async connected(): Promise<void> {
    if (!(await waitUntilReady(this.redis, 2000))) throw new Error('redis not reachable');
  }
}
