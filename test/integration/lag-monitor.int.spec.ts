/**
 * The lag monitor against the real Kafka broker of the test harness, reading offsets through the
 * gateway's KafkaEventLog: its committed offsets, log ends and lags are the ones Kafka's own
 * kafka-consumer-groups tool prints, and a group that stops consuming while messages keep arriving
 * goes STALL (or WARN first), then STOP (group ERR), and back to OK once it resumes and drains.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Kafka, logLevel, type Admin, type Consumer, type Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { KafkaEventLog } from '@motlan/event-log/kafka-event-log.adapter.js';
import { LagMonitor, type LagSnapshot } from '@motlan/consumer-lag/lag-monitor.js';
import { registerLagMetrics } from '@motlan/consumer-lag/lag-metrics.js';
import { eventually } from '../support/eventually.js';
import { CONSUMER_GROUP_COMMAND, requireKafkaBrokers, runKafkaTool } from '../support/services.js';

const RUN = randomUUID().slice(0, 8);

let brokers: string[];
let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let source: KafkaEventLog;
const topics: string[] = [];

interface DescribedPartition {
  topic: string;
  partition: number;
  /** -1 where the tool prints "-" (nothing committed). */
  currentOffset: number;
  logEndOffset: number;
  /** null where the tool prints "-". */
  lag: number | null;
}

/**
 * `kafka-consumer-groups --describe --group <g>`, parsed: its table has a header line
 * (GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID) and one
 * whitespace-separated row per partition; columns are found by name, not position.
 */
function describeGroup(group: string): DescribedPartition[] {
  const output = runKafkaTool(CONSUMER_GROUP_COMMAND, ['--bootstrap-server', brokers.join(','), '--describe', '--group', group]);
  const lines = output.split('\n').map((l) => l.trim());
  const headerAt = lines.findIndex((l) => /\bCURRENT-OFFSET\b/.test(l));
  if (headerAt < 0) throw new Error(`no table in the ${CONSUMER_GROUP_COMMAND} output:\n${output}`);
  const header = lines[headerAt].split(/\s+/);
  const column = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`no ${name} column in: ${lines[headerAt]}`);
    return i;
  };
  const [topic, partition, current, end, lag] = ['TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG'].map(column);
  const number = (text: string) => (text === '-' ? null : Number(text));
  return lines
    .slice(headerAt + 1)
    .filter(Boolean)
    .map((l) => l.split(/\s+/))
    .map((cells) => ({
      topic: cells[topic],
      partition: Number(cells[partition]),
      currentOffset: number(cells[current]) ?? -1,
      logEndOffset: Number(cells[end]),
      lag: number(cells[lag]),
    }))
    .sort((a, b) => a.partition - b.partition);
}

async function createTopic(name: string): Promise<string> {
  await admin.createTopics({ topics: [{ topic: name, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  topics.push(name);
  return name;
}

async function produce(topic: string, partition: number, count: number): Promise<void> {
  await producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ partition, key: `k${i}`, value: `m${i}` })) });
}

async function committedOf(group: string, topic: string): Promise<number[]> {
  const [fetched] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return (fetched?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

/** A consumer in `group` that handles everything from the beginning and commits after each batch (kafkajs' default). */
async function startConsumer(group: string, topic: string): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async () => undefined });
  return consumer;
}

const groupOf = (snapshot: LagSnapshot, group: string) => snapshot.groups.find((g) => g.group === group)!;

