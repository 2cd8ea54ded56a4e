/**
 * The audit trail on Kafka (issue 6, "audit that cannot be skipped"), against the real broker of
 * the test harness and a production-profile gateway in process: lookups are answered and audited
 * in motlan.audit.v1 (a private topic here); with Kafka stopped every lookup is refused with 503
 * audit_unavailable within a bounded time and none is answered; with Kafka back they are answered
 * again; `motlan audit verify` finds the topic intact and finds a removed, an altered and two
 * swapped records in tampered copies of it. A write batch is one message (a record per line), a
 * few when it is larger than AUDIT_MESSAGE_MAX_BYTES; one-record messages of earlier releases
 * read the same.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { splitChained, type ChainedAuditEntry } from '@motlan/audit/audit-chain.js';
import type { AuditPosition } from '@motlan/audit/audit-feed.port.js';
import type { AuditEntry, AuditRecord } from '@motlan/audit/audit-record.js';
import { LogAuditFeed } from '@motlan/audit/log-audit-feed.js';
import { accessRecord } from '../support/audit-records.js';
import { AUDIT_TOPIC_PARTITIONS, LogAuditSink } from '@motlan/audit/log-audit-sink.js';
import { AUDIT_MESSAGE_MAX_BYTES, auditTrailCodec } from '@motlan/audit/audit-trail-codec.js';
import { readAuditTrailTopic, type TrailItem } from '@motlan/audit/audit-trail-reader.js';
import { verifyAuditTrail, type AuditVerifyReport } from '@motlan/audit/audit-verifier.js';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { KafkaEventLog } from '@motlan/event-log/kafka-event-log.adapter.js';
import { runMotlanCli } from '../../apps/gateway/src/cli/motlan-command.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders } from '../support/http.js';
import { requireKafkaBrokers, requireRedisUrl, restartKafka, stopKafka } from '../support/services.js';
import { simSamples } from '../support/sim-control.js';

const RUN = randomUUID().slice(0, 8);
const TOPIC = `motlan.audit.v1.it-${RUN}`;
const INSTANCE = `audit-it-${RUN}`;
/**
 * Kafka down: a lookup waits this long for its audit record, then answers 503. The production
 * default: with less, an acks=all write on a loaded 2-core machine (the registry simulator, the
 * gateway and the test share one event loop here) can exceed it while Kafka is up (CI saw it).
 */
const AUDIT_TIMEOUT_MS = 5000;

let brokers: string[];
let sim: RunningRegistrySim;
let gateway: NestFastifyApplication | undefined;
let base: string;
let token: string;
let dataDir: string;
let ids: string[];

