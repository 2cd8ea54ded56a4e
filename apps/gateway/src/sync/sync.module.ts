import { Module, type DynamicModule } from '@nestjs/common';
import { ConsumerGroups, Topics } from '@motlan/events/topics.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { DossierCommuneBindings } from '@motlan/portal-sync/dossier-commune-bindings.port.js';
import { DossierIntakeService } from '@motlan/portal-sync/dossier-intake.service.js';
import { DossierRebindService } from '@motlan/portal-sync/dossier-rebind.service.js';
import { PortalClient } from '@motlan/portal-sync/portal-client.port.js';
import { PortalSyncWorker } from '@motlan/portal-sync/portal-sync.worker.js';
import { SyncFigures } from '@motlan/portal-sync/sync-figures.js';
import { SyncFiguresSnapshotStore } from '@motlan/portal-sync/sync-figures-snapshot.port.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import { SyncLog } from '@motlan/sync-log/sync-log.port.js';
import { LagMonitor } from '@motlan/sync-monitor/lag-monitor.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { SyncLifecycle } from './sync-lifecycle.service.js';
import { SyncOpsService } from './sync-ops.service.js';

/**
 * The sync path's services: dossier status intake and the operators' dossier → commune
 * corrections, delivery to the portal, figures, lag monitoring. Its controllers
 * (DossiersController, OpsController) sit in the GatewayModule with the other HTTP edges, where
 * the authentication guards live.
 */
@Module({})
export class SyncModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: SyncModule,
      providers: [
        {
          provide: DossierIntakeService,
          inject: [SyncLog, VnAdminDirectory, DossierCommuneBindings],
          useFactory: (log: SyncLog, directory: VnAdminDirectory, bindings: DossierCommuneBindings) => new DossierIntakeService(log, directory, bindings),
        },
        {
          provide: DossierRebindService,
          inject: [DossierCommuneBindings, VnAdminDirectory, AuditSink],
          useFactory: (bindings: DossierCommuneBindings, directory: VnAdminDirectory, audit: AuditSink) => new DossierRebindService(bindings, directory, audit),
        },
        {
          provide: SyncFigures,
          inject: [SyncLog, SyncFiguresSnapshotStore],
          useFactory: (log: SyncLog, store: SyncFiguresSnapshotStore) => new SyncFigures(log, store, config.portalSync.figures),
        },
        {
          provide: LagMonitor,
          inject: [SyncLog, RegistryClient],
          useFactory: (log: SyncLog, registries: RegistryClient) =>
            new LagMonitor({
              source: log,
              groups: [
                { group: ConsumerGroups.portalSync, topics: () => [Topics.dossierSync] },
                { group: ConsumerGroups.portalSyncRetry, topics: () => [Topics.dossierSyncRetry] },
                // Change events travel on Kafka only in production; the embedded bus is not a sync log.
                ...(config.kafkaBrokers ? [{ group: config.events.cacheSyncGroup, topics: () => registries.registries().map((r) => Topics.registryChanges(r)) }] : []),
              ],
              ...config.lagMonitor,
            }),
        },
        {
          provide: PortalSyncWorker,
          inject: [SyncLog, PortalClient],
          useFactory: (log: SyncLog, portal: PortalClient) => (config.portalSync.worker ? new PortalSyncWorker(log, portal, config.portalSync) : null),
        },
        {
          provide: SyncOpsService,
          inject: [SyncFigures, LagMonitor, VnAdminDirectory, SyncLog],
          useFactory: (figures: SyncFigures, monitor: LagMonitor, directory: VnAdminDirectory, log: SyncLog) =>
            new SyncOpsService(figures, monitor, directory, config.communeThresholds, log),
        },
        {
          provide: SyncLifecycle,
          inject: [SyncFigures, LagMonitor, PortalSyncWorker, SyncLog, PortalClient, SyncFiguresSnapshotStore],
          useFactory: (figures: SyncFigures, monitor: LagMonitor, worker: PortalSyncWorker | null, log: SyncLog, portal: PortalClient, snapshots: SyncFiguresSnapshotStore) =>
            new SyncLifecycle(figures, monitor, worker, log, portal, snapshots),
        },
      ],
      exports: [LagMonitor, SyncLifecycle, SyncOpsService, DossierIntakeService, DossierRebindService],
    };
  }
}
