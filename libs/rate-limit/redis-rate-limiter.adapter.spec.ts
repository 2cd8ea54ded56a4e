/**
 * The Redis token bucket against a real Redis (the Jest global setup provides one; see
 * test/support/services.ts): shared by two limiters as by two gateway instances, keys expire,
 * and it fails open when Redis is unreachable.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { requireRedisUrl } from '../../test/support/services.js';
import { RedisRateLimiter } from './redis-rate-limiter.adapter.js';

const limiters: RedisRateLimiter[] = [];
let redis: Redis;
let prefix: string;

function limiter(options: Partial<ConstructorParameters<typeof RedisRateLimiter>[0]> = {}): RedisRateLimiter {
  const created = new RedisRateLimiter({ url: requireRedisUrl(), prefix, default: { perSecond: 10, burst: 20 }, ...options });
  limiters.push(created);
  return created;
}

beforeAll(() => {
  redis = new Redis(requireRedisUrl());
});

beforeEach(() => {
  prefix = `motlan:rl:test:${randomUUID()}:`;
});

afterAll(async () => {
  for (const l of limiters) await l.onModuleDestroy();
  redis.disconnect();
});

describe('RedisRateLimiter', () => {
  it('shares one bucket between instances: at most burst + rate x elapsed requests pass', async () => {
    const [a, b] = [limiter(), limiter()];
    expect(await a.waitUntilReady()).toBe(true);
    expect(await b.waitUntilReady()).toBe(true);
    const started = Date.now();
    const decisions = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).take('client-1')));
    const elapsedSec = (Date.now() - started) / 1000;
    const allowed = decisions.filter((d) => d.allowed).length;
    expect(allowed).toBeGreaterThanOrEqual(20);
    expect(allowed).toBeLessThanOrEqual(20 + Math.ceil(10 * elapsedSec) + 1);
    const refused = decisions.find((d) => !d.allowed)!;
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(100);
    expect(refused.remaining).toBe(0);
    // Another client has its own bucket.
    expect((await a.take('client-2')).allowed).toBe(true);
  });

  it('refills at the configured rate', async () => {
    const l = limiter({ default: { perSecond: 20, burst: 2 } });
    await l.waitUntilReady();
    expect((await l.take('c')).allowed).toBe(true);
    expect((await l.take('c')).allowed).toBe(true);
    const refused = await l.take('c');
    expect(refused.allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs + 20));
    expect((await l.take('c')).allowed).toBe(true);
  });

  it('lets the key expire once the bucket would be full again', async () => {
    const l = limiter({ default: { perSecond: 100, burst: 10 } });
    await l.waitUntilReady();
    await l.take('expiring');
    const ttl = await redis.pttl(`${prefix}expiring`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(100 + 1000);
  });

  it('applies per-client overrides and unlimited clients never touch Redis', async () => {
    const l = limiter({ default: { perSecond: 1, burst: 1 }, overrides: { big: { perSecond: 1, burst: 5 }, free: null } });
    await l.waitUntilReady();
    const big = await Promise.all(Array.from({ length: 6 }, () => l.take('big')));
    expect(big.filter((d) => d.allowed)).toHaveLength(5);
    for (let i = 0; i < 5; i++) expect((await l.take('free')).allowed).toBe(true);
    expect(await redis.exists(`${prefix}free`)).toBe(0);
  });

  it('fails open when Redis cannot be reached, and tells the observer', async () => {
    let failedOpen = 0;
    const l = limiter({ url: 'redis://127.0.0.1:9', default: { perSecond: 1, burst: 1 }, observer: { failedOpen: () => failedOpen++ } });
    const decisions = await Promise.all(Array.from({ length: 5 }, () => l.take('x')));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    expect(failedOpen).toBe(5);
  });
});
