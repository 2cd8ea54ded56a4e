import { Module, type DynamicModule } from '@nestjs/common';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { FileAuditSink } from '@motlan/audit/file-audit-sink.adapter.js';
import { InMemoryRegistryCache } from '@motlan/registry-cache/in-memory-registry-cache.adapter.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';
import { GrpcRegistryClient } from '@motlan/registry-client/grpc-registry.client.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import type { GatewayConfig } from '../config/gateway.config.js';

/**
 * The one place where ports are bound to adapters, from validated config: the embedded profile
 * uses in-process implementations, the production profile Redis and Kafka.
 */
@Module({})
export class InfrastructureModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: InfrastructureModule,
      global: true,
      providers: [
        {
          provide: RegistryClient,
          useFactory: () => new GrpcRegistryClient({ endpoints: config.adapters, timeoutMs: config.registryTimeoutMs }),
        },
        { provide: RegistryCache, useFactory: () => new InMemoryRegistryCache({ maxEntries: config.cache.maxEntries }) },
        { provide: AuditSink, useFactory: () => new FileAuditSink({ file: config.audit.file, sync: config.audit.sync }) },
      ],
      exports: [RegistryClient, RegistryCache, AuditSink],
    };
  }
}
