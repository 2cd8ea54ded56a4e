/**
 * Signs lookup answers as evidence: a compact JWS over the record (not over the request), so a
 * citizen or another agency can later check that the data came from the gateway unaltered. Since
 * it is about the record, one signature serves every lookup of the same record version and field
 * set: signatures are cached and reused instead of paying for a signature per request.
 *
 * Evidence expires (`exp`, {@link DEFAULT_EVIDENCE_TTL_SECONDS} after signing by default) so that a
 * dossier cannot lean on a years-old extract; a cached signature is renewed once half its lifetime
 * is gone, so whatever a lookup hands out stays checkable for at least half the TTL.
 */
import { Injectable } from '@nestjs/common';
import { base64url, CompactSign, compactVerify, decodeProtectedHeader, errors } from 'jose';
import { LRUCache } from 'lru-cache';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import type { EvidenceKeyStore, EvidenceSigningKey } from './evidence-key-store.js';

/** `typ` header of evidence, so it cannot be mistaken for (or replayed as) an access token. */
export const EVIDENCE_JWS_TYPE = 'motlan-evidence+jws';
export const DEFAULT_EVIDENCE_CACHE_SIZE = 50_000;
/** Minimum time between key set reloads triggered by evidence with an unknown `kid`. */
export const EVIDENCE_KEY_RELOAD_INTERVAL_MS = 30_000;
/** Longer inputs are malformed by definition (bounds work on untrusted input; real evidence is a few KiB). */
export const MAX_EVIDENCE_LENGTH = 256 * 1024;
/** Default lifetime of evidence: 90 days, long enough for a dossier to be processed and checked. */
export const DEFAULT_EVIDENCE_TTL_SECONDS = 90 * 86_400;
/** Shortest lifetime accepted: a cached signature is renewed at half of it. */
export const MIN_EVIDENCE_TTL_SECONDS = 60;

export interface EvidenceSignerOptions {
  /** `iss` of the evidence, e.g. `urn:motlan:gateway`. */
  issuer: string;
  keyStore: EvidenceKeyStore;
  /** Maximum cached signatures; default 50,000. */
  cacheSize?: number;
  /** Lifetime of evidence in seconds (`exp - iat`); default 90 days. */
  ttlSeconds?: number;
  /** Current time in epoch milliseconds (default `Date.now`). */
  now?: () => number;
}

/** What is being attested: one record version as returned to the client. */
export interface EvidenceInput {
  registry: string;
  dataset: string;
  subjectId: string;
  /**
   * Record version from the registry. Together with registry, dataset, subject, `asOf` and the
   * field set it identifies `data`: a cached signature is reused without looking at `data`.
   */
  version: string;
  /** When the registry's record was valid (ISO 8601), as reported by the registry. */
  asOf: string;
  /** Names of the returned fields (any order; stored sorted). */
  fields: readonly string[];
  /** The returned data, exactly as in the answer. */
  data: JsonObject;
}

/** The signed payload. */
export interface EvidencePayload {
  iss: string;
  /** Signing time, epoch seconds. */
  iat: number;
  /**
   * Expiry, epoch seconds: `iat` + the TTL. Always set by this signer; absent only in evidence
   * signed before evidence expired, which is treated as expiring `iat` + the verifier's TTL.
   */
  exp?: number;
  registry: string;
  dataset: string;
  subjectId: string;
  version: string;
  asOf: string;
  /** Returned field names, sorted. */
  fields: string[];
  data: JsonObject;
}

/** Why evidence does not verify; see {@link EvidenceSignerService.verify} for the order of checks. */
export type EvidenceInvalidReason = 'malformed' | 'not_issued_here' | 'unknown_key' | 'revoked' | 'signature' | 'expired';

export interface ValidEvidence {
  valid: true;
  payload: EvidencePayload;
  kid: string;
  /** `iat` as ISO 8601. */
  issuedAt: string;
  /** `exp` (or `iat` + TTL for evidence without one) as ISO 8601. */
  expiresAt: string;
}

export interface InvalidEvidence {
  valid: false;
  reason: EvidenceInvalidReason;
  /** What exactly is wrong, for a human (no personal data: never the payload). */
  detail: string;
  /** The `kid` the evidence names, when it could be read. */
  kid?: string;
}

export type EvidenceVerification = ValidEvidence | InvalidEvidence;

interface CachedSignature {
  jws: Promise<string>;
  /** Epoch ms from which the signature is renewed instead of served: half its lifetime is gone. */
  renewAtMs: number;
}

/** Counters for metrics. */
export interface EvidenceSignerStats {
  /** Signatures actually computed. */
  signatures: number;
  /** `sign` calls answered from the cache (including ones joining an in-flight signature). */
  cacheHits: number;
  /** Signatures currently cached. */
  cached: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

@Injectable()
export class EvidenceSignerService {
  private readonly keyStore: EvidenceKeyStore;
  private readonly issuer: string;
  private readonly now: () => number;
  private readonly ttlSeconds: number;
  // Promises, so that concurrent lookups of the same record share one signature.
  private readonly cache: LRUCache<string, CachedSignature>;
  private signatures = 0;
  private cacheHits = 0;
  private lastKeyReloadMs = Number.NEGATIVE_INFINITY;

