/**
 * One access to citizen data, answered or refused. The audit trail is not a debug log: it holds
 * the subject id on purpose (citizens read their own trail), and is written before data leaves.
 */
export interface AuditRecord {
  /** RFC 3339 time of the decision. */
  time: string;
  requestId: string;
  /** Client system (token `sub`), or null when the caller could not be authenticated. */
  clientId: string | null;
  officerId: string | null;
  purpose: string | null;
  dossierId: string | null;
  registry: string | null;
  dataset: string | null;
  subjectId: string | null;
  /** Fields returned (answered) or asked for (refused). */
  fields: string[];
  outcome: 'answered' | 'refused';
  /** HTTP status of the answer for this item. */
  status: number;
  /** Problem code when refused. */
  code?: string;
  /** HIT / MISS / STALE when answered. */
  cache?: string;
  /** Record version returned. */
  version?: string;
}
