/**
 * The production profile on a three-broker KRaft cluster of this suite's own (issue 16, items 1
 * and 4): every topic the gateway creates has replication factor 3 and min.insync.replicas 2 (read
 * back from the brokers); then two failures during dossier intake and lookups, each checked the
 * same way: every dossier status answered 202 reaches the simulated portal exactly once (0 lost,
 * 0 duplicated, in order per dossier), every lookup answered 200 has its audit record, and the
 * answers resume.
 *
 * - A broker crashes (SIGKILL) and stays down until everything is at the portal: the broker chosen
 *   is the group coordinator of the portal relay's consumer group (the case that stalled the relay).
 * - A gateway process is killed with SIGKILL while it takes statuses in and relays them: its
 *   callers go on with the other instance, which also takes its relay partitions over.
 *
 * Every wait is on a condition and bounded; the pauses are measured and printed (docs/kafka-cluster.md
 * quotes them). The gateways' warnings go to .data/cluster-it/ and their tail is printed on failure.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigResourceTypes, ConfigSource, Kafka, logLevel, type Admin } from 'kafkajs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import { readAuditTrailTopic } from '@motlan/audit/audit-trail-reader.js';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { KafkaEventLog } from '@motlan/event-log/kafka-event-log.adapter.js';
import { ConsumerGroups, Topics } from '@motlan/events/topics.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { startKafkaCluster, type KafkaCluster } from '../../deploy/kafka-dev/kafka-dev.mjs';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { ensureGatewayBuilt, startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { officerHeaders, purposeFor } from '../support/http.js';
import { requireRedisUrl } from '../support/services.js';
import { simSamples } from '../support/sim-control.js';

const BROKERS = 3;
/** 200 dossiers of 20 communes, four statuses each: 800 intakes per scenario. */
const COMMUNES = VnAdminDirectory.load()
  .communes()
  .filter((_, i) => i % 97 === 0)
  .slice(0, 20);
const DOSSIERS_PER_COMMUNE = 10;
const STEPS = [2, 4, 9, 10];
/** Bound of one HTTP call of the test's clients: a call that gets no answer counts as a lost connection. */
const CALL_TIMEOUT_MS = 30_000;
/** Bound of every wait for everything to be at the portal. */
const DELIVERY_TIMEOUT_MS = 150_000;

let cluster: KafkaCluster | undefined;
let sim: RunningRegistrySim | undefined;
let dataDir: string;
let gateway: NestFastifyApplication | undefined;
let child: GatewayProcess | undefined;
let base: string;
let readToken: string;
let writeToken: string;
let gatewayEnv: Record<string, string>;
const logDir = path.resolve(import.meta.dirname, '..', '..', '.data', 'cluster-it');
const logFile = path.join(logDir, `gateway-${process.pid}.log`);
/** Set in afterAll: the test's client loops stop whatever state a failed test left them in. */
let finished = false;

/** Letters only: request ids with 9+ digits are redacted by the gateway as possible personal ids. */
const letters = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A progress line on stderr at once (Jest prints console.log only at the end of a test): where a slow run is. */
const note = (what: string) => process.stderr.write(`[cluster-it ${new Date().toISOString().slice(11, 19)}] ${what}\n`);
/** `step`, or undefined after `ms` (never holds the test up longer). */
const bounded = <T>(step: Promise<T> | undefined, ms: number): Promise<T | undefined> =>
  Promise.race([step, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())]);

interface Answer {
  status: number;
  body: unknown;
}

