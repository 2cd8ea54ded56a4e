import type { AuditEntry } from './audit-record.js';

/**
 * Where audit records go. `append` resolves only once the record is durably handed over (written
 * to the file / acknowledged by Kafka); if it rejects, the caller must not release the data.
 */
export abstract class AuditSink {
  abstract append(record: AuditEntry): Promise<void>;
  abstract appendMany(records: AuditEntry[]): Promise<void>;

  /**
   * Resolves once the trail can be written (Kafka: the topic exists and every partition has a
   * leader), rejects when it cannot be reached now. The gateway does not wait for it at start-up
   * (it serves, answering 503 audit_unavailable meanwhile); a caller that must not see that
   * window, such as a test starting a gateway on a new audit topic, waits for this.
   */
  ready(): Promise<void> {
    return Promise.resolve();
  }
}
