import { Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { RevocationList } from '@motlan/auth/revocation-list.port.js';
import { RateLimiter } from '@motlan/rate-limit/rate-limiter.port.js';
import { AuditFeed } from '@motlan/audit/audit-feed.port.js';
import { chainWriterId } from '@motlan/audit/audit-chain.js';
import { embeddedAuditLog, legacyAuditFile, migrateLegacyAuditFile } from '@motlan/audit/embedded-audit-trail.js';
import { LogAuditFeed } from '@motlan/audit/log-audit-feed.js';
import { LogAuditSink } from '@motlan/audit/log-audit-sink.js';
import { ChangeEventSubscriber } from '@motlan/events/change-event-subscriber.service.js';
import { embeddedChangeEventLog } from '@motlan/events/embedded-change-event-log.js';
import { FetchCoordinator, LocalFetchCoordinator } from '@motlan/registry-cache/fetch-coordinator.port.js';
import { InMemoryRegistryCache } from '@motlan/registry-cache/in-memory-registry-cache.adapter.js';
import { RedisFetchCoordinator } from '@motlan/registry-cache/redis-fetch-coordinator.adapter.js';
import { RedisRegistryCache } from '@motlan/registry-cache/redis-registry-cache.adapter.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';
import { AdapterCatalogStore } from '@motlan/adapter-catalog/adapter-catalog-store.service.js';
import { embeddedAdapterCatalogLog, legacyAdapterCatalogFile, migrateLegacyCatalogFile } from '@motlan/adapter-catalog/embedded-adapter-catalog.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { GrpcPortalClient } from '@motlan/dossier-relay/grpc-portal.client.js';
import { DossierCommuneBindings } from '@motlan/dossier-relay/dossier-commune-bindings.port.js';
import { PortalClient } from '@motlan/dossier-relay/portal-client.port.js';
import { SyncFiguresSnapshotStore } from '@motlan/dossier-relay/sync-figures-snapshot.port.js';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import { KafkaEventLog } from '@motlan/event-log/kafka-event-log.adapter.js';
import { EventLog } from '@motlan/event-log/event-log.port.js';
import { AdapterPool } from '@motlan/registry-client/adapter-pool.js';
import { GrpcAdapterConnection } from '@motlan/registry-client/grpc-adapter.client.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import { provinceOfSubject } from '@motlan/vn-admin/subject-province.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { abuseProtectionProviders } from './abuse-protection.providers.js';
import { dossierBindingProviders } from './dossier-bindings.providers.js';
import { syncFiguresSnapshotProviders } from './sync-figures-snapshot.providers.js';
import { consentStoreProviders } from './consent-store.providers.js';
import { citizenArchiveStoreProviders } from './citizen-archive-store.providers.js';
import { CitizenArchiveStore } from '@motlan/citizen-archive/citizen-archive-store.port.js';
import { ArchiveSealer } from '@motlan/citizen-archive/archive-sealer.js';
import { ConsentStore } from '@motlan/consent/consent-store.port.js';
import { opsViewStoreProviders } from './ops-view-store.providers.js';
import { OpsViewStore } from '@motlan/dossier-relay/ops-view-store.port.js';
import { secretOf } from './secret-file.js';

/**
 * The one place where ports are bound to adapters, from validated config: the embedded profile
 * uses in-process implementations, the production profile (REDIS_URL + KAFKA_BROKERS) Redis and Kafka.
 */
@Module({})
export class InfrastructureModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const providers: Provider[] = [
      { provide: GatewayMetrics, useFactory: () => new GatewayMetrics() },
      { provide: VnAdminDirectory, useFactory: () => VnAdminDirectory.load({ logger: new Logger('VnAdmin') }) },
      {
        // Every registry call goes through its adapter's deadline, bulkhead, breaker and lookup retries.
        provide: AdapterPool,
        inject: [GatewayMetrics, VnAdminDirectory],
        useFactory: async (metrics: GatewayMetrics, directory: VnAdminDirectory) => {
          const pool = new AdapterPool({
            connect: (spec) => new GrpcAdapterConnection({ registry: spec.registry, endpoint: spec.endpoint, tls: spec.tls }),
            describeRetryMs: config.describeRetryMs,
            provinceOf: (keyName, subjectId) => provinceOfSubject(directory, keyName, subjectId),
            // Registries come from adapters and from the procedure catalog (PurposesModule names them), not from a list here.
            knownRegistries: Object.keys(config.adapters),
            observer: metrics.adapterObserver(),
          });
          // Adapters fixed by MOTLAN_ADAPTERS: id = registry name, described now (and retried in the background).
          for (const [registry, endpoint] of Object.entries(config.adapters)) {
            pool.add({ id: registry, registry, endpoint, resilience: { timeoutMs: config.registryTimeoutMs, ...config.resilience } }, 'config');
          }
          await pool.refresh();
          return pool;
        },
      },
      { provide: RegistryClient, useExisting: AdapterPool },
      {
        // A compacted topic of the event log; embedded, a private file log of its own in the data directory.
        provide: AdapterCatalogStore,
        inject: [EventLog],
        useFactory: async (log: EventLog) => {
          const topic = config.events.adapterCatalogTopic;
          if (config.kafkaBrokers)
            return new AdapterCatalogStore({ log, topic, location: `kafka topic ${topic}`, reachedAt: `Kafka at ${config.kafkaBrokers.join(',')}` });
          const embedded = embeddedAdapterCatalogLog(config.dataDir);
          // A failed move leaves the old file in place (tried again on the next start); the store then reports what it cannot read.
          await migrateLegacyCatalogFile(legacyAdapterCatalogFile(config.dataDir), embedded.log, topic).catch((error: Error) =>
            new Logger('AdapterCatalog').error({ reason: error.message }, 'adapter catalog file of an earlier release not moved into the log'),
          );
          return new AdapterCatalogStore({ ...embedded, topic, ownsLog: true });
        },
      },
      {
        // Chained records (one chain per gateway start) on the audit topic of a log of the sink's
        // own (its own Kafka producer); a lookup whose record is not written answers 503.
        provide: AuditSink,
        useFactory: async () => {
          const { topic } = config.audit;
          const writer = chainWriterId(config.instanceId);
          if (config.kafka) {
            const log = new KafkaEventLog({ ...config.kafka, clientId: 'motlan-audit' });
            return new LogAuditSink({ log, topic, writer, timeoutMs: config.audit.timeoutMs });
          }
          const log = embeddedAuditLog({ dir: config.audit.dir, fsync: config.audit.sync });
          // Not fatal: lookups are refused while the trail cannot be written, as they would be anyway; the old file stays.
          await migrateLegacyAuditFile(legacyAuditFile(config.audit.dir), log, topic).catch((error: Error) =>
            new Logger('AuditSink').error({ reason: error.message }, 'audit file of an earlier release not moved into the audit log'),
          );
          return new LogAuditSink({ log, topic, writer });
        },
      },
      {
        // The audit trail read back, for projections (the citizen access log): embedded projections
        // live in memory and read the whole trail on every start.
        provide: AuditFeed,
        inject: [EventLog],
        useFactory: (log: EventLog) =>
          config.kafkaBrokers
            ? new LogAuditFeed({ log, topic: config.audit.topic })
            : new LogAuditFeed({ log: embeddedAuditLog({ dir: config.audit.dir, fsync: false }), topic: config.audit.topic, rebuildOnStart: true }),
      },
      ...(config.redisUrl ? redisProviders(config, config.redisUrl) : embeddedCacheProviders(config)),
      // Rate limiter and token revocation list (abuse protection): Redis when REDIS_URL is set.
      ...abuseProtectionProviders(config),
      // Dossier → commune bindings of the dossier relay: Redis when REDIS_URL is set.
      ...dossierBindingProviders(config),
      // Snapshot of the per-commune sync figures: Redis when REDIS_URL is set.
      ...syncFiguresSnapshotProviders(config),
      // Citizens' consents, checked on every sensitive lookup: Redis when REDIS_URL is set.
      ...consentStoreProviders(config),
      // Citizens' archives (evidence and returned results, sealed): Redis when REDIS_URL is set.
      ...citizenArchiveStoreProviders(config),
      // The ops view workers publish for api processes (process roles): Redis when REDIS_URL is set.
      ...opsViewStoreProviders(config),
      {
        // Dossier sync: Kafka in production, append-only files with the same guarantees embedded.
        provide: EventLog,
        useFactory: () =>
          config.kafka
            ? new KafkaEventLog({ ...config.kafka, clientId: 'motlan-gateway' })
            : new FileEventLog({ dir: config.portalSync.logDir, partitions: 3 }),
      },
      { provide: PortalClient, useFactory: () => new GrpcPortalClient({ endpoint: config.portalSync.portalEndpoint }) },
      {
        // Change events: on Kafka one group shared by the instances (their cache is shared); embedded,
        // a private reader of the log the simulator writes in the data directory.
        provide: ChangeEventSubscriber,
        inject: [EventLog],
        useFactory: (log: EventLog) =>
          config.kafkaBrokers
            ? new ChangeEventSubscriber({ log, group: config.events.cacheSyncGroup })
            : new ChangeEventSubscriber({ log: embeddedChangeEventLog(config.dataDir), ownsLog: true }),
      },
    ];
    return {
      module: InfrastructureModule,
      global: true,
      providers,
      exports: [
        GatewayMetrics,
        VnAdminDirectory,
        RegistryClient,
        AdapterPool,
        AdapterCatalogStore,
        RegistryCache,
        FetchCoordinator,
        AuditSink,
        AuditFeed,
        ChangeEventSubscriber,
        EventLog,
        PortalClient,
        RateLimiter,
        RevocationList,
        DossierCommuneBindings,
        SyncFiguresSnapshotStore,
        OpsViewStore,
        ConsentStore,
        CitizenArchiveStore,
        ArchiveSealer,
      ],
    };
  }
}

function embeddedCacheProviders(config: GatewayConfig): Provider[] {
  return [
    { provide: RegistryCache, useFactory: () => new InMemoryRegistryCache({ maxEntries: config.cache.maxEntries }) },
    { provide: FetchCoordinator, useClass: LocalFetchCoordinator },
  ];
}

function redisProviders(config: GatewayConfig, url: string): Provider[] {
  const secret = () => secretOf(config.cache.secret);
  return [
    {
      provide: RegistryCache,
      useFactory: async () => {
        const cache = new RedisRegistryCache({ url, secret: await secret(), localTtlMs: config.cache.localTtlMs });
        // Start even if Redis is down: lookups then go to the registries until it comes back.
        if (!(await cache.waitUntilReady())) new Logger('Infrastructure').warn('redis not reachable at start-up: cache degraded');
        return cache;
      },
    },
    {
      provide: FetchCoordinator,
      useFactory: async () =>
        new RedisFetchCoordinator({ url, secret: await secret(), lockTtlMs: config.registryTimeoutMs + 1000, waitMs: config.registryTimeoutMs + 500 }),
    },
  ];
}
