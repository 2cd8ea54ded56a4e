import { Injectable } from '@nestjs/common';
import type { JsonObject, JsonValue } from '@motlan/contracts/struct-codec.js';
import { DomainError, ErrorCodes, ForbiddenError, InvalidRequestError, UnprocessableError, type InvalidParam } from '@motlan/errors/domain-error.js';
import { PurposeCatalog, type Procedure, type RecordSource } from '@motlan/procedure-catalog/purpose-catalog.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import { LookupService, type LookupHeadersValue, type LookupItem, type MinimizedRead, type ReadOutcome } from '../lookup/lookup.service.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import type { FilledComponentDto, FilledFieldDto, MissingComponentDto, MissingFieldDto, PrefillAnswerDto, ProvenanceDto } from './prefill.dto.js';
import { findConflicts } from './prefill-consistency.js';

/** Subject ids as any registry keys them: CCCD, tax code (with branch), parcel id. Checked strictly per dataset later. */
const SUBJECT_ID = /^[0-9A-Za-z][0-9A-Za-z-]{0,63}$/;

/** Why a value could not be supplied, besides the refusal codes of a lookup (registry_unavailable, consent_required, …). */
export const MissingReasons = {
  /** The request named no subject for the role the value starts from. */
  subjectNotGiven: 'subject_not_given',
  /** The registry holds the record, but not this value (null or absent). */
  notRecorded: 'not_recorded',
  /** A relation on the way (the household head, a parent) is not recorded, so its record cannot be read. */
  relationNotRecorded: 'relation_not_recorded',
} as const;

interface Resolved {
  ok: true;
  read: MinimizedRead;
  subject: string;
  via: ProvenanceDto['via'];
}
interface Unresolved {
  ok: false;
  reason: string;
  detail: string;
}

/**
 * Once only: fills a procedure's e-form from the registries and replaces its dossier components
 * with signed evidence, in one call. Every record is read through the lookup path (purpose,
 * scopes, consent, cache, coalescing, breaker), each at most once per request, independent reads
 * in parallel; one audit record per registry record read is written before anything is answered.
 * What the registries cannot supply is reported with its reason, never invented.
 */
@Injectable()
export class PrefillService {
  constructor(
    private readonly purposes: PurposeCatalog,
    private readonly lookups: LookupService,
    private readonly metrics: GatewayMetrics,
  ) {}

  async prefill(client: AuthenticatedClient, headers: LookupHeadersValue, subjects: Record<string, string>): Promise<PrefillAnswerDto> {
    const procedure = this.procedureOf(headers.purpose);
    checkSubjects(procedure, subjects);
    const run = new PrefillRun(this.lookups, client, headers, subjects, this.fieldsNeeded(procedure));

    const [fields, components] = await Promise.all([
      Promise.all(procedure.form.fields.map(async (field) => ({ field, resolved: await run.resolve(field.source) }))),
      Promise.all(procedure.form.components.map(async (component) => ({ component, resolved: await run.resolve(component.replacedBy) }))),
    ]);

    // A subject id the caller gave that a registry refuses as malformed is the caller's mistake: 400, after auditing.
    const malformed = run.malformedSubjects();
    // Where two registries disagree about a person, the clerk sees both instead of one chosen silently.
    // Found before the audit write: each read's record counts the conflicts it is a source of (data-quality figures).
    const outcomes = run.outcomes();
    const conflicts = findConflicts(outcomes.flatMap(({ outcome }) => (outcome.ok ? [outcome.read] : [])));
    const sourceOf = new Map<string, number>();
    for (const conflict of conflicts) {
      for (const key of new Set(conflict.sources.map((s) => `${s.registry}/${s.dataset}/${s.recordSubjectId}`)))
        sourceOf.set(key, (sourceOf.get(key) ?? 0) + 1);
    }
    await this.lookups.recordAccesses(
      client,
      headers,
      sourceOf.size === 0 ? outcomes : outcomes.map((o) => ({ ...o, conflicts: sourceOf.get(`${o.item.registry}/${o.item.dataset}/${o.item.subjectId}`) })),
      'prefill',
    );
    if (malformed.length > 0) {
      throw new InvalidRequestError(ErrorCodes.invalidSubjectId, `invalid subject id for ${malformed.map((m) => m.name).join(', ')}`, malformed);
    }

    const filled: FilledFieldDto[] = [];
    const missingFields: MissingFieldDto[] = [];
    for (const { field, resolved } of fields) {
      const base = { name: field.name, label: field.label, type: field.type };
      if (!resolved.ok) {
        missingFields.push({ ...base, reason: resolved.reason, detail: resolved.detail });
        continue;
      }
      const value = valueAt(resolved.read.data, field.source.path);
      if (value === undefined || value === null) {
        missingFields.push({ ...base, reason: MissingReasons.notRecorded, detail: `${provenanceName(field.source)} holds no ${field.source.path.join('.')}` });
      } else {
        filled.push({ ...base, value, provenance: provenance(resolved) });
      }
    }

    const replaced: FilledComponentDto[] = [];
    const missingComponents: MissingComponentDto[] = [];
    for (const { component, resolved } of components) {
      const base = { code: component.code, name: component.name };
      if (!resolved.ok) {
        missingComponents.push({ ...base, reason: resolved.reason, detail: resolved.detail });
        continue;
      }
      const evidence = await this.lookups.sign(resolved.read, component.replacedBy.fields);
      // Released below (the reads were audited above): a copy for the archive of the citizen it is about.
      this.lookups.archiveEvidence(client, headers, resolved.read.subjectId, evidence);
      replaced.push({ ...base, fields: [...component.replacedBy.fields], evidence, provenance: provenance(resolved) });
    }

    for (const conflict of conflicts) {
      const registries = [...new Set(conflict.sources.map((s) => s.registry))].sort().join(',');
      this.metrics.prefillConflicts.inc({ fact: conflict.fact, registries });
    }

    return {
      procedure: { code: procedure.code, name: procedure.name, catalogVersion: this.purposes.version },
      fields: filled,
      components: replaced,
      missing: { fields: missingFields, components: missingComponents },
      complete: missingFields.length === 0 && missingComponents.length === 0,
      conflicts,
    };
  }

