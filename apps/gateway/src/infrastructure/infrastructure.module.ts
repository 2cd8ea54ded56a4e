import { Logger, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { FileAuditSink } from '@motlan/audit/file-audit-sink.adapter.js';
import { ChangeEventSubscriber } from '@motlan/events/change-event-bus.port.js';
import { embeddedDlqFile, embeddedEventFile } from '@motlan/events/embedded-bus-files.js';
import { FileChangeEventSubscriber } from '@motlan/events/file-change-event-bus.adapter.js';
import { KafkaChangeEventSubscriber } from '@motlan/events/kafka-change-event-bus.adapter.js';
import { FetchCoordinator, LocalFetchCoordinator } from '@motlan/registry-cache/fetch-coordinator.port.js';
import { InMemoryRegistryCache } from '@motlan/registry-cache/in-memory-registry-cache.adapter.js';
import { RedisFetchCoordinator } from '@motlan/registry-cache/redis-fetch-coordinator.adapter.js';
import { RedisRegistryCache } from '@motlan/registry-cache/redis-registry-cache.adapter.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';
import { GrpcRegistryClient } from '@motlan/registry-client/grpc-registry.client.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import { ResilientRegistryClient } from '@motlan/registry-client/resilient-registry.client.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { loadOrCreateSecret } from './secret-file.js';

/**
 * The one place where ports are bound to adapters, from validated config: the embedded profile
 * uses in-process implementations, the production profile (REDIS_URL + KAFKA_BROKERS) Redis and Kafka.
 */
@Module({})
export class InfrastructureModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const providers: Provider[] = [
      {
        // Every registry call goes through the per-adapter deadline, bulkhead, breaker and lookup retries.
        provide: ResilientRegistryClient,
        useFactory: () =>
          new ResilientRegistryClient(new GrpcRegistryClient({ endpoints: config.adapters, timeoutMs: config.registryTimeoutMs }), {
            timeoutMs: config.registryTimeoutMs,
            ...config.resilience,
          }),
      },
      { provide: RegistryClient, useExisting: ResilientRegistryClient },
      { provide: AuditSink, useFactory: () => new FileAuditSink({ file: config.audit.file, sync: config.audit.sync }) },
      ...(config.redisUrl ? redisProviders(config, config.redisUrl) : embeddedCacheProviders(config)),
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
      exports: [RegistryClient, ResilientRegistryClient, RegistryCache, FetchCoordinator, AuditSink, ChangeEventSubscriber],
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