  constructor(options: EvidenceSignerOptions) {
    if (!options.issuer) throw new TypeError('evidence signer: issuer is required');
    const cacheSize = options.cacheSize ?? DEFAULT_EVIDENCE_CACHE_SIZE;
    if (!Number.isInteger(cacheSize) || cacheSize < 1) throw new RangeError('evidence signer: cacheSize must be a positive integer');
    const ttlSeconds = options.ttlSeconds ?? DEFAULT_EVIDENCE_TTL_SECONDS;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_EVIDENCE_TTL_SECONDS)
      throw new RangeError(`evidence signer: ttlSeconds must be an integer >= ${MIN_EVIDENCE_TTL_SECONDS}`);
    this.ttlSeconds = ttlSeconds;
    this.issuer = options.issuer;
    this.keyStore = options.keyStore;
    this.now = options.now ?? Date.now;
    this.cache = new LRUCache({ max: cacheSize });
  }

  /**
   * Compact JWS (header `{ alg, kid, typ: 'motlan-evidence+jws' }`) over
   * {@link EvidencePayload}. Signed once per record version, field set and signing key; later
   * calls return the identical string until half its lifetime is gone, then it is signed afresh.
   */
  async sign(input: EvidenceInput): Promise<string> {
    const key = this.keyStore.current();
    const fields = sortedFields(input.fields);
    const cacheKey = cacheKeyOf(key.kid, input, fields);
    const now = this.now();
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined && now < cached.renewAtMs) {
      this.cacheHits++;
      return cached.jws;
    }
    const iat = Math.floor(now / 1000);
    const entry: CachedSignature = { jws: this.signUncached(input, fields, key, iat), renewAtMs: iat * 1000 + this.ttlSeconds * 500 };
    this.cache.set(cacheKey, entry);
    try {
      return await entry.jws;
    } catch (error) {
      if (this.cache.peek(cacheKey) === entry) this.cache.delete(cacheKey);
      throw error;
    }
  }

  /**
   * Checks evidence against the published key set (current and previous keys). Never throws for
   * bad input: the reason tells what is wrong. Checks, in this order (the first failing one is the
   * answer):
   * 1. `malformed`: not a compact JWS of at most {@link MAX_EVIDENCE_LENGTH} characters with a
   *    JSON header naming a `kid` (and, after the signature, a payload that is not evidence);
   * 2. `not_issued_here`: `typ` is not `motlan-evidence+jws`, or the payload's `iss` is another
   *    issuer (read before the signature: whoever issued it is the one to ask);
   * 3. `unknown_key`: the `kid` is in neither the key set nor the revocation list;
   * 4. `revoked`: the `kid` was revoked (whatever the signature: a revoked key proves nothing);
   * 5. `signature`: the signature does not verify with that key (altered header or payload, or
   *    another key reusing the `kid`), or `alg` is not the key's;
   * 6. `expired`: genuine, but `exp` has passed.
   */
  async verify(jws: string): Promise<EvidenceVerification> {
    if (typeof jws !== 'string' || jws.length === 0) return invalid('malformed', 'evidence must be a non-empty string');
    if (jws.length > MAX_EVIDENCE_LENGTH) return invalid('malformed', `evidence longer than ${MAX_EVIDENCE_LENGTH} characters`);
    const parts = jws.split('.');
    if (parts.length !== 3) return invalid('malformed', 'not a compact JWS (three base64url parts separated by dots)');
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(jws);
    } catch {
      return invalid('malformed', 'the JWS header is not base64url-encoded JSON');
    }
    const { kid, typ } = header;
    if (typeof kid !== 'string' || kid.length === 0) return invalid('malformed', 'the JWS header has no kid');
    if (typ !== EVIDENCE_JWS_TYPE)
      return invalid('not_issued_here', `typ is ${JSON.stringify(typ ?? null)}, not "${EVIDENCE_JWS_TYPE}": not evidence of this gateway`, kid);
    const claimedIssuer = unverifiedIssuer(parts[1]);
    if (claimedIssuer !== undefined && claimedIssuer !== this.issuer) {
      return invalid('not_issued_here', `issued by ${JSON.stringify(claimedIssuer).slice(0, 200)}, not by this gateway (${this.issuer})`, kid);
    }

    let publicKey = this.keyStore.publicKey(kid);
    if (publicKey === undefined && this.keyStore.revocation(kid) === undefined && this.now() - this.lastKeyReloadMs >= EVIDENCE_KEY_RELOAD_INTERVAL_MS) {
      // Maybe another process sharing the key directory rotated; rate-limited so forged kids
      // cannot make every call hit the disk.
      this.lastKeyReloadMs = this.now();
      await this.keyStore.reload().catch(() => undefined);
      publicKey = this.keyStore.publicKey(kid);
    }
    const revocation = this.keyStore.revocation(kid);
    if (revocation !== undefined) return invalid('revoked', `key ${kid} was revoked at ${revocation.revokedAt} (${revocation.reason})`, kid);
    if (publicKey === undefined) return invalid('unknown_key', `no published key has kid ${kid}`, kid);

    let payloadBytes: Uint8Array;
    try {
      ({ payload: payloadBytes } = await compactVerify(jws, publicKey.key, { algorithms: [publicKey.alg] }));
    } catch (error) {
      if (error instanceof errors.JOSEAlgNotAllowed) return invalid('signature', `alg is not ${publicKey.alg}, the algorithm of key ${kid}`, kid);
      if (error instanceof errors.JWSSignatureVerificationFailed)
        return invalid('signature', `the signature does not match the header and payload (altered, or signed by another key)`, kid);
      return invalid('malformed', `not a verifiable compact JWS (${error instanceof errors.JOSEError ? error.code : 'unreadable'})`, kid);
    }
    let payload: unknown;
    try {
      payload = JSON.parse(decoder.decode(payloadBytes));
    } catch {
      return invalid('malformed', 'the payload is not JSON', kid);
    }
    if (!isEvidencePayload(payload)) return invalid('malformed', 'the payload lacks evidence claims', kid);
    const exp = payload.exp ?? payload.iat + this.ttlSeconds;
    const expiresAt = new Date(exp * 1000).toISOString();
    if (this.now() >= exp * 1000) return invalid('expired', `expired at ${expiresAt}`, kid);
    return { valid: true, payload, kid, issuedAt: new Date(payload.iat * 1000).toISOString(), expiresAt };
  }

  /** Counters for metrics and tests. */
  get stats(): EvidenceSignerStats {
    return { signatures: this.signatures, cacheHits: this.cacheHits, cached: this.cache.size };
  }

  private async signUncached(input: EvidenceInput, fields: readonly string[], key: EvidenceSigningKey, iat: number): Promise<string> {
    const payload: EvidencePayload = {
      iss: this.issuer,
      iat,
      exp: iat + this.ttlSeconds,
      registry: input.registry,
      dataset: input.dataset,
      subjectId: input.subjectId,
      version: input.version,
      asOf: input.asOf,
      fields: [...fields],
      data: input.data,
    };
    // Serialised before the first await: later mutation of input.data cannot leak into the JWS.
    const bytes = encoder.encode(JSON.stringify(payload));
    const jws = await new CompactSign(bytes).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: EVIDENCE_JWS_TYPE }).sign(key.privateKey);
    this.signatures++;
    return jws;
  }
}

