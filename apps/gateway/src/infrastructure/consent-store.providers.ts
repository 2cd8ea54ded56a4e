import { Logger, type Provider } from '@nestjs/common';
import { ConsentStore } from '@motlan/consent/consent-store.port.js';
import { embeddedConsentFile, FileConsentStore } from '@motlan/consent/file-consent-store.adapter.js';
import { RedisConsentStore } from '@motlan/consent/redis-consent-store.adapter.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { secretOf } from './secret-file.js';

/**
 * Citizens' consents and counter requests: in Redis when REDIS_URL is set (every instance reads the
 * same consents, so a revocation holds everywhere from the next lookup), in a file under the data
 * directory otherwise. Either way the gateway starts when the store is down; sensitive lookups
 * that need a consent are then refused (503 `consent_unavailable`) until it is back.
 */
export function consentStoreProviders(config: GatewayConfig): Provider[] {
  const redisUrl = config.redisUrl;
  const retentionMs = config.consent.retentionDays * 86_400_000;
  return [
    {
      provide: ConsentStore,
      useFactory: async () => {
        if (!redisUrl) {
          const store = new FileConsentStore({ file: embeddedConsentFile(config.dataDir), retentionMs });
          await store.load();
          return store;
        }
        // The cache secret (another HMAC label): instances share it, so they share the per-citizen index keys.
        const store = new RedisConsentStore({ url: redisUrl, secret: await secretOf(config.cache.secret), retentionMs });
        if (!(await store.waitUntilReady()))
          new Logger('Consents').warn('redis not reachable at start-up: lookups that need a consent are refused until it is');
        return store;
      },
    },
  ];
}
