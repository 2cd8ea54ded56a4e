import { Injectable, Logger, Optional } from '@nestjs/common';
import { CitizenArchiveIntake } from '@motlan/citizen-archive/citizen-archive-intake.js';
import { namedPersons, type NamedPerson } from '@motlan/access-log/named-persons.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { ConsentChecker } from '@motlan/consent/consent-checker.js';
import { ConsentStore } from '@motlan/consent/consent-store.port.js';
import type { Consent } from '@motlan/consent/consent.js';
import { parseCccd } from '@motlan/identifiers/subject-id.js';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import { DomainError, ErrorCodes, ForbiddenError, InvalidRequestError, NotFoundError, UnavailableError } from '@motlan/errors/domain-error.js';
import { subjectIdProblem } from '@motlan/identifiers/subject-id.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { PurposeCatalog, type DatasetGrant } from '@motlan/procedure-catalog/purpose-catalog.js';
import { RegistryClient, type DatasetDescriptor } from '@motlan/registry-client/registry-client.port.js';
import { EvidenceSignerService } from '@motlan/evidence/evidence-signer.service.js';
import { checkReadValues, fieldTypesOf, type ReadQuality } from '@motlan/data-quality/value-checks.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { RecordReaderService, type CacheState } from './record-reader.service.js';
import type { LookupAnswerDto } from './lookup.dto.js';

export interface LookupItem {
  registry: string;
  dataset: string;
  subjectId: string;
  fields?: string[];
}

export interface LookupHeadersValue {
  purpose: string;
  officerId: string;
  dossierId?: string;
  /** The id of the citizen's consent (X-Consent-Ref), for sensitive datasets without a legal basis. */
  consentRef?: string;
  requestId: string;
}

/** An authorized read, minimized to the fields asked (or allowed): not yet signed nor audited. */
export interface MinimizedRead {
  descriptor: DatasetDescriptor;
  subjectId: string;
  /** Sorted field names `data` was minimized to. */
  fields: readonly string[];
  data: JsonObject;
  version: string;
  asOf: string;
  fetchedAt: number;
  cache: CacheState;
  /** The consent the read was allowed on, when the dataset needed one. */
  consentId?: string;
  /** Fields asked for by name the record lacks, values failing their format: only when there are any (data-quality figures). */
  quality?: ReadQuality;
}

/** How one read ended, for the audit trail. */
export type ReadOutcome = { ok: true; read: MinimizedRead } | { ok: false; error: unknown };

/** Errors already written to the audit trail, so the HTTP edge does not record them twice. */
export const auditedErrors = new WeakSet<object>();

/**
 * The lookup use case: validate what is asked against what the registry describes, authorize
 * (the procedure catalog: what the X-Purpose may read; the token: which registries), read through
 * the cache, minimize to the requested fields, sign, audit, answer.
 */
@Injectable()
export class LookupService {
  private readonly logger = new Logger(LookupService.name);
  private readonly consents: ConsentChecker;

  constructor(
    private readonly registries: RegistryClient,
    private readonly reader: RecordReaderService,
    private readonly signer: EvidenceSignerService,
    private readonly audit: AuditSink,
    private readonly metrics: GatewayMetrics,
    private readonly purposes: PurposeCatalog,
    consentStore: ConsentStore,
    // Optional: a gateway without the archive (and unit specs) looks up the same.
    @Optional() private readonly archive?: CitizenArchiveIntake,
  ) {
    this.consents = new ConsentChecker(consentStore);
  }

  async lookup(client: AuthenticatedClient, headers: LookupHeadersValue, item: LookupItem): Promise<LookupAnswerDto> {
    let answer: LookupAnswerDto;
    let read: MinimizedRead;
    try {
      ({ answer, read } = await this.answer(client, headers, item));
    } catch (error) {
      await this.auditRefusal(client, headers, item, error);
      throw error;
    }
    await this.recordOrRefuse(() => this.audit.append(this.auditRecord(client, headers, item, answered(read, Object.keys(answer.data)))));
    this.archiveEvidence(client, headers, answer.subjectId, answer.evidence);
    return answer;
  }

  /**
   * Hands evidence that was released (audited, about to leave) to the citizen's archive: a push onto
   * an in-process queue, nothing else on the request path; sealing and storing happen after the answer.
   */
  archiveEvidence(client: AuthenticatedClient, headers: LookupHeadersValue, subjectId: string, evidence: string): void {
    this.archive?.offer({
      subjectId,
      jws: evidence,
      communeCode: client.communeCode ?? null,
      dossierId: headers.dossierId ?? null,
      purpose: headers.purpose,
    });
  }

