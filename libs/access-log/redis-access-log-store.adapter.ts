import { createHmac, hkdfSync } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ErrorCodes, UnavailableError, type DomainError } from '@motlan/errors/domain-error.js';
import {
  storedEntry,
  withNotices,
  DEFAULT_ACCESS_LOG_MAX_PER_CITIZEN,
  DEFAULT_ACCESS_LOG_RETENTION_DAYS,
  type AccessLogAddition,
  type AccessLogEntry,
  type SeqRange,
} from './access-log-entry.js';
import { AccessLogCursors, pageBounds } from './access-log-cursor.js';
import { accessLogSortKey, AccessLogStore, type AccessLogPage, type AccessLogQuery } from './access-log-store.port.js';

export interface RedisAccessLogStoreOptions {
  url: string;
  /** 32-byte secret from configuration: keys the citizen hash in key names and the cursor MAC. */
  secret: Buffer;
  /** Key prefix, so several deployments (or test runs) can share one Redis. */
  prefix?: string;
  /** Entries older than this are neither kept nor shown; default 730 days. */
  retentionDays?: number;
  /** Entries kept per citizen, oldest dropped first; default 100,000. */
  maxPerCitizen?: number;
  commandTimeoutMs?: number;
  /** Current time, epoch ms (tests). */
  now?: () => number;
}

/**
 * Adds an entry unless its id is known, then drops what is past the retention or beyond the bound
 * and pushes the expiry of both keys out by the retention (a citizen nobody looked up for that
 * long has no keys left at all). One script: the sorted set and the hash never disagree.
 * KEYS: sorted set, hash. ARGV: sort key, id, entry JSON, exclusive retention bound, ttl ms, bound.
 */
const ADD = `
if redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], 0, ARGV[1])
local function drop(members)
  for _, m in ipairs(members) do
    redis.call('ZREM', KEYS[1], m)
    redis.call('HDEL', KEYS[2], string.sub(m, 15))
  end
end
drop(redis.call('ZRANGE', KEYS[1], '-', ARGV[4], 'BYLEX', 'LIMIT', 0, 1000))
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[6])
if extra > 0 then drop(redis.call('ZRANGE', KEYS[1], 0, extra - 1)) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
`;

/**
 * One page in one round trip: sort keys newest first within the bounds, and their entries.
 * KEYS: sorted set, hash. ARGV: max (exclusive), min (inclusive), count. Returns key, JSON, key, …
 */
const PAGE = `
local members = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'BYLEX', 'REV', 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
if #members == 0 then return out end
local ids = {}
for i, m in ipairs(members) do ids[i] = string.sub(m, 15) end
local values = redis.call('HMGET', KEYS[2], unpack(ids))
for i, m in ipairs(members) do
  out[#out + 1] = m
  out[#out + 1] = values[i] or ''
end
return out
`;

type RedisWithScripts = Redis & {
  accessLogAdd(zset: string, hash: string, sortKey: string, id: string, json: string, cutoff: string, ttlMs: number, max: number): Promise<number>;
  accessLogPage(zset: string, hash: string, max: string, min: string, count: number): Promise<string[]>;
};

const DAY_MS = 86_400_000;

/**
 * Production access log, shared by every gateway instance. Per citizen, a sorted set of
 * "<time ms, 13 digits>|<entry id>" (all scores 0, so ranges are lexicographic: time order, ties
 * broken by id, which a cursor can point into exactly) and a hash entry id -> entry JSON. Key
 * names carry a keyed hash of the citizen's id, never the id: a Redis dump does not tell whose
 * log is whose. Both keys share a hash tag, so the scripts work on a Redis Cluster. Audit notices
 * are a set of "first-last" seq ranges per writer, read for the writers on a page (a second round
 * trip only when a page holds answered entries).
 */
@Injectable()
export class RedisAccessLogStore extends AccessLogStore {
  private readonly logger = new Logger(RedisAccessLogStore.name);
  private readonly redis: RedisWithScripts;
  private readonly prefix: string;
  private readonly subjectKey: Buffer;
  private readonly cursors: AccessLogCursors;
  private readonly retentionMs: number;
  private readonly maxPerCitizen: number;
  private readonly now: () => number;
  private lastError?: string;

