/**
 * What the citizen access log keeps about one access to a citizen's data, and how it is made from
 * an audit record. The projection keeps codes only (client commune, purpose); names are looked up
 * when the log is read, so a renamed commune or procedure shows its current name.
 */
import { createHash } from 'node:crypto';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import type { AuditPosition } from '@motlan/audit/audit-feed.port.js';
import { ErrorCodes } from '@motlan/errors/domain-error.js';
import { parseCccd, PURPOSE_PATTERN } from '@motlan/identifiers/subject-id.js';

/**
 * One access as stored for the citizen it concerns. The citizen's own id is the key of their log
 * and never part of an entry; no other citizen's id is ever in one either.
 */
export interface AccessLogEntry {
  /** Stable id of the access (same audit entry delivered twice: same id). */
  id: string;
  /** RFC 3339 time of the access. */
  time: string;
  /** The gateway request id: the reference an operator finds the audit entry by. */
  requestId: string;
  /** Client system that asked (token `sub`). */
  clientId: string;
  /** Commune the client system acts for (5-digit code), when its token is commune-bound. */
  clientCommune: string | null;
  officerId: string | null;
  /** Procedure code (N.NNNNNN) given as the purpose. */
  purpose: string | null;
  dossierId: string | null;
  registry: string | null;
  dataset: string | null;
  /** Fields returned (answered) or asked for (refused). */
  fields: string[];
  outcome: 'answered' | 'refused';
  /** HTTP status of the answer to the client system. */
  status: number;
  /** Why it was refused (problem code), when refused. */
  code: string | null;
  /**
   * Where the audit record sits in its writer's hash chain (writer "" and seq 0 before the trail
   * was chained): how an audit notice finds it. Internal, never shown to the citizen.
   */
  writer: string;
  seq: number;
}

/** An entry together with the citizen it belongs to, as handed to {@link AccessLogStore.add}. */
export interface AccessLogAddition extends AccessLogEntry {
  /** The citizen's 12-digit personal id (CCCD): which log the entry goes into. */
  subjectId: string;
}

/** Consumer (group) name the projection follows the audit trail with. */
export const ACCESS_LOG_CONSUMER = 'motlan-access-log';

/** Default retention: two years. */
export const DEFAULT_ACCESS_LOG_RETENTION_DAYS = 730;
/** Default bound on the entries kept per citizen (oldest dropped first). */
export const DEFAULT_ACCESS_LOG_MAX_PER_CITIZEN = 100_000;

const NAME = /^[a-z][a-z0-9-]{0,63}$/;
const OFFICER = /^[\w.@:-]{1,64}$/;
const DOSSIER = /^[\w.\-/:]{1,64}$/;
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const COMMUNE = /^\d{5}$/;
const FIELD = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
/** A 12-digit run on its own: possibly a personal id. */
const TWELVE_DIGITS = /(?<!\d)\d{12}(?!\d)/g;

/**
 * The entry a citizen sees for an audit record, or null when the record does not belong in a
 * citizen's log:
 * - not an access, or its subject is not a valid personal id (parcels, enterprises, garbage);
 * - refused before any client system could be identified (no valid token): anyone could cause
 *   those about any id, they name nobody, and they stay in the audit trail for operators.
 * Refused attempts of identified client systems are shown, with their outcome and code: a citizen
 * should know that someone tried, not only who succeeded.
 * Free-text values that were not validated (refusals recorded at the HTTP edge) are kept only when
 * well-formed, and a 12-digit run that is not the citizen's own id is masked.
 */
