import { Logger, type Provider } from '@nestjs/common';
import { ArchiveSealer } from '@motlan/citizen-archive/archive-sealer.js';
import { CitizenArchiveStore } from '@motlan/citizen-archive/citizen-archive-store.port.js';
import { embeddedArchiveFile, FileCitizenArchiveStore } from '@motlan/citizen-archive/file-citizen-archive-store.adapter.js';
import { RedisCitizenArchiveStore } from '@motlan/citizen-archive/redis-citizen-archive-store.adapter.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { secretOf } from './secret-file.js';

/**
 * The citizens' archives: in Redis when REDIS_URL is set (every instance reads the same archives,
 * and a share made on one is redeemed on another), in a file under the data directory otherwise;
 * sealed with keys derived from the cache secret (labels of their own), which every instance shares.
 * The gateway starts when the store is down: archive routes answer 503 `archive_unavailable`, and
 * evidence is not archived meanwhile (lookups are never held up for it).
 */
export function citizenArchiveStoreProviders(config: GatewayConfig): Provider[] {
  const redisUrl = config.redisUrl;
  return [
    { provide: ArchiveSealer, useFactory: async () => new ArchiveSealer(await secretOf(config.cache.secret)) },
    {
      provide: CitizenArchiveStore,
      useFactory: async () => {
        if (!redisUrl) {
          const store = new FileCitizenArchiveStore({ file: embeddedArchiveFile(config.dataDir) });
          await store.load();
          return store;
        }
        const store = new RedisCitizenArchiveStore({ url: redisUrl });
        if (!(await store.waitUntilReady())) new Logger('CitizenArchive').warn('redis not reachable at start-up: the citizen archive answers 503 until it is');
        return store;
      },
    },
  ];
}
