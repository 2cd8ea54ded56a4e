import { Injectable } from '@nestjs/common';
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

export interface AccessLogStoreOptions {
  /** Entries older than this are neither kept nor shown; default 730 days. */
  retentionDays?: number;
  /** Entries kept per citizen, oldest dropped first; default 100,000. */
  maxPerCitizen?: number;
  /** Refusal entries kept per citizen, apart from the accesses, oldest dropped first; default 200. */
  maxRefusalsPerCitizen?: number;
  /** Citizens whose log holds refusals and no access, least recently refused dropped first; default 100,000. */
  maxRefusalOnlyCitizens?: number;
  /** Cursor codec; default one with a secret of its own (cursors die with the process). */
  cursors?: AccessLogCursors;
  /** Current time, epoch ms (tests). */
  now?: () => number;
}

interface CitizenLog {
  /** Sort keys, ascending (oldest first). */
  keys: string[];
  /** Sort key -> entry. */
  entries: Map<string, AccessLogEntry>;
  ids: Set<string>;
}

/** A citizen's refusal entries: one per client, reason, dataset and hour, with its count. */
interface RefusalLog {
  /** Sort keys, ascending (oldest first). */
  keys: string[];
  /** Refusal entry id -> its entry, sort key and the highest seq counted per writer. */
  entries: Map<string, { key: string; entry: AccessLogEntry; seen: Map<string, number> }>;
}

const DAY_MS = 86_400_000;

/**
 * Embedded-profile access log: per citizen a sorted array of entries. Rebuilt from the audit file
 * at every start (the embedded audit feed reads it from its first line), so it needs no file of
 * its own.
 */
@Injectable()
export class InMemoryAccessLogStore extends AccessLogStore {
  private readonly logs = new Map<string, CitizenLog>();
  private readonly refusals = new Map<string, RefusalLog>();
  /** Citizens with refusals and no access, least recently refused first (a Set keeps insertion order). */
  private readonly refusalOnly = new Set<string>();
  private readonly maxRefusalsPerCitizen: number;
  private readonly maxRefusalOnlyCitizens: number;
  /** Writer -> seq ranges named by its audit notices. */
  private readonly notices = new Map<string, SeqRange[]>();
  private readonly retentionMs: number;
  private readonly maxPerCitizen: number;
  private readonly cursors: AccessLogCursors;
  private readonly now: () => number;

  constructor(options: AccessLogStoreOptions = {}) {
    super();
    this.retentionMs = (options.retentionDays ?? DEFAULT_ACCESS_LOG_RETENTION_DAYS) * DAY_MS;
    this.maxPerCitizen = options.maxPerCitizen ?? DEFAULT_ACCESS_LOG_MAX_PER_CITIZEN;
    if (!(this.retentionMs > 0)) throw new RangeError('access log retention must be positive');
    if (!Number.isInteger(this.maxPerCitizen) || this.maxPerCitizen < 1) throw new RangeError('access log maxPerCitizen must be a positive integer');
    this.maxRefusalsPerCitizen = positive('maxRefusalsPerCitizen', options.maxRefusalsPerCitizen ?? DEFAULT_ACCESS_LOG_MAX_REFUSALS_PER_CITIZEN);
    this.maxRefusalOnlyCitizens = positive('maxRefusalOnlyCitizens', options.maxRefusalOnlyCitizens ?? DEFAULT_ACCESS_LOG_MAX_REFUSAL_ONLY_CITIZENS);
    this.cursors = options.cursors ?? AccessLogCursors.ephemeral();
    this.now = options.now ?? Date.now;
  }

  async add(addition: AccessLogAddition): Promise<boolean> {
    const timeMs = Date.parse(addition.time);
    const cutoff = this.now() - this.retentionMs;
    if (!(timeMs >= cutoff)) return false;
    if (addition.outcome === 'refused') return this.addRefusal(addition, timeMs, cutoff);
    // An access: the citizen's refusals are theirs to keep now, not the first to go.
    this.refusalOnly.delete(addition.subjectId);
    let log = this.logs.get(addition.subjectId);
    if (log?.ids.has(addition.id)) return false;
    if (!log) {
      log = { keys: [], entries: new Map(), ids: new Set() };
      this.logs.set(addition.subjectId, log);
    }
    const key = accessLogSortKey(timeMs, addition.id);
    log.keys.splice(lowerBound(log.keys, key), 0, key);
    log.entries.set(key, storedEntry(addition));
    log.ids.add(addition.id);
    // Expired entries first, then the oldest beyond the bound.
    const expired = lowerBound(log.keys, accessLogSortKey(cutoff, ''));
    const drop = Math.max(expired, log.keys.length - this.maxPerCitizen);
    if (drop > 0) {
      for (const old of log.keys.splice(0, drop)) {
        log.ids.delete(log.entries.get(old)!.id);
        log.entries.delete(old);
      }
    }
    return true;
  }

