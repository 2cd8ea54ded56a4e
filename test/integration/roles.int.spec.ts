/**
 * Process roles on the production profile (real Redis, real Kafka, the simulator over real gRPC):
 * one `api` process and one `worker` process share the work. The api accepts a dossier status, the
 * worker delivers it to the portal; a lookup on the api is audited and projected by the worker into
 * the citizen's log, read back through the api; the api's ops API shows the figures and lag the
 * worker computed and published; the api runs none of the worker's consumers; the worker serves
 * only its probes and metrics.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { pino } from 'pino';
import { DevCitizenTokenIssuer } from '@motlan/auth/citizen-token.js';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { AccessLogProjector } from '@motlan/access-log/access-log-projector.js';
import { ConsumerGroups } from '@motlan/events/topics.js';
import { PortalSyncWorker } from '@motlan/dossier-relay/portal-sync.worker.js';
import { SyncFigures } from '@motlan/dossier-relay/sync-figures.js';
import { LagMonitor } from '@motlan/consumer-lag/lag-monitor.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { CacheInvalidationService } from '../../apps/gateway/src/cache-invalidation/cache-invalidation.service.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { OpsViewPublisher } from '../../apps/gateway/src/dossier-relay/ops-view.source.js';
import { SyncLifecycle } from '../../apps/gateway/src/dossier-relay/sync-lifecycle.service.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders } from '../support/http.js';
import { requireKafkaBrokers, requireRedisUrl } from '../support/services.js';
import { simSamples } from '../support/sim-control.js';

const RUN = randomUUID().slice(0, 8);
const CACHE_SYNC_GROUP = `motlan-cache-sync-roles-it-${RUN}`;
const ACCESS_LOG_GROUP = `motlan-access-log-roles-it-${RUN}`;
/** Consumer groups (exact) and ephemeral reader prefixes of the worker's jobs. */
const WORKER_GROUPS = [ConsumerGroups.portalSync, ConsumerGroups.portalSyncRetry, CACHE_SYNC_GROUP, ACCESS_LOG_GROUP, 'motlan-citizen-archive'];
const WORKER_READER_PREFIXES = ['motlan-sync-figures-', 'motlan-service-indicators-'];

const directory = VnAdminDirectory.load();
const commune = directory.communes()[7];

let redisUrl: string;
let brokers: string[];
let sim: RunningRegistrySim;
let dataDir: string;
let admin: Admin;
let api: { app: NestFastifyApplication; url: string };
let worker: { app: NestFastifyApplication; url: string } | undefined;
let workerStartedAt: number;
const tokens: Record<'client' | 'write' | 'ops', string> = { client: '', write: '', ops: '' };

function env(roles: string): Record<string, string> {
  return {
    MOTLAN_ROLES: roles,
    MOTLAN_DATA_DIR: dataDir,
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: brokers.join(','),
    PORT: '0',
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([r, e]) => `${r}=${e}`)
      .join(','),
    MOTLAN_PORTAL_ENDPOINT: sim.portalEndpoint,
    MOTLAN_RATE_LIMIT_PER_SECOND: '0',
    MOTLAN_ADAPTER_CATALOG_TOPIC: `motlan.adapters.v1.roles-it-${RUN}`,
    MOTLAN_AUDIT_TOPIC: `motlan.audit.v1.roles-it-${RUN}`,
    MOTLAN_CACHE_SYNC_GROUP: CACHE_SYNC_GROUP,
    MOTLAN_ACCESS_LOG_GROUP: ACCESS_LOG_GROUP,
    MOTLAN_PORTAL_RETRY_BACKOFF_MS: '100',
    // Test-sized: the worker publishes its ops view every lag interval.
    MOTLAN_LAG_INTERVAL_MS: '250',
    MOTLAN_LAG_WINDOW_MS: '6000',
    MOTLAN_LAG_STOP_AFTER_MS: '10000',
    MOTLAN_LAG_HISTORY_MS: '60000',
  };
}

