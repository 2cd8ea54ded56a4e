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
  errors,
  jwtVerify,
  type CryptoKey,
  type FlattenedJWSInput,
  type JSONWebKeySet,
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
/** Minimum time between two key set reloads caused by an unknown `kid` (MOTLAN_TOKEN_JWKS_REFRESH_MIN_MS). */
export const DEFAULT_JWKS_RELOAD_INTERVAL_MS = 30_000;
/** A remote key set older than this is refetched in the background (keys the issuer withdrew disappear). */
export const REMOTE_JWKS_MAX_AGE_MS = 10 * 60_000;
/** Longer tokens are refused before any parsing: bounds the work and the cache's memory. */
export const MAX_TOKEN_LENGTH = 8192;

/** Where the issuer's public keys come from. */
export type TokenJwksSource =
  /** A JWKS JSON file (e.g. the dev issuer's `jwks.json`), re-read when an unknown `kid` shows up. */
  | { file: string; reloadIntervalMs?: number }
  /** The issuer's `jwks_uri`, refetched when an unknown `kid` shows up and every 10 minutes. */
  | { url: string; reloadIntervalMs?: number; timeoutMs?: number };

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
  /** Fetches the remote key set (default global `fetch`). */
  fetch?: typeof fetch;
}

/** The authenticated client behind a request. */
export interface ClientPrincipal {
  /** Client id (`sub`). */
  readonly clientId: string;
  /** Granted scopes, from the space-separated `scope` claim. */
  readonly scopes: ReadonlySet<string>;
  /** Commune the client acts for (claim `commune`), when the token is commune-bound. */
  readonly communeCode?: string;
  /** Token id (`jti`), for audit records and revocation. */
  readonly tokenId?: string;
  /** Issue time (`iat`), epoch seconds, when the token has one: revoking a client refuses tokens issued up to then. */
  readonly issuedAt?: number;
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
    const reloadIntervalMs = jwks.reloadIntervalMs ?? DEFAULT_JWKS_RELOAD_INTERVAL_MS;
    if (!Number.isFinite(reloadIntervalMs) || reloadIntervalMs < 0) throw new RangeError('token verifier: jwks.reloadIntervalMs must be 0 or more');
    if ('file' in jwks) {
      const readFileFn = hooks.readFile ?? ((file: string) => readFile(file, 'utf8'));
      this.getKey = new ReloadingKeySet(() => readJwksFile(jwks.file, readFileFn), reloadIntervalMs, Number.POSITIVE_INFINITY, this.now).getKey;
    } else {
      const url = new URL(jwks.url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('token verifier: jwks.url must be http(s)');
      const fetchFn = hooks.fetch ?? fetch;
      const timeoutMs = jwks.timeoutMs ?? 5000;
      this.getKey = new ReloadingKeySet(() => fetchJwks(url, fetchFn, timeoutMs), reloadIntervalMs, REMOTE_JWKS_MAX_AGE_MS, this.now).getKey;
    }
  }

  /**
   * Authenticates an `Authorization` header value. Resolves to the principal or rejects with an
   * {@link AuthError} (`token_missing`, `token_invalid`, `token_expired`, `token_audience`,
   * `token_issuer`, `token_algorithm`, `token_lifetime`, `key_unknown`, `jwks_unavailable`).
   * Revocation is not checked here (the principal is cached): the caller checks it on every request.
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
    // jose checks iat only against maxTokenAge: a token "issued" in the future would dodge the
    // lifetime bound and a client revocation, so it is refused beyond the tolerated skew.
    if (typeof iat === 'number' && iat > nowSec + this.clockToleranceSec) throw new AuthError('token_invalid', 'token "iat" claim is in the future');
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
      ...(typeof iat === 'number' ? { issuedAt: iat } : {}),
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

/** Retry quickly while there is no key set yet (the dev issuer creates its file on first use; an issuer down at start-up). */
const MISSING_KEY_SET_RETRY_MS = 1000;

/** What a key set source found: a set, or "nothing there yet" (an absent file: no keys, not an error). */
type LoadedKeySet = JSONWebKeySet | 'missing';

/**
 * The issuer's key set held in memory and reloaded when a token names a key it does not contain,
 * at most once per interval, so that a flood of forged `kid`s cannot turn into a flood of file
 * reads or JWKS fetches. The interval counts attempts, not successes: an issuer that is down is
 * not asked again for every request either. A reload that fails keeps the last good set.
 */
class ReloadingKeySet {
  private keySet?: KeyResolver;
  private attemptedAtMs = Number.NEGATIVE_INFINITY;
  private loadedAtMs = Number.NEGATIVE_INFINITY;
  private missing = false;
  private loading?: Promise<void>;

