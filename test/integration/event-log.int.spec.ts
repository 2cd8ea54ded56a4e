/**
 * KafkaEventLog on the real Kafka broker of the test harness (or KAFKA_BROKERS): the handler
 * semantics of the EventLog port (order per key, commit after the handler, a throwing handler gets
 * the same message again, stop/restart neither skips nor loses a message), ephemeral readers and
 * the offset queries. Every run uses topics and groups of its own.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KafkaEventLog } from '@motlan/event-log/kafka-event-log.adapter.js';
import type { ConsumedMessage, ConsumeContext, ConsumerOptions, LogMessage, RunningConsumer } from '@motlan/event-log/event-log.port.js';
import { eventually } from '../support/eventually.js';
import { requireKafkaBrokers } from '../support/services.js';

const RUN = `${Date.now()}-${process.pid}`;
let brokers: string[];
let admin: Admin;
let log: KafkaEventLog;
const logs: KafkaEventLog[] = [];
const running: RunningConsumer[] = [];
const topics = new Set<string>();
const warnings: string[] = [];
const errors: string[] = [];
/** Handler gates still closed when a test ends are opened before its consumers stop (stop waits for handlers). */
const gates: (() => void)[] = [];

const topicFor = (name: string) => {
  const topic = `motlan.sync-log-it.${name}.${RUN}`;
  topics.add(topic);
  return topic;
};
const groupFor = (name: string) => `motlan-sync-log-it-${name}-${RUN}`;

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  gates.push(resolve);
  return { promise, resolve };
}

/** A consumer that records every message it handled (after its handler resolved), in order. */
async function collect(
  on: KafkaEventLog,
  options: Omit<ConsumerOptions, 'fromBeginning'> & { fromBeginning?: boolean },
  onMessage?: (m: ConsumedMessage, c: ConsumeContext) => Promise<void>,
) {
  const seen: ConsumedMessage[] = [];
  const consumer = await on.consume({ fromBeginning: true, ...options }, async (message, context) => {
    await onMessage?.(message, context);
    seen.push(message);
  });
  running.push(consumer);
  return { consumer, seen };
}

/** Waits (up to `timeoutMs`, checking every 20 ms) until `probe` holds. */
const until = (what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 10_000) =>
  eventually(what, async () => ((await probe()) ? true : undefined), timeoutMs, 20);

const messages = (key: string, from: number, to: number): LogMessage[] =>
  Array.from({ length: to - from }, (_, i) => ({ key, value: JSON.stringify({ key, seq: from + i }), headers: { seq: String(from + i) } }));
const seqOf = (m: ConsumedMessage) => (JSON.parse(m.value as string) as { seq: number }).seq;
const total = (offsets: { offset: string }[]) => offsets.reduce((sum, o) => sum + Number(o.offset), 0);

beforeAll(async () => {
  brokers = requireKafkaBrokers();
  admin = new Kafka({ clientId: 'sync-log-it-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  log = new KafkaEventLog({ brokers, clientId: 'sync-log-it' });
  logs.push(log);
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown, ...rest: unknown[]) => {
    warnings.push(JSON.stringify([message, ...rest]));
  });
  // kafkajs reports a fresh broker's loading coordinator, and the lost topic-creation race, at error level.
  jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown, ...rest: unknown[]) => {
    errors.push(JSON.stringify([message, ...rest]));
  });
});

afterEach(async () => {
  gates.splice(0).forEach((open) => open());
  await Promise.all(running.splice(0).map((c) => c.stop()));
  // Handler failures never reach kafkajs: no "Error when calling eachBatch", no consumer crash.
  expect(errors.filter((e) => /eachBatch|eachMessage|crash/i.test(e))).toEqual([]);
});

afterAll(async () => {
  gates.splice(0).forEach((open) => open());
  await Promise.all(running.splice(0).map((c) => c.stop()));
  await Promise.all(logs.map((l) => l.close()));
  await admin?.deleteTopics({ topics: [...topics] }).catch(() => undefined);
  await admin?.deleteGroups([...(await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(RUN))]).catch(() => undefined);
  await admin?.disconnect();
});

