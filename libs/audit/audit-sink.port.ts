import type { AuditEntry } from './audit-record.js';

/**
 * Where audit records go. `append` resolves only once the record is durably handed over (written
 * to the file / acknowledged by Kafka); if it rejects, the caller must not release the data.
 */
export abstract class AuditSink {
  abstract append(record: AuditEntry): Promise<void>;
  abstract appendMany(records: AuditEntry[]): Promise<void>;
}