/** One HTTP call, bounded: no answer within CALL_TIMEOUT_MS or a broken connection → undefined. */
async function call(
  url: string,
  method: string,
  pathname: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer | undefined> {
  try {
    const response = await fetch(url + pathname, {
      method,
      headers: { authorization: `Bearer ${token}`, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : {} };
  } catch {
    return undefined;
  }
}

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
 * or a lost connection is tried again (at the instance `target` names then) until one answers 202.
 */
async function send(chains: Item[][], timeline: Timeline, target: (chain: number) => string, concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < chains.length && !finished) {
        const index = next++;
        for (const item of chains[index]) {
          for (;;) {
            if (finished) return;
            const answer = await call(target(index), 'PUT', `/v1/dossiers/${item.dossierId}/status`, writeToken, item.body);
            if (answer?.status === 202) {
              timeline.ok.push(Date.now());
              break;
            }
            if (answer && answer.status !== 503) throw new Error(`unexpected ${answer.status}: ${JSON.stringify(answer.body)}`);
            timeline.refused++;
            await sleep(100);
          }
        }
      }
    }),
  );
}

/** Lookups one after the other (at the instance `target` names) until `until()`; the request ids answered 200. */
function lookUp(subjects: string[], timeline: Timeline, target: (i: number) => string, until: () => boolean): { answered: string[]; done: Promise<void> } {
  const answered: string[] = [];
  const done = (async () => {
    for (let i = 0; !until() && !finished; i++) {
      const requestId = `cluster-it-${letters(10)}`;
      const answer = await call(target(i), 'GET', `/v1/registries/population/person/${subjects[i % subjects.length]}`, readToken, undefined, {
        ...officerHeaders('officer-cluster-it', purposeFor('population')),
        'x-request-id': requestId,
      });
      if (answer?.status === 200) {
        answered.push(requestId);
        timeline.ok.push(Date.now());
      } else {
        if (answer && answer.status !== 503) throw new Error(`lookup answered ${answer.status}: ${JSON.stringify(answer.body)}`);
        timeline.refused++;
        await sleep(100);
      }
    }
  })();
  return { answered, done };
}

async function readAuditRecords(): Promise<AuditRecord[]> {
  const log = new KafkaEventLog({ brokers: cluster!.brokers, clientId: 'cluster-it-audit-reader' });
  const records: AuditRecord[] = [];
  try {
    await readAuditTrailTopic(log, Topics.audit, (item) => records.push(item.value as AuditRecord));
  } finally {
    await log.close();
  }
  return records;
}

/** Every lookup answered 200 has its access record on the trail (read over the brokers that are up). */
async function expectAudited(answered: string[]): Promise<void> {
  const records = await bounded(readAuditRecords(), 90_000);
  if (!records) throw new Error('the audit trail could not be read within 90 s');
  const audited = new Set(records.filter((r) => r.type === 'access' && r.outcome === 'answered').map((r) => r.requestId));
  const missing = answered.filter((id) => !audited.has(id));
  expect({ answered: answered.length > 0, missing }).toEqual({ answered: true, missing: [] });
}

const acceptedOf = (chains: Item[][]) => chains.reduce((total, chain) => total + sim!.portal.statusesOf(chain[0].dossierId).length, 0);

/** Notes, every 100 ms, when the portal's count of `chains` moved: the relay's pauses, as a Timeline. */
function watchPortal(chains: Item[][]): { timeline: Timeline; stop: () => void } {
  const timeline = new Timeline();
  let last = acceptedOf(chains);
  const timer = setInterval(() => {
    const now = acceptedOf(chains);
    if (now !== last) timeline.ok.push(Date.now());
    last = now;
  }, 100);
  return { timeline, stop: () => clearInterval(timer) };
}

/** Waits (bounded) until every status of `chains` is at the portal, then checks it is there exactly once, in order per dossier. */
async function expectAtPortalOnce(chains: Item[][]): Promise<void> {
  const expected = chains.flat().length;
  await eventually(`${expected} statuses at the portal`, async () => (acceptedOf(chains) >= expected ? true : undefined), DELIVERY_TIMEOUT_MS, 100).catch(
    (error: Error) => {
      throw new Error(`${error.message}: ${acceptedOf(chains)} of ${expected} there\n${logTail()}`);
    },
  );
  const wrong = chains
    .map((chain) => ({
      dossier: chain[0].dossierId,
      sequences: sim!.portal
        .statusesOf(chain[0].dossierId)
        .map((s) => s.sequence)
        .join(','),
    }))
    .filter((c) => c.sequences !== STEPS.map((_, i) => i + 1).join(','));
  // 0 lost, 0 duplicated, in order.
  expect(wrong.slice(0, 10)).toEqual([]);
  expect(acceptedOf(chains)).toBe(expected);
}

