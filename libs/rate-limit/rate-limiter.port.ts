/**
 * Per-client request rate limits (token buckets). A client's bucket holds at most `burst` tokens
 * and refills at `perSecond` tokens per second; each request takes one. Production keeps the
 * buckets in Redis so that every gateway instance draws from the same one; the embedded profile
 * keeps them in process.
 */

/** A bucket's shape. */
export interface RateLimit {
  /** Tokens added per second (the sustained rate). */
  perSecond: number;
  /** Bucket size: how many requests may come at once after a quiet period. */
  burst: number;
}

/** What one `take` decided. */
export interface RateDecision {
  allowed: boolean;
  /** When refused: time until enough tokens are back (ms); 0 when allowed. */
  retryAfterMs: number;
  /** Whole tokens left after this request; -1 when unknown (no limit, or the limiter is degraded). */
  remaining: number;
}

/** Limits from configuration: one default, optional per-client overrides (`null` = unlimited). */
export interface RateLimitSettings {
  /** Default limit of every client; `null` disables rate limiting. */
  default: RateLimit | null;
  /** Client id -> its own limit, or `null` for no limit (e.g. a trusted national system). */
  overrides?: Readonly<Record<string, RateLimit | null>>;
}

/** Answer for a client with no limit, and when a degraded limiter lets requests through. */
export const UNLIMITED: RateDecision = Object.freeze({ allowed: true, retryAfterMs: 0, remaining: -1 });

/** Hook for metrics, so the limiter needs no metrics library. */
export interface RateLimiterObserver {
  /** The shared store could not be asked and the request was let through (fail open). */
  failedOpen?(): void;
}

/**
 * Resolves the limit of a client: one Map lookup on the hot path. Limits are validated here once,
 * so the limiters can trust them.
 */
export class RateLimitPolicy {
  private readonly defaultLimit: RateLimit | null;
  private readonly overrides: ReadonlyMap<string, RateLimit | null>;

  constructor(settings: RateLimitSettings) {
    this.defaultLimit = settings.default === null ? null : checked(settings.default, 'default');
    this.overrides = new Map(Object.entries(settings.overrides ?? {}).map(([clientId, limit]) => [clientId, limit === null ? null : checked(limit, clientId)]));
  }

  /** The client's limit, or undefined when it has none. */
  limitFor(clientId: string): RateLimit | undefined {
    const override = this.overrides.get(clientId);
    if (override !== undefined) return override ?? undefined;
    return this.defaultLimit ?? undefined;
  }
}

function checked(limit: RateLimit, name: string): RateLimit {
  if (!Number.isFinite(limit.perSecond) || limit.perSecond <= 0) throw new RangeError(`rate limit ${name}: perSecond must be positive`);
  if (!Number.isInteger(limit.burst) || limit.burst < 1) throw new RangeError(`rate limit ${name}: burst must be a positive integer`);
  return Object.freeze({ perSecond: limit.perSecond, burst: limit.burst });
}

/**
 * Takes tokens from a client's bucket. Never throws for infrastructure trouble: a limiter that
 * cannot decide lets the request through (availability over strict limiting) and reports it.
 */
export abstract class RateLimiter {
  /** Takes `cost` tokens (default 1) from `clientId`'s bucket if it holds that many. */
  abstract take(clientId: string, cost?: number): Promise<RateDecision>;
}

/**
 * The token bucket arithmetic, shared by the in-process limiter (the Redis one runs the same steps
 * in Lua): refill for the time elapsed, capped at `burst`, then take `cost` if there is enough.
 * Mutates `bucket`; returns the decision.
 */
export function takeFromBucket(bucket: { tokens: number; atMs: number }, limit: RateLimit, nowMs: number, cost: number): RateDecision {
  const elapsedMs = Math.max(0, nowMs - bucket.atMs);
  const tokens = Math.min(limit.burst, bucket.tokens + (elapsedMs * limit.perSecond) / 1000);
  bucket.atMs = Math.max(bucket.atMs, nowMs);
  if (tokens >= cost) {
    bucket.tokens = tokens - cost;
    return { allowed: true, retryAfterMs: 0, remaining: Math.floor(bucket.tokens) };
  }
  bucket.tokens = tokens;
  // A cost above the burst can never be met: the retry hint is then a full refill.
  const missing = Math.min(cost, limit.burst) - tokens;
  return { allowed: false, retryAfterMs: Math.max(1, Math.ceil((missing * 1000) / limit.perSecond)), remaining: Math.floor(tokens) };
}
