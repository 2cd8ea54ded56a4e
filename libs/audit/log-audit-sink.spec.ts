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

const record = (n: number): AuditRecord => ({
  type: 'access',
  time: new Date().toISOString(),
  requestId: `req-${n}`,
  clientId: 'commune-app',
  officerId: 'officer-1',
  purpose: '1.004222',
  dossierId: null,
  registry: 'population',
  dataset: 'person',
  subjectId: '001099012345',
  fields: ['fullName'],
  outcome: 'answered',
  status: 200,
});

const tempDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'audit-')), 'nested', 'audit');
const log = (dir: string, fsync = false): EventLog => embeddedAuditLog({ dir, fsync, pollMs: 20 });
const partitionFile = (dir: string) => path.join(dir, Topics.audit, '0.jsonl');
/** The records in the log's partition file, in line order. */
const readRecords = (dir: string) =>
  readFileSync(partitionFile(dir), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse((JSON.parse(l) as { v: string }).v) as ChainedAuditEntry);
async function verifyLog(dir: string) {
  const items: TrailItem[] = [];
  const reader = log(dir);
  await readAuditTrailTopic(reader, Topics.audit, (item) => items.push(item));
  await reader.close();
  return verifyAuditTrail(items);
}

describe('LogAuditSink on the embedded event log', () => {
  it('appends every record as one chained message, concurrent appends included, chain order = log order; the trail is private', async () => {
    const dir = tempDir();
    const sink = new LogAuditSink({ log: log(dir), writer: 'gw-test~1' });
    await Promise.all(Array.from({ length: 500 }, (_, n) => sink.append(record(n))));
    await sink.appendMany([record(500), record(501)]);
    expect(sink.refusedAppends).toBe(0);
    await sink.onModuleDestroy();
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
  it('reads the trail from its first record: entries without their chain, with partition:offset, writer and seq', async () => {
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
      expect(seen.map((s) => s.position)).toEqual([
        { position: '0:0', writer: 'feed-w', seq: 1 },
        { position: '0:1', writer: 'feed-w', seq: 2 },
        { position: '0:2', writer: 'feed-w', seq: 3 },
      ]);
      expect(seen[0].entry).toMatchObject({ type: 'access', requestId: 'req-1' });
      expect(seen[0].entry).not.toHaveProperty('chain');
      expect(failures).toBe(2);
      await sink.append(record(4));
      await waitFor(() => seen.length === 4);
      expect(seen[3].position).toEqual({ position: '0:3', writer: 'feed-w', seq: 4 });
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

describe('the audit file of an earlier release', () => {
  /** An audit.jsonl as FileAuditSink wrote it: the sink's records, one per line. */
  async function legacyTrail(dir: string, n: number): Promise<string[]> {
    const scratch = tempDir();
    const sink = new LogAuditSink({ log: log(scratch), writer: 'old-gw~1' });
    for (let i = 1; i <= n; i++) await sink.append(record(i));
    await sink.onModuleDestroy();
    const lines = readFileSync(partitionFile(scratch), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { v: string }).v);
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