  constructor(options: RedisAccessLogStoreOptions) {
    super();
    if (options.secret.length < 32) throw new RangeError('access log secret must be at least 32 bytes');
    this.prefix = options.prefix ?? 'motlan:al:v1:';
    this.subjectKey = Buffer.from(hkdfSync('sha256', options.secret, Buffer.alloc(0), 'motlan access-log subject v1', 32));
    this.cursors = new AccessLogCursors(options.secret);
    this.retentionMs = (options.retentionDays ?? DEFAULT_ACCESS_LOG_RETENTION_DAYS) * DAY_MS;
    this.maxPerCitizen = options.maxPerCitizen ?? DEFAULT_ACCESS_LOG_MAX_PER_CITIZEN;
    if (!(this.retentionMs > 0)) throw new RangeError('access log retention must be positive');
    if (!Number.isInteger(this.maxPerCitizen) || this.maxPerCitizen < 1) throw new RangeError('access log maxPerCitizen must be a positive integer');
    this.now = options.now ?? Date.now;
    this.redis = new Redis(options.url, {
      // A citizen waiting on a page gets a 503 at once rather than a hang; the projector retries.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      connectTimeout: 2000,
      enableAutoPipelining: true,
      retryStrategy: (times) => Math.min(100 * times, 2000),
    }) as RedisWithScripts;
    this.redis.defineCommand('accessLogAdd', { numberOfKeys: 2, lua: ADD });
    this.redis.defineCommand('accessLogPage', { numberOfKeys: 2, lua: PAGE });
    this.redis.on('ready', () => (this.lastError = undefined));
    this.redis.on('error', (error: Error) => {
      if (this.lastError !== error.message) this.logger.warn({ reason: error.message }, 'redis unavailable: citizen access log cannot be read or built');
      this.lastError = error.message;
    });
  }

  /** Resolves once connected, or false after the timeout; the gateway starts either way. */
  async waitUntilReady(timeoutMs = 3000): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async add(addition: AccessLogAddition): Promise<boolean> {
    const timeMs = Date.parse(addition.time);
    const cutoff = this.now() - this.retentionMs;
    if (!(timeMs >= cutoff)) return false;
    const { zset, hash } = this.keys(addition.subjectId);
    const added = await this.redis.accessLogAdd(
      zset,
      hash,
      accessLogSortKey(timeMs, addition.id),
      addition.id,
      JSON.stringify(storedEntry(addition)),
      `(${accessLogSortKey(cutoff, '')}`,
      this.retentionMs,
      this.maxPerCitizen,
    );
    return added === 1;
  }

  async addNotice(writer: string, ranges: readonly SeqRange[]): Promise<void> {
    if (ranges.length === 0) return;
    const key = this.noticeKey(writer);
    await this.redis.multi().sadd(key, ...ranges.map(([first, last]) => `${first}-${last}`)).pexpire(key, this.retentionMs).exec();
  }

  async page(subjectId: string, query: AccessLogQuery): Promise<AccessLogPage> {
    const { upper, lower } = pageBounds(subjectId, query, this.now() - this.retentionMs, this.cursors);
    const { zset, hash } = this.keys(subjectId);
    let flat: string[];
    try {
      flat = await this.redis.accessLogPage(zset, hash, upper === '~' ? '+' : `(${upper}`, `[${lower}`, query.limit + 1);
    } catch (error) {
      this.lastError = (error as Error).message;
      throw unavailable();
    }
    const entries: AccessLogEntry[] = [];
    let lastKey = '';
    let nextCursor: string | null = null;
    for (let i = 0; i < flat.length; i += 2) {
      if (entries.length === query.limit) {
        nextCursor = this.cursors.encode(subjectId, lastKey);
        break;
      }
      lastKey = flat[i];
      // A key without its entry cannot happen (one script writes both); skip rather than fail the page.
      if (flat[i + 1]) entries.push(JSON.parse(flat[i + 1]) as AccessLogEntry);
    }
    const notices = await this.noticesOf(entries);
    return { entries: notices.size === 0 ? entries : entries.map((entry) => withNotices(entry, notices.get(entry.writer))), nextCursor };
  }

  /** Notice ranges of the writers whose answered entries are on a page. */
  private async noticesOf(entries: readonly AccessLogEntry[]): Promise<Map<string, SeqRange[]>> {
    const writers = [...new Set(entries.filter((e) => e.outcome === 'answered' && e.seq > 0).map((e) => e.writer))];
    const result = new Map<string, SeqRange[]>();
    if (writers.length === 0) return result;
    let members: string[][];
    try {
      members = await Promise.all(writers.map((writer) => this.redis.smembers(this.noticeKey(writer))));
    } catch (error) {
      this.lastError = (error as Error).message;
      throw unavailable();
    }
    writers.forEach((writer, i) => {
      const ranges = members[i].map((m) => m.split('-').map(Number) as SeqRange);
      if (ranges.length > 0) result.set(writer, ranges);
    });
    return result;
  }

  private noticeKey(writer: string): string {
    return `${this.prefix}n:${writer}`;
  }

  /** Key names of a citizen's log: a keyed hash of the id, never the id itself. */
  private keys(subjectId: string): { zset: string; hash: string } {
    const tag = createHmac('sha256', this.subjectKey).update(subjectId).digest().subarray(0, 16).toString('base64url');
    return { zset: `${this.prefix}{${tag}}:z`, hash: `${this.prefix}{${tag}}:e` };
  }

  /** Closes the connection; called after the projector stopped (it may still be adding). */
  override async close(): Promise<void> {
    this.redis.disconnect(false);
  }
}

function unavailable(): DomainError {
  return new UnavailableError(ErrorCodes.accessLogUnavailable, 'the access log cannot be read now; try again in a moment', 5);
}
