import type { AuditRecord } from './audit-record.js';

/**
 * Where audit records go. `append` resolves only once the record is durably handed over (written
 * to the file / acknowledged by Kafka); if it rejects, the caller must not release the data.
 */
export abstract class AuditSink {
  abstract append(record: AuditRecord): Promise<void>;
  abstract appendMany(records: AuditRecord[]): Promise<void>;
}
