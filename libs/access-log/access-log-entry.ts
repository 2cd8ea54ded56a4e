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
import { CONSENT_ID_PATTERN } from '@motlan/consent/consent.js';
import { ARCHIVE_SHARE_ID_PATTERN } from '@motlan/citizen-archive/archive-item.js';

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
  /**
   * Absent when the citizen was the subject looked up (every entry stored before roles existed is
   * one); `named-in-record` when the lookup was about someone else (or a parcel) and the released
   * fields held the citizen's id, at `fieldPaths` (e.g. `members[2].personId`).
   */
  role?: 'named-in-record';
  fieldPaths?: string[];
  /** The citizen's consent the read was answered on (its id), when the dataset needed one. */
  consentId?: string;
  /** The citizen's archive share the read was answered on (its id), when a commune redeemed one. */
  shareId?: string;
  /** A correction of the citizen's data filed or moved (its id and the state it entered), for entries `via: correction`. */
  correctionId?: string;
  correctionState?: 'open' | 'accepted' | 'rejected' | 'applied';
  /**
   * Refusals only: the attempts this entry stands for. Refusals of one client system, for one
   * reason and dataset, within one {@link REFUSAL_BUCKET_MS} window are kept as one entry (the
   * first attempt's details) with their count and the time of the latest.
   */
  count?: number;
  lastTime?: string;
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
/**
 * Default bound on the refusal entries kept per citizen, apart from the accesses: refusals cost a
 * caller nothing (any client token, any well-formed id), so they never push an access out.
 */
export const DEFAULT_ACCESS_LOG_MAX_REFUSALS_PER_CITIZEN = 200;
/**
 * Default bound on the citizens whose log holds refusals and no access (the least recently
 * refused lose theirs first): made-up ids cannot grow the store without bound.
 */
export const DEFAULT_ACCESS_LOG_MAX_REFUSAL_ONLY_CITIZENS = 100_000;
/** Refusals of one client system, reason and dataset within this window are one entry with a count. */
export const REFUSAL_BUCKET_MS = 3_600_000;

const NAME = /^[a-z][a-z0-9-]{0,63}$/;
const OFFICER = /^[\w.@:-]{1,64}$/;
const DOSSIER = /^[\w.\-/:]{1,64}$/;
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const COMMUNE = /^\d{5}$/;
const FIELD = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
/** A 12-digit run on its own: possibly a personal id. */
const TWELVE_DIGITS = /(?<!\d)\d{12}(?!\d)/g;

/**
 * The entries an audit record makes, one per citizen it concerns ([] when none):
 * - the subject looked up, when it is a valid personal id (not parcels, enterprises, garbage);
 * - when answered, every other person whose id the released fields held (`namedSubjects`), with
 *   role `named-in-record` and the paths: their data left too, whoever the lookup was about.
 * Nothing for other entry types, nor for refusals before any client system could be identified
 * (no valid token): anyone could cause those about any id, they name nobody, and they stay in the
 * audit trail for operators. Refused attempts of identified client systems are shown, with their
 * outcome and code: a citizen should know that someone tried, not only who succeeded.
 * Free-text values that were not validated (refusals recorded at the HTTP edge) are kept only when
 * well-formed, and a 12-digit run that is not the citizen's own id is masked.
 */
export function toAccessLogAdditions(record: AuditRecord, position: AuditPosition): AccessLogAddition[] {
  if (record.type !== 'access') return [];
  // A verified token subject: any text; bounded and kept on one line.
  if (typeof record.clientId !== 'string' || record.clientId.trim() === '') return [];
  if (record.outcome !== 'answered' && record.outcome !== 'refused') return [];
  const timeMs = Date.parse(record.time);
  if (!Number.isFinite(timeMs) || timeMs < 0) return [];
  const additions: AccessLogAddition[] = [];
  const subjectId = record.subjectId;
  if (typeof subjectId === 'string' && parseCccd(subjectId) !== null) additions.push(entryFor(record, position, subjectId, timeMs, record.clientId));
  if (record.outcome === 'answered') {
    for (const { subjectId: named, paths } of namedSubjects(record.namedSubjects, subjectId)) {
      additions.push({
        ...entryFor(record, position, named, timeMs, record.clientId),
        id: accessEntryId(record, position, named),
        role: 'named-in-record',
        fieldPaths: paths,
      });
    }
  }
  return additions;
}

/** The subject's entry alone (see {@link toAccessLogAdditions}), or null. */
export function toAccessLogAddition(record: AuditRecord, position: AuditPosition): AccessLogAddition | null {
  const [first] = toAccessLogAdditions(record, position);
  return first !== undefined && first.role === undefined ? first : null;
}

