import type { AuditRecord } from '@motlan/audit/audit-record.js';

/** 2025-06-01T08:00:00Z: the time of record 0 unless a spec gives its own. */
export const AUDIT_T0 = Date.parse('2025-06-01T08:00:00.000Z');

/**
 * An answered lookup's audit record, `req-<n>`, one second after AUDIT_T0 per n; the audit specs'
 * one sample record (the chain, codec, sink, verifier and verify command specs change only what
 * their test is about).
 */
export function accessRecord(n: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    type: 'access',
    time: new Date(AUDIT_T0 + n * 1000).toISOString(),
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
    ...overrides,
  };
}
