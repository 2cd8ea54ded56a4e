/**
 * Consents a citizen gives to let commune systems read a sensitive dataset that the procedure has
 * no legal basis to read without them (Decree 13/2023 on personal data protection: consent is
 * specific, bounded in time and can be withdrawn). A consent names exactly what it covers; a
 * lookup is held to it field by field of the scope, never "close enough".
 */
import { randomBytes, randomInt } from 'node:crypto';

/** A registry dataset a consent covers. */
export interface ConsentDataset {
  registry: string;
  dataset: string;
}

/** A consent in force or taken back. Immutable but for `revokedAt`. */
export interface Consent {
  /** `cns_` + 22 base64url characters (128 random bits): what the clerk's software sends in X-Consent-Ref. */
  id: string;
  /** The citizen who gave it (12-digit personal id, the `sub` of their citizen token). */
  subjectId: string;
  /** The procedure (N.NNNNNN) it is for, when it names one; lookups must name the same purpose. */
  procedure: string | null;
  /** The dossier it is for, when it names one; lookups must carry the same X-Dossier-Id. */
  dossierId: string | null;
  /** The commune (5-digit code) whose systems may use it: the `commune` claim of the client token. */
  communeCode: string;
  datasets: ConsentDataset[];
  /** RFC 3339. */
  createdAt: string;
  /** RFC 3339: it covers nothing from then on. */
  validUntil: string;
  /** RFC 3339, once the citizen has taken it back. */
  revokedAt: string | null;
  /** How it was given: by the citizen directly, or by approving a counter request (its code and client). */
  origin: { kind: 'citizen' } | { kind: 'counter-request'; clientId: string; officerId: string | null };
}

/**
 * A consent asked for at the counter by a commune's software, waiting for the citizen to approve it
 * with their own token. It works once and expires soon; approving it creates the consent.
 */
export interface ConsentRequest {
  /** `crq_` + 22 base64url characters (128 random bits): the `jti` of its signed form, binding that to this one request. */
  id: string;
  /** 8 characters of {@link REQUEST_CODE_ALPHABET}: read aloud or typed by the citizen. */
  code: string;
  /** The only citizen who may approve it. */
  subjectId: string;
  procedure: string | null;
  dossierId: string | null;
  communeCode: string;
  datasets: ConsentDataset[];
  /** RFC 3339: how long the consent it creates lasts. */
  validUntil: string;
  /** Client system (token `sub`) and officer that asked. */
  clientId: string;
  officerId: string | null;
  createdAt: string;
  /** RFC 3339: it cannot be approved from then on. */
  expiresAt: string;
}

/** What a lookup wants to use a consent for. */
export interface ConsentUse {
  /** The citizen the read concerns: the subject looked up, or (for parcels and other non-person keys) a person the record names. */
  subjectIds: readonly string[];
  procedure: string;
  dossierId: string | undefined;
  /** The client token's commune claim; a client without one cannot use a consent (consents are given to a commune). */
  communeCode: string | undefined;
  registry: string;
  dataset: string;
}

/** Why a consent does not cover a read (problem `consent_invalid`, member `reason`). */
export const ConsentInvalidReasons = {
  unknown: 'unknown',
  otherSubject: 'other_subject',
  otherProcedure: 'other_procedure',
  otherDossier: 'other_dossier',
  otherCommune: 'other_commune',
  datasetNotCovered: 'dataset_not_covered',
  expired: 'expired',
  revoked: 'revoked',
} as const;
export type ConsentInvalidReason = (typeof ConsentInvalidReasons)[keyof typeof ConsentInvalidReasons];

/** Longest a counter request may wait for approval unless configured. */
export const DEFAULT_CONSENT_REQUEST_TTL_SEC = 900;
/** Longest a consent may last unless configured. */
export const DEFAULT_CONSENT_MAX_VALIDITY_DAYS = 365;

export const CONSENT_ID_PATTERN = /^cns_[A-Za-z0-9_-]{22}$/;
/** No 0/O, 1/I/L: the citizen may read the code off a screen or hear it at the counter. */
export const REQUEST_CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const REQUEST_CODE_PATTERN = new RegExp(`^[${REQUEST_CODE_ALPHABET}]{8}$`);

export function newConsentId(): string {
  return `cns_${randomBytes(16).toString('base64url')}`;
}

export function newConsentRequestId(): string {
  return `crq_${randomBytes(16).toString('base64url')}`;
}

/** 31^8 ≈ 8.5·10^11 codes; a code only opens a request to its own subject, and lives minutes. */
export function newRequestCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += REQUEST_CODE_ALPHABET[randomInt(REQUEST_CODE_ALPHABET.length)];
  return code;
}

