import path from 'node:path';
import { Logger, type Provider } from '@nestjs/common';
import { InMemoryRevocationList } from '@motlan/auth/in-memory-revocation-list.adapter.js';
import { RedisRevocationList } from '@motlan/auth/redis-revocation-list.adapter.js';
import { RevocationList, revocationRetentionMs } from '@motlan/auth/revocation-list.port.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { InMemoryRateLimiter } from '@motlan/rate-limit/in-memory-rate-limiter.adapter.js';
import { RateLimiter, type RateLimitSettings } from '@motlan/rate-limit/rate-limiter.port.js';
import { RedisRateLimiter } from '@motlan/rate-limit/redis-rate-limiter.adapter.js';
import type { GatewayConfig } from '../config/gateway.config.js';

/** `<data dir>/revocations/revocations.json`: the embedded profile's revocation list. */
export function embeddedRevocationFile(dataDir: string): string {
  return path.join(dataDir, 'revocations', 'revocations.json');
}

/**
 * Rate limiter and revocation list: in Redis when REDIS_URL is set (shared by every instance),
 * in process otherwise. Either way the gateway starts when Redis is down: the limiter lets
 * requests through and the list enforces what it knows, until Redis is back.
 */
export function abuseProtectionProviders(config: GatewayConfig): Provider[] {
  const logger = new Logger('AbuseProtection');
  const { perSecond, burst, overrides } = config.rateLimit;
  const settings: RateLimitSettings = { default: perSecond > 0 ? { perSecond, burst } : null, overrides };
  const retentionMs = revocationRetentionMs(config.auth.maxTokenLifetimeSec, config.auth.clockToleranceSec);
  // Client and citizen tokens are checked with the same tolerance (AccessLogModule).
  const clockToleranceSec = config.auth.clockToleranceSec;
  const redisUrl = config.redisUrl;
  return [
    {
      provide: RateLimiter,
      inject: [GatewayMetrics],
      useFactory: async (metrics: GatewayMetrics) => {
        if (!redisUrl) return new InMemoryRateLimiter(settings);
        const limiter = new RedisRateLimiter({ url: redisUrl, ...settings, observer: { failedOpen: () => metrics.rateLimitFailOpen.inc() } });
        if (!(await limiter.waitUntilReady())) logger.warn('redis not reachable at start-up: rate limits not enforced until it is');
        return limiter;
      },
    },
    {
      provide: RevocationList,
      useFactory: async () => {
        if (!redisUrl) {
          const list = new InMemoryRevocationList({ retentionMs, clockToleranceSec, file: embeddedRevocationFile(config.dataDir) });
          await list.load();
          return list;
        }
        const list = new RedisRevocationList({ url: redisUrl, retentionMs, clockToleranceSec });
        if (!(await list.start())) logger.warn('redis not reachable at start-up: token revocations made elsewhere not known until it is');
        return list;
      },
    },
  ];
}