beforeAll(async () => {
  brokers = requireKafkaBrokers();
  const redisUrl = requireRedisUrl();
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-audit-it-'));
  sim = await startRegistrySim({ seed: 17, persons: 100_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  token = await new DevTokenIssuer({ dataDir }).issue({ sub: 'commune-audit-it', scope: 'population:read' });
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: dataDir,
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: brokers.join(','),
    MOTLAN_INSTANCE_ID: INSTANCE,
    MOTLAN_AUDIT_TOPIC: TOPIC,
    MOTLAN_AUDIT_TIMEOUT_MS: String(AUDIT_TIMEOUT_MS),
    MOTLAN_PORTAL_SYNC_WORKER: 'false',
    // Bursts of lookups from one client: rate limits have their own suite.
    MOTLAN_RATE_LIMIT_PER_SECOND: '0',
    // The registry's speed is not what this suite is about: a burst of 20 misses served by the
    // in-process simulator on a loaded machine must not time out and open the breaker (CI saw it).
    MOTLAN_REGISTRY_TIMEOUT_MS: '15000',
    MOTLAN_ADAPTER_CATALOG_TOPIC: `motlan.adapters.v1.audit-it-${RUN}`,
    MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-audit-it-${RUN}`,
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([r, e]) => `${r}=${e}`)
      .join(','),
  });
  const { app } = await createGatewayApp(config, pino({ level: 'silent' }));
  await app.listen(0, '127.0.0.1');
  gateway = app;
  base = await app.getUrl();
  ids = await simSamples(sim.controlUrl, 'population', 'person', 40);
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await sim?.stop();
}, 60_000);

let sent = 0;
type LookupBody = { data?: Record<string, unknown>; code?: string };
async function lookup(): Promise<{ status: number; code?: string; requestId: string; ms: number }> {
  // A letter before the counter: RUN ending in seven digits followed by "-12" would look like a
  // personal id (9+ digits across separators) and the gateway would replace the request id.
  const requestId = `audit-it-${RUN}-n${++sent}`;
  const answer = await httpCall<LookupBody>(base, 'GET', `/v1/registries/population/person/${ids[sent % ids.length]}`, {
    token,
    headers: { ...officerHeaders('officer-audit-it'), 'x-request-id': requestId },
  });
  return { status: answer.status, code: answer.body.code, requestId: answer.headers.get('x-request-id') ?? requestId, ms: answer.ms };
}

/** Everything on a topic, in partition order. */
async function readTopic(topic: string): Promise<TrailItem[]> {
  const log = new KafkaEventLog({ brokers, clientId: 'audit-it-reader' });
  const items: TrailItem[] = [];
  try {
    await readAuditTrailTopic(log, topic, (item) => items.push(item));
  } finally {
    await log.close();
  }
  return items.sort((a, b) => compareKafkaPositions(a.position, b.position));
}

/** Positions "<partition>:<offset>" or "<partition>:<offset>:<line>" (a record of a write batch) in trail order. */
function compareKafkaPositions(a: string, b: string): number {
  const [pa, oa, la = 0n] = a.split(':').map(BigInt);
  const [pb, ob, lb = 0n] = b.split(':').map(BigInt);
  return pa !== pb ? Number(pa - pb) : oa !== ob ? Number(oa - ob) : Number(la - lb);
}

async function verify(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMotlanCli(['audit', 'verify', ...args], env, { write: (t) => out.push(t) }, { write: (t) => err.push(t) });
  return { code, out: out.join(''), err: err.join('') };
}

const records = (items: TrailItem[]) => items.map((i) => i.value as ChainedAuditEntry);
const accessFor = (items: TrailItem[], requestId: string) =>
  records(items).filter((r): r is AuditRecord & ChainedAuditEntry => r.type === 'access' && r.requestId === requestId);

describe('audit trail on Kafka', () => {
  const refused: string[] = [];

  it('lookups are answered and audited in the topic, chained, before the answer leaves', async () => {
    // Lookups until one is answered first: on a fresh broker the audit producer may still be starting
    // (its lookups refused with 503 audit_unavailable, as they should be), and a burst on a gateway that
    // has not loaded its token key set yet may get 503 jwks_unavailable.
    await eventually('a first lookup answered', async () => ((await lookup()).status === 200 ? true : undefined), 30_000, 200);
    const answers = await Promise.all(Array.from({ length: 20 }, () => lookup()));
    expect(answers.map((a) => `${a.status} ${a.code ?? ''}`.trim())).toEqual(Array(20).fill('200'));
    // Every answered lookup's record was acknowledged by Kafka before the answer: it is there now.
    const items = await readTopic(TOPIC);
    for (const answer of answers) {
      const [record] = accessFor(items, answer.requestId);
      expect(record).toMatchObject({ outcome: 'answered', status: 200, clientId: 'commune-audit-it', registry: 'population', dataset: 'person' });
      expect(record.chain.writer.startsWith(`${INSTANCE}~`)).toBe(true);
    }
    // One writer, one partition, seq 1..n in offset order.
    const chain = records(items).map((r) => r.chain);
    expect(new Set(chain.map((c) => c.writer)).size).toBe(1);
    expect(new Set(items.map((i) => i.position.split(':')[0])).size).toBe(1);
    expect(chain.map((c) => c.seq)).toEqual(chain.map((_, i) => i + 1));
  });

  it('the audit topic was created with its partitions and kept forever (retention.ms=-1)', async () => {
    const admin = new Kafka({ clientId: 'audit-it-config', brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const [config] = (
        await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: TOPIC, configNames: ['retention.ms'] }], includeSynonyms: false })
      ).resources;
      expect(config.configEntries.find((c) => c.configName === 'retention.ms')?.configValue).toBe('-1');
      expect((await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics[0].partitions).toHaveLength(AUDIT_TOPIC_PARTITIONS);
    } finally {
      await admin.disconnect();
    }
  });

  it('Kafka stopped: every lookup is refused with 503 audit_unavailable within a bounded time, none answered; Kafka back: answered again', async () => {
    await stopKafka();
    const during: Awaited<ReturnType<typeof lookup>>[] = [];
    try {
      // One by one (each waits out the audit timeout or meets a write already pending too long), then a burst.
      for (let i = 0; i < 5; i++) during.push(await lookup());
      during.push(...(await Promise.all(Array.from({ length: 15 }, () => lookup()))));
      await new Promise((r) => setTimeout(r, AUDIT_TIMEOUT_MS));
      during.push(await lookup());
    } finally {
      await restartKafka();
    }
    expect(during.filter((a) => a.status === 200)).toEqual([]);
    for (const answer of during) {
      expect(answer).toMatchObject({ status: 503, code: 'audit_unavailable' });
      // Bounded: the audit timeout plus the lookup itself, never the broker's outage.
      expect(answer.ms).toBeLessThan(AUDIT_TIMEOUT_MS + 3000);
      refused.push(answer.requestId);
    }
    const back = await eventually(
      'lookups answered again',
      async () => {
        const answer = await lookup();
        return answer.status === 200 ? answer : undefined;
      },
      90_000,
      500,
    );
    expect(back.status).toBe(200);
    const after = await Promise.all(Array.from({ length: 10 }, () => lookup()));
    expect(after.map((a) => a.status)).toEqual(Array(10).fill(200));
  }, 240_000);

  it('no refused lookup is in the trail as released: absent, or named by the writer’s notice', async () => {
    // The write pending when the broker went away lands once it is back; the notice naming it follows at once.
    const items = await eventually(
      'notice written',
      async () => {
        const read = await readTopic(TOPIC);
        const pending = refused.flatMap((id) => accessFor(read, id));
        const named = namedByNotices(read);
        return pending.every((r) => named.has(r.chain.seq)) ? read : undefined;
      },
      30_000,
      1000,
    );
    const named = namedByNotices(items);
    for (const id of refused) for (const record of accessFor(items, id)) expect(named.has(record.chain.seq)).toBe(true);
  }, 60_000);

  it('the audit feed on the Kafka log delivers the trail in order, without chains, with partition:offset, writer and seq', async () => {
    const log = new KafkaEventLog({ brokers, clientId: 'audit-it-feed' });
    const feed = new LogAuditFeed({ log, topic: TOPIC });
    const seen: Array<{ entry: AuditEntry; position: AuditPosition }> = [];
    const running = await feed.follow(`audit-it-feed-${RUN}`, async (entry, position) => {
      seen.push({ entry, position });
    });
    try {
      await running.caughtUp();
    } finally {
      await running.stop();
      await log.close();
    }
    const items = await readTopic(TOPIC);
    expect(seen.map((s) => s.position)).toEqual(
      items.map((i) => ({ position: i.position, writer: (i.value as ChainedAuditEntry).chain.writer, seq: (i.value as ChainedAuditEntry).chain.seq })),
    );
    expect(seen.map((s) => s.entry)).toEqual(items.map((i) => splitChained(i.value!).entry));
    expect(seen.some((s) => 'chain' in s.entry)).toBe(false);
  }, 60_000);

  it('verify: the topic is intact (whole and from a time on); tampered copies show a removed, an altered and two swapped records', async () => {
    const env = { KAFKA_BROKERS: brokers.join(','), MOTLAN_AUDIT_TOPIC: TOPIC };
    const whole = await verify([], env);
    expect(whole.err).toBe('');
    expect(whole.out).toMatch(/INTACT/);
    expect(whole.out).not.toMatch(/NOT INTACT/);
    expect(whole.code).toBe(0);
    const json = JSON.parse((await verify(['--json'], env)).out) as AuditVerifyReport;
    expect(json).toMatchObject({ intact: true, problems: [] });
    expect(json.writers).toHaveLength(1);

    const items = await readTopic(TOPIC);
    const lines = items.map((i) => JSON.stringify(i.value));
    const middle = Math.floor(lines.length / 2);
    const seq = (items[middle].value as ChainedAuditEntry).chain.seq;
    const fromTime = (splitChained(items[middle].value!).entry as { time: string }).time;
    const ranged = JSON.parse((await verify(['--json', '--from', fromTime], env)).out) as AuditVerifyReport;
    expect(ranged.intact).toBe(true);
    expect(ranged.writers[0].firstSeq).toBeGreaterThan(1);

    // A copy with one record removed, in a scratch topic (the command reads it like the real one):
    // most records before it one per message (as earlier releases wrote them), the rest in
    // batches of four (as the sink writes), the gap inside the first of them (its third line).
    const scratch = `${TOPIC}.tampered`;
    const removed = [...lines];
    removed.splice(middle, 1);
    await produce(scratch, removed, middle - 2);
    const fromKafka = await verify([], { ...env, MOTLAN_AUDIT_TOPIC: scratch });
    expect(fromKafka.code).toBe(1);
    expect(fromKafka.out).toMatch(new RegExp(`NOT INTACT: 1 problem\\n\\s+REMOVED .* at 0:${middle - 2}:3: seq ${seq} is missing`));

    // Copies in files: one record altered, two swapped.
    const dir = mkdtempSync(path.join(tmpdir(), 'motlan-audit-tampered-'));
    const altered = [...lines];
    const victim = JSON.parse(altered[middle]) as AuditRecord;
    victim.officerId = 'someone-else';
    altered[middle] = JSON.stringify(victim);
    writeFileSync(path.join(dir, 'altered.jsonl'), altered.join('\n') + '\n');
    const swapped = [...lines];
    [swapped[middle], swapped[middle + 1]] = [swapped[middle + 1], swapped[middle]];
    writeFileSync(path.join(dir, 'swapped.jsonl'), swapped.join('\n') + '\n');
    writeFileSync(path.join(dir, 'copy.jsonl'), lines.join('\n') + '\n');

    const intactCopy = await verify(['--file', path.join(dir, 'copy.jsonl')], env);
    expect(intactCopy.code).toBe(0);
    const alteredReport = await verify(['--file', path.join(dir, 'altered.jsonl')], env);
    expect(alteredReport.code).toBe(1);
    expect(alteredReport.out).toMatch(new RegExp(`ALTERED .*at ${middle + 1}: seq ${seq}: content does not match its hash`));
    const swappedReport = await verify(['--file', path.join(dir, 'swapped.jsonl'), '--json'], env);
    expect(swappedReport.code).toBe(1);
    expect((JSON.parse(swappedReport.out) as AuditVerifyReport).problems).toEqual([
      expect.objectContaining({ kind: 'reordered', seq, position: String(middle + 2) }),
    ]);
  }, 120_000);
});

describe('write batches on Kafka', () => {
  const topic = `${TOPIC}.batches`;
  const record = (n: number, code?: string): AuditRecord =>
    accessRecord(n, {
      time: new Date().toISOString(),
      requestId: `batch-it-${n}`,
      clientId: 'commune-audit-it',
      officerId: 'officer-audit-it',
      ...(code === undefined ? {} : { code }),
    });

  it('a group-committed batch is one message; one above the byte limit a few, each within it; read back in chain order, intact', async () => {
    const sink = new LogAuditSink({ log: new KafkaEventLog({ brokers, clientId: 'audit-it-batches' }), topic, writer: `batch-it~${RUN}` });
    try {
      await sink.appendMany(Array.from({ length: 50 }, (_, i) => record(i + 1)));
      // About 800 KB: above the 256 KiB per message, below what one produce request may carry twice over.
      await sink.appendMany(Array.from({ length: 400 }, (_, i) => record(51 + i, 'z'.repeat(2000))));
    } finally {
      await sink.onModuleDestroy();
    }
    const items = await readTopic(topic);
    expect(items.map((i) => (i.value as AuditRecord).requestId)).toEqual(Array.from({ length: 450 }, (_, i) => `batch-it-${i + 1}`));
    expect(verifyAuditTrail(items)).toMatchObject({ intact: true, records: 450, problems: [] });
    // Messages: "<partition>:<offset>" of each record; the first write is one, the second a few.
    const messageOf = (position: string) => position.split(':').slice(0, 2).join(':');
    const messages = [...new Set(items.map((i) => messageOf(i.position)))];
    const sizes = messages.map((m) => items.filter((i) => messageOf(i.position) === m).length);
    expect(sizes[0]).toBe(50);
    expect(sizes.length).toBeGreaterThanOrEqual(1 + 4);
    expect(sizes.length).toBeLessThanOrEqual(1 + 5);
    expect(sizes.reduce((a, b) => a + b)).toBe(450);
    for (let m = 1; m < messages.length; m++) {
      const bytes = items.filter((i) => messageOf(i.position) === messages[m]).reduce((sum, i) => sum + Buffer.byteLength(JSON.stringify(i.value)) + 1, -1);
      expect(bytes).toBeLessThanOrEqual(AUDIT_MESSAGE_MAX_BYTES);
    }
  }, 60_000);
});

/** Seq numbers the trail's notices name (late or unconfirmed): records whose lookups released nothing. */
function namedByNotices(items: TrailItem[]): Set<number> {
  const named = new Set<number>();
  for (const record of records(items)) {
    if (record.type !== 'audit_notice') continue;
    for (const [from, to] of [...record.unconfirmed, ...record.late]) for (let seq = from; seq <= to; seq++) named.add(seq);
  }
  return named;
}

/**
 * Writes the records to a new one-partition topic, in order, with their writer as key: the first
 * `single` one per message, the rest in messages of up to four (one record per line).
 */
async function produce(topic: string, lines: string[], single: number): Promise<void> {
  const kafka = new Kafka({ clientId: 'audit-it-tamper', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const writer = (line: string) => (JSON.parse(line) as ChainedAuditEntry).chain.writer;
  const messages = lines.slice(0, single).map((value) => ({ key: writer(value), value }));
  for (let i = single; i < lines.length; i += 4) {
    const texts = lines.slice(i, i + 4);
    messages.push(auditTrailCodec.encode({ writer: writer(texts[0]), texts }) as { key: string; value: string });
  }
  await admin.connect();
  await producer.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}
