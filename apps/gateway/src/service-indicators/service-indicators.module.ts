import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { EventLog } from '@motlan/event-log/event-log.port.js';
import { embeddedAuditLog } from '@motlan/audit/embedded-audit-trail.js';
import { IndicatorsViewStore } from '@motlan/service-indicators/indicators-view-store.port.js';
import type { IndicatorSnapshotStore } from '@motlan/service-indicators/indicator-snapshot.js';
import { ServiceIndicatorsProjection } from '@motlan/service-indicators/service-indicators.projection.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { INDICATOR_SNAPSHOTS, serviceIndicatorsStoreProviders } from '../infrastructure/service-indicators-store.providers.js';
import { IndicatorsSource, LiveIndicatorsSource, PublishedIndicatorsSource } from './indicators.source.js';
import { projectionSettings, reportSourceProvider } from './projection-wiring.js';
import { ServiceIndicatorsLifecycle } from './service-indicators.lifecycle.js';
import { ServiceIndicatorsService } from './service-indicators.service.js';

/** The audit trail's log for the projection: the Kafka log in production, the embedded trail's own file log otherwise. */
const AUDIT_LOG = Symbol('ServiceIndicatorsAuditLog');

type Closable = { close(): Promise<void> };

/**
 * Service indicators by role. `worker`: the projection (statuses, outcomes, registry reads →
 * per commune per day buckets), its snapshot, and publishing the view. `api`: the report behind
 * GET /v1/ops/indicators, read from this process's projection when it also runs the worker role,
 * else from what the workers published. Its controller sits in the GatewayModule with the other
 * HTTP edges, where the authentication guards live.
 */
@Module({})
export class ServiceIndicatorsModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const { api, worker } = config.roles;
    const settings = config.serviceIndicators;
    const workerProviders: Provider[] = [
      {
        provide: AUDIT_LOG,
        inject: [EventLog],
        // A reader of its own on the embedded trail (the sink and the access-log feed have theirs): closing it closes nothing else.
        useFactory: (log: EventLog) => (config.kafkaBrokers ? log : embeddedAuditLog({ dir: config.audit.dir, fsync: false })),
      },
      {
        provide: ServiceIndicatorsProjection,
        inject: [EventLog, AUDIT_LOG, INDICATOR_SNAPSHOTS, IndicatorsViewStore],
        useFactory: (log: EventLog, auditLog: EventLog, snapshots: IndicatorSnapshotStore, view: IndicatorsViewStore) =>
          new ServiceIndicatorsProjection(log, auditLog, snapshots, view, { state: { retentionDays: settings.retentionDays }, ...projectionSettings(config) }),
      },
    ];
    const apiProviders: Provider[] = [
      reportSourceProvider(
        worker,
        IndicatorsSource,
        { projection: ServiceIndicatorsProjection, create: (p: ServiceIndicatorsProjection) => new LiveIndicatorsSource(p) },
        { store: IndicatorsViewStore, create: (store: IndicatorsViewStore) => new PublishedIndicatorsSource(store) },
      ),
      {
        provide: ServiceIndicatorsService,
        inject: [IndicatorsSource, VnAdminDirectory],
        useFactory: (source: IndicatorsSource, directory: VnAdminDirectory) => new ServiceIndicatorsService(source, directory, settings),
      },
    ];
    return {
      module: ServiceIndicatorsModule,
      providers: [
        ...serviceIndicatorsStoreProviders(config),
        ...(worker ? workerProviders : []),
        ...(api ? apiProviders : []),
        {
          provide: ServiceIndicatorsLifecycle,
          inject: [IndicatorsViewStore, INDICATOR_SNAPSHOTS, ...(worker ? [ServiceIndicatorsProjection, AUDIT_LOG] : [])],
          useFactory: (view: IndicatorsViewStore, snapshots: Closable, projection?: ServiceIndicatorsProjection, auditLog?: EventLog) =>
            new ServiceIndicatorsLifecycle(projection ?? null, {
              view,
              snapshots,
              // The Kafka log is the relay's, closed by SyncLifecycle; only the embedded trail's reader is ours.
              auditLog: auditLog && !config.kafkaBrokers ? auditLog : null,
            }),
        },
      ],
      exports: [ServiceIndicatorsLifecycle, ...(api ? [ServiceIndicatorsService] : [])],
    };
  }
}
