import type { AccessLogAddition, AccessLogEntry, SeqRange } from './access-log-entry.js';

/** Largest page a citizen may ask for. */
export const MAX_ACCESS_LOG_PAGE = 100;
/** Page size when none is asked for. */
export const DEFAULT_ACCESS_LOG_PAGE = 20;

export interface AccessLogQuery {
  /** Epoch ms, inclusive: entries at or after it. */
  from?: number;
  /** Epoch ms, exclusive: entries before it. */
  to?: number;
  /** From the previous page's `nextCursor`: continue after its last entry. */
  cursor?: string;
  /** 1..{@link MAX_ACCESS_LOG_PAGE}. */
  limit: number;
}

export interface AccessLogPage {
  /** Newest first. */
  entries: AccessLogEntry[];
  /** Opaque; null on the last page. Only valid for the citizen it was given to. */
  nextCursor: string | null;
}

/**
 * The citizens' access logs, one per citizen, built from the audit trail by the projector.
 * Embedded profile: in memory (rebuilt from the audit file at start); production: Redis, shared
 * by every gateway instance and kept across restarts.
 */
export abstract class AccessLogStore {
  /**
   * Adds an entry to the log of `entry.subjectId`. Idempotent by `entry.id` (the audit trail is
   * delivered at least once). Entries older than the retention are not kept. Resolves to true when
   * the entry is new. Rejects when the backing store cannot take it (the projector retries).
   */
  abstract add(entry: AccessLogAddition): Promise<boolean>;

  /**
   * Records an audit notice of `writer`: its records in `ranges` released no data (see
   * `withNotices`). Applies to entries added before and after it; idempotent.
   */
  abstract addNotice(writer: string, ranges: readonly SeqRange[]): Promise<void>;

  /**
   * One page of a citizen's log, newest first. Rejects with an `invalid_cursor` 400 for a cursor
   * this store did not give to this citizen, and with `access_log_unavailable` 503 when the
   * backing store cannot answer.
   */
  abstract page(subjectId: string, query: AccessLogQuery): Promise<AccessLogPage>;

  /** Releases connections; the gateway calls it once the projector has stopped. */
  async close(): Promise<void> {}
}

/**
 * Order of entries within a log: the time (epoch ms, 13 digits, so that text order is time order
 * until the year 2286) then the id. Newest first is descending order of this key.
 */
export function accessLogSortKey(timeMs: number, id: string): string {
  return `${String(Math.max(0, Math.floor(timeMs))).padStart(13, '0')}|${id}`;
}

/** Sort key syntax: what a cursor may carry. */
export const SORT_KEY_PATTERN = /^\d{13}\|[A-Za-z0-9_-]{22}$/;

/** Epoch ms from a sort key. */
export function sortKeyTime(key: string): number {
  return Number(key.slice(0, 13));
}
