/**
 * Dossier status to the national portal on the production profile, against a real Kafka broker
 * and Redis and the simulated portal over real gRPC: exactly-once at the portal for 2,000
 * statuses from 100 communes (10,000 with MOTLAN_SOAK_BULK_DOSSIERS=25, the soak size: about 200 s
 * of delivery on this 2-core machine, too long for the test line), a portal outage seen by the lag monitor and the commune colours,
 * a Kafka broker restart and a SIGKILLed gateway in the middle of the stream.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { DlqHeaders, Topics } from '@motlan/events/topics.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { httpCall } from '../support/http.js';
import { requireKafkaBrokers, requireRedisUrl, restartKafka } from '../support/services.js';

const directory = VnAdminDirectory.load();
/** 100 communes spread over every province. */
const COMMUNES = directory
  .communes()
  .filter((_, i) => i % 33 === 0)
  .slice(0, 100);

let redisUrl: string;
let brokers: string[];
let sim: RunningRegistrySim;
let dataDir: string;
let writeToken: string;
let opsToken: string;
let opsWriteToken: string;
let gateway: NestFastifyApplication | undefined;
let base: string;

function env(): Record<string, string> {
  return {
    MOTLAN_DATA_DIR: dataDir,
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: brokers.join(','),
    MOTLAN_ADAPTERS: 'none',
    // The bulk statuses as fast as one client can send: rate limits have their own suite (abuse.int.spec.ts).
    MOTLAN_RATE_LIMIT_PER_SECOND: '0',
    MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-portal-it-${randomUUID().slice(0, 8)}`,
    MOTLAN_ADAPTER_CATALOG_TOPIC: `motlan.adapters.v1.portal-it-${randomUUID().slice(0, 8)}`,
    MOTLAN_PORTAL_ENDPOINT: sim.portalEndpoint,
    MOTLAN_PORTAL_TIMEOUT_MS: '2000',
    MOTLAN_PORTAL_INLINE_BACKOFF_MS: '20',
    MOTLAN_PORTAL_RETRY_BACKOFF_MS: '100',
    MOTLAN_PORTAL_OUTAGE_BACKOFF_MAX_MS: '500',
    MOTLAN_LAG_INTERVAL_MS: '250',
    // A 6 s window: a partition is WARN from the poll its backlog passes the allowance until a
    // window has gone by without a commit (then STALL, ERR). 4 s once went straight from OK to
    // ERR in CI: on a loaded machine the backlog took longer than the window to pass the allowance.
    MOTLAN_LAG_WINDOW_MS: '6000',
    MOTLAN_LAG_STOP_AFTER_MS: '10000',
    MOTLAN_LAG_HISTORY_MS: '60000',
    MOTLAN_LAG_ALLOWANCE: '5',
    MOTLAN_COMMUNE_YELLOW_PENDING_MS: '1500',
    MOTLAN_COMMUNE_RED_PENDING_MS: '5000',
  };
}

async function startInProcess(): Promise<void> {
  const { app } = await createGatewayApp(loadGatewayConfig({ ...env(), PORT: '0' }), pino({ level: 'silent' }));
  await app.listen(0, '127.0.0.1');
  gateway = app;
  base = await app.getUrl();
}

interface Item {
  dossierId: string;
  sequence: number;
  body: Record<string, unknown>;
}

const STEPS = [2, 4, 9, 10];

/** `dossiers` dossiers per commune given, each walked through the four statuses. */
function plan(prefix: string, communes: readonly { code: string }[], dossiers: number): Item[][] {
  const chains: Item[][] = [];
  for (const commune of communes) {
    for (let d = 0; d < dossiers; d++) {
      const dossierId = `${prefix}-${commune.code}-${d}`;
      chains.push(
        STEPS.map((status, i) => ({
          dossierId,
          sequence: i + 1,
          body: {
            procedureCode: '1.004222',
            communeCode: commune.code,
            status,
            subjectType: 'citizen',
            receivedAt: '2026-11-23T09:15:00+07:00',
            sequence: i + 1,
          },
        })),
      );
    }
  }
  return chains;
}

/**
 * Sends each dossier's statuses in order (dossiers in parallel), like a commune system would:
 * a 503 or a lost connection is tried again until the gateway answers 202.
 */
async function send(target: () => string, chains: Item[][], concurrency = 48): Promise<{ retries: number }> {
  let next = 0;
  let retries = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < chains.length) {
        const chain = chains[next++];
        for (const item of chain) {
          for (;;) {
            const answer = await httpCall(target(), 'PUT', `/v1/dossiers/${item.dossierId}/status`, { token: writeToken, body: item.body }).catch(
              () => undefined,
            );
            if (answer?.status === 202) break;
            if (answer && answer.status !== 503) throw new Error(`unexpected ${answer.status}: ${JSON.stringify(answer.body)}`);
            retries++;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      }
    }),
  );
  return { retries };
}

/** Every status of every chain is at the portal exactly once, in sequence order per dossier. */
function expectDeliveredExactlyOnce(chains: Item[][]): void {
  const problems: string[] = [];
  for (const chain of chains) {
    const statuses = sim.portal.statusesOf(chain[0].dossierId);
    const sequences = statuses.map((s) => s.sequence);
    if (sequences.join(',') !== chain.map((i) => i.sequence).join(',')) problems.push(`${chain[0].dossierId}: ${sequences.join(',')}`);
  }
  expect(problems.slice(0, 10)).toEqual([]);
}

/** Statuses of these dossiers the portal accepted (each idempotency key counts once there). */
function acceptedOf(chains: Item[][]): number {
  return chains.reduce((total, chain) => total + sim.portal.statusesOf(chain[0].dossierId).length, 0);
}

async function portalHas(chains: Item[][], timeoutMs: number): Promise<void> {
  const expected = chains.flat().length;
  await eventually(
    `${expected} statuses accepted at the portal (now ${acceptedOf(chains)})`,
    async () => (acceptedOf(chains) >= expected ? true : undefined),
    timeoutMs,
    200,
  );
}

beforeAll(async () => {
  redisUrl = requireRedisUrl();
  brokers = requireKafkaBrokers();
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-portal-it-'));
  sim = await startRegistrySim({ seed: 4, persons: 2_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  const issuer = new DevTokenIssuer({ dataDir });
  writeToken = await issuer.issue({ sub: 'one-stop-it', scope: 'dossiers:write', ttlSec: 3600 });
  opsToken = await issuer.issue({ sub: 'ops-it', scope: 'ops:read', ttlSec: 3600 });
  opsWriteToken = await issuer.issue({ sub: 'ops-it', scope: 'ops:read ops:write', ttlSec: 3600 });
}, 60_000);

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  sim.portal.clearFaults();
  sim.portal.reset();
});

afterAll(async () => {
  await sim?.stop();
});

/** Dossiers per commune of the bulk test, four statuses each: 5 in the test line (2,000 statuses), 25 for the 10,000-status soak. */
const BULK_DOSSIERS = Number(process.env.MOTLAN_SOAK_BULK_DOSSIERS ?? 5);
const BULK_PER_COMMUNE = BULK_DOSSIERS * STEPS.length;
const BULK_TOTAL = BULK_PER_COMMUNE * COMMUNES.length;

describe('dossier sync over Kafka', () => {
  it(`delivers ${BULK_TOTAL.toLocaleString('en')} statuses from 100 communes exactly once, in order per dossier, and the figures match the portal`, async () => {
    await startInProcess();
    const chains = plan('H-BULK', COMMUNES, BULK_DOSSIERS);
    expect(chains.flat()).toHaveLength(BULK_TOTAL);
    const started = performance.now();
    await send(() => base, chains);
    const sentMs = performance.now() - started;
    await portalHas(chains, 180_000);
    const deliveredMs = performance.now() - started;
    const stats = sim.portal.stats();
    // Counted over this test's communes: suites before it share the broker and the relay's consumer
    // group, and a status one of them left queued (another commune's) is delivered here too, as it must be.
    const acceptedHere = () => COMMUNES.reduce((sum, c) => sum + (stats.byCommune[c.code]?.accepted ?? 0), 0);
    expect(acceptedHere()).toBe(BULK_TOTAL);
    expectDeliveredExactlyOnce(chains);
    // The figures, derived from Kafka, agree with what the portal counted, commune by commune, in
    // every province the 100 communes are spread over.
    type CommuneRow = { code: string; received: number; delivered: number; pending: number; failed: number; status: string };
    const provinces = [...new Set(COMMUNES.map((c) => c.provinceCode))];
    const rows = await eventually(
      'the commune figures of every province',
      async () => {
        const found: CommuneRow[] = [];
        for (const province of provinces) {
          const { body } = await httpCall<{ communes: CommuneRow[] }>(base, 'GET', `/v1/ops/sync/communes?province=${province}`, { token: opsToken });
          found.push(...body.communes.filter((c) => COMMUNES.some((x) => x.code === c.code)));
        }
        return found.length === COMMUNES.length && found.every((c) => c.delivered === BULK_PER_COMMUNE) ? found : undefined;
      },
      30_000,
    );
    for (const row of rows) {
      expect(row).toMatchObject({ received: BULK_PER_COMMUNE, delivered: BULK_PER_COMMUNE, pending: 0, failed: 0, status: 'GREEN' });
      expect(stats.byCommune[row.code].accepted).toBe(BULK_PER_COMMUNE);
    }
    expect(acceptedHere()).toBe(BULK_TOTAL);
    console.log(`${BULK_TOTAL} statuses: sent in ${(sentMs / 1000).toFixed(1)} s, all at the portal after ${(deliveredMs / 1000).toFixed(1)} s`);
  }, 240_000);

  it('portal down: lag grows, the group goes to ERR and communes turn YELLOW then RED; portal back: lag drains, OK and GREEN', async () => {
    await startInProcess();
    const communes = COMMUNES.slice(0, 3);
    const lagOf = async () => {
      const { body } = await httpCall<{
        groups: { group: string; status: string; totalLag: number; partitions: { status: string }[]; history: { t: number; status: string }[] }[];
      }>(base, 'GET', '/v1/ops/sync/lag', { token: opsToken });
      return body.groups.find((g) => g.group === 'motlan-portal-sync');
    };
    const colourOf = async (code: string) => {
      const province = directory.commune(code)!.provinceCode;
      const { body } = await httpCall<{ communes: { code: string; status: string }[] }>(base, 'GET', `/v1/ops/sync/communes?province=${province}`, {
        token: opsToken,
      });
      return body.communes.find((c) => c.code === code)!.status;
    };
    // A first status per dossier makes sure the group has committed offsets before the outage.
    await send(
      () => base,
      plan('H-WARMUP', communes, 1).map((c) => c.slice(0, 1)),
    );
    await portalHas(
      plan('H-WARMUP', communes, 1).map((c) => c.slice(0, 1)),
      30_000,
    );
    await eventually('lag OK before the outage', async () => ((await lagOf())?.status === 'OK' && (await lagOf())?.totalLag === 0 ? true : undefined), 20_000);

    const outageFrom = Date.now();
    sim.portal.setFaults({ down: true });
    const chains = plan('H-OUTAGE', communes, 10);
    // Statuses keep arriving during the outage (as they would), so the backlog grows poll after
    // poll. The first six dossiers come at once (a morning queue at the one-stop desk): every
    // partition is past the allowance well inside the window, so the WARN that precedes STALL has
    // time to be judged even on a loaded machine.
    let trickling = true;
    const trickle = (async () => {
      await send(() => base, chains.slice(0, 6), 6);
      for (const chain of chains.slice(6)) {
        await send(() => base, [chain], 1);
        if (trickling) await new Promise((resolve) => setTimeout(resolve, 60));
      }
    })();
    /** Colour changes of the first commune, in the order the API showed them. */
    const colours: string[] = [];
    let group: Awaited<ReturnType<typeof lagOf>>;
    await eventually(
      'group ERR and a RED commune',
      async () => {
        group = await lagOf();
        const colour = await colourOf(communes[0].code);
        if (colours.at(-1) !== colour) colours.push(colour);
        return group?.status === 'ERR' && colour === 'RED' ? true : undefined;
      },
      30_000,
      200,
    );
    trickling = false;
    await trickle;
    expect((await lagOf())!.totalLag).toBeGreaterThanOrEqual(chains.length);
    // The monitor's own history holds the group status of every poll (the API is read less often
    // than the monitor polls): the outage shows as ERR. Whether a WARN poll precedes it depends on
    // when each partition's lag passes the allowance relative to the window (a partition whose lag
    // passes it only after a full window without commits goes straight to STALL, by design), so
    // the WARN → ERR sequence is asserted with a controlled clock in lag-monitor.spec.ts instead.
    const statuses = group!.history.filter((p) => p.t >= outageFrom).map((p) => p.status);
    const changes = statuses.filter((status, i) => i === 0 || status !== statuses[i - 1]);
    expect(changes).toContain('ERR');
    expect(colours).toContain('YELLOW');
    expect(colours.indexOf('YELLOW')).toBeLessThan(colours.indexOf('RED'));
    expect(acceptedOf(chains)).toBe(0);
    console.log(`group status during the outage, poll by poll: ${changes.join(' → ')}; first commune: ${colours.join(' → ')}`);

    sim.portal.clearFaults();
    await portalHas(chains, 60_000);
    await eventually(
      'lag drained, OK, GREEN',
      async () => {
        const group = await lagOf();
        return group?.totalLag === 0 && group.status === 'OK' && (await colourOf(communes[0].code)) === 'GREEN' ? true : undefined;
      },
      30_000,
    );
    expectDeliveredExactlyOnce(chains);
  }, 120_000);

  it('a poison status goes to the dead-letter topic with its reason, other dossiers keep flowing, and a replay delivers it once fixed', async () => {
    await startInProcess();
    const runId = randomUUID().slice(0, 8);
    const [poison, ...healthy] = plan(`POISON-${runId}`, COMMUNES.slice(0, 5), 1);
    sim.portal.reject({ dossierIds: [poison[0].dossierId] });
    await send(() => base, [poison, ...healthy], 4);
    await portalHas(healthy, 60_000);
    expectDeliveredExactlyOnce(healthy);
    expect(sim.portal.statusesOf(poison[0].dossierId)).toEqual([]);

    // Read the dead-letter topic itself (a real broker): the poison status is there with the reason.
    const kafka = new Kafka({ clientId: `dlq-reader-${runId}`, brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `dlq-reader-${runId}` });
    const reasons: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: Topics.dossierSyncDlq, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (message.key?.toString() === poison[0].dossierId) reasons.push(String(message.headers?.[DlqHeaders.reason] ?? ''));
        },
      });
      await eventually('the poison status in the dead-letter topic', async () => (reasons.length > 0 ? true : undefined), 30_000);
    } finally {
      await consumer.disconnect();
    }
    expect(reasons[0]).toMatch(/portal rejected it/);

    sim.portal.clearRejections();
    const replay = await httpCall<{ replayed: number }>(base, 'POST', '/v1/ops/sync/dead-letters/replay', { token: opsWriteToken });
    expect(replay.status).toBe(200);
    expect(replay.body.replayed).toBeGreaterThanOrEqual(1);
    await eventually('the replayed status at the portal', async () => (sim.portal.statusesOf(poison[0].dossierId).length >= 1 ? true : undefined), 30_000);
    // The portal refused every status of that dossier: each was dead-lettered, and the replay sends
    // them back in their order, so the dossier ends complete, in order, with no duplicate.
    await portalHas([poison], 30_000);
    expectDeliveredExactlyOnce([poison]);
  });

  it('a Kafka broker restart in the middle loses and duplicates nothing at the portal', async () => {
    await startInProcess();
    const chains = plan('H-KRESTART', COMMUNES.slice(0, 20), 10);
    const sending = send(() => base, chains, 16);
    await eventually('some deliveries before the restart', async () => (sim.portal.stats().accepted > 100 ? true : undefined), 60_000);
    await restartKafka();
    const { retries } = await sending;
    await portalHas(chains, 120_000);
    expect(acceptedOf(chains)).toBe(chains.flat().length);
    expectDeliveredExactlyOnce(chains);
    console.log(`broker restart: ${retries} intake retries by the senders, ${sim.portal.stats().duplicates} redeliveries answered DUPLICATE`);
  }, 240_000);

  it('a gateway killed with SIGKILL in the middle: after a restart nothing is lost or duplicated at the portal', async () => {
    let child = await startGatewayProcess(env());
    const port = Number(new URL(child.url).port);
    const chains = plan('H-SIGKILL', COMMUNES.slice(20, 40), 10);
    const sending = send(() => child.url, chains, 16);
    await eventually('some deliveries before the kill', async () => (sim.portal.stats().accepted > 150 ? true : undefined), 60_000);
    await child.kill();
    child = await startGatewayProcess(env(), port);
    try {
      const { retries } = await sending;
      await portalHas(chains, 120_000);
      expect(acceptedOf(chains)).toBe(chains.flat().length);
      expectDeliveredExactlyOnce(chains);
      console.log(`SIGKILL: ${retries} intake retries by the senders, ${sim.portal.stats().duplicates} redeliveries answered DUPLICATE`);
    } finally {
      await child.stop();
    }
  }, 240_000);
});
