/**
 * Verifies client access tokens (asymmetrically signed JWTs from the configured issuer) and turns
 * them into a {@link ClientPrincipal}. Verified principals are cached by token string until they
 * expire, because clients reuse a token for many lookups and a signature check costs far more
 * than the lookup itself.
 */
import { readFile } from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type CryptoKey,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTPayload,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { AuthError } from './auth.errors.js';

/** Algorithms accepted unless configured otherwise. */
export const DEFAULT_TOKEN_ALGORITHMS: readonly string[] = ['EdDSA', 'ES256'];
/** Asymmetric JWS algorithms that may appear in the allow-list; `none` and HS* never may. */
export const SUPPORTED_TOKEN_ALGORITHMS: readonly string[] = [
  'EdDSA',
  'Ed25519',
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
];
export const DEFAULT_CLOCK_TOLERANCE_SEC = 30;
export const MAX_CLOCK_TOLERANCE_SEC = 300;
export const DEFAULT_MAX_TOKEN_LIFETIME_SEC = 24 * 3600;
export const DEFAULT_PRINCIPAL_CACHE_SIZE = 10_000;
/** Minimum time between two key set reloads caused by an unknown `kid`. */
export const DEFAULT_JWKS_RELOAD_INTERVAL_SEC = 30;
/** Longer tokens are refused before any parsing: bounds the work and the cache's memory. */
export const MAX_TOKEN_LENGTH = 8192;

/** Where the issuer's public keys come from. */
export type TokenJwksSource =
  /** A JWKS JSON file (e.g. the dev issuer's `jwks.json`), re-read when an unknown `kid` shows up. */
  | { file: string; reloadIntervalSec?: number }
  /** The issuer's `jwks_uri`, fetched with a cooldown between refetches. */
  | { url: string; reloadIntervalSec?: number; timeoutMs?: number };

export interface TokenVerifierOptions {
  /** Expected `iss`. */
  issuer: string;
  /** Expected `aud` (the token's `aud` may be a list containing it). */
  audience: string;
  jwks: TokenJwksSource;
  /** Accepted `alg` values; default `['EdDSA', 'ES256']`. `none` and HS* are rejected at construction. */
  algorithms?: string[];
  /** Clock skew tolerated on `exp`/`nbf`, 0..300 s; default 30. */
  clockToleranceSec?: number;
  /** Tokens whose `exp - iat` (or remaining lifetime) exceeds this are refused; default 86400. */
  maxTokenLifetimeSec?: number;
  /** Maximum number of cached verified tokens; default 10,000. */
  cacheSize?: number;
}

/** Seams for tests and embedding; production code passes nothing. */
export interface TokenVerifierHooks {
  /** Reads the JWKS file (default `fs.readFile` as UTF-8); ENOENT means "no keys yet". */
  readFile?: (file: string) => Promise<string>;
  /** Current time in epoch milliseconds (default `Date.now`). */
  now?: () => number;
}

/** The authenticated client behind a request. */
export interface ClientPrincipal {
  /** Client id (`sub`). */
  readonly clientId: string;
  /** Granted scopes, from the space-separated `scope` claim. */
  readonly scopes: ReadonlySet<string>;
  /** Commune the client acts for (claim `commune`), when the token is commune-bound. */
  readonly communeCode?: string;
  /** Token id (`jti`), for audit records. */
  readonly tokenId?: string;
  /** Token expiry (`exp`), epoch seconds. */
  readonly expiresAt: number;
}

/** True when the principal holds every one of `required` (an empty list is always satisfied). */
export function hasScopes(principal: ClientPrincipal, required: readonly string[]): boolean {
  for (const scope of required) if (!principal.scopes.has(scope)) return false;
  return true;
}

type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>;

