import { createHmac, hkdfSync } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createCommandClient, waitUntilReady } from '@motlan/redis/redis-connection.client.js';
import { ErrorCodes, UnavailableError, type DomainError } from '@motlan/errors/domain-error.js';
import {
  refusalEntryId,
  storedEntry,
  withNotices,
  DEFAULT_ACCESS_LOG_MAX_PER_CITIZEN,
  DEFAULT_ACCESS_LOG_MAX_REFUSAL_ONLY_CITIZENS,
  DEFAULT_ACCESS_LOG_MAX_REFUSALS_PER_CITIZEN,
  DEFAULT_ACCESS_LOG_RETENTION_DAYS,
  type AccessLogAddition,
  type AccessLogEntry,
  type SeqRange,
} from './access-log-entry.js';
import { AccessLogCursors, mergePage, pageBounds } from './access-log-cursor.js';
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
  /** Refusal entries kept per citizen, apart from the accesses, oldest dropped first; default 200. */
  maxRefusalsPerCitizen?: number;
  /** Citizens whose log holds refusals and no access, least recently refused dropped first; default 100,000. */
  maxRefusalOnlyCitizens?: number;
  commandTimeoutMs?: number;
  /** Current time, epoch ms (tests). */
  now?: () => number;
}

/**
 * Adds an entry unless its id is known, then drops what is past the retention or beyond the bound
 * and pushes the expiry of both keys out by the retention (a citizen nobody looked up for that
 * long has no keys left at all). One script: the sorted set and the hash never disagree.
 * KEYS: sorted set, hash, refusals' sorted set. ARGV: sort key, id, entry JSON, exclusive
 * retention bound, ttl ms, bound. Returns 0 (known), 1 (added), 2 (added; the citizen has refusals).
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
return 1 + redis.call('EXISTS', KEYS[3])
`;

/**
 * Counts a refused attempt in its refusal entry, or makes the entry (the first attempt's JSON),
 * then drops refusal entries past the retention or beyond their own bound. The count, latest time
 * and highest seq counted per writer live beside the entry ("m:<id>", JSON): one writer's records
 * come in chain order, so a seq at or below the highest counted is a redelivery, not counted.
 * KEYS: refusals' sorted set, refusals' hash, accesses' sorted set. ARGV: sort key, id, entry
 * JSON, writer, seq, time ms, exclusive retention bound, ttl ms, bound.
 * Returns { counted 0/1, the citizen has accesses 0/1 }.
 */
const ADD_REFUSAL = `
local metaKey = 'm:' .. ARGV[2]
local seq = tonumber(ARGV[5])
local timeMs = tonumber(ARGV[6])
local raw = redis.call('HGET', KEYS[2], metaKey)
if raw then
  local meta = cjson.decode(raw)
  if seq > 0 then
    local seen = meta.s[ARGV[4]]
    if seen and seen >= seq then return {0, redis.call('EXISTS', KEYS[3])} end
    meta.s[ARGV[4]] = seq
  end
  meta.c = meta.c + 1
  if timeMs > meta.l then meta.l = timeMs end
  redis.call('HSET', KEYS[2], metaKey, cjson.encode(meta))
else
  local meta = { c = 1, l = timeMs, s = {} }
  if seq > 0 then meta.s[ARGV[4]] = seq end
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[3], metaKey, cjson.encode(meta))
  redis.call('ZADD', KEYS[1], 0, ARGV[1])
  local function drop(members)
    for _, m in ipairs(members) do
      redis.call('ZREM', KEYS[1], m)
      local id = string.sub(m, 15)
      redis.call('HDEL', KEYS[2], id, 'm:' .. id)
    end
  end
  drop(redis.call('ZRANGE', KEYS[1], '-', ARGV[7], 'BYLEX', 'LIMIT', 0, 1000))
  local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[9])
  if extra > 0 then drop(redis.call('ZRANGE', KEYS[1], 0, extra - 1)) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('PEXPIRE', KEYS[2], ARGV[8])
return {1, redis.call('EXISTS', KEYS[3])}
`;

/**
 * The citizens holding refusals and no access, by latest refusal time: adds or moves one (the
 * score only grows), and pops those beyond the bound, returning their tags (their keys are then
 * deleted one by one: on a Redis Cluster they live in other slots than this index).
 * KEYS: the index. ARGV: tag, time ms, bound.
 */
const TOUCH_REFUSAL_ONLY = `
local old = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not old or tonumber(old) < tonumber(ARGV[2]) then redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) end
local extra = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if extra <= 0 then return {} end
local popped = redis.call('ZPOPMIN', KEYS[1], extra)
local tags = {}
for i = 1, #popped, 2 do tags[#tags + 1] = popped[i] end
return tags
`;

