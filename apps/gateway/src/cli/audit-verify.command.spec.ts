import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import type { AuditVerifyReport } from '@motlan/audit/audit-verifier.js';
import { FileAuditSink } from '@motlan/audit/file-audit-sink.adapter.js';
import { runMotlanCli } from './motlan-command.js';

const T0 = Date.parse('2025-06-01T08:00:00.000Z');
const record = (n: number): AuditRecord => ({
  type: 'access',
  time: new Date(T0 + n * 60_000).toISOString(),
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

async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMotlanCli(argv, env, { write: (t) => out.push(t) }, { write: (t) => err.push(t) });
  return { code, out: out.join(''), err: err.join('') };
}

/** An embedded data dir whose audit file holds 10 records of one writer (line n = seq n). */
async function dataDirWithTrail(): Promise<{ dataDir: string; file: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-cli-audit-'));
  const file = path.join(dataDir, 'audit', 'audit.jsonl');
  const sink = new FileAuditSink({ file, sync: false, writer: 'gw-cli~1' });
  for (let n = 1; n <= 10; n++) await sink.append(record(n));
  await sink.onModuleDestroy();
  return { dataDir, file };
}

describe('motlan audit verify (embedded: the audit file)', () => {
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
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const altered = JSON.parse(lines[6]) as AuditRecord;
    altered.fields = ['fullName', 'dateOfBirth'];
    lines[6] = JSON.stringify(altered);
    lines.splice(2, 1); // seq 3
    writeFileSync(file, lines.join('\n') + '\n');
    const result = await cli(['audit', 'verify'], { MOTLAN_DATA_DIR: dataDir });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/NOT INTACT: 2 problems/);
    expect(result.out).toMatch(/REMOVED\s+writer gw-cli~1 at 3: seq 3 is missing \(between the records at 2 and 3\)/);
    expect(result.out).toMatch(/ALTERED\s+writer gw-cli~1 at 6: seq 7: content does not match its hash/);
  });

  it('verifies a time range (its first record taken as the start) and a given file, as JSON', async () => {
    const { file } = await dataDirWithTrail();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const copy = path.join(path.dirname(file), 'export.jsonl');
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
    expect(none.err).toMatch(/no audit trail: .*audit\.jsonl does not exist/);
    expect((await cli(['audit', 'verify', '--from', 'yesterday'], {})).code).toBe(2);
    expect((await cli(['audit', 'verify', '--from', '2025-06-02T00:00:00Z', '--to', '2025-06-01T00:00:00Z'], {})).code).toBe(2);
    expect((await cli(['audit', 'check'], {})).code).toBe(2);
    expect((await cli(['adapters', 'list', '--from', '2025-06-01'], {})).code).toBe(2);
    expect((await cli(['--help'], {})).out).toMatch(/audit verify/);
  });
});