describe('LagMonitor against Kafka (KafkaEventLog as the source)', () => {
  beforeAll(async () => {
    brokers = requireKafkaBrokers();
    kafka = new Kafka({ clientId: `lag-it-${RUN}`, brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    source = new KafkaEventLog({ brokers, clientId: `lag-monitor-it-${RUN}` });
  });

  afterAll(async () => {
    await source?.close();
    await producer?.disconnect();
    if (topics.length > 0) await admin?.deleteTopics({ topics }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('reports the committed offsets, log ends and lag that kafka-consumer-groups --describe prints', async () => {
    const topic = await createTopic(`lag-it-${RUN}-describe`);
    const group = `lag-it-${RUN}-describe`;
    const missing = `lag-it-${RUN}-not-created`;
    // 70 messages: 37 on partition 0, 33 on partition 1.
    await produce(topic, 0, 37);
    await produce(topic, 1, 33);

    // Handle part of them: the first 30 of partition 0 and 20 of partition 1, committed by hand.
    const quota = new Map([
      [0, 30],
      [1, 20],
    ]);
    const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const next = Number(message.offset) + 1;
        if (next !== quota.get(partition)) return;
        await consumer.commitOffsets([{ topic, partition, offset: String(next) }]);
        consumer.pause([{ topic, partitions: [partition] }]);
      },
    });
    try {
      await eventually('the group to commit 30 and 20', async () => ((await committedOf(group, topic)).join() === '30,20' ? true : undefined), 20_000);
    } finally {
      await consumer.disconnect();
    }

    const monitor = new LagMonitor({
      source,
      groups: [{ group, topics: () => [topic, missing] }],
      intervalMs: 1000,
      windowMs: 5000,
      allowance: 5,
      stopAfterMs: 10_000,
      historyMs: 60_000,
      // One poll compared with the tool: a loaded machine's admin calls may take longer than 1 s.
      readTimeoutMs: 15_000,
    });
    // A poll can lose a read to a transient broker answer (kafkajs: "This server does not host this
    // topic-partition" while metadata settles after the consumer left); the monitor reports that poll
    // as an error and reads again at the next. Compare the first poll that read the topic (one CI
    // run took a poll with no partitions).
    const snapshot = await eventually(
      'a poll that read the topic',
      async () => {
        const sampled = await monitor.sampleOnce();
        return groupOf(sampled, group).partitions.length > 0 ? sampled : undefined;
      },
      30_000,
    );
    const watched = groupOf(snapshot, group);
    const seen = watched.partitions.map(({ topic: t, partition, committedOffset, endOffset, lag }) => ({
      topic: t,
      partition,
      committedOffset,
      endOffset,
      lag,
    }));
    expect(seen).toEqual([
      { topic, partition: 0, committedOffset: 30, endOffset: 37, lag: 7 },
      { topic, partition: 1, committedOffset: 20, endOffset: 33, lag: 13 },
    ]);
    expect(watched.totalLag).toBe(20);
    // A topic that does not exist is an error of the group, not of the monitor.
    expect(watched.error).toMatch(new RegExp(`^${missing}: `));
    expect(watched.partitions.every((p) => p.topic === topic)).toBe(true);

    const described = describeGroup(group);
    expect(
      described.map(({ topic: t, partition, currentOffset, logEndOffset, lag }) => ({
        topic: t,
        partition,
        committedOffset: currentOffset,
        endOffset: logEndOffset,
        lag,
      })),
    ).toEqual(seen);
  }, 90_000);

  it('a group that stops while messages keep arriving goes STALL (maybe WARN first), then STOP and ERR; OK again once it resumes and drains', async () => {
    const topic = await createTopic(`lag-it-${RUN}-stop`);
    const group = `lag-it-${RUN}-stop`;
    let producing = true;
    // Ten messages per second on each partition, until told to stop.
    const producing$ = (async () => {
      while (producing) {
        await produce(topic, 0, 1);
        await produce(topic, 1, 1);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    let consumer = await startConsumer(group, topic);
    const monitor = new LagMonitor({
      source,
      groups: [{ group, topics: () => [topic] }],
      intervalMs: 250,
      windowMs: 2000,
      allowance: 5,
      stopAfterMs: 4000,
      historyMs: 60_000,
    });
    const metrics = registerLagMetrics(new Registry());
    monitor.start();
    try {
      // Keeping up first: committing on both partitions, lag within the allowance.
      await eventually(
        'the group to be consuming and OK',
        async () => {
          const g = groupOf(monitor.snapshot(), group);
          // committedMovedAt: the monitor has itself seen a commit move on each partition (on a
          // loaded machine the first polls may all see the same committed offset), which the
          // time-lag figures below rely on.
          return g.status === 'OK' && g.partitions.length === 2 && g.partitions.every((p) => p.committedOffset > 0 && p.committedMovedAt !== null)
            ? true
            : undefined;
        },
        30_000,
      );

      await consumer.disconnect();
      const seen: string[][] = [[], []];
      const stopped = await eventually(
        'the group to be ERR with a stopped partition',
        async () => {
          const snapshot = monitor.snapshot();
          for (const p of groupOf(snapshot, group).partitions) {
            if (seen[p.partition].at(-1) !== p.status) seen[p.partition].push(p.status);
          }
          const g = groupOf(snapshot, group);
          return g.status === 'ERR' && g.partitions.every((p) => p.status === 'STOP') ? snapshot : undefined;
        },
        20_000,
        50,
      );
      for (const statuses of seen) {
        // Never straight from OK to STOP: the window saw it first (WARN while the last commits were in it, STALL after).
        expect(statuses.at(-1)).toBe('STOP');
        expect(statuses.slice(0, -1)).toContain('STALL');
        expect(statuses.slice(0, -1).every((s) => s === 'OK' || s === 'WARN' || s === 'STALL')).toBe(true);
      }
      const g = groupOf(stopped, group);
      expect(g.totalLag).toBeGreaterThan(2 * 5);
      // The oldest unconsumed message arrived right after the stop, more than stopAfterMs ago (less one poll of interpolation slack).
      expect(g.maxTimeLagMs).toBeGreaterThanOrEqual(4000 - 250);
      expect(g.partitions.every((p) => !p.timeLagIsLowerBound && p.committedMovedAt !== null)).toBe(true);
      metrics.update(stopped);

      producing = false;
      await producing$;
      consumer = await startConsumer(group, topic);
      const drained = await eventually(
        'the group to drain and be OK',
        async () => {
          const snapshot = monitor.snapshot();
          const d = groupOf(snapshot, group);
          return d.status === 'OK' && d.totalLag === 0 ? snapshot : undefined;
        },
        30_000,
      );
      expect(groupOf(drained, group)).toMatchObject({ maxTimeLagMs: 0, error: null });
      expect(groupOf(drained, group).partitions.map((p) => p.status)).toEqual(['OK', 'OK']);
      const history = monitor.history(group);
      expect(history.some((h) => h.totalLag > 10)).toBe(true);
      expect(history.at(-1)).toMatchObject({ totalLag: 0, maxTimeLagMs: 0 });
    } finally {
      producing = false;
      await producing$;
      await monitor.stop();
      await consumer.disconnect();
    }
  }, 120_000);
});
