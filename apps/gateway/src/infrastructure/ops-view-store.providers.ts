import type { Provider } from '@nestjs/common';
import { InMemoryOpsViewStore } from '@motlan/dossier-relay/in-memory-ops-view-store.adapter.js';
import { OpsViewStore } from '@motlan/dossier-relay/ops-view-store.port.js';
import { RedisOpsViewStore } from '@motlan/dossier-relay/redis-ops-view-store.adapter.js';
import type { GatewayConfig } from '../config/gateway.config.js';

/**
 * Where workers publish the ops view for `api` processes: Redis when REDIS_URL is set (shared by
 * every process), memory otherwise (the embedded profile runs both roles in one process).
 */
export function opsViewStoreProviders(config: GatewayConfig): Provider[] {
  const redisUrl = config.redisUrl;
  return [{ provide: OpsViewStore, useFactory: () => (redisUrl ? new RedisOpsViewStore({ url: redisUrl }) : new InMemoryOpsViewStore()) }];
}