function invalid(reason: EvidenceInvalidReason, detail: string, kid?: string): InvalidEvidence {
  return kid === undefined ? { valid: false, reason, detail } : { valid: false, reason, detail, kid };
}

/** `iss` of a payload not verified yet, if it is readable at all (else the signature check decides). */
function unverifiedIssuer(encodedPayload: string): unknown {
  try {
    const payload = JSON.parse(decoder.decode(base64url.decode(encodedPayload))) as unknown;
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as { iss?: unknown }).iss : undefined;
  } catch {
    return undefined;
  }
}

/** The fields sorted; the input array itself when already sorted (the common case), to avoid a copy. */
function sortedFields(fields: readonly string[]): readonly string[] {
  for (let i = 1; i < fields.length; i++) {
    if (fields[i - 1] > fields[i]) return [...fields].sort();
  }
  return fields;
}

/**
 * Length-prefixed concatenation: unambiguous whatever characters the parts contain, and far
 * cheaper than hashing. `data` is deliberately absent: the version identifies it.
 */
function cacheKeyOf(kid: string, input: EvidenceInput, fields: readonly string[]): string {
  let key = `${kid}|${input.registry.length}:${input.registry}|${input.dataset.length}:${input.dataset}|${input.subjectId.length}:${input.subjectId}|${input.version.length}:${input.version}|${input.asOf.length}:${input.asOf}|`;
  for (const field of fields) key += `${field.length}:${field}`;
  return key;
}

function isEvidencePayload(value: unknown): value is EvidencePayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.iss === 'string' &&
    Number.isInteger(p.iat) &&
    (p.exp === undefined || Number.isInteger(p.exp)) &&
    typeof p.registry === 'string' &&
    typeof p.dataset === 'string' &&
    typeof p.subjectId === 'string' &&
    typeof p.version === 'string' &&
    typeof p.asOf === 'string' &&
    Array.isArray(p.fields) &&
    p.fields.every((f) => typeof f === 'string') &&
    typeof p.data === 'object' &&
    p.data !== null &&
    !Array.isArray(p.data)
  );
}
