import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditRecord } from './audit-record.js';
import { FileAuditSink } from './file-audit-sink.adapter.js';

const record = (n: number): AuditRecord => ({
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

describe('FileAuditSink', () => {
  it('appends every record as one JSON line, concurrent appends included', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'audit-'));
    const file = path.join(dir, 'nested', 'audit.jsonl');
    const sink = new FileAuditSink({ file, sync: false });
    await Promise.all(Array.from({ length: 500 }, (_, n) => sink.append(record(n))));
    await sink.appendMany([record(500), record(501)]);
    await sink.onModuleDestroy();
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    expect(lines).toHaveLength(502);
    expect(new Set(lines.map((l) => l.requestId)).size).toBe(502);
  });

  it('rejects the append when the file cannot be written', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'audit-'));
    // A regular file where the sink expects a directory: the write must fail, and say so.
    const blocker = new FileAuditSink({ file: path.join(dir, 'file-as-dir'), sync: false });
    await blocker.append(record(1));
    await blocker.onModuleDestroy();
    const impossible = new FileAuditSink({ file: path.join(dir, 'file-as-dir', 'audit.jsonl'), sync: false });
    await expect(impossible.append(record(2))).rejects.toThrow();
  });
});
