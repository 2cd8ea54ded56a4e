import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createCommandClient, createSubscriberClient } from '@motlan/redis/redis-connection.client.js';
import {
  newRevocationEntry,
  revocationField,
  RevocationList,
  RevocationSnapshot,
  RevocationUnavailableError,
  type RevocationEntry,
  type RevocationSubject,
  type RevokeRequest,
} from './revocation-list.port.js';

export interface RedisRevocationListOptions {
  url: string;
  /** How long an entry is kept (see `revocationRetentionMs`). */
  retentionMs: number;
  /** The token verifier's clock tolerance, s: a client revocation covers `iat` up to this much after it (RevocationSnapshot). Default 0. */
  clockToleranceSec?: number;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  /**
   * How often the local copy checks the list's version in Redis (one GET), in case a change
   * notification was missed; default 1000 ms, which bounds how long a revocation can go unseen.
   */
  pollIntervalMs?: number;
  /** Current time in epoch milliseconds (default `Date.now`); a seam for tests. */
  now?: () => number;
}

/**
 * Adds or replaces one entry, forgets the expired ones, bumps the list version and announces it,
 * in one atomic step. KEYS: entries (hash field -> JSON), expiry (zset field -> expiry ms),
 * version. ARGV: field, JSON, expiry ms, now ms, channel.
 */
const REVOKE = `
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
for i = 1, #expired do redis.call('HDEL', KEYS[1], expired[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local version = redis.call('INCR', KEYS[3])
redis.call('PUBLISH', ARGV[5], version)
return version
`;

type RedisWithScripts = Redis & {
  revokeEntry(
    entries: string,
    expiry: string,
    version: string,
    field: string,
    json: string,
    expiresAtMs: string,
    nowMs: string,
    channel: string,
  ): Promise<number>;
};

/**
 * The revocation list shared by every gateway instance through Redis. Each instance checks tokens
 * against a local copy (no Redis round trip per request) that follows Redis: a change is
 * announced over pub/sub and reloaded at once (milliseconds); a version number polled every second
 * catches a missed announcement (a reconnect), so a revocation is in force everywhere within a
 * second. The revoking instance applies it before answering.
 *
 * When Redis is unreachable, revoking fails (503) and each instance keeps enforcing the copy it
 * has: revocations made before the outage still hold. Running instances also keep what they
 * know if Redis loses its data, but an instance started afterwards would not see it: Redis should
 * persist its data (AOF or RDB).
 */
@Injectable()
export class RedisRevocationList extends RevocationList implements OnModuleDestroy {
  private readonly logger = new Logger(RedisRevocationList.name);
  private readonly redis: RedisWithScripts;
  private readonly subscriber: Redis;
  private readonly keys: { entries: string; expiry: string; version: string; channel: string };
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;
  private snapshot: RevocationSnapshot;
  /** Version of the list the local copy was loaded at (null: Redis has none yet). */
  private version: string | null | undefined;
  private loading?: Promise<void>;
  private reloadAgain = false;
  private syncFailing = false;
  private closed = false;

