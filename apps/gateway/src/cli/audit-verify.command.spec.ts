import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import type { AuditVerifyReport } from '@motlan/audit/audit-verifier.js';
import { embeddedAuditLog } from '@motlan/audit/embedded-audit-trail.js';
import { LogAuditSink } from '@motlan/audit/log-audit-sink.js';
import { Topics } from '@motlan/events/topics.js';
import { runMotlanCli } from './motlan-command.js';
import { accessRecord } from '../../../../test/support/audit-records.js';

const T0 = Date.parse('2025-06-01T08:00:00.000Z');
const record = (n: number): AuditRecord => accessRecord(n, { time: new Date(T0 + n * 60_000).toISOString() });

async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMotlanCli(argv, env, { write: (t) => out.push(t) }, { write: (t) => err.push(t) });
  return { code, out: out.join(''), err: err.join('') };
}

/** A line of the embedded log's partition file: one message, its records' texts one per line as its value. */
type LogLine = { k: string; v: string; h: object; t: number };

/** An embedded data dir whose audit log holds 10 records of one writer, one write each (offset n-1 = seq n). */
async function dataDirWithTrail(): Promise<{ dataDir: string; file: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-cli-audit-'));
  const sink = new LogAuditSink({ log: embeddedAuditLog({ dir: path.join(dataDir, 'audit'), fsync: false }), writer: 'gw-cli~1' });
  for (let n = 1; n <= 10; n++) await sink.append(record(n));
  await sink.onModuleDestroy();
  return { dataDir, file: path.join(dataDir, 'audit', Topics.audit, '0.jsonl') };
}

const logLines = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LogLine);

describe('motlan audit verify (embedded: the audit topic of the file log)', () => {
  it('reports an intact trail and exits 0, without a gateway or a token', async () => {
    const { dataDir } = await dataDirWithTrail();
    const result = await cli(['audit', 'verify'], { MOTLAN_DATA_DIR: dataDir });
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(/Verified 10 records of 1 writer/);
    expect(result.out).toMatch(/gw-cli~1\s+1-10\s+10/);
    expect(result.out).toMatch(/^INTACT/m);
  });

  it('exits 1 with a readable report of each problem', async () => {
    const { dataDir, file } = await dataDirWithTrail();
    const lines = logLines(file);
    const altered = JSON.parse(lines[6].v) as AuditRecord;
    altered.fields = ['fullName', 'dateOfBirth'];
    lines[6].v = JSON.stringify(altered);
    lines.splice(2, 1); // seq 3
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const result = await cli(['audit', 'verify'], { MOTLAN_DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/NOT INTACT: 2 problems/);
    expect(result.out).toMatch(/REMOVED\s+writer gw-cli~1 at 0:2: seq 3 is missing \(between the records at 0:1 and 0:2\)/);
    expect(result.out).toMatch(/ALTERED\s+writer gw-cli~1 at 0:5: seq 7: content does not match its hash/);
  });

  it('reads write batches (one message, a record per line) record by record, with partition:offset:line', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-cli-audit-'));
    const sink = new LogAuditSink({ log: embeddedAuditLog({ dir: path.join(dataDir, 'audit'), fsync: false }), writer: 'gw-cli~2' });
    await sink.appendMany([1, 2, 3, 4, 5].map(record));
    await sink.appendMany([6, 7, 8].map(record));
    await sink.onModuleDestroy();
    const env = { MOTLAN_DATA_DIR: dataDir };
    expect((await cli(['audit', 'verify'], env)).out).toMatch(/gw-cli~2\s+1-8\s+8\s+0:0:1\s+0:1:3/);
    // seq 3 taken out of the first message: found where it was.
    const file = path.join(dataDir, 'audit', Topics.audit, '0.jsonl');
    const lines = logLines(file);
    lines[0].v = lines[0].v
      .split('\n')
      .filter((_, i) => i !== 2)
      .join('\n');
    writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const result = await cli(['audit', 'verify'], env);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/REMOVED\s+writer gw-cli~2 at 0:0:3: seq 3 is missing \(between the records at 0:0:2 and 0:0:3\)/);
  });

  it('verifies a time range (its first record taken as the start) and a given file, as JSON', async () => {
    const { dataDir, file } = await dataDirWithTrail();
    const lines = logLines(file).map((l) => l.v);
    const copy = path.join(dataDir, 'export.jsonl');
    writeFileSync(copy, lines.slice(3).join('\n') + '\n'); // seq 4-10: the start is missing...
    const whole = await cli(['audit', 'verify', '--file', copy, '--json'], {});
    expect(whole.code).toBe(1);
    // ...which a range starting in it does not count.
    const from = new Date(T0 + 5 * 60_000).toISOString();
    const ranged = await cli(['audit', 'verify', '--file', copy, '--json', '--from', from, '--to', new Date(T0 + 8 * 60_000).toISOString()], {});
    expect(ranged.code).toBe(0);
    const report = JSON.parse(ranged.out) as AuditVerifyReport & { source: string };
    expect(report).toMatchObject({ intact: true, records: 4, range: { from }, source: `file ${copy}` });
    expect(report.writers[0]).toMatchObject({ firstSeq: 5, lastSeq: 8 });
  });

  it('says so when there is no trail, and refuses bad options', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'motlan-cli-audit-'));
    const none = await cli(['audit', 'verify'], { MOTLAN_DATA_DIR: empty });
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no audit trail: .*audit\/motlan\.audit\.v1 does not exist/);
    expect((await cli(['audit', 'verify', '--from', 'yesterday'], {})).code).toBe(2);
    expect((await cli(['audit', 'verify', '--from', '2025-06-02T00:00:00Z', '--to', '2025-06-01T00:00:00Z'], {})).code).toBe(2);
    expect((await cli(['audit', 'check'], {})).code).toBe(2);
    expect((await cli(['adapters', 'list', '--from', '2025-06-01'], {})).code).toBe(2);
    expect((await cli(['--help'], {})).out).toMatch(/audit verify/);
  });

  it('verifies the audit.jsonl of an earlier release while no gateway has moved it into the log yet', async () => {
    const { dataDir, file } = await dataDirWithTrail();
    const old = mkdtempSync(path.join(tmpdir(), 'motlan-cli-audit-'));
    mkdirSync(path.join(old, 'audit'));
    writeFileSync(
      path.join(old, 'audit', 'audit.jsonl'),
      logLines(file)
        .map((l) => l.v)
        .join('\n') + '\n',
    );
    const result = await cli(['audit', 'verify', '--json'], { MOTLAN_DATA_DIR: old });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({ intact: true, records: 10, source: `file ${path.join(old, 'audit', 'audit.jsonl')}` });
    expect(dataDir).not.toBe(old);
  });
});