export function toAccessLogAddition(record: AuditRecord, position: AuditPosition): AccessLogAddition | null {
  if (record.type !== 'access') return null;
  const subjectId = record.subjectId;
  if (typeof subjectId !== 'string' || parseCccd(subjectId) === null) return null;
  // A verified token subject: any text; bounded and kept on one line.
  if (typeof record.clientId !== 'string' || record.clientId.trim() === '') return null;
  const clientId = record.clientId.slice(0, 256).replace(/\s+/g, ' ');
  if (record.outcome !== 'answered' && record.outcome !== 'refused') return null;
  const timeMs = Date.parse(record.time);
  if (!Number.isFinite(timeMs) || timeMs < 0) return null;
  const mask = (value: string | null | undefined, pattern: RegExp): string | null =>
    typeof value === 'string' && pattern.test(value) ? value.replace(TWELVE_DIGITS, (digits) => (digits === subjectId ? digits : '************')) : null;
  return {
    subjectId,
    id: accessEntryId(record, position),
    time: new Date(timeMs).toISOString(),
    requestId: mask(record.requestId, REQUEST_ID) ?? '',
    clientId: mask(clientId, /./) ?? clientId,
    clientCommune: typeof record.clientCommune === 'string' && COMMUNE.test(record.clientCommune) ? record.clientCommune : null,
    officerId: mask(record.officerId, OFFICER),
    purpose: typeof record.purpose === 'string' && PURPOSE_PATTERN.test(record.purpose) ? record.purpose : null,
    dossierId: mask(record.dossierId, DOSSIER),
    registry: typeof record.registry === 'string' && NAME.test(record.registry) ? record.registry : null,
    dataset: typeof record.dataset === 'string' && NAME.test(record.dataset) ? record.dataset : null,
    fields: Array.isArray(record.fields) ? record.fields.filter((f) => typeof f === 'string' && FIELD.test(f)).slice(0, 100) : [],
    outcome: record.outcome,
    status: Number.isInteger(record.status) ? record.status : 0,
    code: record.outcome === 'refused' && typeof record.code === 'string' && /^[a-z_]{1,64}$/.test(record.code) ? record.code : null,
    writer: position.writer,
    seq: Number.isSafeInteger(position.seq) && position.seq > 0 ? position.seq : 0,
  };
}

/** Inclusive [first, last] seq numbers of one writer's chain. */
export type SeqRange = [number, number];

/**
 * An entry as it stands once the audit notices of its writer are taken into account. A notice
 * names records whose write failed or was acknowledged too late: their lookups were answered 503
 * audit_unavailable and released no data, so an "answered" record among them is shown as the
 * refusal it was. Notices come after the records they name, possibly long after (or, read again
 * from the start, before the store has them), so they are applied when reading, not when adding.
 */
export function withNotices(entry: AccessLogEntry, ranges: readonly SeqRange[] | undefined): AccessLogEntry {
  if (!ranges || entry.outcome !== 'answered' || entry.seq < 1) return entry;
  for (const [first, last] of ranges) {
    if (entry.seq >= first && entry.seq <= last) return { ...entry, outcome: 'refused', status: 503, code: ErrorCodes.auditUnavailable };
  }
  return entry;
}

/** Valid seq ranges of a notice, at most `max` (a notice is written by the gateway, but read defensively). */
export function noticeRanges(ranges: unknown, max = 10_000): SeqRange[] {
  if (!Array.isArray(ranges)) return [];
  const result: SeqRange[] = [];
  for (const range of ranges as unknown[]) {
    if (result.length >= max) break;
    if (Array.isArray(range) && range.length === 2 && Number.isSafeInteger(range[0]) && Number.isSafeInteger(range[1]) && range[0] >= 1 && range[1] >= range[0]) {
      result.push([range[0] as number, range[1] as number]);
    }
  }
  return result;
}

/**
 * Id of the access: the same audit entry delivered again (at least once) gets the same id, and two
 * items of one batch request (same request id, registry and dataset) still get two, because the
 * writer's chain number tells them apart. 128 bits, base64url (22 characters).
 */
export function accessEntryId(record: Pick<AuditRecord, 'requestId' | 'registry' | 'dataset'>, position: Pick<AuditPosition, 'writer' | 'seq' | 'position'>): string {
  const place = Number.isInteger(position.seq) && position.seq > 0 ? `${position.writer}#${position.seq}` : `@${position.position}`;
  return createHash('sha256')
    .update([record.requestId, record.registry ?? '', record.dataset ?? '', place].join('\n'))
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/** Strips the citizen's id: what a store keeps. */
export function storedEntry(addition: AccessLogAddition): AccessLogEntry {
  const { subjectId: _subjectId, ...entry } = addition;
  return entry;
}
