import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { AccessLogEntry } from './access-log-entry.js';

/** Name of a procedure by its code (N.NNNNNN), when a catalog knows it. */
export type ProcedureNameLookup = (code: string) => string | undefined;

/** One access as the citizen reads it: codes with their names, nothing about anyone else. */
export interface AccessLogViewEntry {
  id: string;
  /** RFC 3339 (UTC). */
  time: string;
  /** Quote it when asking about this access: it identifies the request in the audit trail. */
  reference: string;
  client: {
    /** Client system (e.g. a commune's one-stop software). */
    id: string;
    /** The commune it acts for, when its token is commune-bound. */
    commune: { code: string; name: string | null; province: { code: string; name: string } | null } | null;
  };
  officerId: string | null;
  /** Procedure the data was asked for; `name` when the procedure catalog knows the code. */
  purpose: { code: string; name: string | null } | null;
  dossierId: string | null;
  registry: string | null;
  dataset: string | null;
  fields: string[];
  outcome: 'answered' | 'refused';
  /** Problem code when refused (e.g. missing_scope, subject_not_found). */
  refusal: string | null;
  /**
   * `subject`: the lookup was about you. `named-in-record`: it was about someone else (or a
   * parcel), and the fields released held your personal id, at `fieldPaths`.
   */
  role: 'subject' | 'named-in-record';
  /** Where your id was in the record released (e.g. `members[2].personId`); [] for `subject`. */
  fieldPaths: string[];
  /**
   * Attempts this entry stands for: 1 for an access; refusals of one client system, for one reason
   * and dataset, within an hour are one entry (the first attempt's details) with their count.
   */
  count: number;
  /** Time of the latest attempt counted (`time` when count is 1). */
  lastTime: string;
  /** The id of your consent the data was read on (GET /v1/me/consents), when the data needed it; else null. */
  consentId: string | null;
  /** The id of your archive share a commune redeemed to read this (GET /v1/me/archive), when it did; else null. */
  shareId: string | null;
  /** A correction of your data a clerk filed, and the state it entered with this entry (open, accepted, rejected, applied); else null. */
  correction: { id: string; state: string | null } | null;
}

/** Turns stored entries into what the citizen sees, names looked up now (not when stored). */
export class AccessLogView {
  constructor(
    private readonly directory: VnAdminDirectory,
    private readonly procedureName: ProcedureNameLookup = () => undefined,
  ) {}

  describe(entry: AccessLogEntry): AccessLogViewEntry {
    return {
      id: entry.id,
      time: entry.time,
      reference: entry.requestId,
      client: { id: entry.clientId, commune: entry.clientCommune === null ? null : this.commune(entry.clientCommune) },
      officerId: entry.officerId,
      purpose: entry.purpose === null ? null : { code: entry.purpose, name: this.procedureName(entry.purpose) ?? null },
      dossierId: entry.dossierId,
      registry: entry.registry,
      dataset: entry.dataset,
      fields: entry.fields,
      outcome: entry.outcome,
      refusal: entry.outcome === 'refused' ? entry.code : null,
      role: entry.role ?? 'subject',
      fieldPaths: entry.fieldPaths ?? [],
      count: entry.count ?? 1,
      lastTime: entry.lastTime ?? entry.time,
      consentId: entry.consentId ?? null,
      shareId: entry.shareId ?? null,
      correction: entry.correctionId ? { id: entry.correctionId, state: entry.correctionState ?? null } : null,
    };
  }

  private commune(code: string): NonNullable<AccessLogViewEntry['client']['commune']> {
    const commune = this.directory.commune(code);
    if (!commune) return { code, name: null, province: null };
    const province = this.directory.province(commune.provinceCode);
    return { code, name: commune.name, province: province ? { code: province.code, name: province.name } : null };
  }
}