  /** Per procedure, fixed for the life of the catalog: computed on its first prefill, not on every one. */
  private readonly needed = new WeakMap<Procedure, ReadonlyMap<string, readonly string[]>>();

  private fieldsNeeded(procedure: Procedure): ReadonlyMap<string, readonly string[]> {
    let needed = this.needed.get(procedure);
    if (!needed) this.needed.set(procedure, (needed = fieldsNeeded(procedure)));
    return needed;
  }

  private procedureOf(code: string): Procedure {
    const procedure = this.purposes.procedure(code);
    if (!procedure) {
      throw new ForbiddenError(
        ErrorCodes.purposeUnknown,
        `procedure ${code} is not in the procedure catalog (version ${this.purposes.version}); see GET /v1/purposes`,
        { purpose: code },
      );
    }
    if (procedure.form.fields.length === 0 && procedure.form.components.length === 0) {
      throw new UnprocessableError(
        ErrorCodes.noEForm,
        `procedure ${code} (${procedure.name}) has no e-form or dossier components in catalog version ${this.purposes.version}`,
        { purpose: code },
      );
    }
    return procedure;
  }
}

/** One prefill request: reads memoized per record, so a record several fields need is read (and audited) once. */
class PrefillRun {
  private readonly reads = new Map<string, { item: LookupItem; outcome: Promise<ReadOutcome>; settled?: ReadOutcome; direct?: string }>();

  constructor(
    private readonly lookups: LookupService,
    private readonly client: AuthenticatedClient,
    private readonly headers: LookupHeadersValue,
    private readonly subjects: Record<string, string>,
    private readonly needed: ReadonlyMap<string, readonly string[]>,
  ) {}

  /** Follows a source's relations to its record; independent sources run in parallel. */
  async resolve(source: RecordSource): Promise<Resolved | Unresolved> {
    let subjectId = this.subjects[source.subject];
    if (subjectId === undefined) {
      return { ok: false, reason: MissingReasons.subjectNotGiven, detail: `no subject was given for role ${source.subject}` };
    }
    const via: ProvenanceDto['via'] = [];
    for (const [i, hop] of source.via.entries()) {
      const outcome = await this.read(hop.registry, hop.dataset, subjectId, i === 0 ? source.subject : undefined);
      if (!outcome.ok) return unresolved(outcome.error);
      const next = valueAt(outcome.read.data, hop.path);
      if (typeof next !== 'string' || next === '') {
        return { ok: false, reason: MissingReasons.relationNotRecorded, detail: `${hop.registry}/${hop.dataset} records no ${hop.path.join('.')}` };
      }
      via.push({ registry: hop.registry, dataset: hop.dataset, field: hop.path.join('.'), subjectId: next });
      subjectId = next;
    }
    const outcome = await this.read(source.registry, source.dataset, subjectId, source.via.length === 0 ? source.subject : undefined);
    return outcome.ok ? { ok: true, read: outcome.read, subject: source.subject, via } : unresolved(outcome.error);
  }

  /** Every read made, in the order first asked, with how it ended: for the audit trail. */
  outcomes(): Array<{ item: LookupItem; outcome: ReadOutcome }> {
    return [...this.reads.values()].map((r) => ({ item: r.item, outcome: r.settled as ReadOutcome }));
  }