  /**
   * Writes one access record per read, answered or refused, in one write; for use cases that read
   * several records and release them together (prefill). Rejects with 503 audit_unavailable when
   * the trail cannot be written: the caller must then release none of them.
   */
  async recordAccesses(
    client: AuthenticatedClient,
    headers: LookupHeadersValue,
    reads: ReadonlyArray<{ item: LookupItem; outcome: ReadOutcome; conflicts?: number }>,
    via?: 'prefill',
  ): Promise<void> {
    const records = reads.map(({ item, outcome, conflicts }) => {
      const result = outcome.ok ? answered(outcome.read) : refusal(outcome.error, item);
      const record = this.auditRecord(client, headers, item, result);
      if (conflicts) record.conflicts = conflicts;
      return via ? { ...record, via } : record;
    });
    await this.recordOrRefuse(() => this.audit.appendMany(records));
  }

  /** No data leaves unrecorded: an audit write that fails turns the answer into a 503. */
  private async recordOrRefuse(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch {
      throw new UnavailableError(ErrorCodes.auditUnavailable, 'the audit trail cannot be written now; no data is released unrecorded', 5);
    }
  }

  /** Each item is answered or fails on its own; one audit write for the whole batch. */
  async lookupBatch(
    client: AuthenticatedClient,
    headers: LookupHeadersValue,
    items: LookupItem[],
  ): Promise<Array<{ ok: true; answer: LookupAnswerDto } | { ok: false; error: unknown }>> {
    const results = await Promise.all(
      items.map((item) =>
        this.answer(client, headers, item).then(
          ({ answer, read }) => ({ ok: true as const, answer, read }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
      ),
    );
    const records = results.map((result, i) =>
      result.ok
        ? this.auditRecord(client, headers, items[i], answered(result.read, Object.keys(result.answer.data)))
        : this.auditRecord(client, headers, items[i], refusal(result.error, items[i])),
    );
    await this.recordOrRefuse(() => this.audit.appendMany(records));
    for (const result of results) if (result.ok) this.archiveEvidence(client, headers, result.answer.subjectId, result.answer.evidence);
    return results.map((result) => (result.ok ? { ok: true as const, answer: result.answer } : result));
  }

  /** The answer, and the read it was built from (for the audit record). */
  private async answer(client: AuthenticatedClient, headers: LookupHeadersValue, item: LookupItem): Promise<{ answer: LookupAnswerDto; read: MinimizedRead }> {
    const read = await this.read(client, headers, item);
    const evidence = await this.sign(read);
    const answer: LookupAnswerDto = {
      registry: read.descriptor.registry,
      dataset: read.descriptor.name,
      subjectId: read.subjectId,
      data: read.data,
      meta: {
        version: read.version,
        asOf: read.asOf,
        fetchedAt: new Date(read.fetchedAt).toISOString(),
        cache: read.cache,
        maxAgeSeconds: read.descriptor.maxAgeSeconds,
        ageSeconds: Math.max(0, Math.floor((Date.now() - read.fetchedAt) / 1000)),
      },
      evidence,
    };
    return { answer, read };
  }

  /**
   * One authorized read through the cache, minimized, counted in the metrics; not signed, not
   * audited (callers audit every read, answered or refused, before releasing anything).
   * @throws DomainError for every refusal (purpose, subject id, scope, consent, not found, registry down)
   */
  async read(client: AuthenticatedClient, headers: LookupHeadersValue, item: LookupItem): Promise<MinimizedRead> {
    const started = performance.now();
    try {
      const read = await this.readUncounted(client, headers, item);
      this.metrics.lookups.inc({ registry: read.descriptor.registry, dataset: read.descriptor.name, outcome: 'answered', detail: read.cache });
      this.metrics.lookupSeconds.observe({ registry: read.descriptor.registry, cache: read.cache }, (performance.now() - started) / 1000);
      return read;
    } catch (error) {
      const code = error instanceof DomainError ? error.code : ErrorCodes.internal;
      // Label values come from validated names only (unknown ones collapse), so callers cannot blow up cardinality.
      const known = !(code === ErrorCodes.unknownRegistry || code === ErrorCodes.unknownDataset);
      this.metrics.lookups.inc({ registry: known ? item.registry : 'unknown', dataset: known ? item.dataset : 'unknown', outcome: 'refused', detail: code });
      throw error;
    }
  }

  /** Evidence over `fields` of a read (all its fields by default); each must be among the read's. */
  sign(read: MinimizedRead, fields: readonly string[] = read.fields): Promise<string> {
    const data = fields === read.fields ? read.data : pick(read.data, fields);
    return this.signer.sign({
      registry: read.descriptor.registry,
      dataset: read.descriptor.name,
      subjectId: read.subjectId,
      version: read.version,
      asOf: read.asOf,
      fields,
      data,
    });
  }

  private async readUncounted(client: AuthenticatedClient, headers: LookupHeadersValue, item: LookupItem): Promise<MinimizedRead> {
    const descriptor = this.registries.resolve(item.registry, item.dataset);
    // After resolve: refusals are counted by registry, and only names that exist may become labels.
    const procedure = this.purposes.procedure(headers.purpose);
    if (!procedure) {
      throw new ForbiddenError(
        ErrorCodes.purposeUnknown,
        `procedure ${headers.purpose} is not in the procedure catalog (version ${this.purposes.version}); see GET /v1/purposes`,
        {
          purpose: headers.purpose,
        },
      );
    }
    const problem = subjectIdProblem(descriptor.subjectKey.name, descriptor.subjectKey.pattern, item.subjectId);
    if (problem) {
      throw new InvalidRequestError(ErrorCodes.invalidSubjectId, `invalid ${descriptor.name} id: ${problem}`, [{ name: 'subjectId', reason: problem }]);
    }
    const grant = procedure.grant(descriptor.registry, descriptor.name);
    if (!grant) {
      throw new ForbiddenError(
        ErrorCodes.purposeNotAllowed,
        `procedure ${procedure.code} (${procedure.name}) does not read ${descriptor.registry}/${descriptor.name}`,
        {
          purpose: procedure.code,
          registry: descriptor.registry,
          dataset: descriptor.name,
        },
      );
    }
    const fields = selectFields(descriptor, grant, item.fields);
    const scope = `${descriptor.registry}:read`;
    if (!client.scopes.has(scope)) {
      throw new ForbiddenError(ErrorCodes.missingScope, `this client lacks scope ${scope}`, { requiredScope: scope });
    }
    // Sensitive data (its adapter says so in Describe) is read on the citizen's consent, or on a
    // legal basis the catalog names for this procedure and dataset. The consent is checked before
    // the read when the subject is a person; when it is not (a parcel), after it, against the
    // people the record names (its owners), and before anything is released.
    let consent: Consent | undefined;
    const use = {
      procedure: procedure.code,
      dossierId: headers.dossierId,
      communeCode: client.communeCode,
      registry: descriptor.registry,
      dataset: descriptor.name,
    };
    const personSubject = parseCccd(item.subjectId) !== null;
    if (descriptor.sensitivity === 'sensitive' && !grant.legalBasis) {
      consent = await this.consents.find(headers.consentRef, use);
      this.consents.assertCovers(consent, { ...use, subjectIds: personSubject ? [item.subjectId] : [consent.subjectId] });
    }
    const { record, cache } = await this.reader.read(descriptor, item.subjectId, {
      requestId: headers.requestId,
      clientId: client.clientId,
      officerId: headers.officerId,
      purpose: headers.purpose,
      dossierId: headers.dossierId,
    });
    if (!record.found || !record.data) {
      throw new NotFoundError(ErrorCodes.subjectNotFound, `registry ${descriptor.registry} has no ${descriptor.name} record for this subject`);
    }
    if (consent && !personSubject)
      this.consents.assertCovers(consent, { ...use, subjectIds: namedPersons(descriptor, item.subjectId, record.data).map((p) => p.subjectId) });
    const data = pick(record.data, fields);
    // One pass over the released fields; allocates only when one fails (the data-quality figures).
    const quality = checkReadValues(fieldTypesOf(descriptor.fields), data, fields, item.fields !== undefined && item.fields.length > 0);
    return {
      descriptor,
      subjectId: item.subjectId,
      fields,
      data,
      version: record.version,
      asOf: record.asOf,
      fetchedAt: record.fetchedAt,
      cache,
      ...(consent ? { consentId: consent.id } : {}),
      ...(quality ? { quality } : {}),
    };
  }

  /** Records a refusal; if even that cannot be written, the refusal still stands (it releases nothing). */
  private async auditRefusal(client: AuthenticatedClient, headers: LookupHeadersValue, item: LookupItem, error: unknown): Promise<void> {
    if (error !== null && typeof error === 'object') auditedErrors.add(error);
    await this.audit
      .append(this.auditRecord(client, headers, item, refusal(error, item)))
      .catch((auditError: Error) => this.logger.error({ reason: auditError.message }, 'audit write failed for a refused lookup'));
  }

  private auditRecord(
    client: AuthenticatedClient,
    headers: LookupHeadersValue,
    item: LookupItem,
    result: Pick<
      AuditRecord,
      'outcome' | 'status' | 'fields' | 'code' | 'cache' | 'version' | 'namedSubjects' | 'consentId' | 'missingFields' | 'malformedFields'
    >,
  ): AuditRecord {
    const record: AuditRecord = {
      type: 'access',
      time: new Date().toISOString(),
      requestId: headers.requestId,
      clientId: client.clientId,
      clientCommune: client.communeCode ?? null,
      officerId: headers.officerId,
      purpose: headers.purpose,
      dossierId: headers.dossierId ?? null,
      registry: item.registry,
      dataset: item.dataset,
      subjectId: item.subjectId,
      ...result,
    };
    if (headers.consentRef !== undefined) record.consentRef = headers.consentRef;
    return record;
  }
}

type AnsweredResult = Pick<
  AuditRecord,
  'outcome' | 'status' | 'fields' | 'cache' | 'version' | 'namedSubjects' | 'consentId' | 'missingFields' | 'malformedFields'
>;

/** The audit record's outcome of an answered read: fields released, who else they name, the consent used. */
function answered(read: MinimizedRead, fields: readonly string[] = read.fields): AnsweredResult {
  const result: AnsweredResult = { outcome: 'answered', status: 200, fields: [...fields], cache: read.cache, version: read.version };
  const named = namedIn(read);
  if (named.length > 0) result.namedSubjects = named;
  if (read.consentId !== undefined) result.consentId = read.consentId;
  if (read.quality?.missing) result.missingFields = read.quality.missing;
  if (read.quality?.malformed) result.malformedFields = read.quality.malformed;
  return result;
}

/** People other than the subject the released data names: their access logs show the access too. */
function namedIn(read: MinimizedRead): NamedPerson[] {
  return namedPersons(read.descriptor, read.subjectId, read.data);
}

function refusal(error: unknown, item: LookupItem): Pick<AuditRecord, 'outcome' | 'status' | 'fields' | 'code'> {
  const coded = error instanceof DomainError ? error : undefined;
  return { outcome: 'refused', status: coded?.status ?? 500, code: coded?.code ?? ErrorCodes.internal, fields: item.fields ?? [] };
}

/**
 * Requested fields, de-duplicated and sorted (one evidence per field set), or every field the
 * purpose may read that the dataset has (precomputed per dataset description). A field the dataset
 * does not have is the caller's mistake (400); one it has but the purpose may not read is refused
 * (403) by name, never silently dropped.
 */
function selectFields(descriptor: DatasetDescriptor, grant: DatasetGrant, requested: string[] | undefined): readonly string[] {
  if (!requested || requested.length === 0) {
    const allowed = grant.fieldsOf(descriptor);
    if (allowed.length === 0) {
      // Only when the catalog names none of the fields the adapter describes (drift, logged at start-up).
      throw new ForbiddenError(
        ErrorCodes.purposeNotAllowed,
        `procedure ${grant.procedure} may read no field that ${descriptor.registry}/${descriptor.name} has`,
        {
          purpose: grant.procedure,
          registry: descriptor.registry,
          dataset: descriptor.name,
        },
      );
    }
    return allowed;
  }
  const unknown = requested.filter((f) => !descriptor.fieldNames.has(f));
  if (unknown.length > 0) {
    throw new InvalidRequestError(
      ErrorCodes.unknownField,
      `dataset ${descriptor.registry}/${descriptor.name} has no field ${unknown.slice(0, 10).join(', ')}`,
      unknown.slice(0, 10).map((name) => ({ name: `fields.${name}`, reason: 'unknown field' })),
    );
  }
  const fields = [...new Set(requested)].sort();
  const refused = fields.filter((f) => !grant.fields.has(f));
  if (refused.length > 0) {
    throw new ForbiddenError(
      ErrorCodes.fieldNotAllowed,
      `procedure ${grant.procedure} may not read ${refused.join(', ')} of ${descriptor.registry}/${descriptor.name}`,
      { purpose: grant.procedure, registry: descriptor.registry, dataset: descriptor.name, fields: refused, allowedFields: grant.fieldsOf(descriptor) },
    );
  }
  return fields;
}

function pick(record: JsonObject, fields: readonly string[]): JsonObject {
  const result: JsonObject = {};
  for (const field of fields) if (field in record) result[field] = record[field];
  return result;
}