/** The gateways' warnings, for failure messages. */
function logTail(): string {
  let own = '';
  try {
    own = readFileSync(logFile, 'utf8').split('\n').slice(-60).join('\n');
  } catch {
    // none written
  }
  return `--- in-process gateway (last lines of ${logFile}):\n${own}\n--- gateway process:\n${child?.output().slice(-6000) ?? ''}`;
}

/** Java's String.hashCode, which Kafka uses to place a group on a partition of __consumer_offsets. */
function javaHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/** The broker that coordinates `group` (leads its partition of __consumer_offsets). */
async function coordinatorOf(admin: Admin, group: string): Promise<number> {
  const {
    topics: [offsets],
  } = await admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
  const partition = (javaHash(group) & 0x7fffffff) % offsets.partitions.length;
  return offsets.partitions.find((p) => p.partitionId === partition)!.leader;
}

async function withAdmin<T>(use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Kafka({ clientId: 'cluster-it-admin', brokers: cluster!.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

beforeAll(async () => {
  const redisUrl = requireRedisUrl();
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-cluster-it-'));
  mkdirSync(logDir, { recursive: true });
  rmSync(logFile, { force: true });
  // The gateway process scenario runs the built gateway: built first (a few seconds when up to date).
  ensureGatewayBuilt();
  // One cluster for the suite, in the test's process group (a Ctrl-C stops it too).
  cluster = await startKafkaCluster({ brokers: BROKERS, dir: path.join(dataDir, 'kafka'), detached: false });
  sim = await startRegistrySim({ seed: 29, persons: 2_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  const issuer = new DevTokenIssuer({ dataDir });
  readToken = await issuer.issue({ sub: 'commune-cluster-it', scope: 'population:read', ttlSec: 3600 });
  writeToken = await issuer.issue({ sub: 'one-stop-cluster-it', scope: 'dossiers:write', ttlSec: 3600 });
  gatewayEnv = {
    MOTLAN_DATA_DIR: dataDir,
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
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
  };
  const logger = pino({ level: 'warn' }, pino.destination({ dest: logFile, sync: true }));
  const { app } = await createGatewayApp(loadGatewayConfig(gatewayEnv), logger);
  await app.listen(0, '127.0.0.1');
  gateway = app;
  base = await app.getUrl();
}, 300_000);

afterAll(async () => {
  finished = true;
  // The brokers are stopped whatever happens to the rest: nothing else stops them after the run.
  // Each step bounded: a gateway or simulator that does not stop must not keep three brokers alive.
  try {
    child?.process.kill('SIGKILL');
    await bounded(gateway?.close(), 30_000);
    await bounded(sim?.stop(), 15_000);
  } finally {
    await bounded(cluster?.stop(), 60_000);
    for (const node of cluster?.nodes ?? []) await node.kill().catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}, 150_000);

describe('a three-broker Kafka cluster', () => {
  it('every topic the gateway uses is created with replication factor 3 and min.insync.replicas 2', async () => {
    // A lookup and a dossier status: the audit and dossier topics are written, every worker has started.
    const [subject] = await simSamples(sim!.controlUrl, 'population', 'person', 1);
    const ready = new Timeline();
    const first = lookUp(
      [subject],
      ready,
      () => base,
      () => ready.ok.length > 0,
    );
    await bounded(first.done, 60_000);
    expect(ready.ok.length).toBe(1);
    await withAdmin(async (admin) => {
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
      // A broker may not know a topic created a moment ago yet (UNKNOWN_TOPIC_OR_PARTITION): asked again until it does.
      const { topics: metadata } = await eventually('the topics metadata', () => admin.fetchTopicMetadata({ topics }), 30_000, 250);
      const byTopic = <T extends { topic: string }>(list: T[]) => [...list].sort((a, b) => a.topic.localeCompare(b.topic));
      const placement = metadata.map((t) => ({ topic: t.name, replicas: [...new Set(t.partitions.map((p) => p.replicas.length))] }));
      expect(byTopic(placement)).toEqual(byTopic(topics.map((topic) => ({ topic, replicas: [BROKERS] }))));
      const configs = await eventually(
        'the topic configs',
        () =>
          admin.describeConfigs({
            resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
            includeSynonyms: false,
          }),
        30_000,
        250,
      );
      const minInsync = configs.resources.map((r) => ({ topic: r.resourceName, entries: r.configEntries.map((e) => [e.configValue, e.configSource]) }));
      // Set on each topic by the code (TOPIC_CONFIG), not inherited from the broker's default (also 2 on this cluster).
      expect(byTopic(minInsync)).toEqual(byTopic(topics.map((topic) => ({ topic, entries: [['2', ConfigSource.TOPIC_CONFIG]] }))));
      console.log(`topics on the cluster: ${topics.sort().join(', ')}`);
    });
  }, 120_000);

  it('a broker crashes during intake and lookups and stays down: every 200 lookup is audited, every 202 reaches the portal exactly once', async () => {
    const started = Date.now();
    const duplicatesBefore = sim!.portal.stats().duplicates;
    const chains = plan(`KB${letters(3).toUpperCase()}`);
    const intake = new Timeline();
    const lookups = new Timeline();
    const subjects = await simSamples(sim!.controlUrl, 'population', 'person', 50);
    let intakeDoneAt = Infinity;
    const lookingUp = lookUp(
      subjects,
      lookups,
      () => base,
      () => lookups.ok.some((t) => t > intakeDoneAt),
    );
    const sending = send(chains, intake, () => base);
    // The crash lands in the middle of the intake, with the relay at work: a quarter of the statuses answered 202, some at the portal.
    await eventually(
      'a quarter of the statuses answered 202 and some at the portal',
      async () => (intake.ok.length >= chains.length && acceptedOf(chains) > 0 ? true : undefined),
      120_000,
      20,
    );
    // The worst broker to lose for the relay: the coordinator of its consumer group (it also leads partitions of every topic).
    const coordinator = await eventually(
      'the relay group coordinator',
      () =>
        bounded(
          withAdmin((admin) => coordinatorOf(admin, ConsumerGroups.portalSync)),
          10_000,
        ),
      30_000,
      250,
    );
    const victim = cluster!.nodes.find((n) => n.nodeId === coordinator)!;
    note(`killing broker ${victim.nodeId}`);
    const atKill = acceptedOf(chains);
    const relay = watchPortal(chains);
    const killedAt = Date.now();
    await victim.kill();
    await sending;
    intakeDoneAt = Date.now();
    note('intake done');
    // Lookups go on until the intake is over and at least one more lookup was answered after it.
    await bounded(lookingUp.done, 60_000);
    expect(lookups.ok.some((t) => t > intakeDoneAt)).toBe(true);
    const lookupsDoneAt = Date.now();

    // With the broker still down: the relay rides out the loss on the two brokers left.
    note('lookups done; waiting for the portal');
    await expectAtPortalOnce(chains).finally(relay.stop);
    const allThereAt = Date.now();
    note('all at the portal; reading the audit trail');
    await expectAudited(lookingUp.answered);
    console.log(
      `broker ${victim.nodeId} (coordinator of ${ConsumerGroups.portalSync}) of ${BROKERS} killed and left down: ` +
        `${chains.flat().length} statuses all at the portal once (0 lost, 0 duplicated; ${atKill} there at the crash; all there ${((allThereAt - killedAt) / 1000).toFixed(1)} s after the crash, ${((allThereAt - intakeDoneAt) / 1000).toFixed(1)} s after the intake ended); ` +
        `intake paused at most ${(intake.longestGap(killedAt, intakeDoneAt) / 1000).toFixed(1)} s (${intake.refused} retries after 503/lost connections), ` +
        `lookups paused at most ${(lookups.longestGap(killedAt, lookupsDoneAt) / 1000).toFixed(1)} s (${lookingUp.answered.length} answered and audited, ${lookups.refused} refused with 503), ` +
        `relay paused at most ${(relay.timeline.longestGap(killedAt, allThereAt) / 1000).toFixed(1)} s; ` +
        `${sim!.portal.stats().duplicates - duplicatesBefore} redeliveries answered DUPLICATE by the portal; scenario ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );

    // The broker comes back, as its pod would, for the next scenario: three brokers listed again.
    note('restarting the broker');
    await victim.restart();
    note('broker restarted');
    await eventually(
      'three brokers listed',
      () =>
        bounded(
          withAdmin(async (admin) => ((await admin.describeCluster()).brokers.length === BROKERS ? true : undefined)),
          10_000,
        ),
      60_000,
      500,
    );
    note('three brokers listed');
  }, 480_000);

  it('a gateway process killed with SIGKILL during intake and lookups: its callers go on with the other instance, every 202 reaches the portal exactly once', async () => {
    const started = Date.now();
    const duplicatesBefore = sim!.portal.stats().duplicates;
    note('starting a gateway process');
    child = await startGatewayProcess(gatewayEnv);
    note('gateway process up');
    const chains = plan(`KG${letters(3).toUpperCase()}`);
    const intake = new Timeline();
    const lookups = new Timeline();
    const subjects = await simSamples(sim!.controlUrl, 'population', 'person', 50);
    let killed = false;
    // Half the dossiers (and half the lookups) go to the process, as a load balancer would; once it is dead, to the other instance.
    const pick = (i: number) => (!killed && i % 2 === 0 ? child!.url : base);
    let intakeDoneAt = Infinity;
    const lookingUp = lookUp(subjects, lookups, pick, () => lookups.ok.some((t) => t > intakeDoneAt));
    const sending = send(chains, intake, pick);
    // Killed in the middle: a quarter of the statuses answered 202 (half of them by the process), some at the portal.
    await eventually(
      'a quarter of the statuses answered 202 and some at the portal',
      async () => (intake.ok.length >= chains.length && acceptedOf(chains) > 0 ? true : undefined),
      120_000,
      20,
    );
    const atKill = acceptedOf(chains);
    const relay = watchPortal(chains);
    const killedAt = Date.now();
    note('killing the gateway process');
    await child.kill();
    killed = true;
    await sending;
    intakeDoneAt = Date.now();
    note('intake done');
    await bounded(lookingUp.done, 60_000);
    expect(lookups.ok.some((t) => t > intakeDoneAt)).toBe(true);
    const lookupsDoneAt = Date.now();

    // The other instance's relay takes the dead one's partitions over once its group session expires.
    await expectAtPortalOnce(chains).finally(relay.stop);
    const allThereAt = Date.now();
    note('all at the portal; reading the audit trail');
    await expectAudited(lookingUp.answered);
    console.log(
      `gateway process killed (SIGKILL): ${chains.flat().length} statuses all at the portal once via the other instance ` +
        `(0 lost, 0 duplicated; ${atKill} there at the kill; all there ${((allThereAt - killedAt) / 1000).toFixed(1)} s after the kill, ${((allThereAt - intakeDoneAt) / 1000).toFixed(1)} s after the intake ended); ` +
        `intake paused at most ${(intake.longestGap(killedAt, intakeDoneAt) / 1000).toFixed(1)} s (${intake.refused} retries after 503/lost connections), ` +
        `lookups paused at most ${(lookups.longestGap(killedAt, lookupsDoneAt) / 1000).toFixed(1)} s (${lookingUp.answered.length} answered and audited, ${lookups.refused} refused or cut), ` +
        `relay paused at most ${(relay.timeline.longestGap(killedAt, allThereAt) / 1000).toFixed(1)} s; ` +
        `${sim!.portal.stats().duplicates - duplicatesBefore} redeliveries answered DUPLICATE by the portal; scenario ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
  }, 480_000);
});
