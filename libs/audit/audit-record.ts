/**
 * One access to citizen data, answered or refused. The audit trail is not a debug log: it holds
 * the subject id on purpose (citizens read their own trail), and is written before data leaves.
 */
export interface AuditRecord {
  type: 'access';
  /** RFC 3339 time of the decision. */
  time: string;
  requestId: string;
  /** Client system (token `sub`), or null when the caller could not be authenticated. */
  clientId: string | null;
  /** The commune the client system acts for (token claim `commune`), when it has one. */
  clientCommune?: string | null;
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
  /** When answered: fields asked for by name that the record holds no value for (docs/data-quality.md, "sufficient"). */
  missingFields?: string[];
  /** When answered: fields whose value fails its declared format (docs/data-quality.md, "clean"). */
  malformedFields?: string[];
  /** `via: prefill`, when answered: conflicts the prefill found that this read is a source of (docs/data-quality.md, "correct"). */
  conflicts?: number;
  /** The citizen's consent reference (X-Consent-Ref) the request carried, when it carried one. */
  consentRef?: string;
  /** The consent the read was answered on (checked: this citizen's, in force, covering it), when it needed one. */
  consentId?: string;
  /**
   * The use case that read the record, when not a plain lookup: `prefill`, or `archive-share` (a
   * commune redeemed a share of an item of the citizen's archive; registry and dataset are the
   * evidence's, null for a returned result).
   */
  via?: 'prefill' | 'archive-share' | 'correction';
  /** The citizen's share the read was answered on (`via: 'archive-share'`), when it was redeemed with one. */
  shareId?: string;
  /** `via: correction`: the correction filed or moved (libs/corrections), and the state it entered. */
  correctionId?: string;
  correctionState?: 'open' | 'accepted' | 'rejected' | 'applied';
  /** The commune that filed the correction (a decision is made by the registry's operator, who has none): data quality counts it there. */
  correctionCommune?: string | null;
  /**
   * When answered: the people other than the subject whose personal ids the released fields held
   * (household members, parcel owners, parents, spouses), with the paths of those values, so that
   * their access logs show the access too (libs/access-log/named-persons.ts). Ids in the clear,
   * like `subjectId`: they were released to the client, and the trail records to whom.
   */
  namedSubjects?: Array<{ subjectId: string; paths: string[] }>;
}

/**
 * A change to the adapter catalog (who changed which adapter, and the manifest before and after).
 * Manifests hold no secrets: TLS private keys are references, never inline.
 */
export interface AdapterCatalogAuditRecord {
  type: 'adapter_catalog';
  time: string;
  requestId: string;
  /** Client id (token `sub`) of the operator. */
  clientId: string;
  action: 'register' | 'update' | 'remove';
  adapterId: string;
  registry: string;
  before: object | null;
  after: object | null;
}

/**
 * A change to the procedure catalog: who put or removed which procedure, its version after the
 * change, and the procedure (as in the catalog file) before and after.
 */
export interface ProcedureCatalogAuditRecord {
  type: 'procedure_catalog';
  time: string;
  requestId: string;
  /** Client id (token `sub`) of the operator. */
  clientId: string;
  action: 'create' | 'update' | 'remove';
  code: string;
  /** The procedure's version after the change (a removal counts as one). */
  version: number;
  before: object | null;
  after: object | null;
}

/**
 * A request refused outside the lookup routes (which record their own refusals as `access`
 * entries): who tried what and why it was refused. Route patterns only, never raw URLs (they may
 * hold personal ids).
 */
export interface RefusalAuditRecord {
  type: 'refusal';
  time: string;
  requestId: string;
  method: string;
  /** The matched route pattern, or "unmatched". */
  route: string;
  /** Client id when the token was verified before the refusal, else null. */
  clientId: string | null;
  status: number;
  code: string;
}

/**
 * Written by the audit sink itself, into its own chain (audit-chain.ts), after a write failed or
 * was acknowledged only after its callers had given up. Both kinds of record had their callers
 * told that the write failed: a lookup answered 503 audit_unavailable and released no data.
 * Access-log projections find the records concerned by writer and seq (AuditPosition).
 */
export interface AuditChainNoticeRecord {
  type: 'audit_notice';
  time: string;
  /** Seq ranges [first, last] of this writer whose write failed: each may or may not be in the trail. */
  unconfirmed: Array<[number, number]>;
  /** Seq ranges of this writer written, but acknowledged after their callers had given up. */
  late: Array<[number, number]>;
}

