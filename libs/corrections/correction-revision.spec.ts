/**
 * Optimistic concurrency of operators' decisions: a correction's revision (its history's length)
 * and `expectedRevision` (If-Match) checked before the state, on the embedded event log.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEntry } from '@motlan/audit/audit-record.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import type { DomainError } from '@motlan/errors/domain-error.js';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import { defaultProcedureCatalogFile } from '@motlan/procedure-catalog/catalog-file.js';
import { PurposeCatalog } from '@motlan/procedure-catalog/purpose-catalog.js';
import type { DatasetDescriptor } from '@motlan/registry-client/registry-client.port.js';
import { correctionRevision } from './correction.js';
import { CorrectionService, reviewedRegistries, type CorrectionActor } from './correction.service.js';

class MemoryAuditSink extends AuditSink {
  readonly records: AuditEntry[] = [];
  async append(record: AuditEntry): Promise<void> {
    this.records.push(record);
  }
  async appendMany(records: AuditEntry[]): Promise<void> {
    this.records.push(...records);
  }
}

const household: DatasetDescriptor = {
  registry: 'residence',
  name: 'household',
  subjectKey: { name: 'cccd', pattern: '^\\d{12}$', description: '12 digits' },
  fields: [],
  fieldNames: new Set(['permanentAddress']),
  maxAgeSeconds: 60,
  sensitivity: 'normal',
  description: '',
};
const clerk: CorrectionActor = { clientId: 'commune-00004', communeCode: '00004', requestId: 'req-r1', reviews: new Set() };
const reviewer = (clientId: string): CorrectionActor => ({
  clientId,
  communeCode: null,
  requestId: `req-${clientId}`,
  reviews: reviewedRegistries(new Set(['corrections:review:residence'])),
});

let dir: string;
let log: FileEventLog;
let audit: MemoryAuditSink;
let service: CorrectionService;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'motlan-correction-revision-'));
  log = new FileEventLog({ dir, pollMs: 10, fsync: false });
  audit = new MemoryAuditSink();
  // The residence adapter takes no corrections: they go to the operator queue.
  service = new CorrectionService(log, { resolve: () => household, accepts: () => false }, PurposeCatalog.load(defaultProcedureCatalogFile()), audit, 5000);
  await service.start();
});

afterEach(async () => {
  await service.onModuleDestroy();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('not refused');
}

const fileOne = () =>
  service.file(
    {
      registry: 'residence',
      dataset: 'household',
      subjectId: '001099012345',
      field: 'permanentAddress',
      valueSeen: { line: 'Số 1' },
      valueProposed: { line: 'Số 10' },
      evidenceRef: 'HS-2/XN',
      officerId: 'officer-2',
      purpose: '1.004222',
    },
    clerk,
  );

describe('a correction’s revision', () => {
  it('is 1 when filed and grows with each state move (two for open → applied)', async () => {
    const filed = await fileOne();
    expect(correctionRevision(filed)).toBe(1);
    const applied = await service.decide(filed.id, { state: 'applied', recordVersion: '4' }, reviewer('op-a'), 1);
    expect(correctionRevision(applied)).toBe(3);
    expect(applied.history.map((h) => h.state)).toEqual(['open', 'accepted', 'applied']);
  });

  it('refuses a decision on a revision another reviewer moved: 412 precondition_failed, nothing recorded', async () => {
    const filed = await fileOne();
    await service.decide(filed.id, { state: 'accepted' }, reviewer('op-a'), 1);
    const recordsBefore = audit.records.length;
    const stale = await refusal(service.decide(filed.id, { state: 'rejected', reason: 'unreadable' }, reviewer('op-b'), 1));
    expect({ code: stale.code, status: stale.status, extensions: stale.extensions }).toEqual({
      code: 'precondition_failed',
      status: 412,
      extensions: { currentRevision: 2, state: 'accepted' },
    });
    expect(audit.records.length).toBe(recordsBefore);
    expect(service.find(filed.id, clerk).state).toBe('accepted');
  });

  it('checks the revision before the state, and leaves decisions without one unconditional', async () => {
    const filed = await fileOne();
    await service.decide(filed.id, { state: 'rejected', reason: 'no such address' }, reviewer('op-a'));
    // Stale and not allowed any more: the stale revision is what the reviewer must learn first.
    expect((await refusal(service.decide(filed.id, { state: 'accepted' }, reviewer('op-b'), 1))).code).toBe('precondition_failed');
    // Current revision, move not allowed: the state conflict, as without If-Match.
    expect((await refusal(service.decide(filed.id, { state: 'accepted' }, reviewer('op-b'), 2))).code).toBe('correction_state_conflict');
  });
});
