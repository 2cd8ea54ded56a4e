/**
 * What the simulated national portal has received: the statuses it accepted (once per idempotency
 * key: the first one wins), per dossier in arrival order, and counts of accepted, duplicate and
 * rejected deliveries in total, per commune and per province. It checks a delivery the way a real
 * portal would, lightly (field formats, not business rules), and can be told to refuse given
 * dossiers or procedures, to make "poison" statuses for dead-letter tests. No gRPC here: the server
 * (portal-grpc.server.ts) decodes the call and answers with what `deliver` decides.
 */
import type { DeliverDossierStatusRequest__Output } from '@motlan/contracts/generated/motlan/portal/v1/DeliverDossierStatusRequest.js';
import { InvalidRequestError } from '../registries/sim-errors.js';

export interface PortalCounts {
  accepted: number;
  duplicates: number;
  rejected: number;
}

export interface PortalStats extends PortalCounts {
  /** Dossiers with at least one accepted status. */
  dossiers: number;
  /**
   * By the 5-digit commune code of the delivery (a duplicate counts where its first delivery did);
   * a rejected delivery whose commune or province code is malformed counts in the totals only.
   */
  byCommune: Record<string, PortalCounts>;
  /** By the 2-digit province code of the delivery, like byCommune. */
  byProvince: Record<string, PortalCounts>;
  /** The latest rejections, newest last (at most RECENT_REJECTIONS): what a dead-letter test looks for. */
  recentRejections: PortalRejection[];
}

export interface PortalRejection {
  idempotencyKey: string;
  reason: string;
}

export interface PortalResultDocument {
  code: string;
  name: string;
  url: string;
}

/** One accepted status as the portal keeps it. */
export interface RecordedPortalStatus {
  idempotencyKey: string;
  requestId: string;
  dossierId: string;
  procedureCode: string;
  communeCode: string;
  provinceCode: string;
  status: number;
  subjectType: string;
  /** yyyyMMddHHmmss, as delivered */
  receivedAt: string;
  /** yyyyMMddHHmmss or empty, as delivered */
  dueAt: string;
  /** yyyyMMddHHmmss, as delivered */
  updatedAt: string;
  sequence: number;
  resultDocuments: PortalResultDocument[];
  /** When the portal recorded it (ISO 8601, UTC). */
  recordedAt: string;
}

/** Dossiers and procedures the portal refuses until the rules are lifted. */
export interface PortalRejectionRules {
  dossierIds: string[];
  procedureCodes: string[];
}

export type PortalDecision = { result: 'ACCEPTED' } | { result: 'DUPLICATE' } | { result: 'REJECTED'; reason: string };

export const RECENT_REJECTIONS = 50;
/** Longest dossier id accepted; real ids (H01.01-241123-000123) are about 20 characters. */
const MAX_DOSSIER_ID_LENGTH = 64;
const PROCEDURE_CODE = /^\d\.\d{6}$/;
const COMMUNE_CODE = /^\d{5}$/;
const PROVINCE_CODE = /^\d{2}$/;
const PORTAL_DATE = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
const SUBJECT_TYPES = new Set(['citizen', 'organization']);

export class PortalLedger {
  private readonly byKey = new Map<string, RecordedPortalStatus>();
  private readonly byDossier = new Map<string, RecordedPortalStatus[]>();
  private totals: PortalCounts = zero();
  private byCommune = new Map<string, PortalCounts>();
  private byProvince = new Map<string, PortalCounts>();
  private recent: PortalRejection[] = [];
  private rejectedDossiers = new Set<string>();
  private rejectedProcedures = new Set<string>();

