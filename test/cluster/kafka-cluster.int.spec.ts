/**
 * The production profile on a three-broker KRaft cluster of this suite's own (issue 16, items 1
 * and 4, broker half): every topic the gateway creates has replication factor 3 and
 * min.insync.replicas 2 (read back from the brokers), and with one broker killed (SIGKILL, a crash)
 * during dossier intake and lookups, the intake and the lookups go on with the two brokers left,
 * every lookup answered 200 has its audit record, and once the broker is back every status
 * answered 202 is at the simulated portal exactly once. The pause the crash causes is measured
 * and printed (docs/kafka-cluster.md quotes it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigResourceTypes, ConfigSource, Kafka, logLevel } from 'kafkajs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import { readAuditTrailTopic } from '@motlan/audit/audit-trail-reader.js';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { KafkaEventLog } from '@motlan/event-log/kafka-event-log.adapter.js';
import { Topics } from '@motlan/events/topics.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { startKafkaCluster, type KafkaCluster } from '../../deploy/kafka-dev/kafka-dev.mjs';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders, purposeFor } from '../support/http.js';
import { requireRedisUrl } from '../support/services.js';
import { simSamples } from '../support/sim-control.js';

const BROKERS = 3;
/** 200 dossiers of 20 communes, four statuses each: 800 intakes. */
const COMMUNES = VnAdminDirectory.load()
  .communes()
  .filter((_, i) => i % 97 === 0)
  .slice(0, 20);
const DOSSIERS_PER_COMMUNE = 10;
const STEPS = [2, 4, 9, 10];

let cluster: KafkaCluster;
let sim: RunningRegistrySim;
let dataDir: string;
let gateway: NestFastifyApplication | undefined;
let base: string;
let readToken: string;
let writeToken: string;

/** Letters only: request ids with 9+ digits are redacted by the gateway as possible personal ids. */
const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');

interface Item {
  dossierId: string;
  sequence: number;
  body: Record<string, unknown>;
}

function plan(prefix: string): Item[][] {
  return COMMUNES.flatMap((commune) =>
    Array.from({ length: DOSSIERS_PER_COMMUNE }, (_, d) => {
      const dossierId = `${prefix}-${commune.code}-${d}`;
      return STEPS.map((status, i) => ({
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
      }));
    }),
  );
}

/** When answers of one kind succeeded: the longest gap between two of them is the pause a client saw. */
class Timeline {
  readonly ok: number[] = [];
  refused = 0;
  longestGap(from: number, to: number): number {
    const inside = this.ok.filter((t) => t >= from && t <= to).sort((a, b) => a - b);
    const points = [from, ...inside, to];
    return Math.max(...points.slice(1).map((t, i) => t - points[i]));
  }
}

/**
 * Sends each dossier's statuses in order (dossiers in parallel), as a commune system would: a 503
 * or a lost connection is tried again until the gateway answers 202.
 */
async function send(chains: Item[][], timeline: Timeline, concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < chains.length) {
        for (const item of chains[next++]) {
          for (;;) {
            const answer = await httpCall(base, 'PUT', `/v1/dossiers/${item.dossierId}/status`, { token: writeToken, body: item.body }).catch(() => undefined);
            if (answer?.status === 202) {
              timeline.ok.push(Date.now());
              break;
            }
            if (answer && answer.status !== 503) throw new Error(`unexpected ${answer.status}: ${JSON.stringify(answer.body)}`);
            timeline.refused++;
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      }
    }),
  );
}

async function readAuditRecords(): Promise<AuditRecord[]> {
  const log = new KafkaEventLog({ brokers: cluster.brokers, clientId: 'cluster-it-audit-reader' });
  const records: AuditRecord[] = [];
  try {
    await readAuditTrailTopic(log, Topics.audit, (item) => records.push(item.value as AuditRecord));
  } finally {
    await log.close();
  }
  return records;
}

