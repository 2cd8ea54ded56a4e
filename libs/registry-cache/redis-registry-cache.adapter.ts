import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createCommandClient, createSubscriberClient, waitUntilReady } from '@motlan/redis/redis-connection.client.js';
import { LRUCache } from 'lru-cache';
import { RecordSealer } from './record-sealer.js';
import { RegistryCache, recordKeyString, type CacheAvailability, type CachedRecord, type RecordKey } from './registry-cache.port.js';

export interface RedisRegistryCacheOptions {
  url: string;
  /** 32-byte secret from configuration: derives the encryption key and the key-hash key. */
  secret: Buffer;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  /** Per-command timeout: a slow Redis must not slow lookups down, the registry is the fallback. */
  commandTimeoutMs?: number;
  /**
   * In-process near cache in front of Redis (0 disables): hot records are served without a Redis
   * round trip, decryption and parsing. Entries live at most this long, and are dropped at once on
   * every instance when any instance invalidates or replaces the record (Redis pub/sub).
   */
  localTtlMs?: number;
  localMaxEntries?: number;
}

/** Sets the entry unless a newer version of a found record is already cached (versions are decimal strings). */
const SET_IF_NEWER = `
local current = redis.call('HGET', KEYS[1], 'v')
if current and ARGV[3] == '1' and redis.call('HGET', KEYS[1], 'f') == '1' then
  if string.len(current) > string.len(ARGV[1]) or (string.len(current) == string.len(ARGV[1]) and current > ARGV[1]) then
    return 0
  end
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'f', ARGV[3], 'e', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

type RedisWithScripts = Redis & {
  setIfNewer(key: string, version: string, sealed: Buffer, found: string, ttlMs: number): Promise<number>;
};

/**
 * Production cache shared by every gateway instance. Values are sealed (AES-256-GCM) and keys are
 * keyed hashes: a Redis dump shows neither names nor CCCD numbers. When Redis is unreachable the
 * cache reports itself degraded and answers "miss" at once (no offline queue), so lookups go to
 * the registries; ioredis reconnects by itself and the cache is used again without a restart.
 * A short-lived in-process near cache spares hot records the Redis round trip (see localTtlMs).
 */
@Injectable()
export class RedisRegistryCache extends RegistryCache implements OnModuleDestroy {
  private readonly logger = new Logger(RedisRegistryCache.name);
  private readonly redis: RedisWithScripts;
  private readonly sealer: RecordSealer;
  private readonly prefix: string;
  private readonly subscriber?: Redis;
  private readonly local?: LRUCache<string, CachedRecord>;
  private readonly channel: string;
  private lastError?: string;
  private ready = false;
  /** Counters for /metrics. */
  readonly stats = { errors: 0, hits: 0, misses: 0, localHits: 0 };

  constructor(options: RedisRegistryCacheOptions) {
    super();
    this.sealer = new RecordSealer(options.secret);
    this.prefix = options.prefix ?? 'motlan:rc:v1:';
    this.redis = createCommandClient(options.url, { commandTimeoutMs: options.commandTimeoutMs ?? 250, autoPipelining: true }, (error) => {
      if (this.ready || this.lastError !== error.message) this.logger.warn({ reason: error.message }, 'redis cache unavailable: lookups go to the registries');
      this.lastError = error.message;
    }) as RedisWithScripts;
    this.redis.defineCommand('setIfNewer', { numberOfKeys: 1, lua: SET_IF_NEWER });
    this.redis.on('ready', () => {
      if (!this.ready) this.logger.log('redis cache connected');
      this.ready = true;
      this.lastError = undefined;
    });
    this.redis.on('close', () => {
      this.ready = false;
      // Invalidations published while we cannot hear them would be missed: start the near cache afresh.
      this.local?.clear();
    });
    this.channel = `${this.prefix}changed`;
    const localTtlMs = options.localTtlMs ?? 1000;
    if (localTtlMs > 0) {
      this.local = new LRUCache<string, CachedRecord>({ max: options.localMaxEntries ?? 10_000, ttl: localTtlMs, ttlAutopurge: false });
      // The subscriber keeps an offline queue so it re-subscribes by itself after a reconnect.
      this.subscriber = createSubscriberClient(options.url);
      this.subscriber.on('message', (_channel: string, hash: string) => this.local?.delete(hash));
      void this.subscriber.subscribe(this.channel).catch(() => undefined);
    }
  }

  /** Resolves once connected (or rejects after the timeout); the gateway starts either way. */
  async waitUntilReady(timeoutMs = 3000): Promise<boolean> {
    return waitUntilReady(this.redis, timeoutMs);
  }

  async get(key: RecordKey): Promise<CachedRecord | undefined> {
    if (this.redis.status !== 'ready') return undefined;
    const hash = this.sealer.hashKey(recordKeyString(key));
    const near = this.local?.get(hash);
    if (near) {
      this.stats.localHits++;
      return near;
    }
    try {
      const sealed = await this.redis.hgetBuffer(this.prefix + hash, 'e');
      if (!sealed) {
        this.stats.misses++;
        return undefined;
      }
      this.stats.hits++;
      const record = JSON.parse(this.sealer.open(sealed, hash)) as CachedRecord;
      if (!record.invalidated) this.local?.set(hash, record);
      return record;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  async set(key: RecordKey, record: CachedRecord, retainSeconds: number): Promise<void> {
    if (this.redis.status !== 'ready') return;
    const hash = this.sealer.hashKey(recordKeyString(key));
    try {
      const sealed = this.sealer.seal(JSON.stringify(record), hash);
      const stored = await this.redis.setIfNewer(this.prefix + hash, record.version, sealed, record.found ? '1' : '0', Math.max(1, retainSeconds) * 1000);
      if (stored === 1) {
        this.local?.delete(hash);
        // Other instances drop their near copy of this record (a newer version or an invalidation).
        await this.redis.publish(this.channel, hash);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  async delete(key: RecordKey): Promise<void> {
    if (this.redis.status !== 'ready') return;
    const hash = this.sealer.hashKey(recordKeyString(key));
    this.local?.delete(hash);
    try {
      await this.redis.del(this.prefix + hash);
      await this.redis.publish(this.channel, hash);
    } catch (error) {
      this.fail(error);
    }
  }

  override availability(): CacheAvailability {
    return this.redis.status === 'ready'
      ? { state: 'up', backend: 'redis' }
      : { state: 'degraded', backend: 'redis', detail: this.lastError ?? `connection ${this.redis.status}` };
  }

  private fail(error: unknown): void {
    this.stats.errors++;
    this.lastError = (error as Error).message;
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect(false);
    this.subscriber?.disconnect(false);
  }
}