  /**
   * Decides one delivery and records it. A key already recorded is a DUPLICATE whatever the body
   * says (the first one wins, nothing changes); otherwise the fields are checked, then the rejection
   * rules, and only an accepted status is recorded, so a rejected one can be replayed once fixed.
   */
  deliver(request: DeliverDossierStatusRequest__Output, now = new Date()): PortalDecision {
    const key = request.idempotencyKey;
    const first = key === '' ? undefined : this.byKey.get(key);
    if (first) {
      this.count('duplicates', first.communeCode, first.provinceCode);
      return { result: 'DUPLICATE' };
    }
    const status = request.status;
    const reason = invalidReason(request) ?? this.ruleReason(request);
    if (reason !== null || status === null) {
      const why = reason ?? 'status is missing';
      this.count('rejected', status?.communeCode ?? '', status?.provinceCode ?? '');
      this.recent.push({ idempotencyKey: key, reason: why });
      if (this.recent.length > RECENT_REJECTIONS) this.recent.shift();
      return { result: 'REJECTED', reason: why };
    }
    const recorded: RecordedPortalStatus = {
      idempotencyKey: key,
      requestId: request.requestId,
      dossierId: status.dossierId,
      procedureCode: status.procedureCode,
      communeCode: status.communeCode,
      provinceCode: status.provinceCode,
      status: status.status,
      subjectType: status.subjectType,
      receivedAt: status.receivedAt,
      dueAt: status.dueAt,
      updatedAt: status.updatedAt,
      sequence: Number(status.sequence),
      resultDocuments: status.resultDocuments.map(({ code, name, url }) => ({ code, name, url })),
      recordedAt: now.toISOString(),
    };
    this.byKey.set(key, recorded);
    const statuses = this.byDossier.get(recorded.dossierId);
    if (statuses) statuses.push(recorded);
    else this.byDossier.set(recorded.dossierId, [recorded]);
    this.count('accepted', recorded.communeCode, recorded.provinceCode);
    return { result: 'ACCEPTED' };
  }

  stats(): PortalStats {
    return {
      ...this.totals,
      dossiers: this.byDossier.size,
      byCommune: Object.fromEntries([...this.byCommune].map(([code, counts]) => [code, { ...counts }])),
      byProvince: Object.fromEntries([...this.byProvince].map(([code, counts]) => [code, { ...counts }])),
      recentRejections: this.recent.map((r) => ({ ...r })),
    };
  }

  /** Accepted statuses of one dossier in arrival order (copies); empty when none. */
  statusesOf(dossierId: string): RecordedPortalStatus[] {
    return (this.byDossier.get(dossierId) ?? []).map((s) => ({ ...s, resultDocuments: s.resultDocuments.map((d) => ({ ...d })) }));
  }

  get rejectionRules(): PortalRejectionRules {
    return { dossierIds: [...this.rejectedDossiers], procedureCodes: [...this.rejectedProcedures] };
  }

  /** Adds to the rules (merged with those already set). */
  reject(rules: Partial<PortalRejectionRules>): PortalRejectionRules {
    for (const id of rules.dossierIds ?? []) this.rejectedDossiers.add(id);
    for (const code of rules.procedureCodes ?? []) this.rejectedProcedures.add(code);
    return this.rejectionRules;
  }

  clearRejections(): PortalRejectionRules {
    this.rejectedDossiers.clear();
    this.rejectedProcedures.clear();
    return this.rejectionRules;
  }

  /** Forgets everything received and every rejection rule. */
  reset(): void {
    this.byKey.clear();
    this.byDossier.clear();
    this.totals = zero();
    this.byCommune = new Map();
    this.byProvince = new Map();
    this.recent = [];
    this.clearRejections();
  }

  private ruleReason(request: DeliverDossierStatusRequest__Output): string | null {
    const status = request.status;
    if (!status) return null;
    if (this.rejectedDossiers.has(status.dossierId)) return `dossier ${status.dossierId} is refused by the portal (simulated rejection)`;
    if (this.rejectedProcedures.has(status.procedureCode)) return `procedure ${status.procedureCode} is refused by the portal (simulated rejection)`;
    return null;
  }

