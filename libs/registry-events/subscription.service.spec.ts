/**
 * Subscriptions on the embedded event log (real files): the legal-basis rule (a procedure that
 * reads every field of the source dataset under a legal basis), the subscriber's `accepts`,
 * duplicates, removal, audit records, and a second instance that reads what the first wrote.
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
import { SubscriptionService, type SubscriptionRequest } from './subscription.service.js';

class MemoryAuditSink extends AuditSink {
  readonly records: AuditEntry[] = [];
  async append(record: AuditEntry): Promise<void> {
    this.records.push(record);
  }
  async appendMany(records: AuditEntry[]): Promise<void> {
    this.records.push(...records);
  }
}

const purposes = PurposeCatalog.load(defaultProcedureCatalogFile());
/** Population takes civil-status record events; nobody else takes anything. */
const accepts = (subscriber: string, source: string) => subscriber === 'population' && source === 'civil-status';
const actor = { clientId: 'national-admin', requestId: 'req-a1' };
const death: SubscriptionRequest = {
  subscriber: 'population',
  sourceRegistry: 'civil-status',
  dataset: 'death',
  eventTypes: ['record.created'],
  fields: ['personId', 'registrationNumber'],
  procedure: '1.000656',
};

let dir: string;
let logs: FileEventLog[];
let services: SubscriptionService[];

function open(audit = new MemoryAuditSink()): SubscriptionService {
  const log = new FileEventLog({ dir, pollMs: 10, fsync: false });
  logs.push(log);
  const service = new SubscriptionService(log, purposes, accepts, audit, 5000);
  services.push(service);
  return service;
}

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('not refused');
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'motlan-subscriptions-'));
  logs = [];
  services = [];
});

afterEach(async () => {
  for (const service of services) await service.stop();
  for (const log of logs) await log.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SubscriptionService', () => {
  it('refuses a subscription without a legal basis, naming the member at fault', async () => {
    const service = open();
    await service.start();
    const cases: Array<[Partial<SubscriptionRequest>, string, string]> = [
      [{ procedure: '2.000815' }, 'legal_basis_missing', 'procedure'], // reads deaths by consent only
      [{ procedure: '9.999999' }, 'legal_basis_missing', 'procedure'], // not in the catalog
      [{ procedure: '1.004222' }, 'legal_basis_missing', 'procedure'], // does not read deaths at all
      [{ fields: ['personId', 'place'] }, 'legal_basis_missing', 'fields'], // beyond the grant
      [{ subscriber: 'residence' }, 'events_not_accepted', 'eventTypes'],
      [{ subscriber: 'civil-status' }, 'subscription_to_itself', 'subscriber'],
    ];
    for (const [change, code, member] of cases) {
      const error = await refusal(service.create({ ...death, ...change }, actor));
      expect({ change, code: error.code, status: error.status, invalidParams: error.extensions.invalidParams }).toEqual({
        change,
        code,
        status: 422,
        invalidParams: [expect.objectContaining({ name: member })],
      });
    }
    expect(service.list()).toEqual([]);
  });

  it('stores a subscription with its legal basis, refuses a second one for the same dataset, removes it; each change audited', async () => {
    const audit = new MemoryAuditSink();
    const service = open(audit);
    await service.start();
    const created = await service.create({ ...death, fields: ['registrationNumber', 'personId', 'personId'] }, actor);
    expect(created).toMatchObject({
      subscriber: 'population',
      fields: ['personId', 'registrationNumber'],
      legalBasis: expect.stringMatching(/Luật Hộ tịch 2014, Điều 33/),
    });
    expect(service.get(created.id)).toEqual(created);
    expect((await refusal(service.create(death, actor))).code).toBe('subscription_exists');

    // Another instance on the same log reads it.
    const other = open();
    await other.start();
    expect(other.list()).toEqual([created]);

    await service.remove(created.id, actor);
    expect(() => service.get(created.id)).toThrow(/no subscription/);
    expect(audit.records.map((r) => (r.type === 'subscription' ? [r.action, r.subscriptionId] : r.type))).toEqual([
      ['create', created.id],
      ['remove', created.id],
    ]);
  });
});
