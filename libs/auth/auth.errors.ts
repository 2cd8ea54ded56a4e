/**
 * Authentication failures with a stable machine-readable `code`. The gateway maps them to
 * RFC 9457 problem+json (`type`/`title` from the code, `status` from the error). Messages are safe
 * to show to the caller: they never contain the token or key material, only which check failed.
 */

/** Stable codes; clients and dashboards key on them, so never rename one. */
export type AuthErrorCode =
  /** No `Authorization` header, or an empty one. */
  | 'token_missing'
  /** Not a `Bearer` JWT, bad signature, malformed or missing claims. */
  | 'token_invalid'
  /** `exp` is in the past (beyond the clock tolerance). */
  | 'token_expired'
  /** `aud` does not contain this gateway's audience. */
  | 'token_audience'
  /** `iss` is not the configured issuer. */
  | 'token_issuer'
  /** The `alg` header is not in the allow-list (including `none` and HS*). */
  | 'token_algorithm'
  /** `exp - iat` (or `exp - now`) exceeds the maximum accepted token lifetime. */
  | 'token_lifetime'
  /** No key in the issuer's key set matches the token's `kid`/`alg`. */
  | 'key_unknown'
  /** The token (its `jti`) or every token of its client issued until then was revoked. */
  | 'token_revoked'
  /** The issuer's key set could not be read or fetched: our problem, not the client's. */
  | 'jwks_unavailable';

/** HTTP status per code: every token problem is 401; an unreadable key set is a 503. */
export type AuthErrorStatus = 401 | 503;

export class AuthError extends Error {
  override readonly name = 'AuthError';
  /** HTTP status the gateway answers with. */
  readonly status: AuthErrorStatus;

  constructor(
    readonly code: AuthErrorCode,
    message: string,
  ) {
    super(message);
    this.status = code === 'jwks_unavailable' ? 503 : 401;
  }
}