/**
 * A token revocation: who revoked which token (`jti`) or which client's tokens, and until when the
 * entry is kept (every token it can match has expired by then).
 */
export interface TokenRevocationAuditRecord {
  type: 'token_revocation';
  time: string;
  requestId: string;
  /** Client id (token `sub`) of the operator. */
  clientId: string;
  target: { jti: string } | { clientId: string };
  reason: string | null;
  /** RFC 3339: when the revocation entry is forgotten. */
  expiresAt: string;
}

/**
 * An operator's correction of the commune a dossier is bound to (the commune whose statuses the
 * gateway relays for it to the national portal): who moved which dossier from which commune to
 * which, and why.
 */
export interface DossierCommuneRebindAuditRecord {
  type: 'dossier_commune_rebind';
  time: string;
  requestId: string;
  /** Client id (token `sub`) of the operator. */
  clientId: string;
  dossierId: string;
  /** The commune it was bound to, or null when it had no binding yet. */
  before: string | null;
  after: string;
  reason: string;
}

/**
 * Refusals of requests without a verified token beyond those recorded one by one in an interval
 * (apps/gateway/src/edge/anonymous-refusals.ts): counted, so that an anonymous flood costs the
 * trail one record per interval instead of one per request.
 */
export interface RefusalSummaryAuditRecord {
  type: 'refusal_summary';
  /** RFC 3339: when the summary was written (the end of the interval). */
  time: string;
  /** RFC 3339: the interval counted, [from, to). */
  from: string;
  to: string;
  /** Refusals counted here (not recorded one by one). */
  count: number;
  /** Count per problem code. */
  codes: Record<string, number>;
  /** Source addresses with the most refusals counted here, most first (at most 100). */
  sources: Array<{ address: string; count: number }>;
  /** Refusals counted from addresses not listed in `sources`. */
  otherSources: number;
}

/**
 * What a citizen did with their own token about their consents and archive, or what a commune's
 * software asked them at the counter: given, taken back, approved, shared, deleted. The citizen's
 * personal id is in the clear, as in access records: the trail says whose consent it was.
 */
export interface CitizenActionAuditRecord {
  type: 'citizen_action';
  time: string;
  requestId: string;
  /** The citizen (12-digit personal id). */
  subjectId: string;
  action: 'consent_give' | 'consent_revoke' | 'consent_request' | 'consent_approve' | 'archive_share' | 'archive_delete';
  /** The consent id, counter request code, share id or archive item id acted on. */
  objectId: string;
  /** The client system (token `sub`) for a counter request; null when the citizen acted. */
  clientId: string | null;
  /** What a consent, request or share names, when it names it. */
  communeCode: string | null;
  dossierId: string | null;
  validUntil: string | null;
  /** For a share: the archive item shared. For an approval: the consent created. */
  relatedId?: string;
}

/**
 * One delivery of the registry-event relay settled: a record event of a subscription, or a
 * correction, carried to a registry (libs/registry-events). Holds the subject id on purpose: data
 * about that person went from one registry to another, under the legal basis named.
 */
export interface RegistryEventAuditRecord {
  type: 'registry_event';
  time: string;
  requestId: string;
  kind: 'record-event' | 'correction';
  target: string;
  sourceRegistry: string;
  dataset: string;
  subjectId: string;
  eventType: string;
  /** Subscription or correction id. */
  referenceId: string;
  /** The procedure whose legal basis allows the transfer. */
  procedure: string;
  fields: string[];
  outcome: 'delivered' | 'duplicate' | 'dead_lettered';
  /** The target's record version after applying, when it said. */
  recordVersion?: string;
  reason?: string;
}

/** A subscription of one registry to another's events created or removed by an operator. */
export interface SubscriptionAuditRecord {
  type: 'subscription';
  time: string;
  requestId: string;
  clientId: string;
  action: 'create' | 'remove';
  subscriptionId: string;
  before: object | null;
  after: object | null;
}

/** Anything written to the audit trail. */
export type AuditEntry =
  | AuditRecord
  | AdapterCatalogAuditRecord
  | ProcedureCatalogAuditRecord
  | RefusalAuditRecord
  | AuditChainNoticeRecord
  | TokenRevocationAuditRecord
  | RefusalSummaryAuditRecord
  | DossierCommuneRebindAuditRecord
  | CitizenActionAuditRecord
  | RegistryEventAuditRecord
  | SubscriptionAuditRecord;