  constructor(
    private readonly source: () => Promise<LoadedKeySet>,
    private readonly reloadIntervalMs: number,
    /** Age after which the set is refreshed in the background even without an unknown kid. */
    private readonly maxAgeMs: number,
    private readonly now: () => number,
  ) {}

  readonly getKey: KeyResolver = async (header, token) => {
    if (this.keySet === undefined) {
      await this.reloadIfDue();
      if (this.keySet === undefined) throw new AuthError('jwks_unavailable', 'the issuer key set is unavailable');
    } else if (this.now() - this.loadedAtMs >= this.maxAgeMs && this.reloadDue()) {
      // Stale but usable: verify with it now, refresh for the next tokens.
      void this.load().catch(() => undefined);
    }
    let key: CryptoKey;
    try {
      key = await this.keySet(header, token);
    } catch (error) {
      if (!isNoMatchingKey(error) || !(await this.reloadIfDue())) throw error;
      key = await (this.keySet as KeyResolver)(header, token);
    }
    // Defence in depth behind the allow-list: a token is only ever checked against a public key,
    // so an HMAC "signature" made with public key bytes can never verify.
    if (key.type !== 'public') throw new AuthError('token_algorithm', 'token signature algorithm is not accepted');
    return key;
  };

  /** Joins a reload in flight, or starts one if due; false when neither (the set stays as it is). */
  private async reloadIfDue(): Promise<boolean> {
    if (this.loading) await this.loading;
    else if (this.reloadDue()) await this.load();
    else return false;
    return true;
  }

  private reloadDue(): boolean {
    const interval = this.keySet === undefined || this.missing ? Math.min(MISSING_KEY_SET_RETRY_MS, this.reloadIntervalMs) : this.reloadIntervalMs;
    return this.now() - this.attemptedAtMs >= interval;
  }

  private load(): Promise<void> {
    // Concurrent requests with the same unknown kid share one reload.
    this.loading ??= this.read().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async read(): Promise<void> {
    this.attemptedAtMs = this.now();
    let loaded: LoadedKeySet;
    try {
      loaded = await this.source();
    } catch (error) {
      // Keep serving with the last good set; only fail when there is none.
      if (this.keySet !== undefined) return;
      throw error instanceof AuthError ? error : new AuthError('jwks_unavailable', 'the issuer key set could not be read');
    }
    this.missing = loaded === 'missing';
    try {
      this.keySet = createLocalJWKSet(loaded === 'missing' ? { keys: [] } : loaded);
      this.loadedAtMs = this.attemptedAtMs;
    } catch {
      if (this.keySet !== undefined) return;
      throw new AuthError('jwks_unavailable', 'the issuer key set is not a valid JWKS');
    }
  }
}

async function readJwksFile(file: string, readFileFn: (file: string) => Promise<string>): Promise<LoadedKeySet> {
  let text: string;
  try {
    text = await readFileFn(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new AuthError('jwks_unavailable', 'the issuer key set could not be read');
  }
  try {
    return JSON.parse(text) as JSONWebKeySet;
  } catch {
    throw new AuthError('jwks_unavailable', 'the issuer key set file is not a valid JWKS');
  }
}

/** Largest JWKS document accepted from the issuer (a key set is a few kilobytes). */
const MAX_JWKS_BYTES = 512 * 1024;

async function fetchJwks(url: URL, fetchFn: typeof fetch, timeoutMs: number): Promise<LoadedKeySet> {
  let text: string;
  try {
    const response = await fetchFn(url, {
      headers: { accept: 'application/jwk-set+json, application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`status ${response.status}`);
    }
    text = await response.text();
  } catch {
    // Network, timeout or HTTP status: the issuer being unreachable must not be blamed on the client.
    throw new AuthError('jwks_unavailable', 'the issuer key set could not be fetched');
  }
  if (text.length > MAX_JWKS_BYTES) throw new AuthError('jwks_unavailable', 'the issuer key set is too large');
  try {
    return JSON.parse(text) as JSONWebKeySet;
  } catch {
    throw new AuthError('jwks_unavailable', 'the issuer key set is not a valid JWKS');
  }
}
