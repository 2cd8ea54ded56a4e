/**
 * The production adapter catalog on a real Kafka broker (started by the test harness unless
 * KAFKA_BROKERS is set): replay on start, following other instances, the compacted topic, restarts.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Kafka, logLevel, ConfigResourceTypes, type Admin } from 'kafkajs';
import { hostname } from 'node:os';
import type { AdapterCatalogChange, AdapterCatalogEntry } from '@motlan/adapter-catalog/adapter-manifest.js';
import { AdapterCatalogStore } from '@motlan/adapter-catalog/adapter-catalog-store.service.js';
import { KafkaEventLog } from '@motlan/event-log/kafka-event-log.adapter.js';
import { eventually } from '../support/eventually.js';
import { requireKafkaBrokers } from '../support/services.js';

const RUN = Date.now();
let brokers: string[];
let admin: Admin;
let kafka: Kafka;
const warnings: string[] = [];
const stores: AdapterCatalogStore[] = [];
const topics = new Set<string>();

function entry(id: string, revision = 1): AdapterCatalogEntry {
  return {
    manifest: {
      id,
      registry: id.replace(/-\d+$/, ''),
      endpoint: '127.0.0.1:50051',
      tls: { ca: 'file:/etc/motlan/adapters/ca.pem', cert: 'file:/etc/motlan/gateway.pem', key: 'env:MOTLAN_ADAPTER_KEY' },
      timeoutMs: 800,
      maxConcurrency: 64,
      retry: { attempts: 2, backoffMs: 50 },
    },
    updatedBy: 'ops-client',
    updatedAt: new Date().toISOString(),
    revision,
  };
}

/** The store as the gateway wires it on the production profile, on a Kafka log of its own. */
function kafkaStore(options: { brokers: string[]; topic?: string; startTimeoutMs?: number }): AdapterCatalogStore {
  const topic = options.topic ?? 'motlan.adapters.v1';
  const log = new KafkaEventLog({ brokers: options.brokers, clientId: 'adapter-catalog-it' });
  return new AdapterCatalogStore({
    log,
    ownsLog: true,
    topic,
    location: `kafka topic ${topic}`,
    reachedAt: `Kafka at ${options.brokers.join(',')}`,
    startTimeoutMs: options.startTimeoutMs,
  });
}

/** A store on `topic` plus what its listener saw, folded into a catalog. */
function open(topic: string) {
  const store = kafkaStore({ brokers, topic });
  stores.push(store);
  topics.add(topic);
  const seen: AdapterCatalogChange[] = [];
  const catalog = () => {
    const map = new Map<string, AdapterCatalogEntry>();
    for (const change of seen) {
      if (change.entry) map.set(change.id, change.entry);
      else map.delete(change.id);
    }
    return map;
  };
  return { store, seen, catalog, start: () => store.start((change) => seen.push(change)) };
}

/** Waits (up to 5 s, checking every 25 ms) until `probe` holds. */
const until = (what: string, probe: () => boolean) => eventually(what, async () => (probe() ? true : undefined), 5000, 25);

beforeAll(async () => {
  brokers = requireKafkaBrokers();
  kafka = new Kafka({ clientId: 'adapter-catalog-it-admin', brokers, logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown, ...rest: unknown[]) => {
    warnings.push(JSON.stringify([message, ...rest]));
  });
  // kafkajs reports the unreachable broker of the last test at error level, for a while after it.
  jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.stop()));
  await admin?.deleteTopics({ topics: [...topics] }).catch(() => undefined);
  await admin?.disconnect();
});

