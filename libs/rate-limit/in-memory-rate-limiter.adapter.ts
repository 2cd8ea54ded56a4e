import { LRUCache } from 'lru-cache';
import { RateLimiter, RateLimitPolicy, takeFromBucket, UNLIMITED, type RateDecision, type RateLimitSettings } from './rate-limiter.port.js';

export interface InMemoryRateLimiterOptions extends RateLimitSettings {
  /** Buckets kept at most (least recently used dropped first); default 100,000. */
  maxClients?: number;
  /** Current time in epoch milliseconds (default `Date.now`); a seam for tests. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

/**
 * Token buckets in this process: the embedded profile (one gateway process). Clients come from
 * verified tokens, so their number is bounded by the issuer; the LRU bound is a safety net, and
 * a bucket dropped by it comes back full, which only ever errs towards letting a request through.
 */
export class InMemoryRateLimiter extends RateLimiter {
  private readonly policy: RateLimitPolicy;
  private readonly buckets: LRUCache<string, Bucket>;
  private readonly now: () => number;

  constructor(options: InMemoryRateLimiterOptions) {
    super();
    this.policy = new RateLimitPolicy(options);
    this.buckets = new LRUCache({ max: options.maxClients ?? 100_000 });
    this.now = options.now ?? Date.now;
  }

  async take(clientId: string, cost = 1): Promise<RateDecision> {
    const limit = this.policy.limitFor(clientId);
    if (limit === undefined) return UNLIMITED;
    const nowMs = this.now();
    let bucket = this.buckets.get(clientId);
    if (bucket === undefined) {
      bucket = { tokens: limit.burst, atMs: nowMs };
      this.buckets.set(clientId, bucket);
    }
    return takeFromBucket(bucket, limit, nowMs, cost);
  }
}