@Injectable()
export class TokenVerifierService {
  private readonly algorithms: string[];
  private readonly clockToleranceSec: number;
  private readonly maxTokenLifetimeSec: number;
  private readonly cache: LRUCache<string, ClientPrincipal>;
  private readonly getKey: KeyResolver;
  private readonly now: () => number;

  /** Throws a `TypeError`/`RangeError` on unsafe or inconsistent configuration. */
  constructor(
    private readonly options: TokenVerifierOptions,
    hooks: TokenVerifierHooks = {},
  ) {
    if (!options.issuer) throw new TypeError('token verifier: issuer is required');
    if (!options.audience) throw new TypeError('token verifier: audience is required');
    this.algorithms = validateAlgorithms(options.algorithms ?? [...DEFAULT_TOKEN_ALGORITHMS]);
    this.clockToleranceSec = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
    if (!Number.isFinite(this.clockToleranceSec) || this.clockToleranceSec < 0 || this.clockToleranceSec > MAX_CLOCK_TOLERANCE_SEC) {
      throw new RangeError(`token verifier: clockToleranceSec must be between 0 and ${MAX_CLOCK_TOLERANCE_SEC}`);
    }
    this.maxTokenLifetimeSec = options.maxTokenLifetimeSec ?? DEFAULT_MAX_TOKEN_LIFETIME_SEC;
    if (!Number.isFinite(this.maxTokenLifetimeSec) || this.maxTokenLifetimeSec <= 0) {
      throw new RangeError('token verifier: maxTokenLifetimeSec must be positive');
    }
    const cacheSize = options.cacheSize ?? DEFAULT_PRINCIPAL_CACHE_SIZE;
    if (!Number.isInteger(cacheSize) || cacheSize < 1) throw new RangeError('token verifier: cacheSize must be a positive integer');
    this.cache = new LRUCache({ max: cacheSize });
    this.now = hooks.now ?? Date.now;

    const { jwks } = options;
    const reloadIntervalMs = (jwks.reloadIntervalSec ?? DEFAULT_JWKS_RELOAD_INTERVAL_SEC) * 1000;
    if ('file' in jwks) {
      const fileKeySet = new FileKeySet(jwks.file, reloadIntervalMs, hooks.readFile ?? ((file) => readFile(file, 'utf8')), this.now);
      this.getKey = fileKeySet.getKey;
    } else {
      const url = new URL(jwks.url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('token verifier: jwks.url must be http(s)');
      this.getKey = remoteKeyResolver(url, reloadIntervalMs, jwks.timeoutMs ?? 5000);
    }
  }

  /**
   * Authenticates an `Authorization` header value. Resolves to the principal or rejects with an
   * {@link AuthError} (`token_missing`, `token_invalid`, `token_expired`, `token_audience`,
   * `token_issuer`, `token_algorithm`, `token_lifetime`, `key_unknown`, `jwks_unavailable`).
   */
  async verify(authorizationHeader: string | undefined): Promise<ClientPrincipal> {
    const token = extractBearerToken(authorizationHeader);
    // Hot path: one LRU lookup and one comparison, no allocation.
    const cached = this.cache.get(token);
    if (cached !== undefined) {
      if (this.now() < (cached.expiresAt + this.clockToleranceSec) * 1000) return cached;
      this.cache.delete(token);
    }
    const principal = await this.verifyUncached(token);
    this.cache.set(token, principal);
    return principal;
  }

  /** Drops every cached principal (e.g. after the issuer revoked a key). */
  clearCache(): void {
    this.cache.clear();
  }

  private async verifyUncached(token: string): Promise<ClientPrincipal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.getKey, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.algorithms,
        clockTolerance: this.clockToleranceSec,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(this.now()),
      }));
    } catch (error) {
      throw toAuthError(error);
    }
    return this.toPrincipal(payload);
  }

  private toPrincipal(payload: JWTPayload): ClientPrincipal {
    const { sub, exp, iat, jti } = payload;
    const { scope, commune } = payload;
    // jose has checked presence and numeric types of exp/iat and the type of sub.
    if (typeof sub !== 'string' || sub === '') throw new AuthError('token_invalid', 'token "sub" claim must be a non-empty string');
    const expiresAt = exp as number;
    const nowSec = this.now() / 1000;
    if ((typeof iat === 'number' && expiresAt - iat > this.maxTokenLifetimeSec) || expiresAt - nowSec > this.maxTokenLifetimeSec + this.clockToleranceSec) {
      throw new AuthError('token_lifetime', `token lifetime exceeds the maximum of ${this.maxTokenLifetimeSec} s`);
    }
    if (scope !== undefined && typeof scope !== 'string') throw new AuthError('token_invalid', 'token "scope" claim must be a space-separated string');
    if (commune !== undefined && (typeof commune !== 'string' || commune === '')) {
      throw new AuthError('token_invalid', 'token "commune" claim must be a non-empty string');
    }
    if (jti !== undefined && typeof jti !== 'string') throw new AuthError('token_invalid', 'token "jti" claim must be a string');
    const principal: ClientPrincipal = {
      clientId: sub,
      scopes: new Set(scope === undefined ? [] : scope.split(' ').filter((s) => s !== '')),
      expiresAt,
      ...(commune !== undefined ? { communeCode: commune } : {}),
      ...(jti !== undefined ? { tokenId: jti } : {}),
    };
    return Object.freeze(principal);
  }
}