async function start(roles: string): Promise<{ app: NestFastifyApplication; url: string }> {
  const { app } = await createGatewayApp(loadGatewayConfig(env(roles)), pino({ level: process.env.E2E_LOG ?? 'silent' }));
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

/** Groups of the worker's jobs that have members now (a reader or consumer of some process is in them). */
async function activeWorkerGroups(): Promise<string[]> {
  const { groups } = await admin.listGroups();
  const ids = groups.map((g) => g.groupId).filter((id) => WORKER_GROUPS.includes(id) || WORKER_READER_PREFIXES.some((prefix) => id.startsWith(prefix)));
  if (ids.length === 0) return [];
  const described = await admin.describeGroups(ids);
  return described.groups.filter((g) => g.members.length > 0).map((g) => g.groupId);
}

async function putStatus(dossierId: string): Promise<void> {
  const body = {
    procedureCode: '1.004222',
    communeCode: commune.code,
    status: 2,
    subjectType: 'citizen',
    receivedAt: '2026-11-23T09:15:00+07:00',
    sequence: 1,
  };
  const answer = await eventually(
    'status accepted by the api',
    async () => {
      const a = await httpCall(api.url, 'PUT', `/v1/dossiers/${dossierId}/status`, { token: tokens.write, body });
      return a.status === 202 ? a : undefined;
    },
    30_000,
    250,
  );
  expect(answer.status).toBe(202);
}

const dossierId = `ROLES-${RUN}-1`;
let subject: string;
let lookupReference: string;

beforeAll(async () => {
  redisUrl = requireRedisUrl();
  brokers = requireKafkaBrokers();
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-roles-it-'));
  const kafka = new Kafka({ clientId: 'motlan-roles-it', brokers, logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  sim = await startRegistrySim({ seed: 15, persons: 20_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  const issuer = new DevTokenIssuer({ dataDir });
  tokens.client = await issuer.issue({ sub: `one-stop-${commune.code}`, scope: 'population:read', commune: commune.code });
  tokens.write = await issuer.issue({ sub: `one-stop-${commune.code}`, scope: 'dossiers:write', commune: commune.code, ttlSec: 3600 });
  tokens.ops = await issuer.issue({ sub: 'ops-roles-it', scope: 'ops:read', ttlSec: 3600 });

  // The api alone first: what it accepts waits in Kafka for a worker.
  api = await start('api');
  await putStatus(dossierId);
  [subject] = await simSamples(sim.controlUrl, 'population', 'person', 1);
  lookupReference = `roles-${RUN}`;
  const lookup = await eventually(
    'a lookup answered by the api',
    async () => {
      const a = await httpCall(api.url, 'GET', `/v1/registries/population/person/${subject}?fields=fullName`, {
        token: tokens.client,
        headers: { ...officerHeaders('officer-roles', '1.004222'), 'x-request-id': lookupReference },
      });
      return a.status === 200 ? a : undefined;
    },
    60_000,
    250,
  );
  expect(lookup.status).toBe(200);
}, 180_000);

afterAll(async () => {
  await worker?.app.close().catch(() => undefined);
  await api?.app.close().catch(() => undefined);
  await admin?.disconnect().catch(() => undefined);
  await sim?.stop();
});

describe('process roles: one api process, one worker process (production profile)', () => {
  it('the api alone runs no worker job: no consumer group or reader of theirs, nothing delivered', async () => {
    expect(await activeWorkerGroups()).toEqual([]);
    // The groups named for this run were never even created: the api never joined them.
    const { groups } = await admin.listGroups();
    expect(groups.map((g) => g.groupId)).not.toContain(CACHE_SYNC_GROUP);
    expect(groups.map((g) => g.groupId)).not.toContain(ACCESS_LOG_GROUP);
    // Nothing in the api could start one: the jobs' providers are not wired, the projector is off.
    for (const job of [SyncFigures, LagMonitor, PortalSyncWorker, OpsViewPublisher, CacheInvalidationService])
      expect(() => api.app.get(job, { strict: false })).toThrow();
    expect(api.app.get(AccessLogProjector, { strict: false })).toBeNull();
    expect(api.app.get(SyncLifecycle, { strict: false }).isStarted()).toBe(false);
    expect(sim.portal.statusesOf(dossierId)).toEqual([]);
  });

  it('the worker starts its jobs and says so on /health/ready', async () => {
    workerStartedAt = Date.now();
    worker = await start('worker');
    const ready = await eventually(
      'the worker ready',
      async () => {
        const answer = await httpCall<{ status: string; info: Record<string, { status: string }> }>(worker!.url, 'GET', '/health/ready');
        return answer.status === 200 ? answer : undefined;
      },
      60_000,
      250,
    );
    expect(ready.body.status).toBe('ok');
    expect(Object.keys(ready.body.info).sort()).toEqual(['job:access-log-projector', 'job:cache-invalidation', 'job:dossier-relay']);
    expect((await httpCall(worker.url, 'GET', '/health/live')).status).toBe(200);
    const metrics = await fetch(`${worker.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/motlan_/);
  });

  it('the status the api accepted reaches the portal through the worker', async () => {
    const delivered = await eventually(
      'status at the portal',
      async () => (sim.portal.statusesOf(dossierId).length > 0 ? sim.portal.statusesOf(dossierId) : undefined),
      60_000,
      100,
    );
    expect(delivered.map((s) => s.sequence)).toEqual([1]);
  });

  it("the api's lookup, audited, is projected by the worker into the citizen's log read through the api", async () => {
    const citizen = await new DevCitizenTokenIssuer({ dataDir }).issue({ subjectId: subject });
    const entries = await eventually(
      'the lookup in the access log',
      async () => {
        const page = await httpCall<{ entries: { reference: string; officerId: string | null; fields: string[] }[] }>(api.url, 'GET', '/v1/me/access-log', {
          token: citizen,
        });
        return page.status === 200 && page.body.entries.some((e) => e.reference === lookupReference) ? page.body.entries : undefined;
      },
      60_000,
      250,
    );
    expect(entries.find((e) => e.reference === lookupReference)).toMatchObject({ officerId: 'officer-roles', fields: ['fullName'] });
  });

  it("the api's ops API shows the figures and lag the worker computed", async () => {
    type CommuneRow = { code: string; received: number; delivered: number; pending: number };
    const view = await eventually(
      "the worker's figures on the api",
      async () => {
        const answer = await httpCall<{ viewAsOf: string | null; communes: CommuneRow[] }>(
          api.url,
          'GET',
          `/v1/ops/sync/communes?province=${commune.provinceCode}`,
          { token: tokens.ops },
        );
        const row = answer.body.communes?.find((c) => c.code === commune.code);
        const fresh = answer.body.viewAsOf !== null && Date.parse(answer.body.viewAsOf) >= workerStartedAt;
        return answer.status === 200 && fresh && row && row.delivered >= 1 && row.pending === 0 ? { ...answer.body, row } : undefined;
      },
      60_000,
      250,
    );
    expect(view.row.received).toBeGreaterThanOrEqual(1);
    const lag = await httpCall<{ viewAsOf: string; groups: { group: string; history: unknown[] }[] }>(api.url, 'GET', '/v1/ops/sync/lag', {
      token: tokens.ops,
    });
    expect(lag.status).toBe(200);
    expect(Date.parse(lag.body.viewAsOf)).toBeGreaterThanOrEqual(workerStartedAt);
    const portalGroup = lag.body.groups.find((g) => g.group === ConsumerGroups.portalSync);
    expect(portalGroup?.history.length).toBeGreaterThan(0);
    expect(lag.body.groups.map((g) => g.group)).toEqual(expect.arrayContaining([ConsumerGroups.portalSync, ConsumerGroups.portalSyncRetry, CACHE_SYNC_GROUP]));
  });

  it('the worker serves no API: 404 problem on /v1 routes, the page and the document', async () => {
    for (const route of ['/v1/registries', `/v1/dossiers/${dossierId}/commune`, '/v1/ops/sync/lag', '/v1/me/access-log', '/ops', '/docs', '/openapi.json']) {
      const answer = await httpCall<{ code: string }>(worker!.url, 'GET', route, { token: tokens.ops });
      expect([route, answer.status, answer.headers.get('content-type')?.split(';')[0], answer.body.code]).toEqual([
        route,
        404,
        'application/problem+json',
        'route_not_found',
      ]);
    }
  });

  it('with the worker gone, the api still runs none of its jobs', async () => {
    await worker!.app.close();
    worker = undefined;
    // The worker's group memberships end with its close (LeaveGroup); none is the api's, which has
    // been running all along (a job it had started would have joined by now).
    const active = await eventually(
      'no member left in the worker groups',
      async () => ((await activeWorkerGroups()).length === 0 ? [] : undefined),
      30_000,
      250,
    );
    expect(active).toEqual([]);
    expect(api.app.get(SyncLifecycle, { strict: false }).isStarted()).toBe(false);
  });
});