/**
 * The first reason `consent` does not cover `use` at `now` (epoch ms), or null when it does. Taken
 * back comes before expired: the citizen's act is the more telling reason.
 */
export function consentMismatch(consent: Consent, use: ConsentUse, now: number): ConsentInvalidReason | null {
  if (!use.subjectIds.includes(consent.subjectId)) return ConsentInvalidReasons.otherSubject;
  if (consent.revokedAt !== null) return ConsentInvalidReasons.revoked;
  if (Date.parse(consent.validUntil) <= now) return ConsentInvalidReasons.expired;
  if (consent.procedure !== null && consent.procedure !== use.procedure) return ConsentInvalidReasons.otherProcedure;
  if (consent.dossierId !== null && consent.dossierId !== use.dossierId) return ConsentInvalidReasons.otherDossier;
  if (consent.communeCode !== use.communeCode) return ConsentInvalidReasons.otherCommune;
  if (!consent.datasets.some((d) => d.registry === use.registry && d.dataset === use.dataset)) return ConsentInvalidReasons.datasetNotCovered;
  return null;
}

/** The consent a request creates once approved. */
export function consentFromRequest(request: ConsentRequest, id: string, now: number): Consent {
  return {
    id,
    subjectId: request.subjectId,
    procedure: request.procedure,
    dossierId: request.dossierId,
    communeCode: request.communeCode,
    datasets: request.datasets.map((d) => ({ ...d })),
    createdAt: new Date(now).toISOString(),
    validUntil: request.validUntil,
    revokedAt: null,
    origin: { kind: 'counter-request', clientId: request.clientId, officerId: request.officerId },
  };
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';

function datasetsOf(value: unknown): ConsentDataset[] | null {
  if (!Array.isArray(value)) return null;
  const datasets: ConsentDataset[] = [];
  for (const d of value as unknown[]) {
    if (d === null || typeof d !== 'object') return null;
    const { registry, dataset } = d as Partial<ConsentDataset>;
    if (!isString(registry) || !isString(dataset)) return null;
    datasets.push({ registry, dataset });
  }
  return datasets;
}

/** A stored consent read back; null for anything that is not one (a torn or foreign entry). */
export function parseConsent(value: unknown): Consent | null {
  if (value === null || typeof value !== 'object') return null;
  const c = value as Record<string, unknown>;
  const datasets = datasetsOf(c.datasets);
  const origin = c.origin as Consent['origin'] | undefined;
  if (!isString(c.id) || !isString(c.subjectId) || !isNullableString(c.procedure) || !isNullableString(c.dossierId) || !isString(c.communeCode)) return null;
  if (!datasets || !isString(c.createdAt) || !isString(c.validUntil) || !isNullableString(c.revokedAt ?? null)) return null;
  if (!origin || (origin.kind !== 'citizen' && origin.kind !== 'counter-request')) return null;
  return {
    id: c.id,
    subjectId: c.subjectId,
    procedure: c.procedure,
    dossierId: c.dossierId,
    communeCode: c.communeCode,
    datasets,
    createdAt: c.createdAt,
    validUntil: c.validUntil,
    revokedAt: (c.revokedAt as string | null | undefined) ?? null,
    origin:
      origin.kind === 'citizen'
        ? { kind: 'citizen' }
        : { kind: 'counter-request', clientId: String(origin.clientId), officerId: isString(origin.officerId) ? origin.officerId : null },
  };
}

/** A stored counter request read back; null for anything that is not one. */
export function parseConsentRequest(value: unknown): ConsentRequest | null {
  if (value === null || typeof value !== 'object') return null;
  const r = value as Record<string, unknown>;
  const datasets = datasetsOf(r.datasets);
  if (!isString(r.code) || !isString(r.subjectId) || !isNullableString(r.procedure) || !isNullableString(r.dossierId) || !isString(r.communeCode)) return null;
  if (!datasets || !isString(r.validUntil) || !isString(r.clientId) || !isNullableString(r.officerId) || !isString(r.createdAt) || !isString(r.expiresAt))
    return null;
  return {
    // Requests stored before they had an id (they live minutes) take their code as one: only their code approves them.
    id: isString(r.id) ? r.id : r.code,
    code: r.code,
    subjectId: r.subjectId,
    procedure: r.procedure,
    dossierId: r.dossierId,
    communeCode: r.communeCode,
    datasets,
    validUntil: r.validUntil,
    clientId: r.clientId,
    officerId: r.officerId,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
  };
}
