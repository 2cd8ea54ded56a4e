import { Logger, Module, type DynamicModule, type Provider, type Type } from '@nestjs/common';
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
import { AdapterCatalogStore } from '@motlan/adapter-catalog/adapter-catalog-store.service.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { AdapterPool } from '@motlan/registry-client/adapter-pool.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { AdaptersController } from './adapters/adapters.controller.js';
import { ScopeGuard } from './auth/require-scope.decorator.js';
import { DossiersController } from './dossier-relay/dossiers.controller.js';
import { OpsController } from './dossier-relay/ops.controller.js';
import { DossierRelayModule } from './dossier-relay/dossier-relay.module.js';
import { ServiceIndicatorsModule } from './service-indicators/service-indicators.module.js';
import { ServiceIndicatorsController } from './service-indicators/service-indicators.controller.js';
import { DataQualityModule } from './data-quality/data-quality.module.js';
import { DataQualityController } from './data-quality/data-quality.controller.js';
import { AccessLogModule } from './access-log/access-log.module.js';
import { CacheInvalidationService } from './cache-invalidation/cache-invalidation.service.js';
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
import { WorkerHealthController } from './health/worker-health.controller.js';
import { InfrastructureModule } from './infrastructure/infrastructure.module.js';
import { AnonymousRefusals } from './edge/anonymous-refusals.js';
import { LookupRefusalAuditFilter } from './lookup/lookup-refusal-audit.filter.js';
import { LookupController } from './lookup/lookup.controller.js';
import { LookupService } from './lookup/lookup.service.js';
import { RecordReaderService } from './lookup/record-reader.service.js';
import { RegistriesController } from './lookup/registries.controller.js';
import { PrefillController } from './prefill/prefill.controller.js';
import { PrefillService } from './prefill/prefill.service.js';
import { CitizenAuthGuard } from './access-log/citizen-auth.guard.js';
import { ConsentRequestsController } from './consent/consent-requests.controller.js';
import { ConsentService } from './consent/consent.service.js';
import { ConsentRequestSigner } from '@motlan/consent/consent-request-signer.js';
import { MeConsentsController } from './consent/me-consents.controller.js';
import { ConsentStore } from '@motlan/consent/consent-store.port.js';
import { PurposeCatalog } from '@motlan/procedure-catalog/purpose-catalog.js';
import { PurposesController } from './procedure-catalog/purposes.controller.js';
import { ProceduresController } from './procedure-catalog/procedures.controller.js';
import { PurposesModule } from './procedure-catalog/purposes.module.js';
import { RegistryEventsModule } from './subscriptions/registry-events.module.js';
import { SubscriptionsController } from './subscriptions/subscriptions.controller.js';
import { CorrectionsController } from './corrections/corrections.controller.js';
import { RegistryEventsOpsController } from './subscriptions/registry-events-ops.controller.js';
import { CitizenArchiveModule } from './citizen-archive/citizen-archive.module.js';
import { CitizenArchiveService } from './citizen-archive/citizen-archive.service.js';
import { MeArchiveController } from './citizen-archive/me-archive.controller.js';
import { ArchiveSharesController } from './citizen-archive/archive-shares.controller.js';
import { ArchiveSealer } from '@motlan/citizen-archive/archive-sealer.js';
import { CitizenArchiveStore } from '@motlan/citizen-archive/citizen-archive-store.port.js';

/** The HTTP routes of a process with these roles: a `worker` alone serves only its probes and metrics. */
export function controllersFor(roles: GatewayConfig['roles']): Type[] {
  if (!roles.api) return [WorkerHealthController, MetricsController];
  return [
    LookupController,
    RegistriesController,
    PurposesController,
    ProceduresController,
    PrefillController,
    AdaptersController,
    JwksController,
    EvidenceVerifyController,
    HealthController,
    MetricsController,
    DossiersController,
    OpsController,
    ServiceIndicatorsController,
    DataQualityController,
    RevocationsController,
    MeConsentsController,
    ConsentRequestsController,
    SubscriptionsController,
    CorrectionsController,
    RegistryEventsOpsController,
    MeArchiveController,
    ArchiveSharesController,
  ];
}

/**
 * The gateway: HTTP edge, lookup use case, and the infrastructure chosen from config. What runs
 * depends on the process roles (config.roles): the `api` role wires the routes and the use cases
 * behind them, the worker role the background jobs (here the cache invalidation; the relay's and
 * the access log's jobs in their modules). Both share the infrastructure and the adapter catalog
 * (workers follow the change events of every registry the catalog knows).
 */
@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const { api, worker } = config.roles;
    return {
      module: GatewayModule,
      // The procedure catalog in every role: the registries it names are known to workers too (their change events are followed).
      imports: [
        TerminusModule,
        InfrastructureModule.forRoot(config),
        // Before the relay's module: its projection stops (last snapshot) before SyncLifecycle closes the sync log.
        ServiceIndicatorsModule.forRoot(config),
        DataQualityModule.forRoot(config),
        DossierRelayModule.forRoot(config),
        AccessLogModule.forRoot(config),
        PurposesModule.forRoot(config),
        RegistryEventsModule.forRoot(config),
        CitizenArchiveModule.forRoot(config),
      ],
      controllers: controllersFor(config.roles),
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
        // Refusals before routing (unmatched routes included) are audited in every role.
        { provide: AnonymousRefusals, inject: [AuditSink], useFactory: (audit: AuditSink) => new AnonymousRefusals(audit, config.anonymous) },
        ...(api ? apiProviders(config) : []),
        ...(worker ? [CacheInvalidationService] : []),
      ],
    };
  }
}

/** The use cases behind the API routes, and what they sign and verify with. */
function apiProviders(config: GatewayConfig): Provider[] {
  return [
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
      useFactory: (keyStore: EvidenceKeyStore) =>
        new EvidenceSignerService({ issuer: config.evidence.issuer, keyStore, ttlSeconds: config.evidence.ttlSeconds }),
    },
    ClientAuthGuard,
    ScopeGuard,
    LookupRefusalAuditFilter,
    LookupService,
    PrefillService,
    CitizenAuthGuard,
    {
      provide: CitizenArchiveService,
      inject: [CitizenArchiveStore, ArchiveSealer, EvidenceSignerService, AuditSink, VnAdminDirectory],
      useFactory: (store: CitizenArchiveStore, sealer: ArchiveSealer, signer: EvidenceSignerService, audit: AuditSink, directory: VnAdminDirectory) =>
        new CitizenArchiveService(store, sealer, signer, audit, directory, { shareMaxDays: config.archive.shareMaxDays }),
    },
    {
      provide: ConsentService,
      inject: [ConsentStore, PurposeCatalog, VnAdminDirectory, AuditSink, EvidenceKeyStore],
      useFactory: (store: ConsentStore, purposes: PurposeCatalog, directory: VnAdminDirectory, audit: AuditSink, keys: EvidenceKeyStore) =>
        new ConsentService(
          store,
          purposes,
          directory,
          { requestTtlSec: config.consent.requestTtlSec, maxValidityDays: config.consent.maxValidityDays, linkBase: config.consent.linkBase },
          audit,
          // Counter requests are signed with the evidence keys: published, rotated and revocable (decision 0009).
          new ConsentRequestSigner({ issuer: config.evidence.issuer, keys }),
        ),
    },
  ];
}
