/**
 * Which providers and routes each process role wires, read from the modules' definitions (no
 * application is started): an `api` process has no background job, a `worker` process no API.
 */
import type { DynamicModule, Provider } from '@nestjs/common';
import { AccessLogProjector } from '@motlan/access-log/access-log-projector.js';
import { InMemoryOpsViewStore } from '@motlan/dossier-relay/in-memory-ops-view-store.adapter.js';
import { PortalSyncWorker } from '@motlan/dossier-relay/portal-sync.worker.js';
import { SyncFigures } from '@motlan/dossier-relay/sync-figures.js';
import { DossierIntakeService } from '@motlan/dossier-relay/dossier-intake.service.js';
import { LagMonitor } from '@motlan/consumer-lag/lag-monitor.js';
import { AccessLogLifecycle, AccessLogModule } from './access-log/access-log.module.js';
import { MeAccessLogController } from './access-log/me-access-log.controller.js';
import { CacheInvalidationService } from './cache-invalidation/cache-invalidation.service.js';
import { loadGatewayConfig, type GatewayConfig } from './config/gateway.config.js';
import { controllersFor, GatewayModule } from './gateway.module.js';
import { HealthController } from './health/health.controller.js';
import { WorkerHealthController } from './health/worker-health.controller.js';
import { LookupController } from './lookup/lookup.controller.js';
import { LookupService } from './lookup/lookup.service.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { DossiersController } from './dossier-relay/dossiers.controller.js';
import { OpsController } from './dossier-relay/ops.controller.js';
import { OpsViewPublisher, OpsViewSource, PublishedOpsViewSource } from './dossier-relay/ops-view.source.js';
import { SyncLifecycle } from './dossier-relay/sync-lifecycle.service.js';
import { DossierRelayModule } from './dossier-relay/dossier-relay.module.js';
import { SyncOpsService } from './dossier-relay/sync-ops.service.js';

const config = (roles: string): GatewayConfig =>
  loadGatewayConfig({ REDIS_URL: 'redis://127.0.0.1:1', KAFKA_BROKERS: '127.0.0.1:1', MOTLAN_ROLES: roles, MOTLAN_DATA_DIR: '/tmp/motlan-roles-spec' });

const tokens = (module: DynamicModule): unknown[] => (module.providers ?? []).map((p: Provider) => (typeof p === 'function' ? p : p.provide));
const provider = (module: DynamicModule, token: unknown) =>
  (module.providers ?? []).find((p: Provider) => typeof p !== 'function' && p.provide === token) as { useFactory: (...args: unknown[]) => unknown };

/** Every background job of the worker role, by the provider that runs it. */
const WORKER_JOBS = [SyncFigures, LagMonitor, PortalSyncWorker, OpsViewPublisher, CacheInvalidationService];

function wiring(roles: string) {
  const c = config(roles);
  const gateway = GatewayModule.forRoot(c);
  const sync = DossierRelayModule.forRoot(c);
  const accessLog = AccessLogModule.forRoot(c);
  return { c, gateway, sync, accessLog, all: [...tokens(gateway), ...tokens(sync), ...tokens(accessLog)] };
}

describe('process roles: what each role wires', () => {
  it('api: every API route and use case, no background job, the ops view read from the store', () => {
    const { c, gateway, sync, accessLog, all } = wiring('api');
    expect(gateway.controllers).toEqual(expect.arrayContaining([LookupController, DossiersController, OpsController, HealthController, MetricsController]));
    expect(gateway.controllers).not.toContain(WorkerHealthController);
    expect(accessLog.controllers).toEqual([MeAccessLogController]);
    expect(all).toEqual(expect.arrayContaining([LookupService, DossierIntakeService, SyncOpsService, OpsViewSource, SyncLifecycle, AccessLogLifecycle]));
    for (const job of WORKER_JOBS) expect(all).not.toContain(job);
    expect(provider(sync, OpsViewSource).useFactory(new InMemoryOpsViewStore())).toBeInstanceOf(PublishedOpsViewSource);
    // The access log is read here, built elsewhere: no projector.
    expect(c.accessLog.projector).toBe(false);
    expect(provider(accessLog, AccessLogProjector).useFactory({}, {})).toBeNull();
    expect(sync.exports).not.toContain(LagMonitor);
  });

  it('worker: only the probes and metrics over HTTP, every background job', () => {
    const { c, gateway, accessLog, all } = wiring('worker');
    expect(gateway.controllers).toEqual([WorkerHealthController, MetricsController]);
    expect(accessLog.controllers).toEqual([]);
    for (const job of WORKER_JOBS) expect(all).toContain(job);
    expect(all).toEqual(expect.arrayContaining([SyncLifecycle, AccessLogLifecycle, AccessLogProjector]));
    for (const token of [LookupService, DossierIntakeService, SyncOpsService, OpsViewSource]) expect(all).not.toContain(token);
    expect(c.accessLog.projector).toBe(true);
    expect(c.portalSync.worker).toBe(true);
  });

  it("api,worker: both, and the ops API reads this process's own figures and lag", () => {
    const { gateway, all } = wiring('api,worker');
    expect(gateway.controllers).toEqual(controllersFor({ api: true, worker: false }));
    for (const token of [...WORKER_JOBS, LookupService, DossierIntakeService, SyncOpsService, OpsViewSource]) expect(all).toContain(token);
    const sync = DossierRelayModule.forRoot(config('api,worker'));
    expect((sync.providers ?? []).find((p: Provider) => typeof p !== 'function' && p.provide === OpsViewSource)).toMatchObject({
      inject: [SyncFigures, LagMonitor],
    });
  });
});
