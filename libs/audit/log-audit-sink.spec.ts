/**
 * The audit sink and feed on the embedded event log (real files in a temp directory): chained
 * records in write order, two writers on one log, a failed write explained by a notice, the feed
 * in order with positions, and the move of an earlier release's audit file into the log. The Kafka
 * path: test/integration/audit-kafka.int.spec.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Topics } from '@motlan/events/topics.js';
import type { EventLog } from '@motlan/event-log/event-log.port.js';
import type { AuditPosition } from './audit-feed.port.js';
import type { AuditEntry, AuditRecord } from './audit-record.js';
import type { ChainedAuditEntry } from './audit-chain.js';
import { readAuditTrailTopic, type TrailItem } from './audit-trail-reader.js';
import { verifyAuditTrail } from './audit-verifier.js';
import { embeddedAuditLog, legacyAuditFile, migrateLegacyAuditFile } from './embedded-audit-trail.js';
import { LogAuditFeed } from './log-audit-feed.js';
import { LogAuditSink } from './log-audit-sink.js';
import { accessRecord } from '../../test/support/audit-records.js';

const record = (n: number): AuditRecord => accessRecord(n, { time: new Date().toISOString() });

const tempDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'audit-')), 'nested', 'audit');
const log = (dir: string, fsync = false): EventLog => embeddedAuditLog({ dir, fsync, pollMs: 20 });
const partitionFile = (dir: string) => path.join(dir, Topics.audit, '0.jsonl');
/** A line of the log's partition file: one message, whose value holds records one per line. */
type LogLine = { k: string; v: string; h: object; t: number };
const readMessages = (dir: string) =>
  readFileSync(partitionFile(dir), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LogLine);
const writeMessages = (dir: string, messages: LogLine[]) => writeFileSync(partitionFile(dir), messages.map((m) => JSON.stringify(m)).join('\n') + '\n');
/** The records in the log's partition file, in order (messages in line order, each one's records in its order). */
const readRecords = (dir: string) =>
  readMessages(dir)
    .flatMap((m) => m.v.split('\n'))
    .map((text) => JSON.parse(text) as ChainedAuditEntry);
async function verifyLog(dir: string) {
  const items: TrailItem[] = [];
  const reader = log(dir);
  await readAuditTrailTopic(reader, Topics.audit, (item) => items.push(item));
  await reader.close();
  return verifyAuditTrail(items);
}

