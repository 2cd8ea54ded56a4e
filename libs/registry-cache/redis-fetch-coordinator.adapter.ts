import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createCommandClient, createSubscriberClient } from '@motlan/redis/redis-connection.client.js';
import { FetchCoordinator } from './fetch-coordinator.port.js';
import { RecordSealer } from './record-sealer.js';

export interface RedisFetchCoordinatorOptions {
  url: string;
  secret: Buffer;
  /** How long a fetch lock lives if its holder dies (ms): a bit more than the registry deadline. */
  lockTtlMs: number;
  /** How long a waiter waits for the holder before fetching itself (ms). */
  waitMs: number;
  prefix?: string;
}

const RELEASE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type RedisWithScripts = Redis & { releaseIfOwner(key: string, token: string): Promise<number> };

/**
 * Cross-instance coalescing with a short-lived Redis lock (SET NX PX) plus a pub/sub notification
 * when the holder has filled the cache. Waiters fall back to fetching themselves after `waitMs`
 * (holder died, Redis hiccup): coalescing is an optimisation, never a reason to fail a lookup.
 */
@Injectable()
export class RedisFetchCoordinator extends FetchCoordinator implements OnModuleDestroy {
  private readonly logger = new Logger(RedisFetchCoordinator.name);
  private readonly redis: RedisWithScripts;
  private readonly subscriber: Redis;
  private readonly sealer: RecordSealer;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly instanceToken = randomUUID();

  constructor(private readonly options: RedisFetchCoordinatorOptions) {
    super();
    this.sealer = new RecordSealer(options.secret);
    this.prefix = options.prefix ?? 'motlan:lock:v1:';
    this.channel = `${this.prefix}filled`;
    this.redis = createCommandClient(options.url, { commandTimeoutMs: 250 }) as RedisWithScripts;
    this.redis.defineCommand('releaseIfOwner', { numberOfKeys: 1, lua: RELEASE_IF_OWNER });
    // The subscriber keeps an offline queue so it re-subscribes by itself after a reconnect.
    this.subscriber = createSubscriberClient(options.url);
    this.subscriber.on('message', (_channel: string, hash: string) => this.wake(hash));
    void this.subscriber.subscribe(this.channel).catch((error: Error) => this.logger.warn({ reason: error.message }, 'fetch notifications unavailable'));
  }

  async coordinate<T>(identity: string, fetch: () => Promise<T>, readCached: () => Promise<T | undefined>): Promise<T> {
    if (this.redis.status !== 'ready') return fetch();
    const hash = this.sealer.hashKey(identity);
    const lockKey = this.prefix + hash;
    const token = `${this.instanceToken}:${randomUUID()}`;
    // Listen before trying the lock, so a holder finishing in between cannot be missed.
    const notified = this.waitFor(hash);
    let acquired: string | null;
    try {
      acquired = await this.redis.set(lockKey, token, 'PX', this.options.lockTtlMs, 'NX');
    } catch {
      notified.cancel();
      return fetch();
    }
    if (acquired === 'OK') {
      notified.cancel();
      try {
        return await fetch();
      } finally {
        await this.redis.releaseIfOwner(lockKey, token).catch(() => 0);
        await this.redis.publish(this.channel, hash).catch(() => 0);
      }
    }
    const already = await readCached();
    if (already !== undefined) {
      notified.cancel();
      return already;
    }
    await notified.promise;
    return (await readCached()) ?? fetch();
  }

  private waitFor(hash: string): { promise: Promise<void>; cancel: () => void } {
    let done!: () => void;
    const promise = new Promise<void>((resolve) => (done = resolve));
    const set = this.waiters.get(hash) ?? new Set<() => void>();
    this.waiters.set(hash, set);
    const timer = setTimeout(() => finish(), this.options.waitMs);
    const finish = () => {
      clearTimeout(timer);
      set.delete(finish);
      if (set.size === 0 && this.waiters.get(hash) === set) this.waiters.delete(hash);
      done();
    };
    set.add(finish);
    return { promise, cancel: finish };
  }

  private wake(hash: string): void {
    const set = this.waiters.get(hash);
    if (set) for (const finish of [...set]) finish();
  }

  async onModuleDestroy(): Promise<void> {
    for (const set of this.waiters.values()) for (const finish of [...set]) finish();
    this.redis.disconnect(false);
    this.subscriber.disconnect(false);
  }
}