function entryFor(record: AuditRecord, position: AuditPosition, citizenId: string, timeMs: number, rawClientId: string): AccessLogAddition {
  const clientId = rawClientId.slice(0, 256).replace(/\s+/g, ' ');
  // Any 12-digit run but the citizen's own id is masked: no other citizen's id is ever in an entry.
  const mask = (value: string | null | undefined, pattern: RegExp): string | null =>
    typeof value === 'string' && pattern.test(value) ? value.replace(TWELVE_DIGITS, (digits) => (digits === citizenId ? digits : '************')) : null;
  return {
    subjectId: citizenId,
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
    ...(record.outcome === 'answered' && typeof record.consentId === 'string' && CONSENT_ID_PATTERN.test(record.consentId)
      ? { consentId: record.consentId }
      : {}),
    ...(typeof record.shareId === 'string' && ARCHIVE_SHARE_ID_PATTERN.test(record.shareId) ? { shareId: record.shareId } : {}),
    ...(record.via === 'correction' && typeof record.correctionId === 'string' && CORRECTION_ID.test(record.correctionId)
      ? { correctionId: record.correctionId, ...(CORRECTION_STATES.has(String(record.correctionState)) ? { correctionState: record.correctionState } : {}) }
      : {}),
  };
}

/** Correction ids are UUIDs (libs/corrections). */
const CORRECTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CORRECTION_STATES: ReadonlySet<string> = new Set(['open', 'accepted', 'rejected', 'applied']);

/** `members[2].personId`, `owners[0].id`, `fatherId`. */
const FIELD_PATH = /^[A-Za-z][A-Za-z0-9]{0,63}(\[\d{1,4}\]|\.[A-Za-z][A-Za-z0-9]{0,63}){0,6}$/;

/** The valid named persons of a record, read defensively (the gateway writes them, but the trail is read as data), never the subject. */
function namedSubjects(value: unknown, subjectId: string | null): Array<{ subjectId: string; paths: string[] }> {
  if (!Array.isArray(value)) return [];
  const result: Array<{ subjectId: string; paths: string[] }> = [];
  const seen = new Set<string>();
  for (const item of value as unknown[]) {
    if (result.length >= 50) break;
    if (item === null || typeof item !== 'object') continue;
    const { subjectId: id, paths } = item as { subjectId?: unknown; paths?: unknown };
    if (typeof id !== 'string' || id === subjectId || seen.has(id) || parseCccd(id) === null) continue;
    const valid = Array.isArray(paths) ? (paths as unknown[]).filter((p): p is string => typeof p === 'string' && FIELD_PATH.test(p)).slice(0, 10) : [];
    seen.add(id);
    result.push({ subjectId: id, paths: valid });
  }
  return result;
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
    if (
      Array.isArray(range) &&
      range.length === 2 &&
      Number.isSafeInteger(range[0]) &&
      Number.isSafeInteger(range[1]) &&
      range[0] >= 1 &&
      range[1] >= range[0]
    ) {
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
export function accessEntryId(
  record: Pick<AuditRecord, 'requestId' | 'registry' | 'dataset'>,
  position: Pick<AuditPosition, 'writer' | 'seq' | 'position'>,
  namedCitizen?: string,
): string {
  const place = Number.isInteger(position.seq) && position.seq > 0 ? `${position.writer}#${position.seq}` : `@${position.position}`;
  // A named person's entry has an id of its own: two citizens comparing ids learn nothing.
  const parts = [record.requestId, record.registry ?? '', record.dataset ?? '', place];
  if (namedCitizen !== undefined) parts.push(`named:${namedCitizen}`);
  return createHash('sha256').update(parts.join('\n')).digest().subarray(0, 16).toString('base64url');
}

/**
 * Id of the refusal entry an attempt is counted in: one per citizen's log, client system, reason,
 * registry, dataset and {@link REFUSAL_BUCKET_MS} window. The citizen's id is part of it, so two
 * citizens' entries never share an id.
 */
export function refusalEntryId(addition: AccessLogAddition): string {
  const bucket = Math.floor(Date.parse(addition.time) / REFUSAL_BUCKET_MS);
  return createHash('sha256')
    .update(['refusal', addition.subjectId, addition.clientId, addition.code ?? '', addition.registry ?? '', addition.dataset ?? '', String(bucket)].join('\n'))
    .digest()
    .subarray(0, 16)
    .toString('base64url');
}

/** Strips the citizen's id: what a store keeps. */
export function storedEntry(addition: AccessLogAddition): AccessLogEntry {
  const { subjectId: _subjectId, ...entry } = addition;
  return entry;
}
