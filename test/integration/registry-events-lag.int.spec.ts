/**
 * The lag monitor watches the registry-event groups on the production profile (real Kafka and
 * Redis, the gateway in process with both roles): the relay and its retry group on the deliveries
 * topics, and the fan-out on the change topic of each registry a subscription names, picked up at
 * the next poll after the subscription is made (and dropped once it is removed).
 */
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall } from '../support/http.js';
import { requireKafkaBrokers, requireRedisUrl } from '../support/services.js';

const RUN = randomUUID().slice(0, 8);
let dataDir: string;
let sim: RunningRegistrySim;
let app: NestFastifyApplication;
let base: string;
let subscriptionId: string | undefined;
const tokens = { admin: '', ops: '' };

interface LagView {
  groups: Array<{ group: string; status: string; partitions: Array<{ topic: string }>; error: string | null }>;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-registry-events-lag-it-'));
  sim = await startRegistrySim({ seed: 29, persons: 2_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  const issuer = new DevTokenIssuer({ dataDir });
  tokens.admin = await issuer.issue({ sub: `admin-lag-it-${RUN}`, scope: 'subscriptions:read subscriptions:write', ttlSec: 3600 });
  tokens.ops = await issuer.issue({ sub: `ops-lag-it-${RUN}`, scope: 'ops:read', ttlSec: 3600 });
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: dataDir,
    REDIS_URL: requireRedisUrl(),
    KAFKA_BROKERS: requireKafkaBrokers().join(','),
    PORT: '0',
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([r, e]) => `${r}=${e}`)
      .join(','),
    MOTLAN_PORTAL_ENDPOINT: sim.portalEndpoint,
    MOTLAN_RATE_LIMIT_PER_SECOND: '0',
    MOTLAN_ADAPTER_CATALOG_TOPIC: `motlan.adapters.v1.registry-events-lag-it-${RUN}`,
    MOTLAN_AUDIT_TOPIC: `motlan.audit.v1.registry-events-lag-it-${RUN}`,
    MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-registry-events-lag-it-${RUN}`,
    MOTLAN_ACCESS_LOG_GROUP: `motlan-access-log-registry-events-lag-it-${RUN}`,
    // Test-sized: the monitor polls four times a second.
    MOTLAN_LAG_INTERVAL_MS: '250',
    MOTLAN_LAG_WINDOW_MS: '6000',
    MOTLAN_LAG_STOP_AFTER_MS: '10000',
    MOTLAN_LAG_HISTORY_MS: '60000',
  });
  ({ app } = await createGatewayApp(config, pino({ level: process.env.E2E_LOG ?? 'silent' })));
  await app.listen(0, '127.0.0.1');
  // A new audit topic: the first audited request must not race its creation (503 audit_unavailable).
  await app.get(AuditSink).ready();
  base = await app.getUrl();
}, 180_000);

afterAll(async () => {
  // The subscriptions topic is shared by every suite on this broker: leave nothing behind.
  if (subscriptionId) await httpCall(base, 'DELETE', `/v1/subscriptions/${subscriptionId}`, { token: tokens.admin }).catch(() => undefined);
  await app?.close();
  await sim?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const lag = async () => (await httpCall<LagView>(base, 'GET', '/v1/ops/sync/lag', { token: tokens.ops })).body;

describe('lag monitoring of registry events on Kafka', () => {
  it('watches the relay groups, and the fan-out on the change topics of the subscribed registries', async () => {
    const relayGroups = await eventually(
      'the relay groups sampled',
      async () => {
        const { groups } = await lag();
        const found = ['motlan-registry-events-relay', 'motlan-registry-events-relay-retry'].map((g) => groups.find((x) => x.group === g));
        return found.every((g) => g && g.partitions.length > 0 && g.error === null) ? found : undefined;
      },
      60_000,
      250,
    );
    expect(relayGroups.map((g) => [...new Set(g!.partitions.map((p) => p.topic))])).toEqual([
      ['motlan.registry-events.deliveries.v1'],
      ['motlan.registry-events.deliveries.retry.v1'],
    ]);

    const created = await httpCall<{ id: string }>(base, 'POST', '/v1/subscriptions', {
      token: tokens.admin,
      body: {
        subscriber: 'population',
        sourceRegistry: 'civil-status',
        dataset: 'marriage',
        eventTypes: ['record.created'],
        fields: ['spouseA', 'spouseB'],
        procedure: '1.004222',
      },
    });
    expect(created.status).toBe(201);
    subscriptionId = created.body.id;
    const fanout = await eventually(
      'the fan-out watched on the civil-status change topic',
      async () => {
        const group = (await lag()).groups.find((g) => g.group === 'motlan-registry-events-fanout');
        return group && group.partitions.some((p) => p.topic === 'motlan.registry.civil-status.changes.v1') ? group : undefined;
      },
      60_000,
      250,
    );
    expect(fanout.error).toBeNull();

    expect((await httpCall(base, 'DELETE', `/v1/subscriptions/${subscriptionId}`, { token: tokens.admin })).status).toBe(200);
    subscriptionId = undefined;
    // Unless another suite's subscription names civil status too, its topic leaves the fan-out's watch.
    const after = await eventually(
      'the fan-out watch following the removal',
      async () => {
        const { groups } = await lag();
        const group = groups.find((g) => g.group === 'motlan-registry-events-fanout');
        const others = await httpCall<{ subscriptions: unknown[] }>(base, 'GET', '/v1/subscriptions?sourceRegistry=civil-status', { token: tokens.admin });
        const expected = others.body.subscriptions.length > 0;
        return group && group.partitions.some((p) => p.topic === 'motlan.registry.civil-status.changes.v1') === expected ? { group, expected } : undefined;
      },
      60_000,
      250,
    );
    expect(after.group.partitions.some((p) => p.topic === 'motlan.registry.civil-status.changes.v1')).toBe(after.expected);
  });
});
