/**
 * Service indicators on the production profile (real Redis, real Kafka, the simulator over real
 * gRPC): a `worker` process projects statuses, deliveries and audited registry reads and publishes
 * them to Redis; an `api` process answers GET /v1/ops/indicators from what was published. A new
 * worker restores the snapshot from Redis and reads on: the figures neither double nor vanish.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { ServiceIndicatorsProjection } from '@motlan/service-indicators/service-indicators.projection.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders } from '../support/http.js';
import { requireKafkaBrokers, requireRedisUrl } from '../support/services.js';
import { simSamples } from '../support/sim-control.js';

const RUN = randomUUID().slice(0, 8);
const directory = VnAdminDirectory.load();
// A commune no other suite reports for: its figures are this suite's alone.
const commune = directory.communes()[2345];

let redisUrl: string;
let brokers: string[];
let sim: RunningRegistrySim;
let dataDir: string;
let api: { app: NestFastifyApplication; url: string };
let worker: { app: NestFastifyApplication; url: string } | undefined;
const tokens: Record<'reader' | 'write' | 'ops', string> = { reader: '', write: '', ops: '' };

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
    MOTLAN_ADAPTER_CATALOG_TOPIC: `motlan.adapters.v1.indicators-it-${RUN}`,
    MOTLAN_AUDIT_TOPIC: `motlan.audit.v1.indicators-it-${RUN}`,
    MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-indicators-it-${RUN}`,
    MOTLAN_ACCESS_LOG_GROUP: `motlan-access-log-indicators-it-${RUN}`,
    MOTLAN_INDICATORS_PUBLISH_INTERVAL_MS: '250',
  };
}

async function start(roles: string): Promise<{ app: NestFastifyApplication; url: string }> {
  const { app } = await createGatewayApp(loadGatewayConfig(env(roles)), pino({ level: process.env.E2E_LOG ?? 'silent' }));
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

async function putStatus(dossierId: string, fields: Record<string, unknown>): Promise<void> {
  const body = { procedureCode: '1.004222', communeCode: commune.code, subjectType: 'citizen', receivedAt: new Date().toISOString(), sequence: 1, ...fields };
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

interface Row {
  communeCode: string;
  indicators: Record<string, number | null>;
}

/** The commune's row as the api answers it, once `ready` holds. */
async function communeRow(what: string, ready: (row: Row) => boolean): Promise<Row> {
  return eventually(
    what,
    async () => {
      const answer = await httpCall<{ communes: Row[] }>(api.url, 'GET', `/v1/ops/indicators?commune=${commune.code}`, { token: tokens.ops });
      const row = answer.body.communes?.[0];
      return row && ready(row) ? row : undefined;
    },
    60_000,
    250,
  );
}

beforeAll(async () => {
  redisUrl = requireRedisUrl();
  brokers = requireKafkaBrokers();
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-indicators-it-'));
  sim = await startRegistrySim({ seed: 16, persons: 5_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  const issuer = new DevTokenIssuer({ dataDir });
  tokens.reader = await issuer.issue({ sub: `one-stop-${commune.code}`, scope: 'population:read', commune: commune.code });
  tokens.write = await issuer.issue({ sub: `one-stop-${commune.code}`, scope: 'dossiers:write', commune: commune.code, ttlSec: 3600 });
  tokens.ops = await issuer.issue({ sub: 'monitor-indicators-it', scope: 'ops:read', ttlSec: 3600 });
  api = await start('api');
  worker = await start('worker');
}, 180_000);

afterAll(async () => {
  await worker?.app.close().catch(() => undefined);
  await api?.app.close().catch(() => undefined);
  await sim?.stop();
});

describe('service indicators across an api and a worker process (production profile)', () => {
  it('the api answers with what the worker projected and published to Redis, and runs no projection itself', async () => {
    expect(() => api.app.get(ServiceIndicatorsProjection, { strict: false })).toThrow();
    await putStatus(`IND-${RUN}-1`, { status: 2, channel: 'online', feesPaidOnline: true });
    await putStatus(`IND-${RUN}-2`, { status: 2, channel: 'counter', reusedComponents: ['TK01'] });
    const [subject] = await simSamples(sim.controlUrl, 'population', 'person', 1);
    const lookup = await httpCall(api.url, 'GET', `/v1/registries/population/person/${subject}?fields=fullName`, {
      token: tokens.reader,
      headers: officerHeaders('officer-indicators', '1.004222'),
    });
    expect(lookup.status).toBe(200);
    const row = await communeRow(
      'both statuses delivered and the read counted',
      (r) => r.indicators.statusesDelivered === 2 && r.indicators.registryReads === 1,
    );
    expect(row.indicators).toMatchObject({ received: 2, online: 1, onlineShare: 0.5, paidOnline: 1, dossiersWithReusedData: 1, registryReads: 1 });
  }, 120_000);

  it('a new worker restores the snapshot from Redis and reads on: nothing counted twice, nothing lost', async () => {
    await worker!.app.close();
    worker = undefined;
    const redis = new Redis(redisUrl);
    try {
      const snapshot = JSON.parse((await redis.get('motlan:service-indicators:v1:snapshot')) ?? '{}') as { offsets?: Record<string, unknown> };
      expect(Object.keys(snapshot.offsets ?? {})).toContain(`motlan.audit.v1.indicators-it-${RUN}`);
    } finally {
      redis.disconnect();
    }
    // Accepted while no worker runs: waits in Kafka.
    await putStatus(`IND-${RUN}-3`, { status: 2, channel: 'online' });
    worker = await start('worker');
    const row = await communeRow('the third status counted by the new worker', (r) => r.indicators.received === 3 && r.indicators.statusesDelivered === 3);
    expect(row.indicators).toMatchObject({ received: 3, online: 2, registryReads: 1, statusesDelivered: 3 });
  }, 120_000);
});