describe('LogAuditSink on the embedded event log', () => {
  it('appends every record chained, a write batch as one message, concurrent appends included, chain order = log order; the trail is private', async () => {
    const dir = tempDir();
    const sink = new LogAuditSink({ log: log(dir), writer: 'gw-test~1' });
    await Promise.all(Array.from({ length: 500 }, (_, n) => sink.append(record(n))));
    await sink.appendMany([record(500), record(501)]);
    expect(sink.refusedAppends).toBe(0);
    await sink.onModuleDestroy();
    // Group commit: the 500 concurrent appends went out in a few batches, each batch one message
    // keyed by the writer (the last append, on its own, is a message of its two records).
    const messages = readMessages(dir);
    expect(messages.length).toBeLessThan(100);
    expect(messages.every((m) => m.k === 'gw-test~1')).toBe(true);
    expect(
      messages
        .at(-1)!
        .v.split('\n')
        .map((t) => (JSON.parse(t) as AuditRecord).requestId),
    ).toEqual(['req-500', 'req-501']);
    const lines = readRecords(dir);
    expect(lines).toHaveLength(502);
    expect(new Set(lines.map((l) => (l as AuditRecord).requestId)).size).toBe(502);
    expect(lines.map((l) => l.chain.seq)).toEqual(Array.from({ length: 502 }, (_, i) => i + 1));
    expect(lines.every((l) => l.chain.writer === 'gw-test~1')).toBe(true);
    expect(statSync(partitionFile(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect((await verifyLog(dir)).intact).toBe(true);
  });

  it('two sinks (two gateway processes) on one log keep two verifiable chains', async () => {
    const dir = tempDir();
    const a = new LogAuditSink({ log: log(dir) });
    const b = new LogAuditSink({ log: log(dir, true) });
    await Promise.all(Array.from({ length: 200 }, (_, n) => (n % 2 ? a : b).append(record(n))));
    await Promise.all([a.onModuleDestroy(), b.onModuleDestroy()]);
    const report = await verifyLog(dir);
    expect(report).toMatchObject({ intact: true, records: 200 });
    expect(report.writers.map((w) => w.records)).toEqual([100, 100]);
  });

  it('refuses appends while the log cannot be reached at all, burning no seq', async () => {
    const dir = tempDir();
    mkdirSync(path.dirname(dir), { recursive: true });
    writeFileSync(dir, 'not a directory');
    const sink = new LogAuditSink({ log: log(dir), writer: 'w' });
    await expect(sink.append(record(1))).rejects.toThrow();
    expect(sink.refusedAppends).toBe(1);
    rmSync(dir);
    await sink.append(record(2));
    await sink.onModuleDestroy();
    // Nothing was chained while the log was out of reach: no gap, no notice.
    expect(readRecords(dir).map((l) => [l.type, l.chain.seq])).toEqual([['access', 1]]);
  });

  it('says when the trail can be written: ready() rejects while the log cannot be reached, resolves once it can', async () => {
    const dir = tempDir();
    mkdirSync(path.dirname(dir), { recursive: true });
    writeFileSync(dir, 'not a directory');
    const sink = new LogAuditSink({ log: log(dir), writer: 'w' });
    await expect(sink.ready()).rejects.toThrow();
    rmSync(dir);
    await expect(sink.ready()).resolves.toBeUndefined();
    await sink.append(record(1));
    await sink.onModuleDestroy();
    expect(readRecords(dir).map((l) => [l.type, l.chain.seq])).toEqual([['access', 1]]);
  });

  it('rejects the append when the write fails; the next write explains the gap with a notice', async () => {
    const dir = tempDir();
    const sink = new LogAuditSink({ log: log(dir), writer: 'w' });
    // A directory where the partition file goes: the topic is there, its writes fail until it is gone.
    mkdirSync(partitionFile(dir), { recursive: true });
    await expect(sink.append(record(1))).rejects.toThrow();
    await expect(sink.appendMany([record(2), record(3)])).rejects.toThrow();
    // Two requests refused (one append, one batch): what motlan_audit_unavailable_total counts
    expect(sink.refusedAppends).toBe(2);
    rmSync(partitionFile(dir), { recursive: true });
    await sink.append(record(4));
    expect(sink.refusedAppends).toBe(2);
    await sink.onModuleDestroy();
    const lines = readRecords(dir);
    expect(lines.map((l) => [l.type, l.chain.seq])).toEqual([
      ['audit_notice', 5],
      ['access', 6],
    ]);
    // Seq 1, then the owed notice (2) with records 3-4: all unconfirmed, none in the trail.
    expect(lines[0]).toMatchObject({ unconfirmed: [[1, 4]], late: [] });
    expect(await verifyLog(dir)).toMatchObject({ intact: true, writers: [expect.objectContaining({ unconfirmedAbsent: 4 })] });
  });
});

describe('LogAuditFeed on the embedded event log', () => {
  it('reads the trail from its first record: entries without their chain, with partition:offset(:line), writer and seq', async () => {
    const dir = tempDir();
    const sink = new LogAuditSink({ log: log(dir), writer: 'feed-w' });
    await sink.appendMany([record(1), record(2), record(3)]);
    const seen: Array<{ entry: AuditEntry; position: AuditPosition }> = [];
    let failures = 0;
    const feed = await new LogAuditFeed({ log: log(dir), rebuildOnStart: true }).follow('test', async (entry, position) => {
      // A failing handler gets the same entry again: nothing is skipped.
      if ((entry as AuditRecord).requestId === 'req-2' && failures++ === 0) throw new Error('projection store down');
      seen.push({ entry, position });
    });
    try {
      await feed.caughtUp();
      // One message (one write) of three lines; the retry resumed at the entry that failed (req-1 once).
      expect(seen.map((s) => s.position)).toEqual([
        { position: '0:0:1', writer: 'feed-w', seq: 1 },
        { position: '0:0:2', writer: 'feed-w', seq: 2 },
        { position: '0:0:3', writer: 'feed-w', seq: 3 },
      ]);
      expect(seen[0].entry).toMatchObject({ type: 'access', requestId: 'req-1' });
      expect(seen[0].entry).not.toHaveProperty('chain');
      expect(failures).toBe(2);
      // A write of one record is a message of one line: partition:offset, as records always had.
      await sink.append(record(4));
      await waitFor(() => seen.length === 4);
      expect(seen[3].position).toEqual({ position: '0:1', writer: 'feed-w', seq: 4 });
    } finally {
      await feed.stop();
      await sink.onModuleDestroy();
    }
  });

  it('starts on an empty trail, is caught up at once, and follows what comes', async () => {
    const dir = tempDir();
    const seen: string[] = [];
    const feed = await new LogAuditFeed({ log: log(dir), rebuildOnStart: true }).follow('test', async (_entry, position) => {
      seen.push(position.position);
    });
    await feed.caughtUp();
    const sink = new LogAuditSink({ log: log(dir) });
    await sink.append(record(1));
    await waitFor(() => seen.length === 1);
    await feed.stop();
    await sink.onModuleDestroy();
  });
});

describe('write batches as messages, read back record by record', () => {
  /** A trail of one writer: 3 batches of 4 records (3 messages), seq 1-12. */
  async function batchedTrail(dir: string): Promise<void> {
    const sink = new LogAuditSink({ log: log(dir), writer: 'b-w' });
    for (let b = 0; b < 3; b++) await sink.appendMany([1, 2, 3, 4].map((i) => record(b * 4 + i)));
    await sink.onModuleDestroy();
    expect(readMessages(dir).map((m) => m.v.split('\n').length)).toEqual([4, 4, 4]);
  }
  async function readTrail(dir: string): Promise<TrailItem[]> {
    const items: TrailItem[] = [];
    const reader = log(dir);
    await readAuditTrailTopic(reader, Topics.audit, (item) => items.push(item));
    await reader.close();
    return items;
  }
  /** Rewrites one message's records (the value's lines). */
  function editMessage(dir: string, index: number, edit: (texts: string[]) => string[]): void {
    const messages = readMessages(dir);
    messages[index].v = edit(messages[index].v.split('\n')).join('\n');
    writeMessages(dir, messages);
  }
  const seqOf = (text: string) => (JSON.parse(text) as ChainedAuditEntry).chain.seq;

  it('the reader hands each record with partition:offset:line, and the trail verifies intact', async () => {
    const dir = tempDir();
    await batchedTrail(dir);
    const items = await readTrail(dir);
    expect(items.map((i) => i.position)).toEqual(['0:0:1', '0:0:2', '0:0:3', '0:0:4', '0:1:1', '0:1:2', '0:1:3', '0:1:4', '0:2:1', '0:2:2', '0:2:3', '0:2:4']);
    expect(items.map((i) => (i.value as ChainedAuditEntry).chain.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(verifyAuditTrail(items)).toMatchObject({ intact: true, records: 12, problems: [] });
  });

  it('finds a record removed from inside a message, with where it was', async () => {
    const dir = tempDir();
    await batchedTrail(dir);
    editMessage(dir, 1, (texts) => texts.filter((t) => seqOf(t) !== 7));
    const report = verifyAuditTrail(await readTrail(dir));
    expect(report.intact).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'removed', seq: 7, toSeq: 7, position: '0:1:3' })]);
  });

  it('finds a whole message removed', async () => {
    const dir = tempDir();
    await batchedTrail(dir);
    writeMessages(
      dir,
      readMessages(dir).filter((_, i) => i !== 1),
    );
    const report = verifyAuditTrail(await readTrail(dir));
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'removed', seq: 5, toSeq: 8, position: '0:1:1' })]);
  });

  it('finds a record changed inside a message', async () => {
    const dir = tempDir();
    await batchedTrail(dir);
    editMessage(dir, 2, (texts) => texts.map((t) => (seqOf(t) === 10 ? JSON.stringify({ ...(JSON.parse(t) as AuditRecord), officerId: 'someone-else' }) : t)));
    const report = verifyAuditTrail(await readTrail(dir));
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'altered', seq: 10, position: '0:2:2' })]);
  });

  it('finds two records swapped inside a message, and across two messages', async () => {
    const dir = tempDir();
    await batchedTrail(dir);
    editMessage(dir, 0, ([a, b, c, d]) => [a, c, b, d]);
    expect(verifyAuditTrail(await readTrail(dir)).problems).toEqual([expect.objectContaining({ kind: 'reordered', seq: 2, position: '0:0:3' })]);

    const other = tempDir();
    await batchedTrail(other);
    const messages = readMessages(other);
    const first = messages[0].v.split('\n');
    const second = messages[1].v.split('\n');
    [first[3], second[0]] = [second[0], first[3]];
    messages[0].v = first.join('\n');
    messages[1].v = second.join('\n');
    writeMessages(other, messages);
    expect(verifyAuditTrail(await readTrail(other)).problems).toEqual([expect.objectContaining({ kind: 'reordered', seq: 4, position: '0:1:1' })]);
  });

  it('a damaged line is reported on its own; the other records of its message are read, verified and fed', async () => {
    const dir = tempDir();
    await batchedTrail(dir);
    editMessage(dir, 1, (texts) => texts.map((t) => (seqOf(t) === 6 ? t.slice(0, 60) : t)));
    const items = await readTrail(dir);
    expect(items).toHaveLength(12);
    const report = verifyAuditTrail(items);
    // The damaged record is unreadable where it is; its seq is then missing before the next one.
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'unreadable', position: '0:1:2' }),
      expect.objectContaining({ kind: 'removed', seq: 6, position: '0:1:3' }),
    ]);
    expect(report.records).toBe(11);
    const seen: number[] = [];
    const feed = await new LogAuditFeed({ log: log(dir), rebuildOnStart: true }).follow('test', async (_entry, position) => {
      seen.push(position.seq);
    });
    await feed.caughtUp();
    await feed.stop();
    expect(seen).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]);
  });

  it('a trail of one-record messages (earlier releases) followed by batches reads and verifies as one', async () => {
    const dir = tempDir();
    await batchedTrail(dir);
    // The first batch as an earlier release wrote it: one message per record.
    const messages = readMessages(dir);
    const [head, ...rest] = messages;
    writeMessages(dir, [...head.v.split('\n').map((v) => ({ ...head, v })), ...rest]);
    const items = await readTrail(dir);
    expect(items.map((i) => i.position).slice(0, 6)).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4:1', '0:4:2']);
    expect(verifyAuditTrail(items)).toMatchObject({ intact: true, records: 12 });
    const seen: AuditPosition[] = [];
    const feed = await new LogAuditFeed({ log: log(dir), rebuildOnStart: true }).follow('test', async (_entry, position) => {
      seen.push(position);
    });
    await feed.caughtUp();
    await feed.stop();
    expect(seen.map((p) => [p.position, p.seq])).toEqual(items.map((i) => [i.position, (i.value as ChainedAuditEntry).chain.seq]));
  });
});

