/**
 * The embedded EventLog on real files in a temp directory: the handler semantics of the port (order
 * per partition, commit after the handler, a throwing handler gets the same message again, restart
 * from the committed offset), two instances on one directory, ephemeral readers, offsets.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileEventLog, partitionOf } from './file-event-log.adapter.js';
import type { ConsumedMessage, ConsumeContext, ConsumerOptions, LogMessage, RunningConsumer } from './event-log.port.js';

const root = mkdtempSync(path.join(tmpdir(), 'motlan-sync-log-'));
let dir: string;
let warnings: string[];
const logs: FileEventLog[] = [];
const running: RunningConsumer[] = [];

function open(partitions = 1): FileEventLog {
  const log = new FileEventLog({ dir, partitions, pollMs: 20 });
  logs.push(log);
  return log;
}

/** A consumer that records every message it handled, in order. */
async function collect(
  log: FileEventLog,
  options: { group: string; topics: string[]; fromBeginning?: boolean; ephemeral?: boolean; startAt?: ConsumerOptions['startAt'] },
  onMessage?: (m: ConsumedMessage, c: ConsumeContext) => Promise<void>,
) {
  const seen: ConsumedMessage[] = [];
  const consumer = await log.consume({ fromBeginning: true, ...options }, async (message, context) => {
    await onMessage?.(message, context);
    seen.push(message);
  });
  running.push(consumer);
  return { consumer, seen };
}

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Gates still closed at the end of a test are opened before its consumers stop (stop waits for handlers). */
const gates: (() => void)[] = [];

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  gates.push(resolve);
  return { promise, resolve };
}

const messages = (key: string, from: number, to: number): LogMessage[] =>
  Array.from({ length: to - from }, (_, i) => ({ key, value: JSON.stringify({ key, seq: from + i }), headers: { seq: String(from + i) } }));
const seqOf = (m: ConsumedMessage) => (JSON.parse(m.value as string) as { seq: number }).seq;
const offsets = (list: { offset: string }[]) => list.map((o) => o.offset);

beforeAll(() => {
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown, ...rest: unknown[]) => {
    warnings.push(JSON.stringify([message, ...rest]));
  });
});

beforeEach(() => {
  dir = mkdtempSync(path.join(root, 'log-'));
  warnings = [];
});

