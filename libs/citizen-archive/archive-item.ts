/**
 * The citizen's data archive: what the state issued about a citizen, kept for them to see and to
 * reuse instead of being asked for the paper again (Decree 107/2021 and 45/2020 on electronic
 * results and data reuse: a result once issued is reused, not requested again). Two kinds of item:
 * evidence the gateway signed for a lookup about the citizen, and electronic results a commune
 * returned with dossier status 10. Items are stored sealed; only the gateway opens them.
 */
import { randomBytes } from 'node:crypto';

/** `arc_` + 22 base64url characters: a keyed hash of the citizen and what the item is (the same evidence archived twice is one item). */
export const ARCHIVE_ITEM_ID_PATTERN = /^arc_[A-Za-z0-9_-]{22}$/;
/** `shr_` + 22 base64url characters (128 random bits): the id of a share, as the citizen and the audit trail see it. */
export const ARCHIVE_SHARE_ID_PATTERN = /^shr_[A-Za-z0-9_-]{22}$/;
/** A share reference as a commune system gets it: `shr1.` + the sealed share (74 base64url characters). */
export const SHARE_REFERENCE_PATTERN = /^shr1\.[A-Za-z0-9_-]{74}$/;

/** Evidence (a compact JWS) the gateway issued for a lookup about the citizen. */
export interface EvidenceContent {
  kind: 'evidence';
  jws: string;
  registry: string;
  dataset: string;
  /** `iss` of the evidence. */
  issuer: string;
  /** RFC 3339: `iat`. */
  issuedAt: string;
  /** RFC 3339: `exp`. */
  expiresAt: string;
  /** The signing key (`kid`): a revoked key shows the item as revoked. */
  kid: string;
  /** What the lookup named: the commune of the client and the dossier, when it had them. */
  communeCode: string | null;
  dossierId: string | null;
  purpose: string | null;
}

/** An electronic result a commune returned for a dossier of the citizen (dossier status 10, result returned). */
export interface ResultContent {
  kind: 'result';
  dossierId: string;
  /** The commune that issued it (the dossier's commune). */
  communeCode: string;
  procedureCode: string;
  /** The status's per-dossier sequence number. */
  sequence: number;
  /** RFC 3339: when the gateway accepted the status that returned it. */
  issuedAt: string;
  documents: Array<{ code: string; name: string; url: string | null }>;
}

export type ArchiveContent = EvidenceContent | ResultContent;

/** An item as the gateway reads it, opened. */
export interface ArchiveItem {
  id: string;
  /** RFC 3339: when it was archived. */
  storedAt: string;
  /** RFC 3339: when it is forgotten (retention). */
  forgetAt: string;
  content: ArchiveContent;
}

/**
 * An item as a store keeps it: the citizen only as a keyed hash (`subjectKey`), the content sealed
 * (AES-256-GCM, bound to the citizen and the id): a dump of the store shows neither ids nor data.
 */
export interface StoredArchiveItem {
  id: string;
  subjectKey: string;
  storedAt: string;
  forgetAt: string;
  /** base64url of the sealed {@link ArchiveContent}. */
  sealed: string;
}

/** A share of one item with one commune for one dossier, until `validUntil`. */
export interface ArchiveShare {
  id: string;
  itemId: string;
  subjectKey: string;
  communeCode: string;
  dossierId: string;
  /** RFC 3339. */
  createdAt: string;
  /** RFC 3339: the reference is refused from then on. */
  validUntil: string;
}

/**
 * A commune's dossier and a citizen it concerns (the subject of a lookup or prefill made with that
 * X-Dossier-Id by a client of that commune): where a result returned for the dossier is archived.
 */
export interface DossierLink {
  communeCode: string;
  dossierId: string;
  subjectKey: string;
  /** RFC 3339: when the link is forgotten. */
  forgetAt: string;
}

/** How long a dossier link is kept: longer than any dossier takes to be processed. */
export const DOSSIER_LINK_TTL_MS = 365 * 86_400_000;
/** Default retention of an item after it was archived: five years (MOTLAN_ARCHIVE_RETENTION_DAYS). */
export const DEFAULT_ARCHIVE_RETENTION_DAYS = 1825;
/** Default longest validity of a share (MOTLAN_ARCHIVE_SHARE_MAX_DAYS). */
export const DEFAULT_ARCHIVE_SHARE_MAX_DAYS = 30;
/** Items kept per citizen at most: the oldest are forgotten first beyond it. */
export const MAX_ARCHIVE_ITEMS_PER_CITIZEN = 1000;

export function newShareId(): string {
  return `shr_${randomBytes(16).toString('base64url')}`;
}

/** Newest first, then by id: the same order from every store. */
export function newestFirst(a: { storedAt: string; id: string }, b: { storedAt: string; id: string }): number {
  return b.storedAt.localeCompare(a.storedAt) || a.id.localeCompare(b.id);
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** A stored item read back; null for anything that is not one (a torn or foreign entry). */
export function parseStoredItem(value: unknown): StoredArchiveItem | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (!isString(v.id) || !isString(v.subjectKey) || !isString(v.storedAt) || !isString(v.forgetAt) || !isString(v.sealed)) return null;
  return { id: v.id, subjectKey: v.subjectKey, storedAt: v.storedAt, forgetAt: v.forgetAt, sealed: v.sealed };
}

/** A stored share read back; null for anything that is not one. */
export function parseShare(value: unknown): ArchiveShare | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (!isString(v.id) || !isString(v.itemId) || !isString(v.subjectKey) || !isString(v.communeCode) || !isString(v.dossierId)) return null;
  if (!isString(v.createdAt) || !isString(v.validUntil)) return null;
  return {
    id: v.id,
    itemId: v.itemId,
    subjectKey: v.subjectKey,
    communeCode: v.communeCode,
    dossierId: v.dossierId,
    createdAt: v.createdAt,
    validUntil: v.validUntil,
  };
}

/** Sealed content read back after opening; null for anything that is not content. */
export function parseContent(value: unknown): ArchiveContent | null {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  const nullable = (x: unknown): x is string | null => x === null || isString(x);
  if (v.kind === 'evidence') {
    if (!isString(v.jws) || !isString(v.registry) || !isString(v.dataset) || !isString(v.issuer) || !isString(v.issuedAt) || !isString(v.expiresAt))
      return null;
    if (!isString(v.kid) || !nullable(v.communeCode) || !nullable(v.dossierId) || !nullable(v.purpose)) return null;
    return value as EvidenceContent;
  }
  if (v.kind === 'result') {
    if (!isString(v.dossierId) || !isString(v.communeCode) || !isString(v.procedureCode) || !Number.isInteger(v.sequence) || !isString(v.issuedAt)) return null;
    if (!Array.isArray(v.documents)) return null;
    return value as ResultContent;
  }
  return null;
}
