/**
 * Registry-to-registry events on the production profile (issue 17, item 3): real Kafka and Redis,
 * the simulator's registries over real gRPC, the gateway as an OS process. Deaths registered in
 * civil status reach population exactly once across a SIGKILL of the gateway in the middle of the
 * stream and a restart of the Kafka broker: every death applied once, no person's record bumped
 * twice, redeliveries answered DUPLICATE.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { KafkaEventLog } from '@motlan/event-log/kafka-event-log.adapter.js';
import { ChangeEventPublisher } from '@motlan/events/change-event-publisher.service.js';
import { ChangeEventRelay } from '../../apps/registry-sim/src/events/change-event-relay.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { httpCall } from '../support/http.js';
import { requireKafkaBrokers, requireRedisUrl, restartKafka } from '../support/services.js';
import { simControl, simSamples } from '../support/sim-control.js';

interface DeliveryFigures {
  applied: number;
  duplicates: number;
  rejected: number;
  keys: string[];
}

const RUN = randomUUID().slice(0, 8);
let brokers: string[];
let redisUrl: string;
let dataDir: string;
let sim: RunningRegistrySim;
let relay: ChangeEventRelay;
let gateway: GatewayProcess | undefined;
let adminToken: string;
let subscriptionId: string | undefined;

function env(): Record<string, string> {
  return {
    MOTLAN_DATA_DIR: dataDir,
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: brokers.join(','),
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([r, e]) => `${r}=${e}`)
      .join(','),
    MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-regev-it-${RUN}`,
    MOTLAN_ADAPTER_CATALOG_TOPIC: `motlan.adapters.v1.regev-it-${RUN}`,
    MOTLAN_PORTAL_SYNC_WORKER: 'false',
  };
}

const deliveries = () => simControl<DeliveryFigures>(sim.controlUrl, 'GET', '/sim/registries/population/deliveries');
const alive = (id: string) => sim.registries.lookup('population', { dataset: 'person', subjectId: id, fields: ['alive'] });
const registerDeath = (personId: string) => simControl(sim.controlUrl, 'POST', '/sim/civil-status/registrations', { kind: 'death', personId });

beforeAll(async () => {
  brokers = requireKafkaBrokers();
  redisUrl = requireRedisUrl();
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-regev-it-'));
  sim = await startRegistrySim({ seed: 23, persons: 200_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  relay = new ChangeEventRelay(
    sim.registries,
    new ChangeEventPublisher({ log: new KafkaEventLog({ brokers, clientId: 'motlan-registry-sim-regev-it' }), ownsLog: true }),
    pino({ level: 'silent' }),
  );
  const issuer = new DevTokenIssuer({ dataDir });
  await issuer.ensureKeys();
  adminToken = await issuer.issue({ sub: 'national-admin', scope: 'subscriptions:read subscriptions:write' });
  gateway = await startGatewayProcess(env());
}, 120_000);

afterAll(async () => {
  // The subscriptions topic outlives this run on the shared broker: leave no subscription behind.
  if (gateway && subscriptionId) await httpCall(gateway.url, 'DELETE', `/v1/subscriptions/${subscriptionId}`, { token: adminToken }).catch(() => undefined);
  await gateway?.stop();
  await relay?.close();
  await sim?.stop();
}, 60_000);

describe('registry events on Kafka', () => {
  it('deaths reach population exactly once across a gateway SIGKILL and a broker restart', async () => {
    const url = () => gateway!.url;
    // A subscription left by an interrupted earlier run on this broker would refuse ours (409).
    const stale = await httpCall<{ subscriptions: Array<{ id: string }> }>(
      url(),
      'GET',
      '/v1/subscriptions?subscriber=population&sourceRegistry=civil-status',
      {
        token: adminToken,
      },
    );
    for (const s of stale.body.subscriptions ?? []) await httpCall(url(), 'DELETE', `/v1/subscriptions/${s.id}`, { token: adminToken });
    const created = await httpCall<{ id: string }>(url(), 'POST', '/v1/subscriptions', {
      token: adminToken,
      body: {
        subscriber: 'population',
        sourceRegistry: 'civil-status',
        dataset: 'death',
        eventTypes: ['record.created'],
        fields: ['personId'],
        procedure: '1.000656',
      },
    });
    expect(created.status).toBe(201);
    subscriptionId = created.body.id;

    const persons = (await simSamples(sim.controlUrl, 'population', 'person', 80)).filter((id) => alive(id).record?.alive === true);
    expect(persons.length).toBeGreaterThanOrEqual(61);
    const [probe, ...rest] = persons;
    const beforeKill = rest.slice(0, 40);
    const afterRestart = rest.slice(40, 60);

    // The worker follows civil status once a first death goes through.
    await registerDeath(probe);
    await eventually('the first death applied', async () => (alive(probe).record?.alive === false ? true : undefined), 120_000);

    for (const id of beforeKill) await registerDeath(id);
    await eventually('some deaths applied before the kill', async () => ((await deliveries()).applied >= 10 ? true : undefined), 120_000);
    await gateway!.kill();
    gateway = await startGatewayProcess(env());
    await eventually('every death before the kill applied', async () => ((await deliveries()).applied === 1 + beforeKill.length ? true : undefined), 120_000);

    await restartKafka();
    for (const id of afterRestart) await registerDeath(id);
    const total = 1 + beforeKill.length + afterRestart.length;
    await eventually('every death applied after the broker restart', async () => ((await deliveries()).applied >= total ? true : undefined), 180_000);

    const figures = await deliveries();
    expect(figures.applied).toBe(total);
    expect(figures.rejected).toBe(0);
    expect(new Set(figures.keys).size).toBe(total);
    expect(figures.keys.every((k) => k.startsWith(`${subscriptionId}#`))).toBe(true);
    // Each person's record went from version 1 to 2: applied once, however often it was delivered.
    for (const id of [probe, ...beforeKill, ...afterRestart]) expect({ id, ...alive(id) }).toMatchObject({ id, version: 2, record: { alive: false } });
    console.log(`registry events: ${total} deaths applied once; ${figures.duplicates} redeliveries answered DUPLICATE`);
  }, 600_000);
});
