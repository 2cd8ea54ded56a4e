/**
 * Corrections on the embedded event log (real files): filing checks, the route (adapter or operator
 * queue), the delivery queued for the relay, the life cycle moved by the registry's answer or by
 * its operators, who may follow a correction, and the audit entries the citizen's log is built from.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEntry, AuditRecord } from '@motlan/audit/audit-record.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import type { DomainError } from '@motlan/errors/domain-error.js';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import type { ConsumedMessage } from '@motlan/event-log/event-log.port.js';
import { defaultProcedureCatalogFile } from '@motlan/procedure-catalog/catalog-file.js';
import { PurposeCatalog } from '@motlan/procedure-catalog/purpose-catalog.js';
import type { DatasetDescriptor } from '@motlan/registry-client/registry-client.port.js';
import { parseDelivery } from '@motlan/registry-events/registry-delivery.js';
import { RegistryEventTopics } from '@motlan/registry-events/registry-event-topics.js';
import { CorrectionService, reviewedRegistries, type CorrectionActor, type CorrectionFiling } from './correction.service.js';

class MemoryAuditSink extends AuditSink {
  readonly records: AuditEntry[] = [];
  async append(record: AuditEntry): Promise<void> {
    this.records.push(record);
  }
  async appendMany(records: AuditEntry[]): Promise<void> {
    this.records.push(...records);
  }
}

const person: DatasetDescriptor = {
  registry: 'population',
  name: 'person',
  subjectKey: { name: 'cccd', pattern: '^\\d{12}$', description: '12 digits' },
  fields: [],
  fieldNames: new Set(['fullName', 'occupation', 'dateOfBirth']),
  maxAgeSeconds: 60,
  sensitivity: 'normal',
  description: '',
};
const SUBJECT = '001099012345';
const purposes = PurposeCatalog.load(defaultProcedureCatalogFile());
const clerk: CorrectionActor = { clientId: 'commune-00004', communeCode: '00004', requestId: 'req-c1', reviews: new Set() };
const neighbour: CorrectionActor = { clientId: 'commune-00007', communeCode: '00007', requestId: 'req-c2', reviews: new Set() };
const colleague: CorrectionActor = { clientId: 'commune-00004-b', communeCode: '00004', requestId: 'req-c3', reviews: new Set() };
const operator: CorrectionActor = {
  clientId: 'population-operator',
  communeCode: null,
  requestId: 'req-c4',
  reviews: reviewedRegistries(new Set(['corrections:review:population'])),
};
const filing: CorrectionFiling = {
  registry: 'population',
  dataset: 'person',
  subjectId: SUBJECT,
  field: 'fullName',
  valueSeen: 'Nguyễn Văn Nam',
  valueProposed: 'Nguyễn Văn Năm',
  evidenceRef: 'HS-1/GKS',
  officerId: 'officer-1',
  purpose: '1.004222',
};

let dir: string;
let log: FileEventLog;
let audit: MemoryAuditSink;
let service: CorrectionService;
let takesCorrections: boolean;

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'motlan-corrections-'));
  log = new FileEventLog({ dir, pollMs: 10, fsync: false });
  audit = new MemoryAuditSink();
  takesCorrections = true;
  service = new CorrectionService(log, { resolve: () => person, accepts: () => takesCorrections }, purposes, audit, 5000);
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

async function queuedDeliveries(): Promise<ConsumedMessage[]> {
  const found: ConsumedMessage[] = [];
  const reader = await log.consume({ group: 'test-reader', topics: [RegistryEventTopics.deliveries], fromBeginning: true, ephemeral: true }, async (m) => {
    found.push(m);
  });
  await reader.caughtUp();
  await reader.stop();
  return found;
}

const corrections = (): AuditRecord[] => audit.records.filter((r): r is AuditRecord => r.type === 'access' && r.via === 'correction');

describe('CorrectionService', () => {
  it('files a correction and queues its delivery to an adapter that takes corrections; the citizen’s trail has it', async () => {
    const filed = await service.file(filing, clerk);
    expect(filed).toMatchObject({ state: 'open', route: 'adapter', delivery: 'queued', filedBy: 'commune-00004', communeCode: '00004' });
    const [message] = await queuedDeliveries();
    const parsed = parseDelivery(message);
    expect(parsed.ok && parsed.message).toMatchObject({
      kind: 'correction',
      target: 'population',
      idempotencyKey: `correction#${filed.id}`,
      eventType: 'correction.proposed',
      subjectId: SUBJECT,
      correction: { field: 'fullName', valueSeenJson: '"Nguyễn Văn Nam"', valueProposedJson: '"Nguyễn Văn Năm"', officerId: 'officer-1', communeCode: '00004' },
    });
    expect(corrections()).toEqual([
      expect.objectContaining({ subjectId: SUBJECT, fields: ['fullName'], purpose: '1.004222', status: 201, correctionId: filed.id, correctionState: 'open' }),
    ]);
  });

  it('refuses what the clerk could not have seen or cannot correct, naming the field', async () => {
    const cases: Array<[Partial<CorrectionFiling>, string, string | undefined]> = [
      [{ field: 'shoeSize' }, 'unknown_field', 'field'],
      [{ subjectId: '12345' }, 'invalid_subject_id', 'subjectId'],
      [{ field: 'occupation' }, 'purpose_not_allowed', undefined],
      [{ purpose: '9.999999' }, 'invalid_purpose', 'purpose'],
      [{ valueProposed: 'Nguyễn Văn Nam' }, 'validation_failed', 'valueProposed'],
    ];
    for (const [change, code, member] of cases) {
      const error = await refusal(service.file({ ...filing, ...change }, clerk));
      const names = (error.extensions.invalidParams as Array<{ name: string }> | undefined)?.map((p) => p.name);
      expect({ change, code: error.code, names }).toEqual({ change, code, names: member ? [member] : undefined });
    }
    expect(service.store.list()).toEqual([]);
    expect(corrections()).toEqual([]);
  });

  it('follows the registry’s answer: applied with its version, refused with its reason, failed delivery left open', async () => {
    const applied = await service.file(filing, clerk);
    const [message] = await queuedDeliveries();
    const parsed = parseDelivery(message);
    if (!parsed.ok) throw new Error(parsed.reason);
    await service.onDelivery(parsed.message, { outcome: 'delivered', ack: { status: 'applied', recordVersion: '8', reason: '' } });
    expect(service.find(applied.id, clerk)).toMatchObject({ state: 'applied', recordVersion: '8', delivery: 'delivered' });
    expect(service.find(applied.id, clerk).history.map((h) => [h.state, h.by])).toEqual([
      ['open', 'commune-00004'],
      ['accepted', 'registry:population'],
      ['applied', 'registry:population'],
    ]);
    expect(corrections().map((r) => r.correctionState)).toEqual(['open', 'applied']);

    const refused = await service.file({ ...filing, valueSeen: 'X' }, clerk);
    await service.onDelivery(
      { ...parsed.message, referenceId: refused.id },
      {
        outcome: 'dead_lettered',
        reason: 'registry rejected it: the value seen is not the value the registry holds',
        refusal: 'the value seen is not the value the registry holds',
      },
    );
    expect(service.find(refused.id, clerk)).toMatchObject({ state: 'rejected', reason: 'the value seen is not the value the registry holds' });

    const failed = await service.file({ ...filing, valueSeen: 'Y' }, clerk);
    await service.onDelivery({ ...parsed.message, referenceId: failed.id }, { outcome: 'dead_lettered', reason: 'registry failed 8 times: unavailable' });
    expect(service.find(failed.id, clerk)).toMatchObject({ state: 'open', delivery: 'failed' });
  });

  it('queues corrections of a registry whose adapter takes none; its operators decide them, in the order the life cycle allows', async () => {
    takesCorrections = false;
    const filed = await service.file(filing, clerk);
    expect(filed).toMatchObject({ route: 'operator_queue', delivery: null });
    expect(await queuedDeliveries()).toEqual([]);
    expect(service.queue('population', operator).map((c) => c.id)).toEqual([filed.id]);
    expect(() => service.queue('land', operator)).toThrow(/does not review/);

    expect((await service.decide(filed.id, { state: 'accepted' }, operator)).state).toBe('accepted');
    expect((await refusal(service.decide(filed.id, { state: 'accepted' }, operator))).code).toBe('correction_state_conflict');
    expect(await service.decide(filed.id, { state: 'applied', recordVersion: '3' }, operator)).toMatchObject({ state: 'applied', recordVersion: '3' });
    expect((await refusal(service.decide(filed.id, { state: 'rejected', reason: 'late' }, operator))).code).toBe('correction_state_conflict');
    expect(service.queue('population', operator)).toEqual([]);
    expect(service.queue('population', operator, 'applied').map((c) => c.id)).toEqual([filed.id]);
    // Decisions need the review right of the registry.
    expect((await refusal(service.decide(filed.id, { state: 'rejected', reason: 'no' }, clerk))).code).toBe('correction_not_found');
  });

  it('is followed by the filing client, its commune and the registry’s reviewers, and nobody else', async () => {
    const filed = await service.file(filing, clerk);
    expect(service.find(filed.id, colleague).id).toBe(filed.id);
    expect(service.find(filed.id, operator).id).toBe(filed.id);
    expect(() => service.find(filed.id, neighbour)).toThrow(/no correction with that id/);
    expect(reviewedRegistries(new Set(['corrections:admin', 'corrections:review:land', 'population:read']))).toEqual(new Set(['*', 'land']));
  });
});
