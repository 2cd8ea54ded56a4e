/**
 * The adapter catalog on the production profile: gateway instances share it through the
 * compacted Kafka topic (a real broker, a real Redis), converge within seconds, keep it across
 * restarts of every instance, and drop an adapter everywhere on its tombstone. Each run uses a
 * topic of its own (MOTLAN_ADAPTER_CATALOG_TOPIC) so other suites never see these adapters.
 */
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders, purposeFor } from '../support/http.js';
import { requireKafkaBrokers, requireRedisUrl } from '../support/services.js';
import { simSamples } from '../support/sim-control.js';

const TOPIC = `motlan.adapters.v1.it-${randomUUID().slice(0, 8)}`;

let redisUrl: string;
let brokers: string[];
let sim: RunningRegistrySim;
let dataDir: string;
let lookupToken: string;
let operatorToken: string;

interface Instance {
  app: NestFastifyApplication;
  base: string;
}

async function startGateway(name: string): Promise<Instance> {
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: path.join(dataDir, name),
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: brokers.join(','),
    MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-catalog-it-${name}`,
    MOTLAN_ADAPTER_CATALOG_TOPIC: TOPIC,
    // An audit topic of its own too: the shared one holds every earlier suite's records, which each
    // gateway's worker projections would replay from the start while the test runs.
    MOTLAN_AUDIT_TOPIC: `${TOPIC}.audit`,
    // Dossier sync has its own suite (portal-sync.int.spec.ts); no worker here.
    MOTLAN_PORTAL_SYNC_WORKER: 'false',
    MOTLAN_ADAPTERS: 'none',
    MOTLAN_CACHE_MAX_AGE_CAP_SECONDS: '0',
    MOTLAN_DESCRIBE_RETRY_MS: '300',
  });
  const { app } = await createGatewayApp(config, pino({ level: 'silent' }));
  await app.listen(0, '127.0.0.1');
  // A new audit topic: the first audited request must not race its creation (503 audit_unavailable).
  await app.get(AuditSink).ready();
  return { app, base: await app.getUrl() };
}

const call = (instance: Instance, method: string, url: string, token = operatorToken, body?: unknown) =>
  httpCall(instance.base, method, url, { token, headers: officerHeaders('officer-it', purposeFor(url)), body });

type View = { id: string; endpoint: string; revision: number; state: string };
const adapters = async (instance: Instance) => ((await call(instance, 'GET', '/v1/adapters')).body.adapters as View[]).sort((a, b) => a.id.localeCompare(b.id));

// The simulator and both gateways share the Jest process; late in a long in-band run a GC pause
// can hold its event loop past a tight deadline, which is not what this suite tests (a lookup on
// the updated adapter failed once in CI with a 503), so the adapters get a relaxed deadline.
function manifest(id: string, registry: string, endpoint: string): Record<string, unknown> {
  return { id, registry, endpoint, tls: { insecure: true }, timeoutMs: 5000, maxConcurrency: 16, retry: { attempts: 2, backoffMs: 5 } };
}

const sample = async (registry: string, dataset: string) => (await simSamples(sim.controlUrl, registry, dataset, 1))[0];

beforeAll(async () => {
  redisUrl = requireRedisUrl();
  brokers = requireKafkaBrokers();
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-catalog-it-'));
  sim = await startRegistrySim({
    seed: 3,
    persons: 20_000,
    grpcBasePort: 0,
    controlPort: 0,
    logger: pino({ level: 'silent' }),
    extraAdapters: [
      { id: 'land-r1', registry: 'land' },
      { id: 'business-a', registry: 'business' },
      { id: 'business-b', registry: 'business' },
    ],
  });
  const issuer = new DevTokenIssuer({ dataDir });
  lookupToken = await issuer.issue({ sub: 'commune-it', scope: 'land:read business:read' });
  operatorToken = await issuer.issue({ sub: 'operator-it', scope: 'adapters:read adapters:write:land adapters:write:business' });
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

describe('adapter catalog over Kafka', () => {
  it('a later instance sees every adapter, updates and tombstones reach every instance, and a restart of both keeps the catalog', async () => {
    const a = await startGateway('a');
    let b: Instance | undefined;
    try {
      expect((await call(a, 'POST', '/v1/adapters', operatorToken, manifest('land-r1', 'land', sim.extraEndpoints['land-r1']))).status).toBe(201);
      const second = await call(a, 'POST', '/v1/adapters', operatorToken, manifest('business', 'business', sim.extraEndpoints['business-a']));
      expect({ status: second.status, body: second.status === 201 ? undefined : second.body }).toEqual({ status: 201, body: undefined });

      // Started after the registrations: it replays the topic from the beginning.
      b = await startGateway('b');
      const seen = await adapters(b);
      expect(seen.map((v) => v.id)).toEqual(['business', 'land-r1']);
      const parcel = await sample('land', 'parcel');
      const described = await eventually('instance b to describe land-r1', async () =>
        (await call(b!, 'GET', `/v1/registries/land/parcel/${parcel}`, lookupToken)).status === 200 ? true : undefined,
      );
      expect(described).toBe(true);

      // An update made through A reaches B.
      expect((await call(a, 'PUT', '/v1/adapters/business', operatorToken, manifest('business', 'business', sim.extraEndpoints['business-b']))).status).toBe(
        200,
      );
      await eventually('the update on b', async () => {
        const view = (await adapters(b!)).find((v) => v.id === 'business');
        return view?.endpoint === sim.extraEndpoints['business-b'] && view.revision === 2 && view.state === 'described' ? view : undefined;
      });
      const enterprise = await sample('business', 'enterprise');
      const before = sim.adapterStats('business-b').lookups;
      const answer = await call(b, 'GET', `/v1/registries/business/enterprise/${enterprise}`, lookupToken);
      expect({ status: answer.status, body: answer.status === 200 ? undefined : answer.body }).toEqual({ status: 200, body: undefined });
      expect(sim.adapterStats('business-b').lookups).toBe(before + 1);

      // A removal through B is a tombstone: A drops the adapter too.
      expect((await call(b, 'DELETE', '/v1/adapters/land-r1')).status).toBe(200);
      await eventually('the tombstone on a', async () => ((await call(a, 'GET', '/v1/adapters/land-r1')).status === 404 ? true : undefined));
      const gone = await call(a, 'GET', `/v1/registries/land/parcel/${parcel}`, lookupToken);
      expect(gone).toMatchObject({ status: 503, body: { code: 'registry_not_connected' } });
    } finally {
      await a.app.close();
      await b?.app.close();
    }

    // Every instance restarted: the catalog is what the topic says.
    const [a2, b2] = [await startGateway('a'), await startGateway('b')];
    try {
      for (const instance of [a2, b2]) {
        const views = await adapters(instance);
        expect(views.map((v) => [v.id, v.endpoint, v.revision])).toEqual([['business', sim.extraEndpoints['business-b'], 2]]);
      }
    } finally {
      await a2.app.close();
      await b2.app.close();
    }
  }, 120_000);

  it('the topic is compacted and keyed by adapter id, with a null value for a removal', async () => {
    const kafka = new Kafka({ clientId: 'catalog-it-check', brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const configs = await admin.describeConfigs({ resources: [{ type: 2, name: TOPIC, configNames: ['cleanup.policy'] }], includeSynonyms: false });
      expect(configs.resources[0].configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue).toBe('compact');
    } finally {
      await admin.disconnect();
    }
    const consumer = kafka.consumer({ groupId: `catalog-it-check-${randomUUID()}` });
    const messages: { key: string; value: string | null }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void messages.push({ key: message.key!.toString(), value: message.value?.toString() ?? null }) });
    await eventually('the catalog messages', async () => (messages.length >= 4 ? true : undefined));
    await consumer.disconnect();
    expect(messages.map((m) => [m.key, m.value === null ? null : (JSON.parse(m.value) as { revision: number }).revision])).toEqual([
      ['land-r1', 1],
      ['business', 1],
      ['business', 2],
      ['land-r1', null],
    ]);
  }, 60_000);
});