beforeAll(async () => {
  const redisUrl = requireRedisUrl();
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-cluster-it-'));
  // One cluster for the suite, in the test's process group (a Ctrl-C stops it too).
  cluster = await startKafkaCluster({ brokers: BROKERS, dir: path.join(dataDir, 'kafka'), detached: false });
  sim = await startRegistrySim({ seed: 29, persons: 2_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  const issuer = new DevTokenIssuer({ dataDir });
  readToken = await issuer.issue({ sub: 'commune-cluster-it', scope: 'population:read', ttlSec: 3600 });
  writeToken = await issuer.issue({ sub: 'one-stop-cluster-it', scope: 'dossiers:write', ttlSec: 3600 });
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: dataDir,
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: cluster.brokers.join(','),
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([r, e]) => `${r}=${e}`)
      .join(','),
    MOTLAN_PORTAL_ENDPOINT: sim.portalEndpoint,
    MOTLAN_RATE_LIMIT_PER_SECOND: '0',
    MOTLAN_REGISTRY_TIMEOUT_MS: '15000',
    MOTLAN_PORTAL_TIMEOUT_MS: '2000',
    MOTLAN_PORTAL_INLINE_BACKOFF_MS: '20',
    MOTLAN_PORTAL_RETRY_BACKOFF_MS: '100',
    MOTLAN_PORTAL_OUTAGE_BACKOFF_MAX_MS: '500',
  });
  const { app } = await createGatewayApp(config, pino({ level: 'silent' }));
  await app.listen(0, '127.0.0.1');
  gateway = app;
  base = await app.getUrl();
}, 240_000);