function validateAlgorithms(algorithms: readonly string[]): string[] {
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw new TypeError('token verifier: algorithms must be a non-empty list');
  for (const alg of algorithms) {
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none' || /^HS/i.test(alg)) {
      throw new TypeError(`token verifier: algorithm "${String(alg)}" is not allowed (no "none", no shared-secret HS*)`);
    }
    if (!SUPPORTED_TOKEN_ALGORITHMS.includes(alg)) {
      throw new TypeError(`token verifier: unsupported algorithm "${alg}"; use one of ${SUPPORTED_TOKEN_ALGORITHMS.join(', ')}`);
    }
  }
  return [...new Set(algorithms)];
}

function extractBearerToken(header: string | undefined): string {
  if (header === undefined || header === '') throw new AuthError('token_missing', 'missing Authorization header with a Bearer token');
  if (header.length < 7 || !(header.startsWith('Bearer ') || header.slice(0, 7).toLowerCase() === 'bearer ')) {
    throw new AuthError('token_invalid', 'Authorization header must use the Bearer scheme');
  }
  let start = 7;
  let end = header.length;
  while (start < end && header.charCodeAt(start) === 32) start++;
  while (end > start && header.charCodeAt(end - 1) === 32) end--;
  if (start === end) throw new AuthError('token_missing', 'missing Bearer token');
  if (end - start > MAX_TOKEN_LENGTH) throw new AuthError('token_invalid', `token longer than ${MAX_TOKEN_LENGTH} characters`);
  return start === 7 && end === header.length ? header.slice(7) : header.slice(start, end);
}

function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (!(error instanceof errors.JOSEError)) return new AuthError('token_invalid', 'token could not be verified');
  switch (error.code) {
    case errors.JWTExpired.code:
      return new AuthError('token_expired', 'token has expired');
    case errors.JWTClaimValidationFailed.code: {
      const { claim, reason } = error as errors.JWTClaimValidationFailed;
      if (claim === 'iss') return new AuthError('token_issuer', reason === 'missing' ? 'token has no "iss" claim' : 'token issuer is not accepted');
      if (claim === 'aud') return new AuthError('token_audience', reason === 'missing' ? 'token has no "aud" claim' : 'token audience is not this gateway');
      if (claim === 'nbf') return new AuthError('token_invalid', 'token is not valid yet');
      return new AuthError('token_invalid', reason === 'missing' ? `token has no "${claim}" claim` : `token "${claim}" claim is invalid`);
    }
    case errors.JOSEAlgNotAllowed.code:
      return new AuthError('token_algorithm', 'token signature algorithm is not accepted');
    case errors.JWKSNoMatchingKey.code:
    case errors.JWKSMultipleMatchingKeys.code:
      return new AuthError('key_unknown', 'token was not signed by a known key of the issuer');
    case errors.JWKSTimeout.code:
    case errors.JWKSInvalid.code:
      return new AuthError('jwks_unavailable', 'the issuer key set is unavailable');
    case errors.JWSSignatureVerificationFailed.code:
      return new AuthError('token_invalid', 'token signature is invalid');
    default:
      return new AuthError('token_invalid', 'token is malformed');
  }
}

