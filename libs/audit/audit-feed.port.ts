import type { AuditEntry } from './audit-record.js';

/** Where an audit entry sits in the trail, and its place in its writer's hash chain. */
export interface AuditPosition {
  /**
   * Where on the audit topic: "<partition>:<offset>" for the record of a message of one record,
   * "<partition>:<offset>:<line>" for a record of a message of several (a write batch). Opaque:
   * it identifies the record; order within a chain is its seq.
   */
  position: string;
  /** The gateway instance that wrote it (one hash chain per writer). */
  writer: string;
  /** Its number in the writer's chain, from 1. */
  seq: number;
}

export type AuditFeedHandler = (entry: AuditEntry, position: AuditPosition) => Promise<void>;

export interface RunningAuditFeed {
  stop(): Promise<void>;
  /** Resolves once everything written before the feed started has been handled. */
  caughtUp(): Promise<void>;
}

/**
 * Reads the audit trail back, in order, for projections built from it (the citizen access log).
 * Production: the Kafka topic motlan.audit.v1 through a consumer group (so a projection in Redis
 * resumes where it left off); embedded: the same topic of the file log, from its first record on
 * every start. Entries are delivered at least once: handlers must be idempotent.
 */
export abstract class AuditFeed {
  abstract follow(consumer: string, handler: AuditFeedHandler): Promise<RunningAuditFeed>;
}
