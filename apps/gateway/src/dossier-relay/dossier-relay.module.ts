import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ConsumerGroups, Topics } from '@motlan/events/topics.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { DossierCommuneBindings } from '@motlan/dossier-relay/dossier-commune-bindings.port.js';
import { DossierIntakeService } from '@motlan/dossier-relay/dossier-intake.service.js';
import { DossierRebindService } from '@motlan/dossier-relay/dossier-rebind.service.js';
import { PortalClient } from '@motlan/dossier-relay/portal-client.port.js';
import { PortalSyncWorker } from '@motlan/dossier-relay/portal-sync.worker.js';
import { SyncFigures } from '@motlan/dossier-relay/sync-figures.js';
import { SyncFiguresSnapshotStore } from '@motlan/dossier-relay/sync-figures-snapshot.port.js';
import { OpsViewStore } from '@motlan/dossier-relay/ops-view-store.port.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import { EventLog } from '@motlan/event-log/event-log.port.js';
import { LagMonitor } from '@motlan/consumer-lag/lag-monitor.js';
import { registryEventLagGroups } from '@motlan/registry-events/registry-event-lag-groups.js';
import { SubscriptionService } from '@motlan/registry-events/subscription.service.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { SyncLifecycle } from './sync-lifecycle.service.js';
import { LiveOpsViewSource, OpsViewPublisher, OpsViewSource, PublishedOpsViewSource } from './ops-view.source.js';
import { SyncOpsService } from './sync-ops.service.js';

/**
 * The sync path's services, by role. `api`: dossier status intake and the operators' dossier →
 * commune corrections, the ops API's view (SyncOpsService). `worker`: delivery to the portal,
 * figures, lag monitoring, publishing the ops view for `api` processes. Its controllers
 * (DossiersController, OpsController) sit in the GatewayModule with the other HTTP edges, where
 * the authentication guards live.
 */
@Module({})
export class DossierRelayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const { api, worker } = config.roles;
    const apiProviders: Provider[] = [
      {
        provide: DossierIntakeService,
        inject: [EventLog, VnAdminDirectory, DossierCommuneBindings],
        useFactory: (log: EventLog, directory: VnAdminDirectory, bindings: DossierCommuneBindings) => new DossierIntakeService(log, directory, bindings),
      },
      {
        provide: DossierRebindService,
        inject: [DossierCommuneBindings, VnAdminDirectory, AuditSink],
        useFactory: (bindings: DossierCommuneBindings, directory: VnAdminDirectory, audit: AuditSink) => new DossierRebindService(bindings, directory, audit),
      },
      // With the worker role here, its own figures and lag (fresh); else what the workers published.
      worker
        ? {
            provide: OpsViewSource,
            inject: [SyncFigures, LagMonitor],
            useFactory: (figures: SyncFigures, monitor: LagMonitor) => new LiveOpsViewSource(figures, monitor),
          }
        : { provide: OpsViewSource, inject: [OpsViewStore], useFactory: (store: OpsViewStore) => new PublishedOpsViewSource(store) },
      {
        provide: SyncOpsService,
        inject: [OpsViewSource, VnAdminDirectory, EventLog],
        useFactory: (source: OpsViewSource, directory: VnAdminDirectory, log: EventLog) =>
          new SyncOpsService(source, directory, config.communeThresholds, log, config.lagMonitor),
      },
    ];
    const workerProviders: Provider[] = [
      {
        provide: SyncFigures,
        inject: [EventLog, SyncFiguresSnapshotStore],
        useFactory: (log: EventLog, store: SyncFiguresSnapshotStore) => new SyncFigures(log, store, config.portalSync.figures),
      },
      {
        provide: LagMonitor,
        inject: [EventLog, RegistryClient, ModuleRef],
        useFactory: (log: EventLog, registries: RegistryClient, modules: ModuleRef) =>
          new LagMonitor({
            source: log,
            groups: [
              { group: ConsumerGroups.portalSync, topics: () => [Topics.dossierSync] },
              { group: ConsumerGroups.portalSyncRetry, topics: () => [Topics.dossierSyncRetry] },
              // Change events travel on Kafka only in production; the embedded bus is not a sync log.
              ...(config.kafkaBrokers
                ? [{ group: config.events.cacheSyncGroup, topics: () => registries.registries().map((r) => Topics.registryChanges(r)) }]
                : []),
              // Registry events' relay groups, and on Kafka their fan-out over the subscribed sources'
              // change topics (SubscriptionService lives in RegistryEventsModule: looked up at each poll).
              ...registryEventLagGroups(
                config.kafkaBrokers
                  ? () =>
                      [
                        ...new Set(
                          modules
                            .get(SubscriptionService, { strict: false })
                            .list()
                            .map((s) => s.sourceRegistry),
                        ),
                      ].sort()
                  : undefined,
              ),
            ],
            ...config.lagMonitor,
          }),
      },
      {
        provide: PortalSyncWorker,
        inject: [EventLog, PortalClient],
        useFactory: (log: EventLog, portal: PortalClient) => (config.portalSync.worker ? new PortalSyncWorker(log, portal, config.portalSync) : null),
      },
      {
        provide: OpsViewPublisher,
        inject: [SyncFigures, LagMonitor, OpsViewStore],
        useFactory: (figures: SyncFigures, monitor: LagMonitor, store: OpsViewStore) =>
          new OpsViewPublisher(figures, monitor, store, config.lagMonitor.intervalMs),
      },
    ];
    return {
      module: DossierRelayModule,
      providers: [
        ...(api ? apiProviders : []),
        ...(worker ? workerProviders : []),
        {
          provide: SyncLifecycle,
          inject: [
            EventLog,
            PortalClient,
            SyncFiguresSnapshotStore,
            OpsViewStore,
            ...(worker ? [SyncFigures, LagMonitor, PortalSyncWorker, OpsViewPublisher] : []),
          ],
          useFactory: (
            log: EventLog,
            portal: PortalClient,
            snapshots: SyncFiguresSnapshotStore,
            opsViews: OpsViewStore,
            figures?: SyncFigures,
            monitor?: LagMonitor,
            portalWorker?: PortalSyncWorker | null,
            publisher?: OpsViewPublisher,
          ) =>
            new SyncLifecycle(figures && monitor && publisher ? { figures, monitor, worker: portalWorker ?? null, publisher } : null, {
              log,
              portal,
              snapshots,
              opsViews,
            }),
        },
      ],
      exports: [SyncLifecycle, ...(api ? [SyncOpsService, DossierIntakeService, DossierRebindService] : []), ...(worker ? [LagMonitor] : [])],
    };
  }
}