/**
 * One page in one round trip: sort keys newest first within the bounds, and their entries, from
 * the accesses and from the refusals (with their counts); the caller merges them.
 * KEYS: sorted set, hash, refusals' sorted set, refusals' hash. ARGV: max (exclusive), min
 * (inclusive), count. Returns { key, JSON, key, … } and { key, JSON, meta JSON, key, … }.
 */
const PAGE = `
local function read(zset, hash, withMeta)
  local members = redis.call('ZRANGE', zset, ARGV[1], ARGV[2], 'BYLEX', 'REV', 'LIMIT', 0, tonumber(ARGV[3]))
  local out = {}
  if #members == 0 then return out end
  local ids = {}
  for i, m in ipairs(members) do ids[i] = string.sub(m, 15) end
  local values = redis.call('HMGET', hash, unpack(ids))
  local metas = {}
  if withMeta then
    local metaKeys = {}
    for i, id in ipairs(ids) do metaKeys[i] = 'm:' .. id end
    metas = redis.call('HMGET', hash, unpack(metaKeys))
  end
  for i, m in ipairs(members) do
    out[#out + 1] = m
    out[#out + 1] = values[i] or ''
    if withMeta then out[#out + 1] = metas[i] or '' end
  end
  return out
end
return { read(KEYS[1], KEYS[2], false), read(KEYS[3], KEYS[4], true) }
`;

