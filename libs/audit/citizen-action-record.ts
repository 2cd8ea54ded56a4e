import type { CitizenActionAuditRecord } from './audit-record.js';

/** A citizen's act on their consents or archive, as the services that carry it out know it. */
export interface CitizenAction {
  requestId: string;
  /** The citizen (12-digit personal id). */
  subjectId: string;
  action: CitizenActionAuditRecord['action'];
  objectId: string;
  /** The client system (token `sub`) of a counter request; absent or null when the citizen acted. */
  clientId?: string | null;
  /** The consent, counter request or share acted on, for the commune, dossier and end it names; none for a deletion. */
  scope?: { communeCode?: string | null; dossierId?: string | null; validUntil?: string | null } | null;
  relatedId?: string;
}

/**
 * The `citizen_action` audit record of an act, written at `now` (ms). The one builder of the consent
 * and archive services, so both write the same fields the same way and the access log and the
 * audit verifier read one shape.
 */
export function citizenActionRecord(now: number, act: CitizenAction): CitizenActionAuditRecord {
  return {
    type: 'citizen_action',
    time: new Date(now).toISOString(),
    requestId: act.requestId,
    subjectId: act.subjectId,
    action: act.action,
    objectId: act.objectId,
    clientId: act.clientId ?? null,
    communeCode: act.scope?.communeCode ?? null,
    dossierId: act.scope?.dossierId ?? null,
    validUntil: act.scope?.validUntil ?? null,
    ...(act.relatedId === undefined ? {} : { relatedId: act.relatedId }),
  };
}
