import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TokenVerifierService } from '@motlan/auth/token-verifier.service.js';
import { EvidenceKeyStore } from '@motlan/evidence/evidence-key-store.js';
import { EvidenceSignerService } from '@motlan/evidence/evidence-signer.service.js';
import { FetchCoordinator } from '@motlan/registry-cache/fetch-coordinator.port.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';
import { DatasetCatalogService } from '@motlan/registry-client/dataset-catalog.service.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import { CacheSyncService } from './cache-sync/cache-sync.service.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { ClientAuthGuard } from './auth/client-auth.guard.js';
import { ProblemFilter } from './common/problem.filter.js';
import { createValidationPipe } from './common/validation.js';
import { GATEWAY_CONFIG } from './config/gateway-config.token.js';
import type { GatewayConfig } from './config/gateway.config.js';
import { JwksController } from './evidence/jwks.controller.js';
import { HealthController } from './health/health.controller.js';
import { InfrastructureModule } from './infrastructure/infrastructure.module.js';
import { LookupRefusalAuditFilter } from './lookup/lookup-refusal-audit.filter.js';
import { LookupController } from './lookup/lookup.controller.js';
import { LookupService } from './lookup/lookup.service.js';
import { RecordReaderService } from './lookup/record-reader.service.js';
import { RegistriesController } from './lookup/registries.controller.js';

/** The gateway: HTTP edge, lookup use case, and the infrastructure chosen from config. */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [TerminusModule, InfrastructureModule.forRoot(config)],
      controllers: [LookupController, RegistriesController, JwksController, HealthController, MetricsController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GatewayMetrics, useFactory: () => new GatewayMetrics() },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ProblemFilter },
        {
          provide: DatasetCatalogService,
          inject: [RegistryClient],
          useFactory: async (client: RegistryClient) => {
            const catalog = new DatasetCatalogService(client, { retryIntervalMs: config.describeRetryMs });
            await catalog.refresh();
            return catalog;
          },
        },
        {
          provide: RecordReaderService,
          inject: [RegistryCache, RegistryClient, FetchCoordinator, GatewayMetrics],
          useFactory: (cache: RegistryCache, client: RegistryClient, coordinator: FetchCoordinator, metrics: GatewayMetrics) =>
            new RecordReaderService(cache, client, coordinator, metrics, {
              maxStaleSeconds: config.cache.maxStaleSeconds,
              negativeTtlSeconds: config.cache.negativeTtlSeconds,
              maxAgeCapSeconds: config.cache.maxAgeCapSeconds,
            }),
        },
        {
          provide: TokenVerifierService,
          useFactory: () =>
            new TokenVerifierService({
              issuer: config.auth.issuer,
              audience: config.auth.audience,
              jwks: config.auth.jwks,
              algorithms: config.auth.algorithms,
              clockToleranceSec: config.auth.clockToleranceSec,
            }),
        },
        {
          provide: EvidenceKeyStore,
          useFactory: async () => {
            const store = new EvidenceKeyStore({ dir: config.evidence.keyDir, algorithm: config.evidence.algorithm });
            await store.init();
            return store;
          },
        },
        {
          provide: EvidenceSignerService,
          inject: [EvidenceKeyStore],
          useFactory: (keyStore: EvidenceKeyStore) => new EvidenceSignerService({ issuer: config.evidence.issuer, keyStore }),
        },
        ClientAuthGuard,
        LookupRefusalAuditFilter,
        LookupService,
        CacheSyncService,
      ],
    };
  }
}

