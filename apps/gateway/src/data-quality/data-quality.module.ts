import path from 'node:path';
import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { EventLog } from '@motlan/event-log/event-log.port.js';
import { ProjectionLifecycle } from '@motlan/projection/projection-lifecycle.js';
import { embeddedAuditLog } from '@motlan/audit/embedded-audit-trail.js';
import { embeddedChangeEventLog } from '@motlan/events/embedded-change-event-log.js';
import { FileSyncFiguresSnapshotStore } from '@motlan/dossier-relay/file-sync-figures-snapshot.adapter.js';
import { RedisSyncFiguresSnapshotStore } from '@motlan/dossier-relay/redis-sync-figures-snapshot.adapter.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { DataQualityProjection } from '@motlan/data-quality/data-quality.projection.js';
import { DataQualityViewStore, InMemoryDataQualityViewStore } from '@motlan/data-quality/data-quality-view.js';
import { RedisDataQualityViewStore } from '@motlan/data-quality/redis-data-quality-view-store.adapter.js';
import { registerDataQualityMetrics } from '@motlan/data-quality/data-quality-metrics.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { projectionSettings, reportSourceProvider } from '../service-indicators/projection-wiring.js';
import {
  DATA_QUALITY_RETENTION_DAYS,
  DataQualityService,
  DataQualitySource,
  LiveDataQualitySource,
  PublishedDataQualitySource,
} from './data-quality.service.js';

const SNAPSHOTS = Symbol('DataQualitySnapshots');
const LOGS = Symbol('DataQualityLogs');
type Closable = { close(): Promise<void> };
interface Logs {
  audit: EventLog;
  changes: EventLog;
  /** The embedded readers opened here (closed here); the Kafka log is closed by its owner. */
  own: EventLog[];
}

/** The embedded profile's snapshot file of the data-quality figures. */
export function embeddedDataQualitySnapshotFile(dataDir: string): string {
  return path.join(dataDir, 'data-quality', 'snapshot.json');
}

/** The data-quality projection started and stopped with the application, its stores closed (libs/projection). */
export class DataQualityLifecycle extends ProjectionLifecycle {
  constructor(projection: DataQualityProjection | null, closables: Array<Closable | null>) {
    super(projection, closables, { context: 'DataQuality', figures: 'data quality figures' });
  }
}

/**
 * Data-quality figures by role (docs/data-quality.md). `worker`: the projection (audit trail and
 * change topics → per day, registry and reading commune counters), its snapshot, the published
 * view. `api`: the report behind GET /v1/ops/data-quality and the gauges, from this process's
 * projection when it also runs the worker role, else from what the workers published. The
 * controller sits in the GatewayModule with the other HTTP edges (the guards live there).
 */
@Module({})
export class DataQualityModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const { api, worker } = config.roles;
    const redisUrl = config.redisUrl;
    const storeProviders: Provider[] = [
      {
        provide: SNAPSHOTS,
        useFactory: () =>
          redisUrl
            ? new RedisSyncFiguresSnapshotStore({ url: redisUrl, key: 'motlan:data-quality:v1:snapshot' })
            : new FileSyncFiguresSnapshotStore(embeddedDataQualitySnapshotFile(config.dataDir)),
      },
      { provide: DataQualityViewStore, useFactory: () => (redisUrl ? new RedisDataQualityViewStore({ url: redisUrl }) : new InMemoryDataQualityViewStore()) },
    ];
    const workerProviders: Provider[] = [
      {
        provide: LOGS,
        inject: [EventLog],
        useFactory: (log: EventLog): Logs => {
          if (config.kafkaBrokers) return { audit: log, changes: log, own: [] };
          // Readers of their own on the embedded trail and change-event files: closing them closes nothing else.
          const audit = embeddedAuditLog({ dir: config.audit.dir, fsync: false });
          const changes = embeddedChangeEventLog(config.dataDir);
          return { audit, changes, own: [audit, changes] };
        },
      },
      {
        provide: DataQualityProjection,
        inject: [LOGS, SNAPSHOTS, DataQualityViewStore, RegistryClient],
        useFactory: (logs: Logs, snapshots: FileSyncFiguresSnapshotStore, view: DataQualityViewStore, registries: RegistryClient) =>
          new DataQualityProjection(logs.audit, logs.changes, snapshots, view, {
            state: { retentionDays: DATA_QUALITY_RETENTION_DAYS, registries: () => registries.registries() },
            ...projectionSettings(config),
          }),
      },
    ];
    const apiProviders: Provider[] = [
      reportSourceProvider(
        worker,
        DataQualitySource,
        { projection: DataQualityProjection, create: (p: DataQualityProjection) => new LiveDataQualitySource(p) },
        { store: DataQualityViewStore, create: (store: DataQualityViewStore) => new PublishedDataQualitySource(store) },
      ),
      {
        provide: DataQualityService,
        inject: [DataQualitySource, VnAdminDirectory, RegistryClient],
        useFactory: (source: DataQualitySource, directory: VnAdminDirectory, registries: RegistryClient) =>
          new DataQualityService(source, directory, () => registries.registries()),
      },
    ];
    return {
      module: DataQualityModule,
      providers: [
        ...storeProviders,
        ...(worker ? workerProviders : []),
        ...(api ? apiProviders : []),
        {
          provide: DataQualityLifecycle,
          inject: [GatewayMetrics, DataQualityViewStore, SNAPSHOTS, ...(api ? [DataQualityService] : []), ...(worker ? [DataQualityProjection, LOGS] : [])],
          useFactory: (metrics: GatewayMetrics, view: DataQualityViewStore, snapshots: Closable, ...rest: unknown[]) => {
            const service = api ? (rest.shift() as DataQualityService) : undefined;
            const projection = worker ? (rest.shift() as DataQualityProjection) : null;
            const logs = worker ? (rest.shift() as Logs) : undefined;
            // Every role registers the gauges (docs/metrics.md lists them); only the api role fills them.
            registerDataQualityMetrics(metrics.registry, service ? () => service.cells() : undefined);
            return new DataQualityLifecycle(projection, [view, snapshots, ...(logs?.own ?? [])]);
          },
        },
      ],
      exports: [DataQualityLifecycle, ...(api ? [DataQualityService] : [])],
    };
  }
}
