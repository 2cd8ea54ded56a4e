import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCodes, InvalidRequestError } from '@motlan/errors/domain-error.js';
import { accessLogSortKey, SORT_KEY_PATTERN, type AccessLogQuery } from './access-log-store.port.js';

const MAC_LENGTH = 16;

/**
 * Page cursors of the access log: the position of the last entry shown, base64url, with a keyed
 * MAC over the position and the citizen's id. Citizens (and clients showing the log) treat it as
 * opaque; a cursor altered, made up, or given to another citizen is refused with a 400 instead of
 * silently paging from an arbitrary place. Gateway instances that share the secret accept each
 * other's cursors.
 */
export class AccessLogCursors {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    if (secret.length < 32) throw new RangeError('access log cursor secret must be at least 32 bytes');
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'motlan access-log cursor v1', 32));
  }

  /** A codec with a secret of its own: for a store that lives and dies with its process. */
  static ephemeral(): AccessLogCursors {
    return new AccessLogCursors(randomBytes(32));
  }

  encode(subjectId: string, sortKey: string): string {
    return `${Buffer.from(sortKey, 'utf8').toString('base64url')}.${this.mac(subjectId, sortKey).toString('base64url')}`;
  }

  /** The sort key the cursor points at; throws `invalid_cursor` (400) for anything else. */
  decode(subjectId: string, cursor: string): string {
    const dot = cursor.indexOf('.');
    if (dot > 0 && cursor.length <= 200) {
      const sortKey = Buffer.from(cursor.slice(0, dot), 'base64url').toString('utf8');
      const mac = Buffer.from(cursor.slice(dot + 1), 'base64url');
      if (SORT_KEY_PATTERN.test(sortKey) && mac.length === MAC_LENGTH && timingSafeEqual(mac, this.mac(subjectId, sortKey))) return sortKey;
    }
    throw new InvalidRequestError(ErrorCodes.invalidCursor, 'cursor is not one this gateway gave you; start again without it', [
      { name: 'cursor', reason: 'not a cursor from a previous page of your access log' },
    ]);
  }

  private mac(subjectId: string, sortKey: string): Buffer {
    return createHmac('sha256', this.key).update(`${subjectId}\n${sortKey}`).digest().subarray(0, MAC_LENGTH);
  }
}

/**
 * The sort-key range of a page: below `upper` (exclusive: the cursor's entry, or the `to` time)
 * and at or above `lower` (the `from` time, never before the retention cutoff). Shared by the
 * stores so they page identically.
 */
export function pageBounds(subjectId: string, query: AccessLogQuery, cutoffMs: number, cursors: AccessLogCursors): { upper: string; lower: string } {
  // '~' sorts after every digit: no bound.
  let upper = query.to === undefined ? '~' : accessLogSortKey(query.to, '').slice(0, 13);
  if (query.cursor !== undefined) {
    const after = cursors.decode(subjectId, query.cursor);
    if (after < upper) upper = after;
  }
  const lower = accessLogSortKey(Math.max(cutoffMs, query.from ?? 0), '').slice(0, 13);
  return { upper, lower };
}

/**
 * One page out of a citizen's two lists, accesses and refusals, each given newest first within
 * the page bounds with at least `limit + 1` candidates (or all there are): merged by sort key, the
 * cursor at the last entry shown when more follow. Shared by the stores so they page identically.
 */
export function mergePage<T>(
  subjectId: string,
  accesses: ReadonlyArray<readonly [string, T]>,
  refusals: ReadonlyArray<readonly [string, T]>,
  limit: number,
  cursors: AccessLogCursors,
): { entries: T[]; nextCursor: string | null } {
  const entries: T[] = [];
  let i = 0;
  let j = 0;
  let lastKey = '';
  while (i < accesses.length || j < refusals.length) {
    if (entries.length === limit) return { entries, nextCursor: cursors.encode(subjectId, lastKey) };
    const next = j >= refusals.length || (i < accesses.length && accesses[i][0] > refusals[j][0]) ? accesses[i++] : refusals[j++];
    lastKey = next[0];
    entries.push(next[1]);
  }
  return { entries, nextCursor: null };
}