  private count(kind: keyof PortalCounts, communeCode: string, provinceCode: string): void {
    this.totals[kind]++;
    // Malformed codes of rejected deliveries are not keys anyone would look up: totals only.
    if (COMMUNE_CODE.test(communeCode)) bucket(this.byCommune, communeCode)[kind]++;
    if (PROVINCE_CODE.test(provinceCode)) bucket(this.byProvince, provinceCode)[kind]++;
  }
}

/**
 * Validates rejection rules from JSON (control API body or in-process call).
 * @throws InvalidRequestError naming the offending key
 */
export function parseRejectionRules(value: unknown, where = 'rejections'): Partial<PortalRejectionRules> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError(`${where} must be an object with dossierIds and/or procedureCodes`);
  }
  const rules: Partial<PortalRejectionRules> = {};
  for (const [key, list] of Object.entries(value)) {
    if (key !== 'dossierIds' && key !== 'procedureCodes') {
      throw new InvalidRequestError(`${where}.${key} is not a rejection rule (dossierIds, procedureCodes)`);
    }
    if (!Array.isArray(list) || list.some((item) => typeof item !== 'string' || item === '')) {
      throw new InvalidRequestError(`${where}.${key} must be a list of non-empty strings`);
    }
    rules[key] = [...(list as string[])];
  }
  return rules;
}

/** Why a real portal would refuse the delivery's fields, or null when they are well-formed. */
function invalidReason(request: DeliverDossierStatusRequest__Output): string | null {
  const status = request.status;
  if (request.idempotencyKey === '') return 'idempotency_key is required';
  if (!status) return 'status is missing';
  if (status.dossierId === '' || status.dossierId.length > MAX_DOSSIER_ID_LENGTH) {
    return `dossier_id must be 1-${MAX_DOSSIER_ID_LENGTH} characters`;
  }
  if (!/^[1-9]\d{0,17}$/.test(status.sequence)) return `sequence must be a positive integer, got ${status.sequence}`;
  if (request.idempotencyKey !== `${status.dossierId}#${status.sequence}`) {
    return 'idempotency_key must be "<dossier_id>#<sequence>" of the status';
  }
  if (!PROCEDURE_CODE.test(status.procedureCode)) return `procedure_code must be N.NNNNNN, got "${status.procedureCode}"`;
  if (!COMMUNE_CODE.test(status.communeCode)) return `commune_code must be 5 digits, got "${status.communeCode}"`;
  if (!PROVINCE_CODE.test(status.provinceCode)) return `province_code must be 2 digits, got "${status.provinceCode}"`;
  if (!Number.isInteger(status.status) || status.status < 1 || status.status > 10) return `status must be 1-10, got ${status.status}`;
  if (!SUBJECT_TYPES.has(status.subjectType)) return `subject_type must be citizen or organization, got "${status.subjectType}"`;
  if (!isPortalDate(status.receivedAt)) return `received_at must be yyyyMMddHHmmss, got "${status.receivedAt}"`;
  if (status.dueAt !== '' && !isPortalDate(status.dueAt)) return `due_at must be yyyyMMddHHmmss or empty, got "${status.dueAt}"`;
  if (!isPortalDate(status.updatedAt)) return `updated_at must be yyyyMMddHHmmss, got "${status.updatedAt}"`;
  for (const [i, doc] of status.resultDocuments.entries()) {
    if (doc.code === '' || doc.name === '') return `result_documents[${i}] needs a code and a name`;
  }
  return null;
}

/** yyyyMMddHHmmss naming a real calendar time (no 31 February, no hour 24). */
export function isPortalDate(text: string): boolean {
  const match = PORTAL_DATE.exec(text);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  return (
    year >= 1900 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}

function zero(): PortalCounts {
  return { accepted: 0, duplicates: 0, rejected: 0 };
}

function bucket(map: Map<string, PortalCounts>, code: string): PortalCounts {
  let counts = map.get(code);
  if (!counts) map.set(code, (counts = zero()));
  return counts;
}
