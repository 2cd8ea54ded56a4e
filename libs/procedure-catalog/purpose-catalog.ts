/**
 * The procedure catalog (purposes): which registries, datasets and fields each administrative
 * procedure may read. Run-time data: seeded from a file, then changed procedure by procedure
 * (apps/gateway/src/purposes, stored on the procedure catalog log); every change is validated
 * here first. The lookup path asks it with two Map lookups and precomputed sets.
 */
import { readFileSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { PURPOSE_PATTERN } from '@motlan/identifiers/subject-id.js';
import {
  ProcedureCatalogFileDto,
  type DatasetAccessDto,
  type FORM_FIELD_TYPES,
  type ProcedureDto,
  type RecordSourceDto,
} from './procedure-catalog-file.dto.js';

/** Dataset names as the lookup routes accept them. */
const NAME = /^[a-z][a-z0-9-]{0,39}$/;
/**
 * Registry names: lower-case kebab, at most 40 characters. A registry is whatever an adapter
 * describes, so names are checked by form only; a catalog may name a registry before its adapter
 * is registered (lookups then answer 503 registry_not_connected).
 */
export const REGISTRY_NAME = /^(?=.{1,40}$)[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** Field names as the lookup routes accept them. */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/** What the grant needs of a dataset description (DatasetDescriptor has it). */
export interface DescribedDataset {
  registry: string;
  name: string;
  fields: ReadonlyArray<{ name: string }>;
  fieldNames: ReadonlySet<string>;
}

/** A catalog that names something a described dataset lacks: never returned, but a sign of drift. */
export interface CatalogDrift {
  procedure: string;
  registry: string;
  dataset: string;
  /** Fields the catalog names that the dataset does not have; empty when the dataset itself is missing. */
  missingFields: string[];
  datasetMissing: boolean;
}

/** What one procedure may read of one dataset. */
export class DatasetGrant {
  /** For O(1) checks of requested fields. */
  readonly fields: ReadonlySet<string>;
  /** Sorted, as the catalog lists them. */
  readonly fieldList: readonly string[];
  /** Per dataset description (replaced whenever an adapter is described again): the granted fields it has, sorted. */
  private readonly present = new WeakMap<DescribedDataset, readonly string[]>();

  constructor(
    readonly procedure: string,
    readonly registry: string,
    readonly dataset: string,
    fields: readonly string[],
    readonly reason: string | undefined,
    private readonly onDrift: (drift: CatalogDrift) => void,
    /** Set when a law lets the procedure read this dataset without consent, even if it is sensitive. */
    readonly legalBasis?: string,
  ) {
    this.fieldList = [...fields].sort();
    this.fields = new Set(this.fieldList);
  }

  /**
   * The granted fields the described dataset has, sorted: what a lookup without `fields` returns.
   * Computed once per description, which is also when drift is reported (once, not per request).
   */
  fieldsOf(described: DescribedDataset): readonly string[] {
    let present = this.present.get(described);
    if (present === undefined) {
      present = this.fieldList.filter((f) => described.fieldNames.has(f));
      this.present.set(described, present);
      if (present.length < this.fieldList.length) {
        const missingFields = this.fieldList.filter((f) => !described.fieldNames.has(f));
        this.onDrift({ procedure: this.procedure, registry: this.registry, dataset: this.dataset, missingFields, datasetMissing: false });
      }
    }
    return present;
  }
}

/** A relation hop: read registry/dataset for the current subject, take the id at `path`. */
export interface RelationHop {
  registry: string;
  dataset: string;
  /** Dotted path split into segments; the first is a granted field. */
  path: readonly string[];
}

/** A record reached from a subject by role, possibly through relations. */
export interface RecordSource {
  subject: string;
  via: readonly RelationHop[];
  registry: string;
  dataset: string;
}

export interface SubjectRole {
  role: string;
  label: string;
  required: boolean;
}

export interface FormField {
  name: string;
  label: string;
  type: (typeof FORM_FIELD_TYPES)[number];
  source: RecordSource & { path: readonly string[] };
}

export interface DossierComponent {
  code: string;
  name: string;
  replacedBy: RecordSource & { fields: readonly string[] };
}

/** What a procedure's e-form and components need: its subjects, form fields and components. */
export interface ProcedureForm {
  subjects: readonly SubjectRole[];
  fields: readonly FormField[];
  components: readonly DossierComponent[];
}

/** Which change of a procedure this is: versions start at 1 and grow by one per change. */
export interface ProcedureRevision {
  version: number;
  /** RFC 3339, or null for a procedure read from a fixed catalog file. */
  updatedAt: string | null;
  /** Client id (token `sub`) of the operator, `seed` for the shipped catalog, null for a fixed file. */
  updatedBy: string | null;
}

export class Procedure {
  /** registry -> dataset -> grant: two Map lookups, no key built per request. */
  private readonly grants = new Map<string, Map<string, DatasetGrant>>();

  constructor(
    readonly code: string,
    readonly name: string,
    readonly domain: string | undefined,
    readonly codeVerified: boolean,
    readonly note: string | undefined,
    readonly access: readonly DatasetGrant[],
    /** E-form and dossier components; empty lists when the catalog defines none. */
    readonly form: ProcedureForm = { subjects: [], fields: [], components: [] },
    readonly revision: ProcedureRevision = { version: 1, updatedAt: null, updatedBy: null },
    /** The procedure as written (catalog file member), for the operator API and the log. */
    readonly definition?: ProcedureDto,
  ) {
    for (const grant of access) {
      let datasets = this.grants.get(grant.registry);
      if (!datasets) this.grants.set(grant.registry, (datasets = new Map()));
      datasets.set(grant.dataset, grant);
    }
  }

  grant(registry: string, dataset: string): DatasetGrant | undefined {
    return this.grants.get(registry)?.get(dataset);
  }

  /** Builds a procedure from a member already checked with {@link procedureProblems}. */
  static fromDefinition(p: ProcedureDto, onDrift: (drift: CatalogDrift) => void, revision?: ProcedureRevision): Procedure {
    return new Procedure(
      p.code,
      p.name,
      p.domain,
      p.codeVerified ?? true,
      p.note,
      p.access.map((a) => new DatasetGrant(p.code, a.registry, a.dataset, a.fields, a.reason, onDrift, a.legalBasis)),
      procedureForm(p),
      revision,
      p,
    );
  }
}

/** One problem of a catalog file, at a JSON path such as `procedures[3].access[0].registry`. */
export interface CatalogProblem {
  path: string;
  message: string;
}

export class PurposeCatalogError extends Error {
  constructor(
    readonly source: string,
    readonly problems: CatalogProblem[],
  ) {
    const shown = problems.slice(0, 20).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
    const more = problems.length > 20 ? `; and ${problems.length - 20} more` : '';
    super(`invalid procedure catalog ${source}: ${shown.join('; ')}${more}`);
    this.name = 'PurposeCatalogError';
  }
}

export interface PurposeCatalogOptions {
  /** Told once per procedure, dataset and dataset description when the catalog names what the dataset lacks. */
  onDrift?: (drift: CatalogDrift) => void;
}

/**
 * The catalog in force on this instance. Changes (put, remove) replace one procedure at a time; a
 * lookup holds the Procedure it started with, so a change never splits one decision.
 */
export class PurposeCatalog {
  private readonly byCode: Map<string, Procedure>;
  /** Sorted by code; rebuilt on the first read after a change. */
  private sorted: readonly Procedure[] | undefined;
  private changeCount = 0;

  private constructor(
    /** Version label of the catalog file the catalog was seeded from (its `version`). */
    public version: string,
    public description: string | undefined,
    procedures: readonly Procedure[],
    readonly onDrift: (drift: CatalogDrift) => void,
  ) {
    this.byCode = new Map(procedures.map((p) => [p.code, p]));
  }

  /** An empty catalog, filled from the procedure catalog log. */
  static empty(options: PurposeCatalogOptions = {}): PurposeCatalog {
    return new PurposeCatalog('', undefined, [], options.onDrift ?? (() => undefined));
  }

  get procedures(): readonly Procedure[] {
    this.sorted ??= [...this.byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    return this.sorted;
  }

  /** Counts the changes applied on this instance: views built from the catalog are rebuilt when it moves. */
  get changes(): number {
    return this.changeCount;
  }

  /** Puts (adds or replaces) one procedure. */
  put(procedure: Procedure): void {
    this.byCode.set(procedure.code, procedure);
    this.sorted = undefined;
    this.changeCount++;
  }

  /** Removes one procedure; false when there was none with that code. */
  remove(code: string): boolean {
    const removed = this.byCode.delete(code);
    if (removed) {
      this.sorted = undefined;
      this.changeCount++;
    }
    return removed;
  }

  /** Every registry some procedure reads (the adapter pool treats them as known, connected or not). */
  registries(): Set<string> {
    return new Set(this.procedures.flatMap((p) => p.access.map((a) => a.registry)));
  }

  /** Reads and validates a catalog file. @throws PurposeCatalogError naming the file and every problem's JSON path. */
  static load(file: string, options: PurposeCatalogOptions = {}): PurposeCatalog {
    return PurposeCatalog.fromFile(PurposeCatalog.loadFile(file), options);
  }

  /** Validates catalog JSON text; `source` names it in errors. */
  static parse(text: string, source: string, options: PurposeCatalogOptions = {}): PurposeCatalog {
    return PurposeCatalog.fromFile(PurposeCatalog.parseFile(text, source), options);
  }

  /** A catalog from a file already validated by {@link parseFile}. */
  static fromFile(file: ProcedureCatalogFileDto, options: PurposeCatalogOptions = {}): PurposeCatalog {
    const onDrift = options.onDrift ?? (() => undefined);
    return new PurposeCatalog(
      file.version,
      file.description,
      file.procedures.map((p) => Procedure.fromDefinition(p, onDrift)),
      onDrift,
    );
  }

  /** Reads and validates a catalog file without building it (the seed of the procedure catalog log). */
  static loadFile(file: string): ProcedureCatalogFileDto {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new PurposeCatalogError(file, [{ path: '', message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` }]);
    }
    return PurposeCatalog.parseFile(text, file);
  }

  /** Validates catalog JSON text into its file form. @throws PurposeCatalogError naming every problem's JSON path. */
  static parseFile(text: string, source: string): ProcedureCatalogFileDto {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new PurposeCatalogError(source, [{ path: '', message: `not valid JSON (${(error as Error).message})` }]);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new PurposeCatalogError(source, [{ path: '', message: 'must be a JSON object' }]);
    }
    const file = plainToInstance(ProcedureCatalogFileDto, json);
    const errors = validateSync(file, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
    if (errors.length > 0) throw new PurposeCatalogError(source, structuralProblems(errors));
    const problems = semanticProblems(file);
    if (problems.length > 0) throw new PurposeCatalogError(source, problems);
    return file;
  }

  /** The procedure an X-Purpose names, if the catalog has it. */
  procedure(code: string): Procedure | undefined {
    return this.byCode.get(code);
  }

  /** Fields `purpose` may read of `registry`/`dataset`, or undefined when it may read none (or is not in the catalog). */
  allowedFields(purpose: string, registry: string, dataset: string): ReadonlySet<string> | undefined {
    return this.byCode.get(purpose)?.grant(registry, dataset)?.fields;
  }

  /**
   * Compares the catalog with what the adapters describe now: reports (through onDrift) each
   * dataset the catalog names that a described registry lacks, and each field a described dataset
   * lacks. Registries not described yet are checked when first used (DatasetGrant.fieldsOf).
   */
  checkAgainst(registries: ReadonlyArray<{ registry: string; datasets: readonly DescribedDataset[] }>, only?: readonly Procedure[]): void {
    const described = new Map(registries.filter((r) => r.datasets.length > 0).map((r) => [r.registry, new Map(r.datasets.map((d) => [d.name, d]))]));
    for (const procedure of only ?? this.procedures) {
      for (const grant of procedure.access) {
        const datasets = described.get(grant.registry);
        if (!datasets) continue;
        const dataset = datasets.get(grant.dataset);
        if (dataset) grant.fieldsOf(dataset);
        else this.onDrift({ procedure: procedure.code, registry: grant.registry, dataset: grant.dataset, missingFields: [], datasetMissing: true });
      }
    }
  }
}

const STRUCTURE_MESSAGES: Record<string, string> = {
  nestedValidation: 'must be an object',
  whitelistValidation: 'is not a member of this catalog format (misspelt?)',
};

/** `procedures[3].access[0].registry` from class-validator's nested errors. */
function structuralProblems(errors: ValidationError[], prefix = ''): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  for (const error of errors) {
    const path = /^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : prefix ? `${prefix}.${error.property}` : error.property;
    const constraints = error.constraints ?? {};
    // Missing, or not an array: that is the problem; the rest (types, sizes, nested members) would only be noise.
    if (error.value === undefined && !constraints.whitelistValidation) {
      problems.push({ path, message: 'is required' });
      continue;
    }
    if (constraints.isArray) {
      problems.push({ path, message: constraints.isArray });
      continue;
    }
    for (const [rule, message] of Object.entries(constraints)) problems.push({ path, message: STRUCTURE_MESSAGES[rule] ?? message });
    if (error.children?.length) problems.push(...structuralProblems(error.children, path));
  }
  return problems;
}

function semanticProblems(file: ProcedureCatalogFileDto): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const firstIndex = new Map<string, number>();
  file.procedures.forEach((procedure: ProcedureDto, i) => {
    const at = `procedures[${i}]`;
    if (PURPOSE_PATTERN.test(procedure.code) && firstIndex.has(procedure.code)) {
      problems.push({ path: `${at}.code`, message: `duplicate code ${procedure.code}, already at procedures[${firstIndex.get(procedure.code)}]` });
    } else if (PURPOSE_PATTERN.test(procedure.code)) {
      firstIndex.set(procedure.code, i);
    }
    problems.push(...procedureProblems(procedure, at));
  });
  return problems;
}

/**
 * What is wrong with one procedure beyond its structure (which class-validator checks): its code,
 * registry, dataset and field names, duplicates, and an e-form that reads only what it is granted.
 * Paths start with `at` (`procedures[3]` in a file; empty for an operator's single procedure).
 */
export function procedureProblems(procedure: ProcedureDto, at = ''): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const member = (name: string) => (at ? `${at}.${name}` : name);
  if (!PURPOSE_PATTERN.test(procedure.code)) {
    problems.push({ path: member('code'), message: `"${printable(procedure.code)}" is not a procedure code of the form N.NNNNNN (e.g. 1.004222)` });
  }
  const datasets = new Map<string, number>();
  procedure.access.forEach((access: DatasetAccessDto, j) => {
    const where = member(`access[${j}]`);
    if (!REGISTRY_NAME.test(access.registry)) {
      problems.push({
        path: `${where}.registry`,
        message: `"${printable(access.registry)}" is not a registry name (lower-case letters, digits and single dashes, at most 40 characters)`,
      });
    }
    if (!NAME.test(access.dataset)) problems.push({ path: `${where}.dataset`, message: `"${printable(access.dataset)}" is not a dataset name` });
    const key = `${access.registry}/${access.dataset}`;
    if (datasets.has(key))
      problems.push({ path: where, message: `${key} is already granted at ${member(`access[${datasets.get(key)}]`)}; list its fields once` });
    else datasets.set(key, j);
    const seen = new Set<string>();
    access.fields.forEach((field, k) => {
      if (!FIELD_NAME.test(field)) problems.push({ path: `${where}.fields[${k}]`, message: `"${printable(field)}" is not a field name` });
      else if (seen.has(field)) problems.push({ path: `${where}.fields[${k}]`, message: `duplicate field ${field}` });
      seen.add(field);
    });
  });
  problems.push(...formProblems(procedure, at));
  return problems;
}

const ROLE = /^[a-z][A-Za-z0-9]{0,31}$/;
const FORM_FIELD_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}(\.[A-Za-z][A-Za-z0-9]{0,63}){0,4}$/;
const COMPONENT_CODE = /^[A-Z0-9][A-Z0-9_-]{0,31}$/;
const PATH = /^[A-Za-z][A-Za-z0-9]{0,63}(\.[A-Za-z][A-Za-z0-9]{0,63}){0,4}$/;

/**
 * The e-form and components may only read what the procedure's access grants: every record they
 * name is a granted dataset, and every path starts with a granted field; roles are declared once.
 */
function formProblems(procedure: ProcedureDto, at: string): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const m = at ? `${at}.` : '';
  const roles = new Set<string>();
  (procedure.subjects ?? []).forEach((subject, i) => {
    if (!ROLE.test(subject.role))
      problems.push({ path: `${m}subjects[${i}].role`, message: `"${printable(subject.role)}" is not a role name (lower camel case)` });
    else if (roles.has(subject.role)) problems.push({ path: `${m}subjects[${i}].role`, message: `duplicate role ${subject.role}` });
    roles.add(subject.role);
  });
  if ((procedure.form?.length || procedure.components?.length) && roles.size === 0) {
    problems.push({ path: `${m}subjects`, message: 'must list the subjects (roles) that form and components read' });
  }
  const granted = new Map(procedure.access.map((a) => [`${a.registry}/${a.dataset}`, new Set(a.fields)]));
  const checkRecord = (source: RecordSourceDto, where: string): void => {
    if (!roles.has(source.subject)) problems.push({ path: `${where}.subject`, message: `role "${printable(source.subject)}" is not in subjects` });
    const hops = source.via ?? [];
    // The record itself is checked with its field paths (checkPath), once.
    hops.forEach((hop, h) => checkPath(hop.registry, hop.dataset, hop.field, `${where}.via[${h}]`));
  };
  const checkPath = (registry: string, dataset: string, path: string, where: string): void => {
    const fields = granted.get(`${registry}/${dataset}`);
    if (!fields) problems.push({ path: where, message: `${printable(registry)}/${printable(dataset)} is not in the procedure's access` });
    else if (!PATH.test(path)) problems.push({ path: `${where}.field`, message: `"${printable(path)}" is not a field path (name or name.name)` });
    else if (!fields.has(path.split('.')[0]))
      problems.push({ path: `${where}.field`, message: `${path.split('.')[0]} is not among the fields the procedure may read of ${registry}/${dataset}` });
  };
  const names = new Set<string>();
  (procedure.form ?? []).forEach((field, i) => {
    const where = `${m}form[${i}]`;
    if (!FORM_FIELD_NAME.test(field.name)) problems.push({ path: `${where}.name`, message: `"${printable(field.name)}" is not a form field name` });
    else if (names.has(field.name)) problems.push({ path: `${where}.name`, message: `duplicate form field ${field.name}` });
    names.add(field.name);
    checkRecord(field.source, `${where}.source`);
    checkPath(field.source.registry, field.source.dataset, field.source.field, `${where}.source`);
  });
  const codes = new Set<string>();
  (procedure.components ?? []).forEach((component, i) => {
    const where = `${m}components[${i}]`;
    if (!COMPONENT_CODE.test(component.code))
      problems.push({ path: `${where}.code`, message: `"${printable(component.code)}" is not a component code (A-Z, 0-9, _ -)` });
    else if (codes.has(component.code)) problems.push({ path: `${where}.code`, message: `duplicate component ${component.code}` });
    codes.add(component.code);
    checkRecord(component.replacedBy, `${where}.replacedBy`);
    component.replacedBy.fields.forEach((f, k) =>
      checkPath(component.replacedBy.registry, component.replacedBy.dataset, f, `${where}.replacedBy.fields[${k}]`),
    );
  });
  return problems;
}

function recordSource(source: RecordSourceDto): RecordSource {
  return {
    subject: source.subject,
    via: (source.via ?? []).map((hop) => ({ registry: hop.registry, dataset: hop.dataset, path: hop.field.split('.') })),
    registry: source.registry,
    dataset: source.dataset,
  };
}

function procedureForm(procedure: ProcedureDto): ProcedureForm {
  return {
    subjects: (procedure.subjects ?? []).map((s) => ({ role: s.role, label: s.label, required: s.required ?? false })),
    fields: (procedure.form ?? []).map((f) => ({
      name: f.name,
      label: f.label,
      type: f.type,
      source: { ...recordSource(f.source), path: f.source.field.split('.') },
    })),
    components: (procedure.components ?? []).map((c) => ({
      code: c.code,
      name: c.name,
      replacedBy: { ...recordSource(c.replacedBy), fields: [...new Set(c.replacedBy.fields)].sort() },
    })),
  };
}

/** Echo at most a short, printable prefix of file content in errors. */
function printable(value: string): string {
  const clean = value.replace(/[^\x20-\x7e\u00c0-\u1ef9]/g, '?');
  return clean.length > 40 ? clean.slice(0, 40) + '…' : clean;
}
