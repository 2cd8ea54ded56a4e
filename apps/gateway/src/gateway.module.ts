import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TokenVerifierService } from '@motlan/auth/token-verifier.service.js';
import { EvidenceKeyStore } from '@motlan/evidence/evidence-key-store.js';
import { EvidenceSignerService } from '@motlan/evidence/evidence-signer.service.js';
import { FetchCoordinator } from '@motlan/registry-cache/fetch-coordinator.port.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';
import { AdapterCatalogService } from '@motlan/adapter-catalog/adapter-catalog.service.js';
import { EndpointAllowList } from '@motlan/adapter-catalog/endpoint-allow-list.js';
import { TlsMaterialReader } from '@motlan/adapter-catalog/tls-material.js';
import { AdapterCatalogStore } from '@motlan/adapter-catalog/adapter-catalog-store.port.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { AdapterPool } from '@motlan/registry-client/adapter-pool.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { AdaptersController } from './adapters/adapters.controller.js';
import { ScopeGuard } from './auth/require-scope.decorator.js';
import { DossiersController } from './sync/dossiers.controller.js';
import { OpsController } from './sync/ops.controller.js';
import { SyncModule } from './sync/sync.module.js';
import { AccessLogModule } from './access-log/access-log.module.js';
import { CacheSyncService } from './cache-sync/cache-sync.service.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { ClientAuthGuard } from './auth/client-auth.guard.js';
import { RevocationsController } from './auth/revocations.controller.js';
import { ProblemFilter } from './common/problem.filter.js';
import { createValidationPipe } from './common/validation.js';
import { GATEWAY_CONFIG } from './config/gateway-config.token.js';
import type { GatewayConfig } from './config/gateway.config.js';
import { EvidenceVerifyController } from './evidence/evidence-verify.controller.js';
import { JwksController } from './evidence/jwks.controller.js';
import { HealthController } from './health/health.controller.js';
import { InfrastructureModule } from './infrastructure/infrastructure.module.js';
import { AnonymousRefusals } from './edge/anonymous-refusals.js';
import { LookupRefusalAuditFilter } from './lookup/lookup-refusal-audit.filter.js';
import { LookupController } from './lookup/lookup.controller.js';
import { LookupService } from './lookup/lookup.service.js';
import { RecordReaderService } from './lookup/record-reader.service.js';
import { RegistriesController } from './lookup/registries.controller.js';
import { PrefillController } from './prefill/prefill.controller.js';
import { PrefillService } from './prefill/prefill.service.js';
import { PurposesController } from './purposes/purposes.controller.js';
import { PurposesModule } from './purposes/purposes.module.js';

/** The gateway: HTTP edge, lookup use case, and the infrastructure chosen from config. */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [TerminusModule, InfrastructureModule.forRoot(config), SyncModule.forRoot(config), AccessLogModule.forRoot(config), PurposesModule.forRoot(config)],
      controllers: [LookupController, RegistriesController, PurposesController, PrefillController, AdaptersController, JwksController, EvidenceVerifyController, HealthController, MetricsController, DossiersController, OpsController, RevocationsController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ProblemFilter },
        {
          provide: AdapterCatalogService,
          inject: [AdapterCatalogStore, AdapterPool, AuditSink, VnAdminDirectory],
          useFactory: async (store: AdapterCatalogStore, pool: AdapterPool, audit: AuditSink, directory: VnAdminDirectory) => {
            const catalog = new AdapterCatalogService(store, pool, audit, {
              defaultBreaker: config.resilience.breaker,
              allowInsecureRemote: config.allowInsecureAdapters,
              provinceCodes: new Set(directory.provinces().map((p) => p.code)),
              tlsMaterial: new TlsMaterialReader(config.adapterTls),
              endpointAllowList: new EndpointAllowList(config.adapterEndpointAllow),
            });
            // Lookups are routed to catalog adapters from the first request: replay before serving.
            await catalog.start();
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
              jwks: { ...config.auth.jwks, reloadIntervalMs: config.auth.jwksRefreshMinMs },
              algorithms: config.auth.algorithms,
              clockToleranceSec: config.auth.clockToleranceSec,
              maxTokenLifetimeSec: config.auth.maxTokenLifetimeSec,
            }),
        },
        {
          provide: EvidenceKeyStore,
          useFactory: async () => {
            const store = new EvidenceKeyStore({ dir: config.evidence.keyDir, algorithm: config.evidence.algorithm });
            await store.init();
            // Rotations and revocations made with the CLI (or by another replica) take effect within seconds.
            const log = new Logger('EvidenceKeyStore');
            store.watch(config.evidence.keyReloadMs, (error) => log.warn(`cannot reload the evidence keys, keeping the loaded ones: ${String(error)}`));
            return store;
          },
        },
        {
          provide: EvidenceSignerService,
          inject: [EvidenceKeyStore],
          useFactory: (keyStore: EvidenceKeyStore) => new EvidenceSignerService({ issuer: config.evidence.issuer, keyStore, ttlSeconds: config.evidence.ttlSeconds }),
        },
        ClientAuthGuard,
        ScopeGuard,
        LookupRefusalAuditFilter,
        { provide: AnonymousRefusals, inject: [AuditSink], useFactory: (audit: AuditSink) => new AnonymousRefusals(audit, config.anonymous) },
        LookupService,
        PrefillService,
        CacheSyncService,
      ],
    };
  }
}

