import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { createCommandClient, waitUntilReady } from '@motlan/redis/redis-connection.client.js';
import {
  RateLimiter,
  RateLimitPolicy,
  UNLIMITED,
  type RateDecision,
  type RateLimit,
  type RateLimiterObserver,
  type RateLimitSettings,
} from './rate-limiter.port.js';

export interface RedisRateLimiterOptions extends RateLimitSettings {
  url: string;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  /** Per-command timeout: past it the request is let through rather than kept waiting. Default 100 ms. */
  commandTimeoutMs?: number;
  observer?: RateLimiterObserver;
}

/**
 * Refill and take in one atomic step, timed by the Redis server clock, so that instances with
 * slightly different clocks still share one consistent bucket. The key expires once the bucket
 * would be full again: an absent key is a full bucket, so idle clients cost no memory.
 * Returns { allowed 0|1, retry-after ms, whole tokens left }.
 */
const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 't', 'a')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = tokens + (now - at) * rate / 1000
  at = now
end
if tokens > burst then tokens = burst end
local allowed = 0
local retry = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  local need = cost
  if need > burst then need = burst end
  retry = math.ceil((need - tokens) * 1000 / rate)
  if retry < 1 then retry = 1 end
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'a', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return { allowed, retry, math.floor(tokens) }
`;

type RedisWithScripts = Redis & { takeTokens(key: string, rate: string, burst: string, cost: string): Promise<[number, number, number]> };

/** How often the "failing open" warning is repeated while Redis stays unavailable. */
const WARN_EVERY_MS = 30_000;

/**
 * Token buckets in Redis, shared by every gateway instance: one Lua call per request (one round
 * trip). When Redis is unreachable or slow the limiter fails open — the request goes through, a
 * warning is logged (once per outage, then every 30 s) and the observer counts it — because
 * turning every client away whenever Redis has a hiccup would be worse than a short time
 * without limits. ioredis reconnects by itself and limiting resumes without a restart.
 */
@Injectable()
export class RedisRateLimiter extends RateLimiter implements OnModuleDestroy {
  private readonly logger = new Logger(RedisRateLimiter.name);
  private readonly redis: RedisWithScripts;
  private readonly policy: RateLimitPolicy;
  private readonly prefix: string;
  private readonly observer?: RateLimiterObserver;
  /** ARGV strings per limit, made once rather than on every request. */
  private readonly args = new WeakMap<RateLimit, [rate: string, burst: string]>();
  private warnedAtMs = Number.NEGATIVE_INFINITY;
  private failing = false;

  constructor(options: RedisRateLimiterOptions) {
    super();
    this.policy = new RateLimitPolicy(options);
    this.prefix = options.prefix ?? 'motlan:rl:v1:';
    this.observer = options.observer;
    // Fail open by design: while disconnected a command fails at once (no offline queue) and the
    // request goes through; a short command timeout keeps a slow Redis off the request path.
    this.redis = createCommandClient(options.url, { commandTimeoutMs: options.commandTimeoutMs ?? 100, autoPipelining: true }, (error) =>
      this.failOpen(error.message, false),
    ) as RedisWithScripts;
    this.redis.defineCommand('takeTokens', { numberOfKeys: 1, lua: TAKE });
    this.redis.on('ready', () => {
      if (this.failing) this.logger.log('redis reachable again: rate limits enforced');
      this.failing = false;
    });
  }

  async take(clientId: string, cost = 1): Promise<RateDecision> {
    const limit = this.policy.limitFor(clientId);
    if (limit === undefined) return UNLIMITED;
    if (this.redis.status !== 'ready') return this.failOpen(`connection ${this.redis.status}`, true);
    let args = this.args.get(limit);
    if (args === undefined) {
      args = [String(limit.perSecond), String(limit.burst)];
      this.args.set(limit, args);
    }
    try {
      const [allowed, retryAfterMs, remaining] = await this.redis.takeTokens(this.prefix + clientId, args[0], args[1], cost === 1 ? '1' : String(cost));
      return allowed === 1 ? { allowed: true, retryAfterMs: 0, remaining } : { allowed: false, retryAfterMs, remaining };
    } catch (error) {
      return this.failOpen((error as Error).message, true);
    }
  }

  /** Resolves true once connected, false after the timeout; the gateway starts either way. */
  async waitUntilReady(timeoutMs = 3000): Promise<boolean> {
    return waitUntilReady(this.redis, timeoutMs);
  }

  private failOpen(reason: string, request: boolean): RateDecision {
    if (request) this.observer?.failedOpen?.();
    const now = Date.now();
    if (!this.failing || now - this.warnedAtMs >= WARN_EVERY_MS) {
      this.warnedAtMs = now;
      this.logger.warn({ reason }, 'rate limiter cannot reach redis: requests are let through unlimited (fail open)');
    }
    this.failing = true;
    return UNLIMITED;
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect(false);
  }
}
