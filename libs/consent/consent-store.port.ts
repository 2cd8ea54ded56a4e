import type { Consent, ConsentRequest } from './consent.js';

/** How long a consent stays listed (and readable by id) after it expired: the citizen can still see what they gave. */
export const DEFAULT_CONSENT_RETENTION_MS = 90 * 86_400_000;

/** Thrown when the store cannot be read or written now (answered 503 `consent_unavailable`). */
export class ConsentStoreUnavailableError extends Error {
  override readonly name = 'ConsentStoreUnavailableError';
}

export interface ConsentStoreOptions {
  /** Epoch ms; tests move it. Default Date.now. */
  now?: () => number;
  /** Kept this long after `validUntil`, then forgotten; default {@link DEFAULT_CONSENT_RETENTION_MS}. */
  retentionMs?: number;
}

/**
 * Consents and pending counter requests, shared by every gateway instance of a deployment (Redis in
 * production, a file under the data directory embedded). Every lookup of a sensitive dataset reads
 * its consent here, so a revocation is in force for the next lookup on any instance. Every method
 * rejects with {@link ConsentStoreUnavailableError} when the store cannot answer: the caller refuses
 * (503), it never reads on a consent it could not check.
 */
export abstract class ConsentStore {
  /** Stores a new consent, durably before it resolves. */
  abstract add(consent: Consent): Promise<void>;

  /** The consent with this id (revoked and expired ones too, until forgotten), or null. */
  abstract get(id: string): Promise<Consent | null>;

  /** The citizen's consents not yet forgotten, newest first. */
  abstract listBySubject(subjectId: string): Promise<Consent[]>;

  /**
   * Takes the citizen's consent back at `revokedAt` (RFC 3339); revoking twice keeps the first time.
   * Null when there is no such consent of this citizen: another citizen's id answers like an unknown one.
   */
  abstract revoke(id: string, subjectId: string, revokedAt: string): Promise<Consent | null>;

  /** Stores a counter request until its `expiresAt`. */
  abstract addRequest(request: ConsentRequest): Promise<void>;

  /** The pending request with this code; null when unknown, used or expired. */
  abstract getRequest(code: string): Promise<ConsentRequest | null>;

  /**
   * Uses the pending request `code` up and stores `consent` in its place. Exactly one of several
   * concurrent approvals (on any instance) resolves true; false when the request was used or has
   * expired meanwhile.
   */
  abstract approveRequest(code: string, consent: Consent): Promise<boolean>;

  /**
   * The id of the consent request `code` was approved with, until the request would have expired
   * (the clerk's software polls for it); null while pending, after that, or for an unknown code.
   */
  abstract approvedConsentId(code: string): Promise<string | null>;

  abstract close(): Promise<void>;
}

/** Newest first, then by id: the same order from every implementation. */
export function newestFirst(a: Consent, b: Consent): number {
  return b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);
}
