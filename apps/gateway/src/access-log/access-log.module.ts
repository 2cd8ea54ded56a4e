import { Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnModuleDestroy, type Provider } from '@nestjs/common';
import { AccessLogProjector } from '@motlan/access-log/access-log-projector.js';
import { AccessLogStore } from '@motlan/access-log/access-log-store.port.js';
import { AccessLogView } from '@motlan/access-log/access-log-view.js';
import { InMemoryAccessLogStore } from '@motlan/access-log/in-memory-access-log-store.adapter.js';
import { RedisAccessLogStore } from '@motlan/access-log/redis-access-log-store.adapter.js';
import { AuditFeed } from '@motlan/audit/audit-feed.port.js';
import { CitizenTokenVerifier } from '@motlan/auth/citizen-token.js';
import { PurposeCatalog } from '@motlan/procedure-catalog/purpose-catalog.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { GatewayConfig } from '../config/gateway.config.js';
import { secretOf } from '../infrastructure/secret-file.js';
import { AccessLogService } from './access-log.service.js';
import { CitizenAuthGuard } from './citizen-auth.guard.js';
import { MeAccessLogController } from './me-access-log.controller.js';

const STOP_TIMEOUT_MS = 15_000;

/**
 * Starts the projection once the gateway is up (not awaited: the gateway serves while Kafka is
 * unreachable, and the log catches up when it is back), and on shutdown stops it before closing
 * the store it writes to.
 */
export class AccessLogLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private following = false;

  constructor(
    private readonly projector: AccessLogProjector | null,
    private readonly store: AccessLogStore,
  ) {}

  onApplicationBootstrap(): void {
    void this.projector?.start().then(() => (this.following = true));
  }

  /** True once the projector follows the audit trail, or when this process has none to run (worker readiness). */
  isStarted(): boolean {
    return this.projector === null || this.following;
  }

  /** Resolves once the log holds everything the audit trail held at start (tests wait on it). */
  async caughtUp(): Promise<void> {
    await this.projector?.caughtUp();
  }

  async onModuleDestroy(): Promise<void> {
    const logger = new Logger('AccessLog');
    if (this.projector) {
      // Bounded: a consumer leaving a group whose broker is gone must not hold the shutdown up.
      let timer: NodeJS.Timeout | undefined;
      const stopped = this.projector.stop().then(
        () => true,
        (error: Error) => logger.warn({ reason: error.message }, 'access log projector did not stop cleanly'),
      );
      const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STOP_TIMEOUT_MS)));
      if ((await Promise.race([stopped, late])) === false) logger.warn(`access log projector did not stop within ${STOP_TIMEOUT_MS} ms; closing anyway`);
      clearTimeout(timer);
    }
    await this.store.close();
  }
}

/**
 * The citizen access log: GET /v1/me/access-log behind its own citizen-token guard (`api` role),
 * the store (Redis in production, memory embedded) and the projector that builds it from the audit
 * feed (worker role, config.accessLog.projector).
 */
@Module({})
export class AccessLogModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    const { retentionDays, maxPerCitizen, maxRefusalsPerCitizen, maxRefusalOnlyCitizens } = config.accessLog;
    const bounds = { retentionDays, maxPerCitizen, maxRefusalsPerCitizen, maxRefusalOnlyCitizens };
    const apiProviders: Provider[] = [
      {
        provide: CitizenTokenVerifier,
        useFactory: () =>
          new CitizenTokenVerifier({
            issuer: config.citizenAuth.issuer,
            audience: config.citizenAuth.audience,
            jwks: { ...config.citizenAuth.jwks, reloadIntervalMs: config.auth.jwksRefreshMinMs },
            algorithms: config.citizenAuth.algorithms,
            clockToleranceSec: config.auth.clockToleranceSec,
            maxTokenLifetimeSec: config.auth.maxTokenLifetimeSec,
          }),
      },
      CitizenAuthGuard,
      {
        provide: AccessLogService,
        inject: [AccessLogStore, VnAdminDirectory, PurposeCatalog],
        useFactory: (store: AccessLogStore, directory: VnAdminDirectory, catalog: PurposeCatalog) =>
          new AccessLogService(store, new AccessLogView(directory, (code) => catalog.procedure(code)?.name)),
      },
    ];
    return {
      module: AccessLogModule,
      controllers: config.roles.api ? [MeAccessLogController] : [],
      providers: [
        ...(config.roles.api ? apiProviders : []),
        {
          provide: AccessLogStore,
          useFactory: async () => {
            if (!config.redisUrl) return new InMemoryAccessLogStore(bounds);
            // The cache secret (another HKDF label): instances share it, so they share key names and accept each other's cursors.
            const secret = await secretOf(config.cache.secret);
            const store = new RedisAccessLogStore({ url: config.redisUrl, secret, ...bounds });
            if (!(await store.waitUntilReady()))
              new Logger('AccessLog').warn('redis not reachable at start-up: the citizen access log answers 503 until it is');
            return store;
          },
        },
        {
          provide: AccessLogProjector,
          inject: [AuditFeed, AccessLogStore],
          useFactory: (feed: AuditFeed, store: AccessLogStore) =>
            config.accessLog.projector ? new AccessLogProjector(feed, store, { consumer: config.accessLog.group }) : null,
        },
        {
          provide: AccessLogLifecycle,
          inject: [AccessLogProjector, AccessLogStore],
          useFactory: (projector: AccessLogProjector | null, store: AccessLogStore) => new AccessLogLifecycle(projector, store),
        },
      ],
      // The citizen token verifier serves the other citizen routes too (GET/POST /v1/me/consents).
      exports: [AccessLogLifecycle, ...(config.roles.api ? [CitizenTokenVerifier] : [])],
    };
  }
}
