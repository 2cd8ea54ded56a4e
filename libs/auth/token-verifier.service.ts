/**
 * Verifies client access tokens (asymmetrically signed JWTs from the configured issuer) and turns
 * them into a {@link ClientPrincipal}. Verified principals are cached by token string until they
 * expire, because clients reuse a token for many lookups and a signature check costs far more
 * than the lookup itself.
 *
 * The issuer's key set is held by jose's `createRemoteJWKSet` (cooldown between reloads on an
 * unknown `kid`, maximum age, one fetch shared by concurrent callers), for a JWKS file as well as
 * for a `jwks_uri`: what this file adds is the source (file or network), a pause after a failed
 * load, the last good set while the source fails, and the mapping to stable error codes.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Injectable } from '@nestjs/common';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwksCache,
  jwtVerify,
  type CryptoKey,
  type ExportedJWKSCache,
  type FetchImplementation,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWKSCacheInput,
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
/** Minimum time between two key set reloads caused by an unknown `kid` (MOTLAN_TOKEN_JWKS_REFRESH_MIN_MS): jose's `cooldownDuration`. */
export const DEFAULT_JWKS_RELOAD_INTERVAL_MS = 30_000;
/** A remote key set older than this is refetched before use (keys the issuer withdrew disappear): jose's `cacheMaxAge`. */
export const REMOTE_JWKS_MAX_AGE_MS = 10 * 60_000;
/** Longer tokens are refused before any parsing: bounds the work and the cache's memory. */
export const MAX_TOKEN_LENGTH = 8192;

/** Default time allowed for one fetch of a remote key set: jose's `timeoutDuration`. */
export const DEFAULT_JWKS_TIMEOUT_MS = 5000;

/**
 * Where the issuer's public keys come from. `reloadIntervalMs` is the least time between two loads
 * caused by unknown `kid`s, counted from the last successful load, and the pause after a failed
 * one (at most 1 s while there is no key set yet).
 */