  /** Roles whose given id a registry refused as malformed. */
  malformedSubjects(): InvalidParam[] {
    const params = new Map<string, InvalidParam>();
    for (const r of this.reads.values()) {
      const error = r.settled && !r.settled.ok ? r.settled.error : undefined;
      if (r.direct && error instanceof DomainError && error.code === ErrorCodes.invalidSubjectId && !params.has(r.direct)) {
        params.set(r.direct, { name: `subjects.${r.direct}`, reason: error.detail });
      }
    }
    return [...params.values()];
  }

  /** `direct`: the role, when the id came from the request rather than from a relation. */
  private read(registry: string, dataset: string, subjectId: string, direct: string | undefined): Promise<ReadOutcome> {
    const key = `${registry}/${dataset}/${subjectId}`;
    let entry = this.reads.get(key);
    if (!entry) {
      const item: LookupItem = { registry, dataset, subjectId, fields: [...(this.needed.get(`${registry}/${dataset}`) ?? [])] };
      const created: { item: LookupItem; outcome: Promise<ReadOutcome>; settled?: ReadOutcome; direct?: string } = {
        item,
        direct,
        outcome: this.lookups.read(this.client, this.headers, item).then(
          (read): ReadOutcome => ({ ok: true, read }),
          (error: unknown): ReadOutcome => ({ ok: false, error }),
        ),
      };
      this.reads.set(key, (entry = created));
    } else if (direct && !entry.direct) {
      entry.direct = direct;
    }
    return entry.outcome.then((outcome) => {
      entry.settled = outcome;
      return outcome;
    });
  }
}

/** Per registry/dataset, every top-level field the procedure's form, components and relations read of it. */
function fieldsNeeded(procedure: Procedure): Map<string, string[]> {
  const needed = new Map<string, Set<string>>();
  const add = (registry: string, dataset: string, field: string) => {
    const key = `${registry}/${dataset}`;
    let set = needed.get(key);
    if (!set) needed.set(key, (set = new Set()));
    set.add(field);
  };
  const addSource = (source: RecordSource) => {
    for (const hop of source.via) add(hop.registry, hop.dataset, hop.path[0]);
  };
  for (const field of procedure.form.fields) {
    addSource(field.source);
    add(field.source.registry, field.source.dataset, field.source.path[0]);
  }
  for (const component of procedure.form.components) {
    addSource(component.replacedBy);
    for (const f of component.replacedBy.fields) add(component.replacedBy.registry, component.replacedBy.dataset, f);
  }
  return new Map([...needed].map(([key, set]) => [key, [...set].sort()]));
}

/** Every role given must be declared, every required role given, every id shaped like one. */
function checkSubjects(procedure: Procedure, subjects: Record<string, string>): void {
  const declared = new Map(procedure.form.subjects.map((s) => [s.role, s]));
  const problems: InvalidParam[] = [];
  for (const [role, id] of Object.entries(subjects)) {
    if (!declared.has(role))
      problems.push({ name: `subjects.${role}`, reason: `procedure ${procedure.code} has no subject ${role}; it takes ${[...declared.keys()].join(', ')}` });
    else if (typeof id !== 'string' || !SUBJECT_ID.test(id))
      problems.push({ name: `subjects.${role}`, reason: 'must be a subject id (letters, digits and -, at most 64)' });
  }
  for (const subject of procedure.form.subjects) {
    if (subject.required && subjects[subject.role] === undefined) problems.push({ name: `subjects.${subject.role}`, reason: `required: ${subject.label}` });
  }
  if (problems.length > 0) {
    throw new InvalidRequestError(
      ErrorCodes.validation,
      problems
        .slice(0, 10)
        .map((p) => `${p.name}: ${p.reason}`)
        .join('; '),
      problems.slice(0, 50),
    );
  }
}

function unresolved(error: unknown): Unresolved {
  if (error instanceof DomainError) return { ok: false, reason: error.code, detail: error.detail };
  return { ok: false, reason: ErrorCodes.internal, detail: 'the record could not be read' };
}

function valueAt(data: JsonObject, path: readonly string[]): JsonValue | undefined {
  let value: JsonValue | undefined = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as JsonObject)[segment];
  }
  return value;
}

function provenance(resolved: Resolved): ProvenanceDto {
  const { read } = resolved;
  return {
    registry: read.descriptor.registry,
    dataset: read.descriptor.name,
    subject: resolved.subject,
    subjectId: read.subjectId,
    via: resolved.via,
    version: read.version,
    asOf: read.asOf,
    fetchedAt: new Date(read.fetchedAt).toISOString(),
    cache: read.cache,
    stale: read.cache === 'STALE',
  };
}

function provenanceName(source: RecordSource): string {
  return `${source.registry}/${source.dataset}`;
}
