import { InMemoryRateLimiter } from './in-memory-rate-limiter.adapter.js';
import { RateLimitPolicy, takeFromBucket } from './rate-limiter.port.js';

describe('token bucket', () => {
  it('lets a burst through, then refuses with the time until the next token', () => {
    const bucket = { tokens: 3, atMs: 0 };
    const limit = { perSecond: 2, burst: 3 };
    expect([1, 2, 3].map(() => takeFromBucket(bucket, limit, 0, 1).allowed)).toEqual([true, true, true]);
    expect(takeFromBucket(bucket, limit, 0, 1)).toEqual({ allowed: false, retryAfterMs: 500, remaining: 0 });
    expect(takeFromBucket(bucket, limit, 250, 1)).toEqual({ allowed: false, retryAfterMs: 250, remaining: 0 });
    expect(takeFromBucket(bucket, limit, 500, 1)).toEqual({ allowed: true, retryAfterMs: 0, remaining: 0 });
    // A long pause refills up to the burst, never beyond.
    expect(takeFromBucket(bucket, limit, 60_000, 1)).toEqual({ allowed: true, retryAfterMs: 0, remaining: 2 });
  });

  it('answers a cost above the burst with the time of a full refill', () => {
    const bucket = { tokens: 0, atMs: 0 };
    expect(takeFromBucket(bucket, { perSecond: 10, burst: 5 }, 0, 50)).toMatchObject({ allowed: false, retryAfterMs: 500 });
  });

  it('ignores a clock going backwards', () => {
    const bucket = { tokens: 0, atMs: 1000 };
    expect(takeFromBucket(bucket, { perSecond: 1, burst: 1 }, 500, 1).allowed).toBe(false);
    expect(bucket.atMs).toBe(1000);
  });
});

describe('RateLimitPolicy', () => {
  it('uses per-client overrides, null meaning unlimited', () => {
    const policy = new RateLimitPolicy({ default: { perSecond: 5, burst: 10 }, overrides: { national: { perSecond: 500, burst: 1000 }, trusted: null } });
    expect(policy.limitFor('commune-1')).toEqual({ perSecond: 5, burst: 10 });
    expect(policy.limitFor('national')).toEqual({ perSecond: 500, burst: 1000 });
    expect(policy.limitFor('trusted')).toBeUndefined();
    expect(new RateLimitPolicy({ default: null }).limitFor('x')).toBeUndefined();
  });

  it('rejects nonsense limits', () => {
    expect(() => new RateLimitPolicy({ default: { perSecond: 0, burst: 1 } })).toThrow(RangeError);
    expect(() => new RateLimitPolicy({ default: { perSecond: 1, burst: 0.5 } })).toThrow(RangeError);
  });
});

describe('InMemoryRateLimiter', () => {
  it('keeps one bucket per client', async () => {
    let now = 1_000_000;
    const limiter = new InMemoryRateLimiter({ default: { perSecond: 1, burst: 2 }, now: () => now });
    const a = [await limiter.take('a'), await limiter.take('a'), await limiter.take('a')];
    expect(a.map((d) => d.allowed)).toEqual([true, true, false]);
    expect(a[2].retryAfterMs).toBe(1000);
    expect((await limiter.take('b')).allowed).toBe(true);
    now += 1000;
    expect((await limiter.take('a')).allowed).toBe(true);
  });

  it('lets unlimited clients through without a bucket', async () => {
    const limiter = new InMemoryRateLimiter({ default: { perSecond: 1, burst: 1 }, overrides: { ops: null } });
    for (let i = 0; i < 10; i++) expect((await limiter.take('ops')).allowed).toBe(true);
  });
});