describe('AdapterCatalogStore on the Kafka event log (real Kafka)', () => {
  const topic = `motlan.adapters.v1.test-${RUN}`;
  let a: ReturnType<typeof open>;
  let b: ReturnType<typeof open>;

  beforeAll(() => {
    a = open(topic);
    b = open(topic);
  });

  it('names its topic in location; the default topic is motlan.adapters.v1', () => {
    expect(a.store.location).toBe(`kafka topic ${topic}`);
    expect(kafkaStore({ brokers: ['127.0.0.1:9'] }).location).toBe('kafka topic motlan.adapters.v1');
  });

  it('starts on a missing topic by creating it compacted with one partition', async () => {
    await a.start();
    expect(a.seen).toEqual([]);
    const [config] = (
      await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }], includeSynonyms: false })
    ).resources;
    expect(config.configEntries.find((c) => c.configName === 'cleanup.policy')?.configValue).toBe('compact');
    expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions).toHaveLength(1);
  });

  it('delivers its own writes to its listener by the time put/remove resolve', async () => {
    await a.store.put(entry('population-1'));
    await a.store.put(entry('land-1'));
    await a.store.remove('land-1');
    expect(a.seen.map((c) => [c.id, c.entry?.revision ?? null])).toEqual([
      ['population-1', 1],
      ['land-1', 1],
      ['land-1', null],
    ]);
  });

  it('a store started afterwards replays exactly the remaining entry', async () => {
    await b.start();
    expect([...b.catalog().keys()]).toEqual(['population-1']);
    expect(b.catalog().get('population-1')).toEqual(a.catalog().get('population-1'));
    expect(b.seen.at(-1)).toEqual({ id: 'land-1', entry: null });
  });

  it('both follow a later put by either instance within a few seconds', async () => {
    const update = entry('population-1', 2);
    await a.store.put(update);
    await until('B sees the update', () => b.catalog().get('population-1')?.revision === 2);
    expect(a.catalog().get('population-1')).toEqual(update);
    expect(b.catalog().get('population-1')).toEqual(update);

    await b.store.put(entry('business-1'));
    await until("A sees B's put", () => a.catalog().has('business-1'));
    expect([...a.catalog().keys()].sort()).toEqual(['business-1', 'population-1']);
    expect(b.catalog()).toEqual(a.catalog());
  });

  it('skips a corrupt message with a warning and keeps following', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'civil-1', value: '{"manifest":' },
        { key: 'civil-2', value: JSON.stringify(entry('other-1')) },
      ],
    });
    await producer.disconnect();
    await a.store.put(entry('civil-4'));
    await until('B sees the put after the corrupt messages', () => b.catalog().has('civil-4'));
    expect([...b.catalog().keys()].sort()).toEqual(['business-1', 'civil-4', 'population-1']);
    const skipped = warnings.filter((w) => w.includes(topic) && w.includes('skipped'));
    // Both stores skip both. (A compacted topic refuses messages without a key by itself.)
    expect(skipped.filter((w) => w.includes('not valid JSON'))).toHaveLength(2);
    expect(skipped.filter((w) => w.includes('manifest.id differs from the catalog key'))).toHaveLength(2);
  });

  it('keeps the catalog across a stop and start, and deletes its consumer groups on stop', async () => {
    const before = a.catalog();
    const stopping = Date.now();
    await a.store.stop();
    await b.store.stop();
    expect(Date.now() - stopping).toBeLessThan(5000);
    await b.store.stop(); // twice is fine
    const ours = `motlan-adapter-catalog-${hostname()}-${process.pid}-`;
    const left = (await admin.listGroups()).groups.filter((g) => g.groupId.startsWith(ours));
    expect(left).toEqual([]);

    a.seen.length = 0;
    await a.start();
    expect(a.catalog()).toEqual(before);
    const c = open(topic);
    await c.start();
    expect(c.catalog()).toEqual(before);
  });

  it('two instances starting together on a new topic both come up (creation race)', async () => {
    const fresh = `motlan.adapters.v1.test-${RUN}-race`;
    const x = open(fresh);
    const y = open(fresh);
    await Promise.all([x.start(), y.start()]);
    await x.store.put(entry('population-1'));
    await until("Y sees X's put", () => y.catalog().has('population-1'));
    expect(x.seen).toHaveLength(1);
    expect(y.seen).toHaveLength(1);
  });

  it('rejects start with a clear error when the broker cannot be reached', async () => {
    const store = kafkaStore({ brokers: ['127.0.0.1:1'], topic, startTimeoutMs: 2000 });
    const began = Date.now();
    await expect(store.start(() => undefined)).rejects.toThrow(
      /adapter catalog \(kafka topic .*\): cannot read it from Kafka at 127\.0\.0\.1:1: no answer within 2 s/,
    );
    expect(Date.now() - began).toBeLessThan(5000);
  });
});
