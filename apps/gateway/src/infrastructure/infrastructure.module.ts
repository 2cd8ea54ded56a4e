import { Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { RevocationList } from '@motlan/auth/revocation-list.port.js';
import { RateLimiter } from '@motlan/rate-limit/rate-limiter.port.js';
import { AuditFeed } from '@motlan/audit/audit-feed.port.js';
import { chainWriterId } from '@motlan/audit/audit-chain.js';
import { FileAuditFeed } from '@motlan/audit/file-audit-feed.adapter.js';
import { FileAuditSink } from '@motlan/audit/file-audit-sink.adapter.js';
import { KafkaAuditFeed } from '@motlan/audit/kafka-audit-feed.adapter.js';
import { ensureAuditTopicOn, KafkaAuditSink } from '@motlan/audit/kafka-audit-sink.adapter.js';
import { ChangeEventSubscriber } from '@motlan/events/change-event-bus.port.js';
import { embeddedDlqFile, embeddedEventFile } from '@motlan/events/embedded-bus-files.js';
import { FileChangeEventSubscriber } from '@motlan/events/file-change-event-bus.adapter.js';
import { KafkaChangeEventSubscriber } from '@motlan/events/kafka-change-event-bus.adapter.js';
import { FetchCoordinator, LocalFetchCoordinator } from '@motlan/registry-cache/fetch-coordinator.port.js';
import { InMemoryRegistryCache } from '@motlan/registry-cache/in-memory-registry-cache.adapter.js';
import { RedisFetchCoordinator } from '@motlan/registry-cache/redis-fetch-coordinator.adapter.js';
import { RedisRegistryCache } from '@motlan/registry-cache/redis-registry-cache.adapter.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';
import { AdapterCatalogStore } from '@motlan/adapter-catalog/adapter-catalog-store.port.js';
import { embeddedAdapterCatalogFile, FileAdapterCatalogStore } from '@motlan/adapter-catalog/file-adapter-catalog-store.adapter.js';
import { KafkaAdapterCatalogStore } from '@motlan/adapter-catalog/kafka-adapter-catalog-store.adapter.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { GrpcPortalClient } from '@motlan/portal-sync/grpc-portal.client.js';
import { DossierCommuneBindings } from '@motlan/portal-sync/dossier-commune-bindings.port.js';
import { PortalClient } from '@motlan/portal-sync/portal-client.port.js';
import { SyncFiguresSnapshotStore } from '@motlan/portal-sync/sync-figures-snapshot.port.js';
import { FileSyncLog } from '@motlan/sync-log/file-sync-log.adapter.js';
import { KafkaSyncLog } from '@motlan/sync-log/kafka-sync-log.adapter.js';
import { SyncLog } from '@motlan/sync-log/sync-log.port.js';
import { AdapterPool } from '@motlan/registry-client/adapter-pool.js';
import { GrpcAdapterConnection } from '@motlan/registry-client/grpc-adapter.client.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import { provinceOfSubject } from '@motlan/vn-admin/subject-province.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { REGISTRY_NAMES, type GatewayConfig } from '../config/gateway.config.js';
import { abuseProtectionProviders } from './abuse-protection.providers.js';
import { dossierBindingProviders } from './dossier-bindings.providers.js';
import { syncFiguresSnapshotProviders } from './sync-figures-snapshot.providers.js';
import { loadOrCreateSecret } from './secret-file.js';

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
            knownRegistries: [...new Set([...REGISTRY_NAMES, ...Object.keys(config.adapters)])],
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
        provide: AdapterCatalogStore,
        useFactory: () =>
          config.kafkaBrokers
            ? new KafkaAdapterCatalogStore({ brokers: config.kafkaBrokers, topic: config.events.adapterCatalogTopic })
            : new FileAdapterCatalogStore({ file: embeddedAdapterCatalogFile(config.dataDir) }),
      },
      {
        // Chained records (one chain per gateway start); a lookup whose record is not written answers 503.
        provide: AuditSink,
        useFactory: () => {
          const writer = chainWriterId(config.instanceId);
          return config.kafkaBrokers
            ? new KafkaAuditSink({ brokers: config.kafkaBrokers, topic: config.audit.topic, writer, timeoutMs: config.audit.timeoutMs })
            : new FileAuditSink({ file: config.audit.file, sync: config.audit.sync, writer });
        },
      },
      {
        // The audit trail read back, for projections (the citizen access log).
        provide: AuditFeed,
        inject: [SyncLog],
        useFactory: (log: SyncLog) => {
          const brokers = config.kafkaBrokers;
          return brokers
            ? new KafkaAuditFeed({ log, topic: config.audit.topic, ensureTopic: () => ensureAuditTopicOn(brokers, config.audit.topic) })
            : new FileAuditFeed({ file: config.audit.file });
        },
      },
      ...(config.redisUrl ? redisProviders(config, config.redisUrl) : embeddedCacheProviders(config)),
      // Rate limiter and token revocation list (abuse protection): Redis when REDIS_URL is set.
      ...abuseProtectionProviders(config),
      // Dossier → commune bindings of the dossier relay: Redis when REDIS_URL is set.
      ...dossierBindingProviders(config),
      // Snapshot of the per-commune sync figures: Redis when REDIS_URL is set.
      ...syncFiguresSnapshotProviders(config),
      {
        // Dossier sync: Kafka in production, append-only files with the same guarantees embedded.
        provide: SyncLog,
        useFactory: () =>
          config.kafkaBrokers
            ? new KafkaSyncLog({ brokers: config.kafkaBrokers, clientId: 'motlan-gateway' })
            : new FileSyncLog({ dir: config.portalSync.logDir, partitions: 3 }),
      },
      { provide: PortalClient, useFactory: () => new GrpcPortalClient({ endpoint: config.portalSync.portalEndpoint }) },
      {
        provide: ChangeEventSubscriber,
        useFactory: () =>
          config.kafkaBrokers
            ? new KafkaChangeEventSubscriber(config.kafkaBrokers, config.events.cacheSyncGroup)
            : new FileChangeEventSubscriber(embeddedEventFile(config.dataDir), embeddedDlqFile(config.dataDir)),
      },
    ];
    return {
      module: InfrastructureModule,
      global: true,
      providers,
      exports: [GatewayMetrics, VnAdminDirectory, RegistryClient, AdapterPool, AdapterCatalogStore, RegistryCache, FetchCoordinator, AuditSink, AuditFeed, ChangeEventSubscriber, SyncLog, PortalClient, RateLimiter, RevocationList, DossierCommuneBindings, SyncFiguresSnapshotStore],
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
  const secret = async () => ('base64' in config.cache.secret ? Buffer.from(config.cache.secret.base64, 'base64') : loadOrCreateSecret(config.cache.secret.file));
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
