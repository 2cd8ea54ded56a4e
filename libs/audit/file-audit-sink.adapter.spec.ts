import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditPosition } from './audit-feed.port.js';
import type { AuditEntry, AuditRecord } from './audit-record.js';
import type { ChainedAuditEntry } from './audit-chain.js';
import { readAuditTrailFile, type TrailItem } from './audit-trail-reader.js';
import { verifyAuditTrail } from './audit-verifier.js';
import { FileAuditFeed } from './file-audit-feed.adapter.js';
import { FileAuditSink } from './file-audit-sink.adapter.js';

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

const tempFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'audit-')), 'nested', 'audit.jsonl');
const readLines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ChainedAuditEntry);
async function verifyFile(file: string) {
  const items: TrailItem[] = [];
  await readAuditTrailFile(file, (item) => items.push(item));
  return verifyAuditTrail(items);
}

describe('FileAuditSink', () => {
  it('appends every record as one chained JSON line, concurrent appends included, chain order = line order', async () => {
    const file = tempFile();
    const sink = new FileAuditSink({ file, sync: false, writer: 'gw-test~1' });
    await Promise.all(Array.from({ length: 500 }, (_, n) => sink.append(record(n))));
    await sink.appendMany([record(500), record(501)]);
    await sink.onModuleDestroy();
    const lines = readLines(file);
    expect(lines).toHaveLength(502);
    expect(new Set(lines.map((l) => (l as AuditRecord).requestId)).size).toBe(502);
    expect(lines.map((l) => l.chain.seq)).toEqual(Array.from({ length: 502 }, (_, i) => i + 1));
    expect(lines.every((l) => l.chain.writer === 'gw-test~1')).toBe(true);
    expect((await verifyFile(file)).intact).toBe(true);
  });

  it('two sinks (two gateway processes) on one file keep two verifiable chains', async () => {
    const file = tempFile();
    const a = new FileAuditSink({ file, sync: false });
    const b = new FileAuditSink({ file, sync: true });
    await Promise.all(Array.from({ length: 200 }, (_, n) => (n % 2 ? a : b).append(record(n))));
    await Promise.all([a.onModuleDestroy(), b.onModuleDestroy()]);
    const report = await verifyFile(file);
    expect(report).toMatchObject({ intact: true, records: 200 });
    expect(report.writers.map((w) => w.records)).toEqual([100, 100]);
  });

  it('rejects the append when the file cannot be written; the next write explains the gap with a notice', async () => {
    const file = tempFile();
    // A regular file where the sink expects its directory: writes fail until it is gone.
    const sink = new FileAuditSink({ file, sync: false, writer: 'w' });
    writeFileSync(path.dirname(file), 'not a directory');
    await expect(sink.append(record(1))).rejects.toThrow();
    await expect(sink.appendMany([record(2), record(3)])).rejects.toThrow();
    rmSync(path.dirname(file));
    await sink.append(record(4));
    await sink.onModuleDestroy();
    const lines = readLines(file);
    expect(lines.map((l) => [l.type, l.chain.seq])).toEqual([
      ['audit_notice', 5],
      ['access', 6],
    ]);
    expect(lines[0]).toMatchObject({ unconfirmed: [[1, 4]], late: [] });
    expect(await verifyFile(file)).toMatchObject({ intact: true, writers: [expect.objectContaining({ unconfirmedAbsent: 4 })] });
  });
});

describe('FileAuditFeed', () => {
  it('tails the audit file from its first line: entries without their chain, with line number, writer and seq', async () => {
    const file = tempFile();
    const sink = new FileAuditSink({ file, sync: false, writer: 'feed-w' });
    await sink.appendMany([record(1), record(2), record(3)]);
    const seen: Array<{ entry: AuditEntry; position: AuditPosition }> = [];
    let failures = 0;
    const feed = await new FileAuditFeed({ file, pollMs: 20 }).follow('test', async (entry, position) => {
      // A failing handler gets the same entry again: nothing is skipped.
      if ((entry as AuditRecord).requestId === 'req-2' && failures++ === 0) throw new Error('projection store down');
      seen.push({ entry, position });
    });
    try {
      await feed.caughtUp();
      expect(seen.map((s) => s.position)).toEqual([
        { position: '1', writer: 'feed-w', seq: 1 },
        { position: '2', writer: 'feed-w', seq: 2 },
        { position: '3', writer: 'feed-w', seq: 3 },
      ]);
      expect(seen[0].entry).toMatchObject({ type: 'access', requestId: 'req-1' });
      expect(seen[0].entry).not.toHaveProperty('chain');
      expect(failures).toBe(2);
      await sink.append(record(4));
      await waitFor(() => seen.length === 4);
      expect(seen[3].position).toEqual({ position: '4', writer: 'feed-w', seq: 4 });
    } finally {
      await feed.stop();
      await sink.onModuleDestroy();
    }
  });

  it('waits for a file that does not exist yet, and is caught up at once', async () => {
    const file = tempFile();
    const seen: string[] = [];
    const feed = await new FileAuditFeed({ file, pollMs: 20 }).follow('test', async (_entry, position) => {
      seen.push(position.position);
    });
    await feed.caughtUp();
    const sink = new FileAuditSink({ file, sync: false });
    await sink.append(record(1));
    await waitFor(() => seen.length === 1);
    await feed.stop();
    await sink.onModuleDestroy();
  });
});

async function waitFor(condition: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