describe('KafkaEventLog (real Kafka)', () => {
  it('creates missing topics (also when two instances race), appends with key, value, headers and reads them back', async () => {
    const topic = topicFor('basic');
    const other = new KafkaEventLog({ brokers, clientId: 'sync-log-it-other' });
    logs.push(other);
    await Promise.all([log.ensureTopics([topic], 2), other.ensureTopics([topic], 2)]);
    await log.ensureTopics([topic], 2);
    expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions).toHaveLength(2);

    await log.append(topic, [
      { key: 'a', value: '{"n":1}', headers: { 'content-type': 'application/json' } },
      { key: 'a', value: null },
    ]);
    // append resolved: the broker acknowledged both.
    expect(total(await log.endOffsets(topic))).toBe(2);
    const group = groupFor('basic');
    const { seen, consumer } = await collect(log, { group, topics: [topic] });
    await until('both messages', () => seen.length === 2);
    expect(seen.map((m) => [m.topic, m.key, m.value, m.headers])).toEqual([
      [topic, 'a', '{"n":1}', { 'content-type': 'application/json' }],
      [topic, 'a', null, {}],
    ]);
    expect(seen[1].partition).toBe(seen[0].partition);
    expect(Number(seen[1].offset)).toBe(Number(seen[0].offset) + 1);
    expect(Math.abs(seen[0].timestamp - Date.now())).toBeLessThan(60_000);
    await consumer.stop();
    // Committed up to the end where there was something to handle; the empty partition has nothing committed.
    const ends = await log.endOffsets(topic);
    expect(await log.committedOffsets(group, topic)).toEqual(ends.map(({ partition, offset }) => ({ partition, offset: offset === '0' ? '-1' : offset })));
    expect((await log.committedOffsets('motlan-sync-log-it-never', topic)).map((o) => o.offset)).toEqual(['-1', '-1']);
  });

  it('an append larger than one produce request (over 1 MiB on one key) is written whole and in order', async () => {
    const topic = topicFor('large');
    await log.ensureTopics([topic], 1);
    // 1,200 values of 1 KiB: more than the broker takes in one record batch, so the log splits the request.
    const filler = 'x'.repeat(1024);
    const big = Array.from({ length: 1200 }, (_, seq) => ({ key: 'writer', value: JSON.stringify({ seq, filler }) }));
    await log.append(topic, big);
    expect(total(await log.endOffsets(topic))).toBe(1200);
    const { seen } = await collect(log, { group: groupFor('large'), topics: [topic] });
    await until('all 1,200 read back', () => seen.length === 1200);
    expect(seen.map((m) => (JSON.parse(m.value as string) as { seq: number }).seq)).toEqual(big.map((_, seq) => seq));
  });

  it('commits an offset only after its handler resolved, and hands the same message again after a pause when the handler throws', async () => {
    const topic = topicFor('commit');
    await log.ensureTopics([topic], 1);
    await log.append(topic, messages('k', 0, 6));
    const group = groupFor('commit');
    const gate = deferred();
    const attempts: { offset: string; at: number }[] = [];
    const { seen } = await collect(log, { group, topics: [topic] }, async (m) => {
      attempts.push({ offset: m.offset, at: Date.now() });
      if (m.offset === '2') await gate.promise;
      if (m.offset === '4' && attempts.filter((a) => a.offset === '4').length < 3) throw new Error('registry down');
    });
    await until('offset 2 in progress', () => attempts.some((a) => a.offset === '2'));
    // Its handler is waiting: whatever was committed meanwhile stops before offset 2.
    await new Promise((r) => setTimeout(r, 1500));
    const committed = Number((await log.committedOffsets(group, topic))[0].offset);
    expect(committed).toBeLessThanOrEqual(2);
    expect(seen.map((m) => m.offset)).toEqual(['0', '1']);
    gate.resolve();

    await until('all six', () => seen.length === 6);
    expect(attempts.map((a) => a.offset)).toEqual(['0', '1', '2', '3', '4', '4', '4', '5']);
    const fours = attempts.filter((a) => a.offset === '4').map((a) => a.at);
    expect(fours[1] - fours[0]).toBeGreaterThanOrEqual(450);
    expect(fours[2] - fours[1]).toBeGreaterThanOrEqual(950);
    expect(warnings.filter((w) => w.includes('registry down'))).toHaveLength(2);
    await until('all committed', async () => (await log.committedOffsets(group, topic))[0].offset === '6');
  });

  it('on stop, a handler that gives up leaves its message uncommitted; the restarted group starts with it', async () => {
    const topic = topicFor('stop');
    await log.ensureTopics([topic], 1);
    await log.append(topic, messages('k', 0, 5));
    const group = groupFor('stop');
    const first = await collect(log, { group, topics: [topic] }, async (m, context) => {
      if (m.offset !== '2') return;
      await until('stopping', () => context.stopping, 20_000);
      throw new Error('stopped while waiting');
    });
    await until('two handled', () => first.seen.length === 2);
    await first.consumer.stop();
    expect(await log.committedOffsets(group, topic)).toEqual([{ partition: 0, offset: '2' }]);
    expect(warnings.filter((w) => w.includes('stopped while waiting'))).toEqual([]);

    const again = await collect(log, { group, topics: [topic] });
    await until('the rest', () => again.seen.length === 3);
    expect(again.seen.map((m) => m.offset)).toEqual(['2', '3', '4']);
  });

  it('3 partitions, 1,000 messages over 50 keys: order per key, and a stop in the middle followed by a restart skips nothing', async () => {
    const topic = topicFor('bulk');
    await log.ensureTopics([topic], 3);
    const keys = Array.from({ length: 50 }, (_, i) => `subject-${i}`);
    // 20 per key, interleaved across keys, in several appends.
    for (let round = 0; round < 4; round++)
      await log.append(
        topic,
        keys.flatMap((key) => messages(key, round * 5, round * 5 + 5)),
      );
    const ends = await log.endOffsets(topic);
    expect(ends).toHaveLength(3);
    expect(total(ends)).toBe(1000);

    const group = groupFor('bulk');
    const first = await collect(log, { group, topics: [topic] }, async () => {
      await new Promise((r) => setTimeout(r, 1));
    });
    await until('about 400 handled', () => first.seen.length >= 400, 20_000);
    await first.consumer.stop();
    const stoppedAt = await log.committedOffsets(group, topic);
    // stop() committed what was handled, nothing more.
    for (const { partition, offset } of stoppedAt) {
      const handled = first.seen.filter((m) => m.partition === partition).map((m) => Number(m.offset));
      expect(Number(offset)).toBe(handled.length ? Math.max(...handled) + 1 : -1);
    }
    expect(first.seen.length).toBeLessThan(1000);

    const second = await collect(log, { group, topics: [topic] });
    await until('the rest', () => first.seen.length + second.seen.length >= 1000, 20_000);
    await until('everything committed', async () => total(await log.committedOffsets(group, topic)) === 1000);
    await second.consumer.stop();

    // Every message at least once; each run saw every key in order, the second one starting where the first left off.
    const all = [...first.seen, ...second.seen];
    expect(new Set(all.map((m) => `${m.key}/${seqOf(m)}`)).size).toBe(1000);
    for (const key of keys) {
      const a = first.seen.filter((m) => m.key === key).map(seqOf);
      const b = second.seen.filter((m) => m.key === key).map(seqOf);
      expect(a).toEqual([...Array(a.length).keys()]);
      expect(b).toEqual(Array.from({ length: b.length }, (_, i) => (b[0] ?? 0) + i));
      if (b.length) expect(b[0]).toBeLessThanOrEqual(a.length);
      expect(new Set([...a, ...b]).size).toBe(20);
    }
    // Each partition went on exactly where the first consumer committed.
    for (const { partition, offset } of stoppedAt) {
      const firstOffset = second.seen.find((m) => m.partition === partition)?.offset;
      if (firstOffset !== undefined) expect(firstOffset).toBe(offset === '-1' ? '0' : offset);
    }
    expect(await log.committedOffsets(group, topic)).toEqual(await log.endOffsets(topic));
  }, 30_000);

  it('an ephemeral reader given start offsets begins there on the partitions named and at the beginning on the others', async () => {
    const topic = topicFor('start-at');
    await log.ensureTopics([topic], 2);
    await log.append(
      topic,
      ['a', 'b', 'c', 'd', 'e', 'f'].flatMap((key) => messages(key, 0, 10)),
    );
    const prefix = groupFor('start-at');
    const all = await collect(log, { group: prefix, topics: [topic], ephemeral: true });
    await all.consumer.caughtUp();
    const at = (m: ConsumedMessage) => `${m.partition}:${m.offset}`;
    const fifth = all.seen.find((m) => m.key === 'a' && seqOf(m) === 5)!;
    const start = BigInt(fifth.offset);

    const from = await collect(log, {
      group: prefix,
      topics: [topic],
      ephemeral: true,
      startAt: { [topic]: [{ partition: fifth.partition, offset: String(start) }] },
    });
    await from.consumer.caughtUp();
    const expected = all.seen.filter((m) => m.partition !== fifth.partition || BigInt(m.offset) >= start).map(at);
    await until('the expected messages', () => from.seen.length >= expected.length);
    expect(from.seen.map(at).sort()).toEqual(expected.sort());
    expect(from.seen.filter((m) => m.key === 'a').map(seqOf)).toEqual([5, 6, 7, 8, 9]);
  });

  it('ephemeral readers read everything from the beginning, report caughtUp, commit nothing and leave no group behind', async () => {
    const topic = topicFor('ephemeral');
    const empty = topicFor('ephemeral-empty');
    await log.ensureTopics([topic, empty], 2);
    const prefix = groupFor('projection');
    const onEmpty = await collect(log, { group: prefix, topics: [empty], ephemeral: true });
    await onEmpty.consumer.caughtUp();

    await log.append(topic, [...messages('a', 0, 40), ...messages('b', 0, 40)]);
    const gate = deferred();
    let calls = 0;
    const reader = await collect(log, { group: prefix, topics: [topic, empty], ephemeral: true }, async () => {
      if (++calls === 80) await gate.promise;
    });
    let caughtUp = false;
    const done = reader.consumer.caughtUp().then(() => (caughtUp = true));
    await until('79 handled', () => reader.seen.length >= 79);
    await new Promise((r) => setTimeout(r, 300));
    expect(caughtUp).toBe(false);
    gate.resolve();
    await done;
    expect(reader.seen).toHaveLength(80);
    for (const key of ['a', 'b']) expect(reader.seen.filter((m) => m.key === key).map(seqOf)).toEqual([...Array(40).keys()]);

    const groups = async () => (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    expect(await groups()).toHaveLength(2);
    const second = await collect(log, { group: prefix, topics: [topic], ephemeral: true });
    await second.consumer.caughtUp();
    expect(second.seen).toHaveLength(80);

    await Promise.all([onEmpty.consumer.stop(), reader.consumer.stop(), second.consumer.stop()]);
    await until('ephemeral groups deleted', async () => (await groups()).length === 0);
  });
});
