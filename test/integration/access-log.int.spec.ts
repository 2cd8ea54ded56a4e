/**
 * The citizen access log on the production profile: lookups audited to a real Kafka topic, the
 * projection following it in a consumer group into a real Redis, read back over real HTTP. Two
 * gateway instances share the log; one stops and the group goes on without loss or duplicates.
 */
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { SyncLifecycle } from '../../apps/gateway/src/dossier-relay/sync-lifecycle.service.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { expectExactly, readLog, runLookups, type Scenario } from '../support/access-log-scenario.js';
import { eventually } from '../support/eventually.js';
import { httpCall } from '../support/http.js';
import { requireKafkaBrokers, requireRedisUrl } from '../support/services.js';

let redisUrl: string;
let brokers: string[];
let sim: RunningRegistrySim;
let dataDir: string;
const run = randomUUID().slice(0, 8);
const gateways: NestFastifyApplication[] = [];
let base: string;
let scenario: Scenario;

async function startGateway(): Promise<{ app: NestFastifyApplication; url: string }> {
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: dataDir,
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: brokers.join(','),
    PORT: '0',
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([r, e]) => `${r}=${e}`)
      .join(','),
    MOTLAN_PORTAL_SYNC_WORKER: 'false',
    MOTLAN_ADAPTER_CATALOG_TOPIC: `motlan.adapters.v1.al-it-${run}`,
    MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-al-it-${run}`,
    MOTLAN_AUDIT_TOPIC: `motlan.audit.v1.al-it-${run}`,
    MOTLAN_ACCESS_LOG_GROUP: `motlan-access-log-al-it-${run}`,
  });
  const { app } = await createGatewayApp(config, pino({ level: process.env.E2E_LOG ?? 'silent' }));
  await app.listen(0, '127.0.0.1');
  gateways.push(app);
  // Closing a gateway whose dossier sync is still starting would leave that sync's consumers running.
  await app.get(SyncLifecycle).whenStarted();
  // Its audit topic is new: the first audited request must not race the topic's creation (503 audit_unavailable).
  await app.get(AuditSink).ready();
  return { app, url: await app.getUrl() };
}

beforeAll(async () => {
  redisUrl = requireRedisUrl();
  brokers = requireKafkaBrokers();
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-access-log-it-'));
  sim = await startRegistrySim({ seed: 12, persons: 20_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  ({ url: base } = await startGateway());
  scenario = await runLookups(base, dataDir, sim.controlUrl);
}, 120_000);

afterAll(async () => {
  for (const app of gateways) await app.close().catch(() => undefined);
  await sim?.stop();
});

describe('citizen access log (production: Kafka audit topic, Redis)', () => {
  it("lists exactly the lookups made about A to A's token, and exactly B's to B's", async () => {
    const logA = await readLog(base, scenario.tokens.citizenA);
    const logB = await readLog(base, scenario.tokens.citizenB);
    expectExactly(logA, scenario.expectedA);
    expectExactly(logB, scenario.expectedB);
    expect(JSON.stringify(logA)).not.toContain(scenario.b);
    expect(JSON.stringify(logB)).not.toContain(scenario.a);
  });

  it('pages with a cursor over every entry once, and answers in milliseconds', async () => {
    const all = await readLog(base, scenario.tokens.citizenA);
    expect((await readLog(base, scenario.tokens.citizenA, 1)).map((e) => e.id)).toEqual(all.map((e) => e.id));
    const times: number[] = [];
    for (let i = 0; i < 20; i++) times.push((await httpCall(base, 'GET', '/v1/me/access-log', { token: scenario.tokens.citizenA })).ms);
    times.sort((x, y) => x - y);
    expect(times[10]).toBeLessThan(50);
  });

  it('refuses a client token and a citizen token for a malformed id (401)', async () => {
    for (const token of [scenario.tokens.client, scenario.tokens.malformedCitizen]) {
      const answer = await httpCall(base, 'GET', '/v1/me/access-log', { token });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it("keeps no citizen's id in Redis key names", async () => {
    const redis = new Redis(redisUrl);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', 'motlan:al:v1:*', 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        expect(key).not.toContain(scenario.a);
        expect(key).not.toContain(scenario.b);
      }
    } finally {
      redis.disconnect();
    }
  });

  it('is shared by the instances (cursors included), and a stopped instance loses or repeats nothing', async () => {
    const second = await startGateway();
    const first = await readLog(base, scenario.tokens.citizenA);
    const page = await httpCall<{ nextCursor: string }>(base, 'GET', '/v1/me/access-log?limit=2', { token: scenario.tokens.citizenA });
    const rest = await httpCall<{ entries: { id: string }[] }>(
      second.url,
      'GET',
      `/v1/me/access-log?limit=100&cursor=${encodeURIComponent(page.body.nextCursor)}`,
      {
        token: scenario.tokens.citizenA,
      },
    );
    expect(rest.status).toBe(200);
    expect(rest.body.entries.map((e) => e.id)).toEqual(first.slice(2).map((e) => e.id));

    // The first instance goes away; lookups through the second reach A's log exactly once.
    const firstApp = gateways.shift()!;
    await firstApp.close();
    base = second.url;
    const client = await new DevTokenIssuer({ dataDir }).issue({ sub: 'one-stop-late', scope: 'population:read' });
    const reference = `al-late-${run}`;
    const late = await httpCall(base, 'GET', `/v1/registries/population/person/${scenario.a}?fields=fullName`, {
      token: client,
      headers: { 'x-request-id': reference, 'x-officer-id': 'officer-late', 'x-purpose': '1.004222' },
    });
    expect(late.status).toBe(200);
    const after = await eventually(
      'the lookup through the second instance in the log',
      async () => {
        const log = await readLog(base, scenario.tokens.citizenA);
        return log.some((e) => e.reference === reference) ? log : undefined;
      },
      60_000,
      200,
    );
    expect(after.map((e) => e.id)).toEqual([after[0].id, ...first.map((e) => e.id)]);
    expect(after[0]).toMatchObject({ reference, client: { id: 'one-stop-late', commune: null }, officerId: 'officer-late', outcome: 'answered' });
  });
});
