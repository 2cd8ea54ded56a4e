import type { Redis } from 'ioredis';
import { createCommandClient } from '@motlan/redis/redis-connection.client.js';
import { SyncFiguresSnapshotStore } from './sync-figures-snapshot.port.js';

export interface RedisSyncFiguresSnapshotOptions {
  url: string;
  /** Key of the snapshot, so several deployments can share one Redis. */
  key?: string;
  /** Per-command timeout in ms (default 5000: a snapshot can be a few megabytes). */
  commandTimeoutMs?: number;
}

/**
 * The production profile's snapshot: one Redis key shared by every gateway instance, replaced by
 * a single SET (atomic). No expiry: without it the next start reads both topics from the
 * beginning, which is correct but slow. Redis losing it (no persistence) costs the same, nothing more.
 */
export class RedisSyncFiguresSnapshotStore extends SyncFiguresSnapshotStore {
  private readonly redis: Redis;
  private readonly key: string;

  constructor(options: RedisSyncFiguresSnapshotOptions) {
    super();
    this.key = options.key ?? 'motlan:sync-figures:v1:snapshot';
    // Failures surface on the calls; the connection retries by itself.
    this.redis = createCommandClient(options.url, { commandTimeoutMs: options.commandTimeoutMs ?? 5000, lazyConnect: true });
  }

  async load(): Promise<string | undefined> {
    await this.connected();
    return (await this.redis.get(this.key)) ?? undefined;
  }

  async save(text: string): Promise<void> {
    await this.connected();
    await this.redis.set(this.key, text);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }

  /** Lazy: the gateway starts with Redis down; the figures then rebuild from the topics. */
  private async connected(): Promise<void> {
    if (this.redis.status === 'wait') await this.redis.connect();
    else if (this.redis.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.redis.off('ready', onReady);
          reject(new Error('redis not reachable'));
        }, 2000);
        const onReady = () => {
          clearTimeout(timer);
          resolve();
        };
        this.redis.once('ready', onReady);
      });
    }
  }
}