describe('the audit file of an earlier release', () => {
  /** An audit.jsonl as FileAuditSink wrote it: the sink's records, one per line. */
  async function legacyTrail(dir: string, n: number): Promise<string[]> {
    const scratch = tempDir();
    const sink = new LogAuditSink({ log: log(scratch), writer: 'old-gw~1' });
    for (let i = 1; i <= n; i++) await sink.append(record(i));
    await sink.onModuleDestroy();
    const lines = readRecords(scratch).map((r) => JSON.stringify(r));
    mkdirSync(dir, { recursive: true });
    writeFileSync(legacyAuditFile(dir), lines.join('\n') + '\n');
    return lines;
  }

  it('is moved into the empty log as it is, so its chain still verifies, and set aside', async () => {
    const dir = tempDir();
    const lines = await legacyTrail(dir, 5);
    const target = log(dir);
    await expect(migrateLegacyAuditFile(legacyAuditFile(dir), target, Topics.audit)).resolves.toBe(5);
    await target.close();
    expect(existsSync(legacyAuditFile(dir))).toBe(false);
    expect(
      readFileSync(`${legacyAuditFile(dir)}.migrated`, 'utf8')
        .trim()
        .split('\n'),
    ).toEqual(lines);
    // Later records of this release join the same trail.
    const sink = new LogAuditSink({ log: log(dir), writer: 'new-gw~1' });
    await sink.append(record(6));
    await sink.onModuleDestroy();
    expect(await verifyLog(dir)).toMatchObject({ intact: true, records: 6 });
    expect(readRecords(dir).map((r) => r.chain.writer)).toEqual(['old-gw~1', 'old-gw~1', 'old-gw~1', 'old-gw~1', 'old-gw~1', 'new-gw~1']);
    // Moved as the sink writes: the old writer's run of records in one message, keyed by it.
    expect(readMessages(dir).map((m) => [m.k, m.v.split('\n').length])).toEqual([
      ['old-gw~1', 5],
      ['new-gw~1', 1],
    ]);
  });

  it('is left in place when the log already holds records', async () => {
    const dir = tempDir();
    const sink = new LogAuditSink({ log: log(dir), writer: 'new-gw~1' });
    await sink.append(record(1));
    await sink.onModuleDestroy();
    await legacyTrail(dir, 2);
    const target = log(dir);
    await expect(migrateLegacyAuditFile(legacyAuditFile(dir), target, Topics.audit)).resolves.toBe(0);
    await target.close();
    expect(existsSync(legacyAuditFile(dir))).toBe(true);
    expect(readRecords(dir)).toHaveLength(1);
  });
});

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
