/**
 * Signs lookup answers as evidence: a compact JWS over the record (not over the request), so a
 * citizen or another agency can later check that the data came from the gateway unaltered. Since
 * it is about the record, one signature serves every lookup of the same record version and field
 * set: signatures are cached and reused instead of paying for a signature per request.
 */
import { Injectable } from '@nestjs/common';
import { CompactSign, compactVerify, decodeProtectedHeader, errors } from 'jose';
import { LRUCache } from 'lru-cache';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import type { EvidenceKeyStore, EvidenceSigningKey } from './evidence-key-store.js';

/** `typ` header of evidence, so it cannot be mistaken for (or replayed as) an access token. */
export const EVIDENCE_JWS_TYPE = 'motlan-evidence+jws';
export const DEFAULT_EVIDENCE_CACHE_SIZE = 50_000;
/** Minimum time between key set reloads triggered by evidence with an unknown `kid`. */
export const EVIDENCE_KEY_RELOAD_INTERVAL_MS = 30_000;
/** Longer inputs are malformed by definition (bounds work on untrusted input). */
export const MAX_EVIDENCE_LENGTH = 1024 * 1024;

export interface EvidenceSignerOptions {
  /** `iss` of the evidence, e.g. `urn:motlan:gateway`. */
  issuer: string;
  keyStore: EvidenceKeyStore;
  /** Maximum cached signatures; default 50,000. */
  cacheSize?: number;
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
  /** First signing time, epoch seconds. */
  iat: number;
  registry: string;
  dataset: string;
  subjectId: string;
  version: string;
  asOf: string;
  /** Returned field names, sorted. */
  fields: string[];
  data: JsonObject;
}

export type EvidenceInvalidReason = 'signature' | 'unknown_key' | 'malformed' | 'not_issued_here';

export type EvidenceVerification = { valid: true; payload: EvidencePayload; kid: string } | { valid: false; reason: EvidenceInvalidReason };

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
  // Promises, so that concurrent lookups of the same record share one signature.
  private readonly cache: LRUCache<string, Promise<string>>;
  private signatures = 0;
  private cacheHits = 0;
  private lastKeyReloadMs = Number.NEGATIVE_INFINITY;

  constructor(options: EvidenceSignerOptions) {
    if (!options.issuer) throw new TypeError('evidence signer: issuer is required');
    const cacheSize = options.cacheSize ?? DEFAULT_EVIDENCE_CACHE_SIZE;
    if (!Number.isInteger(cacheSize) || cacheSize < 1) throw new RangeError('evidence signer: cacheSize must be a positive integer');
    this.issuer = options.issuer;
    this.keyStore = options.keyStore;
    this.now = options.now ?? Date.now;
    this.cache = new LRUCache({ max: cacheSize });
  }

  /**
   * Compact JWS (header `{ alg, kid, typ: 'motlan-evidence+jws' }`) over
   * {@link EvidencePayload}. Signed once per record version, field set and signing key; later
   * calls return the identical string.
   */
  async sign(input: EvidenceInput): Promise<string> {
    const key = this.keyStore.current();
    const fields = sortedFields(input.fields);
    const cacheKey = cacheKeyOf(key.kid, input, fields);
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) {
      this.cacheHits++;
      return cached;
    }
    const pending = this.signUncached(input, fields, key);
    this.cache.set(cacheKey, pending);
    try {
      return await pending;
    } catch (error) {
      if (this.cache.peek(cacheKey) === pending) this.cache.delete(cacheKey);
      throw error;
    }
  }

  /**
   * Checks evidence against the published key set (current and previous keys). Never throws for
   * bad input: the reason tells what is wrong.
   */
  async verify(jws: string): Promise<EvidenceVerification> {
    if (typeof jws !== 'string' || jws.length > MAX_EVIDENCE_LENGTH) return invalid('malformed');
    let kid: unknown;
    let typ: unknown;
    try {
      ({ kid, typ } = decodeProtectedHeader(jws));
    } catch {
      return invalid('malformed');
    }
    if (typ !== EVIDENCE_JWS_TYPE || typeof kid !== 'string') return invalid('malformed');

    let publicKey = this.keyStore.publicKey(kid);
    if (publicKey === undefined && this.now() - this.lastKeyReloadMs >= EVIDENCE_KEY_RELOAD_INTERVAL_MS) {
      // Maybe another process sharing the key directory rotated; rate-limited so forged kids
      // cannot make every call hit the disk.
      this.lastKeyReloadMs = this.now();
      await this.keyStore.reload().catch(() => undefined);
      publicKey = this.keyStore.publicKey(kid);
    }
    if (publicKey === undefined) return invalid('unknown_key');

    let payloadBytes: Uint8Array;
    try {
      ({ payload: payloadBytes } = await compactVerify(jws, publicKey.key, { algorithms: [publicKey.alg] }));
    } catch (error) {
      const signatureProblem =
        error instanceof errors.JOSEError && (error.code === errors.JWSSignatureVerificationFailed.code || error.code === errors.JOSEAlgNotAllowed.code);
      return invalid(signatureProblem ? 'signature' : 'malformed');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(decoder.decode(payloadBytes));
    } catch {
      return invalid('malformed');
    }
    if (!isEvidencePayload(payload)) return invalid('malformed');
    if (payload.iss !== this.issuer) return invalid('not_issued_here');
    return { valid: true, payload, kid };
  }

  /** Counters for metrics and tests. */
  get stats(): EvidenceSignerStats {
    return { signatures: this.signatures, cacheHits: this.cacheHits, cached: this.cache.size };
  }

  private async signUncached(input: EvidenceInput, fields: readonly string[], key: EvidenceSigningKey): Promise<string> {
    const payload: EvidencePayload = {
      iss: this.issuer,
      iat: Math.floor(this.now() / 1000),
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

function invalid(reason: EvidenceInvalidReason): EvidenceVerification {
  return { valid: false, reason };
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
    typeof p.iat === 'number' &&
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