afterAll(async () => {
  // The brokers are stopped whatever happens to the rest: nothing else stops them after the run.
  // Each step bounded: a gateway or simulator that does not stop must not keep three brokers alive.
  const bounded = (step: Promise<unknown> | undefined) => Promise.race([step, new Promise((resolve) => setTimeout(resolve, 30_000).unref())]);
  try {
    await bounded(gateway?.close());
    await bounded(sim?.stop());
  } finally {
    await cluster?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);

const lookup = (subject: string, requestId: string) =>
  httpCall(base, 'GET', `/v1/registries/population/person/${subject}`, {
    token: readToken,
    headers: { ...officerHeaders('officer-cluster-it', purposeFor('population')), 'x-request-id': requestId },
  });

describe('a three-broker Kafka cluster', () => {
  it('every topic the gateway uses is created with replication factor 3 and min.insync.replicas 2', async () => {
    // A lookup and a dossier status: the audit and dossier topics are written, every worker has started.
    const [subject] = await simSamples(sim.controlUrl, 'population', 'person', 1);
    await eventually(
      'a first lookup answered',
      async () => ((await lookup(subject, `cluster-it-${letters(8)}`)).status === 200 ? true : undefined),
      60_000,
      250,
    );
    const admin = new Kafka({ clientId: 'cluster-it-admin', brokers: cluster.brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      // The gateway's workers create their topics as they start: wait for the ones every role uses.
      const expected = [Topics.audit, Topics.dossierSync, Topics.dossierSyncRetry, Topics.dossierSyncDlq, Topics.dossierSyncOutcomes];
      const topics = await eventually(
        'the gateway topics',
        async () => {
          const names = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
          return expected.every((t) => names.includes(t)) ? names : undefined;
        },
        60_000,
        250,
      );
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const byTopic = <T extends { topic: string }>(list: T[]) => [...list].sort((a, b) => a.topic.localeCompare(b.topic));
      const placement = metadata.map((t) => ({ topic: t.name, replicas: [...new Set(t.partitions.map((p) => p.replicas.length))] }));
      expect(byTopic(placement)).toEqual(byTopic(topics.map((topic) => ({ topic, replicas: [BROKERS] }))));
      const configs = await admin.describeConfigs({
        resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
        includeSynonyms: false,
      });
      const minInsync = configs.resources.map((r) => ({ topic: r.resourceName, entries: r.configEntries.map((e) => [e.configValue, e.configSource]) }));
      // Set on each topic by the code (TOPIC_CONFIG), not inherited from the broker's default (also 2 on this cluster).
      expect(byTopic(minInsync)).toEqual(byTopic(topics.map((topic) => ({ topic, entries: [['2', ConfigSource.TOPIC_CONFIG]] }))));
      console.log(`topics on the cluster: ${topics.sort().join(', ')}`);
    } finally {
      await admin.disconnect();
    }
  }, 120_000);

  it('a broker killed during intake and lookups: every 200 lookup is audited; every 202 reaches the portal exactly once (broker back after the intake)', async () => {
    const chains = plan(`KC${letters(3).toUpperCase()}`);
    const intake = new Timeline();
    const lookups = new Timeline();
    const answered: string[] = [];
    const subjects = await simSamples(sim.controlUrl, 'population', 'person', 50);
    let looking = true;
    const lookingUp = (async () => {
      for (let i = 0; looking; i++) {
        const requestId = `cluster-it-${letters(10)}`;
        const answer = await lookup(subjects[i % subjects.length], requestId).catch(() => undefined);
        if (answer?.status === 200) {
          answered.push(requestId);
          lookups.ok.push(Date.now());
        } else {
          if (answer && answer.status !== 503) throw new Error(`lookup answered ${answer.status}: ${JSON.stringify(answer.body)}`);
          lookups.refused++;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    })();
    const sending = send(chains, intake);
    // The crash lands in the middle of the intake: a quarter of the statuses answered 202, the rest still to send.
    await eventually('a quarter of the statuses answered 202', async () => (intake.ok.length >= chains.length ? true : undefined), 120_000, 20);
    const portalBefore = sim.portal.stats().accepted;
    // The node that leads the controller quorum or not, it does not matter: node 1 also leads some partitions of every topic.
    const victim = cluster.nodes[0];
    const killedAt = Date.now();
    await victim.kill();
    await sending;
    const intakeDoneAt = Date.now();
    // Lookups go on until the intake is over and at least one more lookup was answered after it.
    await eventually('a lookup answered after the intake', async () => (lookups.ok.some((t) => t > intakeDoneAt) ? true : undefined), 60_000, 100);
    looking = false;
    await lookingUp;
    const lookupsDoneAt = Date.now();

    // Every lookup answered 200 has its record (the answer waited for it); the trail is read over the two brokers left.
    const records = await readAuditRecords();
    const audited = new Set(records.filter((r) => r.type === 'access' && r.outcome === 'answered').map((r) => r.requestId));
    const missing = answered.filter((id) => !audited.has(id));
    expect({ answered: answered.length > 0, missing }).toEqual({ answered: true, missing: [] });

    // The crashed broker comes back, as its pod would. Not before: intake and lookups above ran on two
    // brokers. Kafka's ISR keeps acknowledged writes on the brokers that stayed, so nothing can be lost
    // by the restart; it also unblocks a consumer kafkajs left pinned to its dead group coordinator
    // (consumerRetry in libs/events/kafka-client.adapter.ts: seen in 1 of 3 runs).
    const expected = chains.flat().length;
    const accepted = () => chains.reduce((total, chain) => total + sim.portal.statusesOf(chain[0].dossierId).length, 0);
    const atRestart = accepted();
    await victim.restart();
    await eventually(`${expected} statuses at the portal (now ${accepted()})`, async () => (accepted() >= expected ? true : undefined), 180_000, 200);
    const problems = chains
      .map((chain) => ({
        dossier: chain[0].dossierId,
        sequences: sim.portal
          .statusesOf(chain[0].dossierId)
          .map((s) => s.sequence)
          .join(','),
      }))
      .filter((c) => c.sequences !== STEPS.map((_, i) => i + 1).join(','));
    // 0 lost, 0 duplicated, in order.
    expect(problems.slice(0, 10)).toEqual([]);
    expect(accepted()).toBe(expected);

    const intakePause = intake.longestGap(killedAt, intakeDoneAt);
    const lookupPause = lookups.longestGap(killedAt, lookupsDoneAt);
    console.log(
      `broker ${victim.nodeId} of ${BROKERS} killed: ${expected} statuses (200 dossiers) all at the portal once; ` +
        `intake paused at most ${(intakePause / 1000).toFixed(1)} s (${intake.refused} retries after 503/lost connections), ` +
        `lookups paused at most ${(lookupPause / 1000).toFixed(1)} s (${answered.length} answered and audited, ${lookups.refused} refused with 503), ` +
        `${sim.portal.stats().duplicates} redeliveries answered DUPLICATE by the portal; at the portal: ${portalBefore} when the broker died, ` +
        `${atRestart} of ${expected} when it was restarted after the intake`,
    );
  }, 420_000);
});
