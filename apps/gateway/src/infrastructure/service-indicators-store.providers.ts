import path from 'node:path';
import type { Provider } from '@nestjs/common';
import { FileSyncFiguresSnapshotStore } from '@motlan/dossier-relay/file-sync-figures-snapshot.adapter.js';
import { RedisSyncFiguresSnapshotStore } from '@motlan/dossier-relay/redis-sync-figures-snapshot.adapter.js';
import { IndicatorsViewStore } from '@motlan/service-indicators/indicators-view-store.port.js';
import { InMemoryIndicatorsViewStore } from '@motlan/service-indicators/in-memory-indicators-view-store.adapter.js';
import { RedisIndicatorsViewStore } from '@motlan/service-indicators/redis-indicators-view-store.adapter.js';
import type { GatewayConfig } from '../config/gateway.config.js';

/** Injection token of the service indicators' snapshot store (the sync figures' store classes, under their own key or file). */
export const INDICATOR_SNAPSHOTS = Symbol('IndicatorSnapshots');

/** The embedded profile's snapshot file of the service indicators. */
export function embeddedIndicatorSnapshotFile(dataDir: string): string {
  return path.join(dataDir, 'service-indicators', 'snapshot.json');
}

/** Production (REDIS_URL): Redis for the snapshot and the published view; embedded: a file and memory. */
export function serviceIndicatorsStoreProviders(config: GatewayConfig): Provider[] {
  const redisUrl = config.redisUrl;
  return [
    {
      provide: INDICATOR_SNAPSHOTS,
      useFactory: () =>
        redisUrl
          ? new RedisSyncFiguresSnapshotStore({ url: redisUrl, key: 'motlan:service-indicators:v1:snapshot' })
          : new FileSyncFiguresSnapshotStore(embeddedIndicatorSnapshotFile(config.dataDir)),
    },
    { provide: IndicatorsViewStore, useFactory: () => (redisUrl ? new RedisIndicatorsViewStore({ url: redisUrl }) : new InMemoryIndicatorsViewStore()) },
  ];
}