function isNoMatchingKey(error: unknown): boolean {
  return error instanceof errors.JOSEError && error.code === errors.JWKSNoMatchingKey.code;
}

/** Retry quickly while the file does not exist yet (the dev issuer creates it on first use). */
const MISSING_FILE_RETRY_MS = 1000;

/**
 * A JWKS file held in memory and re-read when a token names a key it does not contain, at most
 * once per interval so that a flood of forged `kid`s cannot turn into a flood of file reads.
 */
class FileKeySet {
  private keySet?: KeyResolver;
  private loadedAtMs = Number.NEGATIVE_INFINITY;
  private fileMissing = false;
  private loading?: Promise<void>;

  constructor(
    private readonly file: string,
    private readonly reloadIntervalMs: number,
    private readonly readFileFn: (file: string) => Promise<string>,
    private readonly now: () => number,
  ) {}

  readonly getKey: KeyResolver = async (header, token) => {
    if (this.keySet === undefined) {
      if (this.reloadDue()) await this.load();
      if (this.keySet === undefined) throw new AuthError('jwks_unavailable', 'the issuer key set is unavailable');
    }
    try {
      return await this.keySet(header, token);
    } catch (error) {
      if (!isNoMatchingKey(error) || !this.reloadDue()) throw error;
      await this.load();
      return this.keySet(header, token);
    }
  };

  private reloadDue(): boolean {
    return this.now() - this.loadedAtMs >= (this.fileMissing ? MISSING_FILE_RETRY_MS : this.reloadIntervalMs);
  }

  private load(): Promise<void> {
    // Concurrent requests with the same unknown kid share one read.
    this.loading ??= this.read().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async read(): Promise<void> {
    this.loadedAtMs = this.now();
    let text: string;
    try {
      text = await this.readFileFn(this.file);
      this.fileMissing = false;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        // Keep serving with the last good set; only fail when there is none.
        if (this.keySet !== undefined) return;
        throw new AuthError('jwks_unavailable', 'the issuer key set could not be read');
      }
      this.fileMissing = true;
      text = '{"keys":[]}';
    }
    try {
      this.keySet = createLocalJWKSet(JSON.parse(text) as Parameters<typeof createLocalJWKSet>[0]);
    } catch {
      if (this.keySet !== undefined) return;
      throw new AuthError('jwks_unavailable', 'the issuer key set file is not a valid JWKS');
    }
  }
}

function remoteKeyResolver(url: URL, cooldownMs: number, timeoutMs: number): KeyResolver {
  const remote = createRemoteJWKSet(url, { cooldownDuration: cooldownMs, timeoutDuration: timeoutMs, cacheMaxAge: 10 * 60_000 });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      // Key selection failures are the token's problem; anything else (network, HTTP status,
      // bad JSON) is the issuer being unreachable and must not be blamed on the client.
      if (error instanceof errors.JOSEError && (isNoMatchingKey(error) || error.code === errors.JWKSMultipleMatchingKeys.code)) throw error;
      if (error instanceof errors.JOSEError && error.code === errors.JOSENotSupported.code) throw error;
      throw new AuthError('jwks_unavailable', 'the issuer key set could not be fetched');
    }
  };
}