export type TokenJwksSource =
  /** A JWKS JSON file (e.g. the dev issuer's `jwks.json`), re-read when an unknown `kid` shows up. */
  | { file: string; reloadIntervalMs?: number }
  /** The issuer's `jwks_uri`, refetched when an unknown `kid` shows up and when older than 10 minutes. */
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
  /**
   * Current time in epoch milliseconds (default `Date.now`), for token claims and the principal
   * cache. Key set reloads are timed by jose with `Date.now` itself, whatever this returns.
   */
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
  /** Province a monitoring centre's token is bound to (claim `province`, 2 digits): it reads only that province. */
  readonly provinceCode?: string;
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
      // The file only changes when the issuer rotates keys, which an unknown kid reveals: no maximum age.
      this.getKey = issuerKeySet(pathToFileURL(jwks.file), () => readJwksFile(jwks.file, readFileFn), {
        cooldownMs: reloadIntervalMs,
        maxAgeMs: Number.POSITIVE_INFINITY,
        timeoutMs: DEFAULT_JWKS_TIMEOUT_MS,
      });
    } else {
      const url = new URL(jwks.url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('token verifier: jwks.url must be http(s)');
      const fetchFn = hooks.fetch ?? fetch;
      const timeoutMs = jwks.timeoutMs ?? DEFAULT_JWKS_TIMEOUT_MS;
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new RangeError('token verifier: jwks.timeoutMs must be a positive integer');
      this.getKey = issuerKeySet(url, (init) => fetchJwks(url, fetchFn, init), { cooldownMs: reloadIntervalMs, maxAgeMs: REMOTE_JWKS_MAX_AGE_MS, timeoutMs });
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
    const { scope, commune, province } = payload;
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
    if (province !== undefined && (typeof province !== 'string' || !/^\d{2}$/.test(province))) {
      throw new AuthError('token_invalid', 'token "province" claim must be a 2-digit province code');
    }
    if (jti !== undefined && typeof jti !== 'string') throw new AuthError('token_invalid', 'token "jti" claim must be a string');
    const principal: ClientPrincipal = {
      clientId: sub,
      scopes: new Set(scope === undefined ? [] : scope.split(' ').filter((s) => s !== '')),
      expiresAt,
      ...(commune !== undefined ? { communeCode: commune } : {}),
      ...(province !== undefined ? { provinceCode: province } : {}),
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

/** Retry quickly while there is no key set yet (the dev issuer creates its file on first use; an issuer down at start-up). */
const MISSING_KEY_SET_RETRY_MS = 1000;

/** The key set could not be loaded; the message is safe to show. */
class KeySetUnavailable extends Error {}
/** The key set file does not exist (yet): no keys, which is the client's problem, not ours. */
class KeySetMissing extends Error {}

/** Reads one key set document; throws {@link KeySetUnavailable} or {@link KeySetMissing}. */
type KeySetSource = (init: { headers: Headers; signal: AbortSignal }) => Promise<string>;

/**
 * The issuer's key set as jose's remote key set, over `source` (jose's `customFetch`; `url` only
 * names the set). Adds what jose leaves to the caller:
 *
 * - a pause after a failed load (`cooldownMs`, at most 1 s while there is no set yet): jose retries
 *   on every call until a load succeeds, and an issuer that is down must not be asked again for
 *   every request, nor a flood of forged `kid`s turn into a flood of reads;
 * - the last good set while loads fail: jose throws once the set is older than its maximum age or
 *   a reload for an unknown `kid` fails; this keeps verifying with the set it last loaded (jose's
 *   `jwksCache` holds it);
 * - a document checked before jose sees it, so that every load failure reaches the caller as one
 *   of our own errors and is told apart from jose's "no matching key".
 */
function issuerKeySet(url: URL, source: KeySetSource, options: { cooldownMs: number; maxAgeMs: number; timeoutMs: number }): KeyResolver {
  const cache: Partial<ExportedJWKSCache> = {};
  let failedAtMs = Number.NEGATIVE_INFINITY;
  let failure: Error | undefined;
  const load: FetchImplementation = async (_href, init) => {
    const pauseMs = cache.uat === undefined ? Math.min(MISSING_KEY_SET_RETRY_MS, options.cooldownMs) : options.cooldownMs;
    if (failure !== undefined && Date.now() - failedAtMs < pauseMs) throw failure;
    try {
      const text = await source(init);
      checkKeySet(text);
      failure = undefined;
      return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (error) {
      failedAtMs = Date.now();
      failure = error instanceof KeySetMissing || error instanceof KeySetUnavailable ? error : new KeySetUnavailable('the issuer key set could not be read');
      throw failure;
    }
  };
  const remote = createRemoteJWKSet(url, {
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.maxAgeMs,
    timeoutDuration: options.timeoutMs,
    [jwksCache]: cache as JWKSCacheInput,
    [customFetch]: load,
  });
  let lastGood: { uat: number; keys: KeyResolver } | undefined;
  return async (header, token) => {
    let key: CryptoKey;
    try {
      key = await remote(header, token);
    } catch (error) {
      if (error instanceof KeySetMissing) throw new AuthError('key_unknown', 'token was not signed by a known key of the issuer');
      if (!(error instanceof KeySetUnavailable)) throw error;
      if (cache.uat === undefined || cache.jwks === undefined) throw new AuthError('jwks_unavailable', error.message);
      if (lastGood?.uat !== cache.uat) lastGood = { uat: cache.uat, keys: createLocalJWKSet(cache.jwks) };
      key = await lastGood.keys(header, token);
    }
    // Defence in depth behind the allow-list (and jose's own check): a token is only ever checked
    // against a public key, so an HMAC "signature" made with public key bytes can never verify.
    if (key.type !== 'public') throw new AuthError('token_algorithm', 'token signature algorithm is not accepted');
    return key;
  };
}

/** Throws {@link KeySetUnavailable} unless `text` is a JWKS jose accepts. */
function checkKeySet(text: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeySetUnavailable('the issuer key set is not valid JSON');
  }
  try {
    createLocalJWKSet(parsed as JSONWebKeySet);
  } catch {
    throw new KeySetUnavailable('the issuer key set is not a valid JWKS');
  }
}

async function readJwksFile(file: string, readFileFn: (file: string) => Promise<string>): Promise<string> {
  try {
    return await readFileFn(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new KeySetMissing('the issuer key set file does not exist');
    throw new KeySetUnavailable('the issuer key set could not be read');
  }
}

/** Largest JWKS document accepted from the issuer (a key set is a few kilobytes). */
const MAX_JWKS_BYTES = 512 * 1024;

async function fetchJwks(url: URL, fetchFn: typeof fetch, init: { headers: Headers; signal: AbortSignal }): Promise<string> {
  let text: string;
  try {
    // jose's signal carries the timeout; no redirects, as jose asks.
    const response = await fetchFn(url, { headers: init.headers, redirect: 'manual', signal: init.signal });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`status ${response.status}`);
    }
    text = await response.text();
  } catch {
    // Network, timeout or HTTP status: the issuer being unreachable must not be blamed on the client.
    throw new KeySetUnavailable('the issuer key set could not be fetched');
  }
  if (text.length > MAX_JWKS_BYTES) throw new KeySetUnavailable('the issuer key set is too large');
  return text;
}
