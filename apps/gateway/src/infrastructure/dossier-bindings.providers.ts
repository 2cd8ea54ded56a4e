import { Logger, type Provider } from '@nestjs/common';
import { DossierCommuneBindings } from '@motlan/dossier-relay/dossier-commune-bindings.port.js';
import { embeddedDossierBindingsFile, FileDossierCommuneBindings } from '@motlan/dossier-relay/file-dossier-commune-bindings.adapter.js';
import { RedisDossierCommuneBindings } from '@motlan/dossier-relay/redis-dossier-commune-bindings.adapter.js';
import type { GatewayConfig } from '../config/gateway.config.js';

/**
 * Dossier → commune bindings of the dossier relay: in Redis when REDIS_URL is set (shared by every
 * instance, as the revocation list), in a file under the data directory otherwise. Either way the
 * gateway starts when the store is down; dossier statuses are then refused (503) until it is back.
 */
export function dossierBindingProviders(config: GatewayConfig): Provider[] {
  const redisUrl = config.redisUrl;
  return [
    {
      provide: DossierCommuneBindings,
      useFactory: async () => {
        if (!redisUrl) {
          const bindings = new FileDossierCommuneBindings({ file: embeddedDossierBindingsFile(config.dataDir) });
          await bindings.load();
          return bindings;
        }
        const bindings = new RedisDossierCommuneBindings({ url: redisUrl });
        if (!(await bindings.waitUntilReady())) new Logger('DossierBindings').warn('redis not reachable at start-up: dossier statuses refused until it is');
        return bindings;
      },
    },
  ];
}