afterEach(async () => {
  gates.splice(0).forEach((open) => open());
  await Promise.all(running.splice(0).map((c) => c.stop()));
  await Promise.all(logs.splice(0).map((l) => l.close()));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('FileEventLog', () => {
  it('stores one JSON line per message in <dir>/<topic>/<partition>.jsonl; offsets are line indexes', async () => {
    const log = open(1);
    await log.append('dossiers', [
      { key: 'a', value: '{"n":1}', headers: { h: 'x' } },
      { key: 'b', value: null },
    ]);
    const lines = readFileSync(path.join(dir, 'dossiers', '0.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { k: 'a', v: '{"n":1}', h: { h: 'x' }, t: expect.any(Number) },
      { k: 'b', v: null, h: {}, t: expect.any(Number) },
    ]);
    expect(await log.endOffsets('dossiers')).toEqual([{ partition: 0, offset: '2' }]);
    const { seen } = await collect(log, { group: 'g', topics: ['dossiers'] });
    await until('both messages', () => seen.length === 2);
    expect(seen.map((m) => [m.offset, m.key, m.value, m.headers])).toEqual([
      ['0', 'a', '{"n":1}', { h: 'x' }],
      ['1', 'b', null, {}],
    ]);
    expect(seen[0].timestamp).toBeGreaterThan(Date.now() - 60_000);
  });

  it('keeps each partition in order and one key on one partition, handling a partition one message at a time', async () => {
    const log = open(3);
    const keys = Array.from({ length: 12 }, (_, i) => `key-${i}`);
    for (let round = 0; round < 5; round++)
      await log.append(
        't',
        keys.flatMap((key) => messages(key, round * 4, round * 4 + 4)),
      );
    const inFlight = new Map<number, number>();
    let overlap = false;
    const { seen } = await collect(log, { group: 'g', topics: ['t'] }, async (m) => {
      inFlight.set(m.partition, (inFlight.get(m.partition) ?? 0) + 1);
      if ((inFlight.get(m.partition) ?? 0) > 1) overlap = true;
      await new Promise((r) => setImmediate(r));
      inFlight.set(m.partition, (inFlight.get(m.partition) ?? 0) - 1);
    });
    await until('240 messages', () => seen.length === 240);
    expect(overlap).toBe(false);
    for (const key of keys) {
      const mine = seen.filter((m) => m.key === key);
      expect(mine.map(seqOf)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(new Set(mine.map((m) => m.partition))).toEqual(new Set([partitionOf(key, 3)]));
    }
    for (const partition of [0, 1, 2]) {
      const mine = seen.filter((m) => m.partition === partition).map((m) => Number(m.offset));
      expect(mine).toEqual(Array.from({ length: mine.length }, (_, i) => i));
    }
    const ends = await log.endOffsets('t');
    expect(ends.reduce((sum, e) => sum + Number(e.offset), 0)).toBe(240);
    await until('everything committed', async () => JSON.stringify(offsets(await log.committedOffsets('g', 't'))) === JSON.stringify(offsets(ends)));
  });

  it('commits an offset only after its handler resolved', async () => {
    const log = open(1);
    await log.append('t', messages('k', 0, 5));
    const gate = deferred();
    const { seen } = await collect(log, { group: 'g', topics: ['t'] }, async (m) => {
      if (m.offset === '2') await gate.promise;
    });
    await until('two handled', () => seen.length === 2);
    await until('offset 2 committed', async () => (await log.committedOffsets('g', 't'))[0].offset === '2');
    // The handler of offset 2 is still waiting: nothing beyond it may be committed.
    await new Promise((r) => setTimeout(r, 150));
    expect(await log.committedOffsets('g', 't')).toEqual([{ partition: 0, offset: '2' }]);
    expect(readFileSync(path.join(dir, '_groups', 'g', 't', '0.offset'), 'utf8').trim()).toBe('2');
    gate.resolve();
    await until('all handled', () => seen.length === 5);
    await until('all committed', async () => (await log.committedOffsets('g', 't'))[0].offset === '5');
  });

  it('hands the same message again after a pause when the handler throws, never skipping it', async () => {
    const log = open(1);
    await log.append('t', messages('k', 0, 3));
    const attempts: string[] = [];
    const at: number[] = [];
    const { seen } = await collect(log, { group: 'g', topics: ['t'] }, async (m) => {
      attempts.push(m.offset);
      at.push(Date.now());
      if (m.offset === '1' && attempts.filter((o) => o === '1').length < 3) throw new Error('registry down');
    });
    await until('all handled', () => seen.length === 3, 8000);
    expect(attempts).toEqual(['0', '1', '1', '1', '2']);
    // 500 ms, then 1 s.
    expect(at[2] - at[1]).toBeGreaterThanOrEqual(450);
    expect(at[3] - at[2]).toBeGreaterThanOrEqual(950);
    expect(warnings.filter((w) => w.includes('registry down'))).toHaveLength(2);
    await until('committed', async () => (await log.committedOffsets('g', 't'))[0].offset === '3');
  });

  it('resumes from the committed offset after a restart and hands the uncommitted message again', async () => {
    const log = open(1);
    await log.append('t', messages('k', 0, 6));
    const first = await collect(log, { group: 'g', topics: ['t'] }, async (m, context) => {
      if (m.offset !== '3') return;
      // Stuck on offset 3 until the consumer stops, then gives up as the port asks.
      await until('stopping', () => context.stopping, 10_000);
      throw new Error('stopped while waiting');
    });
    await until('three handled', () => first.seen.length === 3);
    await first.consumer.stop();
    expect(await log.committedOffsets('g', 't')).toEqual([{ partition: 0, offset: '3' }]);
    expect(warnings.filter((w) => w.includes('stopped while waiting'))).toEqual([]);

    const again = await collect(open(1), { group: 'g', topics: ['t'] });
    await until('the rest', () => again.seen.length === 3);
    expect(again.seen.map((m) => m.offset)).toEqual(['3', '4', '5']);

    // A crash after handling but before the commit is written: the next start re-delivers from the file's offset.
    await again.consumer.stop();
    writeFileSync(path.join(dir, '_groups', 'g', 't', '0.offset'), '4\n');
    const afterCrash = await collect(open(1), { group: 'g', topics: ['t'] });
    await until('re-delivered', () => afterCrash.seen.length === 2);
    expect(afterCrash.seen.map((m) => m.offset)).toEqual(['4', '5']);
  });

  it('lets the handler in progress finish on stop and commits it; nothing after it is handled', async () => {
    const log = open(1);
    await log.append('t', messages('k', 0, 4));
    const gate = deferred();
    const { consumer, seen } = await collect(log, { group: 'g', topics: ['t'] }, async (m) => {
      if (m.offset === '1') await gate.promise;
    });
    await until('first handled', () => seen.length === 1);
    const stopped = consumer.stop();
    await new Promise((r) => setTimeout(r, 50));
    gate.resolve();
    await stopped;
    expect(seen.map((m) => m.offset)).toEqual(['0', '1']);
    expect(await log.committedOffsets('g', 't')).toEqual([{ partition: 0, offset: '2' }]);
  });

  it('starts a group without commits at the end when fromBeginning is false', async () => {
    const log = open(1);
    await log.append('t', messages('k', 0, 3));
    const { seen, consumer } = await collect(log, { group: 'late', topics: ['t'], fromBeginning: false });
    await consumer.caughtUp();
    await log.append('t', messages('k', 3, 4));
    await until('the new one', () => seen.length === 1);
    expect(seen[0].offset).toBe('3');
  });

  it('two instances on one directory see each other’s appends, also into the same partition file', async () => {
    const a = open(2);
    const b = open(2);
    const onB = await collect(b, { group: 'on-b', topics: ['t'] });
    const onA = await collect(a, { group: 'on-a', topics: ['t'] });
    await Promise.all([a.append('t', messages('x', 0, 50)), b.append('t', messages('y', 0, 50)), a.append('t', messages('z', 0, 50))]);
    await Promise.all([...Array(20).keys()].map((i) => (i % 2 ? a : b).append('t', messages('w', i, i + 1))));
    await until('b sees all', () => onB.seen.length === 170);
    await until('a sees all', () => onA.seen.length === 170);
    for (const seen of [onA.seen, onB.seen]) {
      for (const key of ['x', 'y', 'z']) expect(seen.filter((m) => m.key === key).map(seqOf)).toEqual([...Array(50).keys()]);
      expect(
        seen
          .filter((m) => m.key === 'w')
          .map(seqOf)
          .sort((p, q) => p - q),
      ).toEqual([...Array(20).keys()]);
    }
    const ends = offsets(await a.endOffsets('t'));
    expect(ends).toEqual(offsets(await b.endOffsets('t')));
    // 170, unless an append stalled half-written long enough to be taken for torn (a blank line, skipped).
    expect(ends.reduce((s, o) => s + Number(o), 0)).toBeGreaterThanOrEqual(170);
    expect(ends.reduce((s, o) => s + Number(o), 0)).toBeLessThan(175);
  });

  it('an ephemeral reader reads from the beginning, resolves caughtUp at the end as of its start, and commits nothing', async () => {
    const log = open(2);
    const empty = await collect(log, { group: 'proj', topics: ['empty'], ephemeral: true });
    await empty.consumer.caughtUp();

    await log.append('t', [...messages('a', 0, 30), ...messages('b', 0, 30)]);
    let handled = 0;
    const gate = deferred();
    const reader = await collect(log, { group: 'proj', topics: ['t', 'empty'], ephemeral: true }, async () => {
      if (++handled === 59) await gate.promise;
    });
    let caughtUp = false;
    const done = reader.consumer.caughtUp().then(() => (caughtUp = true));
    await until('58 handled', () => reader.seen.length >= 58);
    await new Promise((r) => setTimeout(r, 100));
    expect(caughtUp).toBe(false);
    gate.resolve();
    await done;
    expect(reader.seen.length).toBeGreaterThanOrEqual(59);
    await until('all 60', () => reader.seen.length === 60);

    // A second reader with the same prefix starts from the beginning again: nothing was committed.
    const second = await collect(log, { group: 'proj', topics: ['t'], ephemeral: true });
    await second.consumer.caughtUp();
    expect(second.seen).toHaveLength(60);
    expect(existsSync(path.join(dir, '_groups'))).toBe(false);
  });

  it('an ephemeral reader given start offsets begins there per partition, the others at the beginning, and catches up to the end', async () => {
    const log = open(2);
    await log.append('t', [...messages('a', 0, 10), ...messages('b', 0, 10)]);
    const pa = partitionOf('a', 2);
    const pb = partitionOf('b', 2);
    expect(pa).not.toBe(pb);
    // Partition of "a" from its 7th message; partition of "b" not named: from the beginning.
    const reader = await collect(log, { group: 'proj', topics: ['t'], ephemeral: true, startAt: { t: [{ partition: pa, offset: '6' }] } });
    await reader.consumer.caughtUp();
    await until('14 handled', () => reader.seen.length >= 14);
    expect(reader.seen.filter((m) => m.partition === pa).map(seqOf)).toEqual([6, 7, 8, 9]);
    expect(reader.seen.filter((m) => m.partition === pb).map(seqOf)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // It follows what comes after, as any reader.
    await log.append('t', messages('a', 10, 12));
    await until('the new ones', () => reader.seen.filter((m) => m.partition === pa).length === 6);
    expect(reader.seen.filter((m) => m.partition === pa).map(seqOf)).toEqual([6, 7, 8, 9, 10, 11]);
  });

  it('refuses start offsets for a group reader (its start is its committed offset) and offsets that are not integers', async () => {
    const log = open(1);
    await expect(
      log.consume({ group: 'g', topics: ['t'], fromBeginning: true, startAt: { t: [{ partition: 0, offset: '1' }] } }, async () => undefined),
    ).rejects.toThrow('ephemeral readers only');
    await expect(
      log.consume({ group: 'g', topics: ['t'], fromBeginning: true, ephemeral: true, startAt: { t: [{ partition: 0, offset: '-1' }] } }, async () => undefined),
    ).rejects.toThrow('not a non-negative integer');
  });

  it('rejects a pending caughtUp when the reader is stopped first', async () => {
    const log = open(1);
    await log.append('t', messages('k', 0, 2));
    const reader = await collect(log, { group: 'proj', topics: ['t'], ephemeral: true }, async (_m, context) => {
      await until('stopping', () => context.stopping, 10_000);
      throw new Error('given up');
    });
    const pending = reader.consumer.caughtUp();
    await reader.consumer.stop();
    await expect(pending).rejects.toThrow('stopped before it caught up');
  });

  it('reports end offsets as complete lines and committed offsets as -1 where the group committed nothing', async () => {
    const log = open(2);
    expect(await log.endOffsets('t')).toEqual([
      { partition: 0, offset: '0' },
      { partition: 1, offset: '0' },
    ]);
    expect(await log.committedOffsets('g', 't')).toEqual([
      { partition: 0, offset: '-1' },
      { partition: 1, offset: '-1' },
    ]);
    const key0 = ['k0', 'k1', 'k2', 'k3', 'k4'].find((k) => partitionOf(k, 2) === 0) as string;
    await log.append('t', messages(key0, 0, 3));
    // A line still being written (no newline yet) is not an offset yet.
    appendFileSync(path.join(dir, 't', '0.jsonl'), '{"k":"half');
    expect(offsets(await log.endOffsets('t'))).toEqual(['3', '0']);
    const { seen } = await collect(log, { group: 'g', topics: ['t'] });
    await until('three', () => seen.length === 3);
    await until('three committed', async () => (await log.committedOffsets('g', 't'))[0].offset === '3');
    expect(await log.committedOffsets('g', 't')).toEqual([
      { partition: 0, offset: '3' },
      { partition: 1, offset: '-1' },
    ]);
    // The torn line's writer died: the next append starts a line of its own, the torn one is skipped.
    await log.append('t', messages(key0, 3, 4));
    await until('the one after the torn line', () => seen.length === 4);
    expect(seen[3].offset).toBe('4');
    expect(seqOf(seen[3])).toBe(3);
    expect(offsets(await log.endOffsets('t'))).toEqual(['5', '0']);
    await until('committed past the torn line', async () => (await log.committedOffsets('g', 't'))[0].offset === '5');
    expect(warnings.filter((w) => w.includes('torn write'))).toHaveLength(1);
  });

  it('followers of one file in one process share what one of them read: the same message objects, every message to each', async () => {
    // Two instances, as the embedded audit trail's followers each have their own.
    const a = open();
    const b = open();
    await a.append('t', messages('k', 0, 40));
    const first = await collect(a, { group: 'first', topics: ['t'], ephemeral: true });
    await first.consumer.caughtUp();
    await until('the first has all 40', () => first.seen.length === 40);
    // The second starts where the first's read began: it takes that read instead of reading the file.
    const second = await collect(b, { group: 'second', topics: ['t'], ephemeral: true });
    await second.consumer.caughtUp();
    await until('the second has all 40', () => second.seen.length === 40);
    second.seen.forEach((message, i) => expect(message).toBe(first.seen[i]));
    // What comes after reaches both, in order, shared or not.
    await a.append('t', messages('k', 40, 50));
    await b.append('t', messages('k', 50, 60));
    await until('both have all 60', () => first.seen.length === 60 && second.seen.length === 60);
    for (const { seen } of [first, second]) {
      expect(seen.map(seqOf)).toEqual([...Array(60).keys()]);
      expect(offsets(seen)).toEqual([...Array(60).keys()].map(String));
    }
  });

  it('a follower of a file that replaced another at its path reads the new file, never reads kept of the old one', async () => {
    const log = open();
    await log.append('t', messages('old', 0, 10));
    const onOld = await collect(log, { group: 'old', topics: ['t'], ephemeral: true });
    await onOld.consumer.caughtUp();
    await until('the old file read', () => onOld.seen.length === 10);
    // The same path, another file (the follower above still holds the old one open).
    const otherDir = mkdtempSync(path.join(root, 'other-'));
    const elsewhere = new FileEventLog({ dir: otherDir, partitions: 1 });
    logs.push(elsewhere);
    await elsewhere.append('t', messages('new', 100, 110));
    renameSync(path.join(otherDir, 't', '0.jsonl'), path.join(dir, 't', '0.jsonl'));
    const onNew = await collect(open(), { group: 'new', topics: ['t'], ephemeral: true });
    await onNew.consumer.caughtUp();
    await until('the new file read', () => onNew.seen.length === 10);
    expect(onNew.seen.map((m) => m.key)).toEqual(Array(10).fill('new'));
    expect(onNew.seen.map(seqOf)).toEqual([...Array(10).keys()].map((i) => 100 + i));
  });

  it('keeps the partition count a topic was created with', async () => {
    await open(3).ensureTopics(['t'], 12);
    const other = open(1);
    expect(await other.endOffsets('t')).toHaveLength(3);
    expect(JSON.parse(readFileSync(path.join(dir, 't', 'topic.json'), 'utf8'))).toEqual({ partitions: 3 });
  });

  it('refuses names that are not safe as directory names and a second consumer of one group in one instance', async () => {
    const log = open(1);
    await expect(log.append('../escape', messages('k', 0, 1))).rejects.toThrow('topic name');
    await expect(log.committedOffsets('a/b', 't')).rejects.toThrow('group name');
    await collect(log, { group: 'g', topics: ['t'] });
    await expect(log.consume({ group: 'g', topics: ['t'], fromBeginning: true }, async () => undefined)).rejects.toThrow('already being consumed');
  });

  it('reads an unreadable offset file as 0: the group re-reads that partition instead of skipping', async () => {
    const log = open(1);
    await log.append('t', messages('k', 0, 2));
    mkdirSync(path.join(dir, '_groups', 'g', 't'), { recursive: true });
    writeFileSync(path.join(dir, '_groups', 'g', 't', '0.offset'), 'garbage');
    const { seen } = await collect(log, { group: 'g', topics: ['t'], fromBeginning: false });
    await until('both', () => seen.length === 2);
  });
});