  /** Counts the attempt in its refusal entry (made on the first), unless that writer's seq was counted already. */
  private addRefusal(addition: AccessLogAddition, timeMs: number, cutoff: number): boolean {
    const subjectId = addition.subjectId;
    let log = this.refusals.get(subjectId);
    if (!log) {
      log = { keys: [], entries: new Map() };
      this.refusals.set(subjectId, log);
    }
    const id = refusalEntryId(addition);
    let refusal = log.entries.get(id);
    if (refusal) {
      if (addition.seq > 0 && (refusal.seen.get(addition.writer) ?? 0) >= addition.seq) return false;
      refusal.entry.count = (refusal.entry.count ?? 1) + 1;
      if (timeMs > Date.parse(refusal.entry.lastTime ?? refusal.entry.time)) refusal.entry.lastTime = new Date(timeMs).toISOString();
    } else {
      const key = accessLogSortKey(timeMs, id);
      refusal = { key, entry: { ...storedEntry(addition), id, count: 1, lastTime: new Date(timeMs).toISOString() }, seen: new Map() };
      log.keys.splice(lowerBound(log.keys, key), 0, key);
      log.entries.set(id, refusal);
      const expired = lowerBound(log.keys, accessLogSortKey(cutoff, ''));
      const drop = Math.max(expired, log.keys.length - this.maxRefusalsPerCitizen);
      // Sort key "<13 digits>|<id>": the id starts at 14.
      if (drop > 0) for (const old of log.keys.splice(0, drop)) log.entries.delete(old.slice(14));
    }
    // One writer's records come in its chain's order: a seq at or below the highest counted is a redelivery.
    if (addition.seq > 0) refusal.seen.set(addition.writer, addition.seq);
    if (!this.logs.has(subjectId)) {
      this.refusalOnly.delete(subjectId);
      this.refusalOnly.add(subjectId);
      for (const oldest of this.refusalOnly) {
        if (this.refusalOnly.size <= this.maxRefusalOnlyCitizens) break;
        this.refusalOnly.delete(oldest);
        this.refusals.delete(oldest);
      }
    }
    return true;
  }

  async addNotice(writer: string, ranges: readonly SeqRange[]): Promise<void> {
    const known = this.notices.get(writer) ?? [];
    for (const range of ranges) if (!known.some(([first, last]) => first === range[0] && last === range[1])) known.push([range[0], range[1]]);
    if (known.length > 0) this.notices.set(writer, known);
  }

  async page(subjectId: string, query: AccessLogQuery): Promise<AccessLogPage> {
    const { upper, lower } = pageBounds(subjectId, query, this.now() - this.retentionMs, this.cursors);
    const log = this.logs.get(subjectId);
    const accesses: Array<[string, AccessLogEntry]> = [];
    // Everything below `upper`, walking down to `lower`, one more than asked to know whether more follow.
    if (log) {
      for (let i = lowerBound(log.keys, upper) - 1; i >= 0 && log.keys[i] >= lower && accesses.length <= query.limit; i--) {
        const entry = log.entries.get(log.keys[i])!;
        accesses.push([log.keys[i], withNotices(entry, this.notices.get(entry.writer))]);
      }
    }
    const refusalLog = this.refusals.get(subjectId);
    const refusals: Array<[string, AccessLogEntry]> = [];
    if (refusalLog) {
      for (let i = lowerBound(refusalLog.keys, upper) - 1; i >= 0 && refusalLog.keys[i] >= lower && refusals.length <= query.limit; i--) {
        // A copy: the stored count keeps changing.
        refusals.push([refusalLog.keys[i], { ...refusalLog.entries.get(refusalLog.keys[i].slice(14))!.entry }]);
      }
    }
    return mergePage(subjectId, accesses, refusals, query.limit, this.cursors);
  }

  /** Citizens with accesses and entries in all; citizens with refusals and refusal entries in all (tests, diagnostics). */
  size(): { citizens: number; entries: number; refusalCitizens: number; refusals: number } {
    let entries = 0;
    for (const log of this.logs.values()) entries += log.keys.length;
    let refusals = 0;
    for (const log of this.refusals.values()) refusals += log.keys.length;
    return { citizens: this.logs.size, entries, refusalCitizens: this.refusals.size, refusals };
  }
}

/** First index whose key is >= `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`access log ${name} must be a positive integer`);
  return value;
}
