import { Injectable } from '@nestjs/common';
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

export interface AccessLogStoreOptions {
  /** Entries older than this are neither kept nor shown; default 730 days. */
  retentionDays?: number;
  /** Entries kept per citizen, oldest dropped first; default 100,000. */
  maxPerCitizen?: number;
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

const DAY_MS = 86_400_000;

/**
 * Embedded-profile access log: per citizen a sorted array of entries. Rebuilt from the audit file
 * at every start (the embedded audit feed reads it from its first line), so it needs no file of
 * its own.
 */
@Injectable()
export class InMemoryAccessLogStore extends AccessLogStore {
  private readonly logs = new Map<string, CitizenLog>();
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
    this.cursors = options.cursors ?? AccessLogCursors.ephemeral();
    this.now = options.now ?? Date.now;
  }

  async add(addition: AccessLogAddition): Promise<boolean> {
    const timeMs = Date.parse(addition.time);
    const cutoff = this.now() - this.retentionMs;
    if (!(timeMs >= cutoff)) return false;
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

  async addNotice(writer: string, ranges: readonly SeqRange[]): Promise<void> {
    const known = this.notices.get(writer) ?? [];
    for (const range of ranges) if (!known.some(([first, last]) => first === range[0] && last === range[1])) known.push([range[0], range[1]]);
    if (known.length > 0) this.notices.set(writer, known);
  }

  async page(subjectId: string, query: AccessLogQuery): Promise<AccessLogPage> {
    const { upper, lower } = pageBounds(subjectId, query, this.now() - this.retentionMs, this.cursors);
    const log = this.logs.get(subjectId);
    const entries: AccessLogEntry[] = [];
    if (!log) return { entries, nextCursor: null };
    let lastKey = '';
    // Everything below `upper`, walking down to `lower`, one more than asked to know whether more follow.
    for (let i = lowerBound(log.keys, upper) - 1; i >= 0 && log.keys[i] >= lower; i--) {
      if (entries.length === query.limit) return { entries, nextCursor: this.cursors.encode(subjectId, lastKey) };
      lastKey = log.keys[i];
      const entry = log.entries.get(lastKey)!;
      entries.push(withNotices(entry, this.notices.get(entry.writer)));
    }
    return { entries, nextCursor: null };
  }

  /** Citizens with a log, and entries in all (tests, diagnostics). */
  size(): { citizens: number; entries: number } {
    let entries = 0;
    for (const log of this.logs.values()) entries += log.keys.length;
    return { citizens: this.logs.size, entries };
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
