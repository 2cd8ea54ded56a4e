import type { Provider } from '@nestjs/common';
import { embeddedSyncFiguresSnapshotFile, FileSyncFiguresSnapshotStore } from '@motlan/dossier-relay/file-sync-figures-snapshot.adapter.js';
import { RedisSyncFiguresSnapshotStore } from '@motlan/dossier-relay/redis-sync-figures-snapshot.adapter.js';
import { SyncFiguresSnapshotStore } from '@motlan/dossier-relay/sync-figures-snapshot.port.js';
import type { GatewayConfig } from '../config/gateway.config.js';

/**
 * Where the per-commune sync figures keep their snapshot between starts: Redis when REDIS_URL is
 * set (shared by every instance), a file under the data directory otherwise. Either way the
 * figures start without it (rebuilt from the topics) when the store cannot answer.
 */
export function syncFiguresSnapshotProviders(config: GatewayConfig): Provider[] {
  const redisUrl = config.redisUrl;
  return [
    {
      provide: SyncFiguresSnapshotStore,
      useFactory: () =>
        redisUrl ? new RedisSyncFiguresSnapshotStore({ url: redisUrl }) : new FileSyncFiguresSnapshotStore(embeddedSyncFiguresSnapshotFile(config.dataDir)),
    },
  ];
}