type RedisWithScripts = Redis & {
  accessLogAdd(
    zset: string,
    hash: string,
    refusalZset: string,
    sortKey: string,
    id: string,
    json: string,
    cutoff: string,
    ttlMs: number,
    max: number,
  ): Promise<number>;
  accessLogAddRefusal(
    refusalZset: string,
    refusalHash: string,
    zset: string,
    sortKey: string,
    id: string,
    json: string,
    writer: string,
    seq: number,
    timeMs: number,
    cutoff: string,
    ttlMs: number,
    max: number,
  ): Promise<[number, number]>;
  accessLogTouchRefusalOnly(index: string, tag: string, timeMs: number, max: number): Promise<string[]>;
  accessLogPage(zset: string, hash: string, refusalZset: string, refusalHash: string, max: string, min: string, count: number): Promise<[string[], string[]]>;
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
 *
 * Refusals live apart, in a sorted set and hash of their own per citizen (same hash tag), with
 * their own bound, so they never push an access out. Citizens holding refusals and no access are
 * indexed in one sorted set (by tag, scored by latest refusal) and the least recently refused
 * lose their refusals beyond `maxRefusalOnlyCitizens`: made-up ids cannot grow Redis without
 * bound. The index and a citizen's keys are written in separate steps (other slots on a Cluster);
 * a crash in between leaves at worst keys that expire with the retention.
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
  private readonly maxRefusalsPerCitizen: number;
  private readonly maxRefusalOnlyCitizens: number;
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
    this.maxRefusalsPerCitizen = options.maxRefusalsPerCitizen ?? DEFAULT_ACCESS_LOG_MAX_REFUSALS_PER_CITIZEN;
    this.maxRefusalOnlyCitizens = options.maxRefusalOnlyCitizens ?? DEFAULT_ACCESS_LOG_MAX_REFUSAL_ONLY_CITIZENS;
    for (const [name, value] of [
      ['maxRefusalsPerCitizen', this.maxRefusalsPerCitizen],
      ['maxRefusalOnlyCitizens', this.maxRefusalOnlyCitizens],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`access log ${name} must be a positive integer`);
    }
    this.now = options.now ?? Date.now;
    // A citizen waiting on a page gets a 503 at once rather than a hang; the projector retries.
    this.redis = createCommandClient(options.url, { commandTimeoutMs: options.commandTimeoutMs ?? 1000, autoPipelining: true }, (error) => {
      if (this.lastError !== error.message) this.logger.warn({ reason: error.message }, 'redis unavailable: citizen access log cannot be read or built');
      this.lastError = error.message;
    }) as RedisWithScripts;
    this.redis.defineCommand('accessLogAdd', { numberOfKeys: 3, lua: ADD });
    this.redis.defineCommand('accessLogAddRefusal', { numberOfKeys: 3, lua: ADD_REFUSAL });
    this.redis.defineCommand('accessLogTouchRefusalOnly', { numberOfKeys: 1, lua: TOUCH_REFUSAL_ONLY });
    this.redis.defineCommand('accessLogPage', { numberOfKeys: 4, lua: PAGE });
    this.redis.on('ready', () => (this.lastError = undefined));
  }

  /** Resolves once connected, or false after the timeout; the gateway starts either way. */
  async waitUntilReady(timeoutMs = 3000): Promise<boolean> {
    return waitUntilReady(this.redis, timeoutMs);
  }

  async add(addition: AccessLogAddition): Promise<boolean> {
    const timeMs = Date.parse(addition.time);
    const cutoff = this.now() - this.retentionMs;
    if (!(timeMs >= cutoff)) return false;
    const keys = this.keys(addition.subjectId);
    if (addition.outcome === 'refused') return this.addRefusal(addition, timeMs, cutoff, keys);
    const { zset, hash, refusalZset, tag } = keys;
    const added = await this.redis.accessLogAdd(
      zset,
      hash,
      refusalZset,
      accessLogSortKey(timeMs, addition.id),
      addition.id,
      JSON.stringify(storedEntry(addition)),
      `(${accessLogSortKey(cutoff, '')}`,
      this.retentionMs,
      this.maxPerCitizen,
    );
    // An access: the citizen's refusals are theirs to keep now, not the first to go.
    if (added === 2) await this.redis.zrem(this.refusalOnlyKey(), tag);
    return added >= 1;
  }

  private async addRefusal(addition: AccessLogAddition, timeMs: number, cutoff: number, keys: ReturnType<RedisAccessLogStore['keys']>): Promise<boolean> {
    const id = refusalEntryId(addition);
    const entry: AccessLogEntry = { ...storedEntry(addition), id };
    const [counted, hasAccesses] = await this.redis.accessLogAddRefusal(
      keys.refusalZset,
      keys.refusalHash,
      keys.zset,
      accessLogSortKey(timeMs, id),
      id,
      JSON.stringify(entry),
      addition.writer,
      addition.seq,
      timeMs,
      `(${accessLogSortKey(cutoff, '')}`,
      this.retentionMs,
      this.maxRefusalsPerCitizen,
    );
    if (hasAccesses === 0) {
      const evicted = await this.redis.accessLogTouchRefusalOnly(this.refusalOnlyKey(), keys.tag, timeMs, this.maxRefusalOnlyCitizens);
      for (const tag of evicted) {
        const old = this.keysOfTag(tag);
        await this.redis.del(old.refusalZset, old.refusalHash);
      }
    }
    return counted === 1;
  }

  async addNotice(writer: string, ranges: readonly SeqRange[]): Promise<void> {
    if (ranges.length === 0) return;
    const key = this.noticeKey(writer);
    await this.redis
      .multi()
      .sadd(key, ...ranges.map(([first, last]) => `${first}-${last}`))
      .pexpire(key, this.retentionMs)
      .exec();
  }

  async page(subjectId: string, query: AccessLogQuery): Promise<AccessLogPage> {
    const { upper, lower } = pageBounds(subjectId, query, this.now() - this.retentionMs, this.cursors);
    const { zset, hash, refusalZset, refusalHash } = this.keys(subjectId);
    let flat: [string[], string[]];
    try {
      flat = await this.redis.accessLogPage(zset, hash, refusalZset, refusalHash, upper === '~' ? '+' : `(${upper}`, `[${lower}`, query.limit + 1);
    } catch (error) {
      this.lastError = (error as Error).message;
      throw unavailable();
    }
    const [accessFlat, refusalFlat] = flat;
    const accesses: Array<[string, AccessLogEntry]> = [];
    // A key without its entry cannot happen (one script writes both); skip rather than fail the page.
    for (let i = 0; i < accessFlat.length; i += 2) if (accessFlat[i + 1]) accesses.push([accessFlat[i], JSON.parse(accessFlat[i + 1]) as AccessLogEntry]);
    const refusals: Array<[string, AccessLogEntry]> = [];
    for (let i = 0; i < refusalFlat.length; i += 3) {
      if (!refusalFlat[i + 1]) continue;
      const meta = (refusalFlat[i + 2] ? JSON.parse(refusalFlat[i + 2]) : {}) as { c?: number; l?: number };
      const entry = JSON.parse(refusalFlat[i + 1]) as AccessLogEntry;
      refusals.push([refusalFlat[i], { ...entry, count: meta.c ?? 1, lastTime: new Date(meta.l ?? Date.parse(entry.time)).toISOString() }]);
    }
    const { entries, nextCursor } = mergePage(subjectId, accesses, refusals, query.limit, this.cursors);
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
  private keys(subjectId: string): { tag: string; zset: string; hash: string; refusalZset: string; refusalHash: string } {
    return this.keysOfTag(createHmac('sha256', this.subjectKey).update(subjectId).digest().subarray(0, 16).toString('base64url'));
  }

  private keysOfTag(tag: string): { tag: string; zset: string; hash: string; refusalZset: string; refusalHash: string } {
    const base = `${this.prefix}{${tag}}`;
    return { tag, zset: `${base}:z`, hash: `${base}:e`, refusalZset: `${base}:rz`, refusalHash: `${base}:re` };
  }

  /** The index of citizens holding refusals and no access. */
  private refusalOnlyKey(): string {
    return `${this.prefix}r:refusal-only`;
  }

  /** Closes the connection; called after the projector stopped (it may still be adding). */
  override async close(): Promise<void> {
    this.redis.disconnect(false);
  }
}

function unavailable(): DomainError {
  return new UnavailableError(ErrorCodes.accessLogUnavailable, 'the access log cannot be read now; try again in a moment', 5);
}