  constructor(private readonly options: RedisRevocationListOptions) {
    super();
    const prefix = options.prefix ?? 'motlan:revocations:v1:';
    this.keys = { entries: `${prefix}entries`, expiry: `${prefix}expiry`, version: `${prefix}version`, channel: `${prefix}changed` };
    this.now = options.now ?? Date.now;
    this.snapshot = new RevocationSnapshot([], this.now(), options.clockToleranceSec);
    this.redis = createCommandClient(options.url, { commandTimeoutMs: 1000 }) as RedisWithScripts;
    this.redis.defineCommand('revokeEntry', { numberOfKeys: 3, lua: REVOKE });
    // The subscriber keeps an offline queue so it re-subscribes by itself after a reconnect; what
    // was announced meanwhile is caught by reloading once it is back.
    this.subscriber = createSubscriberClient(options.url);
    this.subscriber.on('message', () => void this.reload());
    this.subscriber.on('ready', () => void this.reload());
    void this.subscriber
      .subscribe(this.keys.channel)
      .catch((error: Error) => this.logger.warn({ reason: error.message }, 'revocation notifications unavailable: polling only'));
    this.timer = setInterval(() => void this.poll(), options.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Loads the list once (waiting up to `timeoutMs` for Redis); resolves false when it could not. */
  async start(timeoutMs = 3000): Promise<boolean> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      if (this.redis.status === 'ready') {
        await this.reload();
        if (this.version !== undefined) return true;
      }
      if (this.now() >= deadline || this.closed) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async revoke(request: RevokeRequest): Promise<RevocationEntry> {
    const nowMs = this.now();
    const entry = newRevocationEntry(request, nowMs, this.options.retentionMs);
    const field = revocationField(entry.kind, entry.value);
    try {
      const { entries, expiry, version, channel } = this.keys;
      await this.redis.revokeEntry(entries, expiry, version, field, JSON.stringify(entry), String(Date.parse(entry.expiresAt)), String(nowMs), channel);
    } catch (error) {
      throw new RevocationUnavailableError(`revocation list unavailable: ${(error as Error).message}`);
    }
    // In force here before the answer, whatever the notification does.
    this.snapshot.add(entry, nowMs);
    return entry;
  }

  async list(): Promise<RevocationEntry[]> {
    try {
      const stored = await this.redis.hvals(this.keys.entries);
      return new RevocationSnapshot(parseEntries(stored), this.now()).list(this.now());
    } catch (error) {
      throw new RevocationUnavailableError(`revocation list unavailable: ${(error as Error).message}`);
    }
  }

  isRevoked(subject: RevocationSubject): boolean {
    return this.snapshot.isRevoked(subject);
  }

  /** Cheap check (one GET) that the local copy is current; reloads when it is not. */
  private async poll(): Promise<void> {
    if (this.redis.status !== 'ready' || this.loading) return;
    try {
      const version = await this.redis.get(this.keys.version);
      if (version !== this.version) await this.reload();
    } catch (error) {
      this.syncFailed(error);
    }
  }

  /** Replaces the local copy with the stored list; concurrent calls coalesce into one more load. */
  private reload(): Promise<void> {
    if (this.loading) {
      this.reloadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.reloadAgain = false;
        await this.load();
      } while (this.reloadAgain && !this.closed);
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    try {
      // One transaction: the version read belongs to exactly these entries.
      const results = await this.redis.multi().get(this.keys.version).hvals(this.keys.entries).exec();
      if (!results) throw new Error('transaction aborted');
      for (const [error] of results) if (error) throw error;
      const version = results[0][1] as string | null;
      const nowMs = this.now();
      const snapshot = new RevocationSnapshot(parseEntries(results[1][1] as string[]), nowMs, this.options.clockToleranceSec);
      // Revocations are never withdrawn, so nothing known here is dropped before it expires: an
      // entry this instance has just added may be missing from a read that raced with it, and a
      // Redis that lost its data must not bring revoked tokens back.
      for (const entry of this.snapshot.list(nowMs)) snapshot.add(entry, nowMs);
      this.snapshot = snapshot;
      this.version = version;
      if (this.syncFailing) this.logger.log('revocation list in sync with redis again');
      this.syncFailing = false;
    } catch (error) {
      this.syncFailed(error);
    }
  }

  private syncFailed(error: unknown): void {
    if (!this.syncFailing) this.logger.warn({ reason: (error as Error).message }, 'revocation list cannot sync with redis: enforcing the last copy');
    this.syncFailing = true;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.redis.disconnect(false);
    this.subscriber.disconnect(false);
  }
}

function parseEntries(values: string[]): RevocationEntry[] {
  const entries: RevocationEntry[] = [];
  for (const value of values) {
    try {
      const entry = JSON.parse(value) as RevocationEntry;
      if (
        (entry.kind === 'jti' || entry.kind === 'client') &&
        typeof entry.value === 'string' &&
        typeof entry.revokedAt === 'string' &&
        typeof entry.expiresAt === 'string'
      ) {
        entries.push(entry);
      }
    } catch {
      // An unreadable entry is skipped; the others still hold.
    }
  }
  return entries;
}
