/**
 * The simulated registries behind one façade: lookups with field selection and versions,
 * run-time record changes with a change hook (for change events), faults and call statistics.
 * Transport-free: the gRPC servers and the control API call into this.
 */
import { subjectTag } from '@motlan/logging/pino-nest-logger.js';
import type { Logger } from 'pino';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import { subjectIdProblem } from '@motlan/identifiers/subject-id.js';
import { provinceOfSubject } from '@motlan/vn-admin/subject-province.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { hashString, SeededRandom } from '../world/seeded-random.js';
import { SyntheticBusiness } from '../world/synthetic-business.js';
import { SyntheticLand } from '../world/synthetic-land.js';
import { SyntheticPopulation } from '../world/synthetic-population.js';
import { BusinessRegistry } from './business-registry.js';
import { CallStats } from './call-stats.js';
import { CivilRegistrations } from './civil-registrations.js';
import { CivilStatusRegistry } from './civil-status-registry.js';
import { FaultInjector, type FaultPatch, type FaultSettings } from './fault-injector.js';
import { JudicialRecordsRegistry } from './judicial-records-registry.js';
import { LandRegistry } from './land-registry.js';
import { PopulationRegistry } from './population-registry.js';
import { SimDeliveryInbox } from './registry-deliveries.js';
import { ResidenceRegistry } from './residence-registry.js';
import { REGISTRY_NAMES, type DerivedRecord, type RegistryName, type SampleQuery, type SimDataset, type SimRegistry } from './sim-dataset.js';
import { InvalidRequestError, SubjectNotFoundError, UnknownRegistryError } from './sim-errors.js';

export interface LookupQuery {
  dataset: string;
  subjectId: string;
  /** Wanted fields; empty for all. */
  fields: readonly string[];
}

export interface LookupOutcome {
  found: boolean;
  /** Restricted to the requested fields; null when not found. */
  record: JsonObject | null;
  /** 1 as derived, +1 per run-time change; 0 when not found. */
  version: number;
  asOf: Date | null;
}

/** One run-time change of a record: what a change event on the bus would carry. */
export interface RecordChange {
  registry: RegistryName;
  dataset: string;
  /** The subject the change was requested for. */
  subjectId: string;
  /** Every subject id that reads the changed record (all members of a household, both spouses). */
  subjectIds: readonly string[];
  version: number;
  changedFields: readonly string[];
  /** RFC 3339. */
  asOf: string;
}

export type ChangeListener = (change: RecordChange) => void;

export interface SimRegistriesOptions {
  seed: number;
  persons: number;
  directory: VnAdminDirectory;
  logger: Logger;
  faults?: Partial<Record<RegistryName, FaultPatch>>;
  changesPerSecond?: number;
}

interface Override {
  version: number;
  fields: JsonObject;
  asOf: Date;
}

/** Samples per request at most; keeps the control API cheap. */
export const MAX_SAMPLES = 1000;
/** Background changes per second at most. */
export const MAX_CHANGES_PER_SECOND = 1000;
const CHANGE_TICK_MS = 100;

export class SimRegistries {
  readonly seed: number;
  readonly population: SyntheticPopulation;
  readonly business: SyntheticBusiness;
  readonly land: SyntheticLand;
  readonly stats = new CallStats();
  /** Events the gateway relays to the registries (Deliver). */
  readonly deliveries = new SimDeliveryInbox(this);
  /** Births, deaths and marriages registered in civil status at run time. */
  readonly civil = new CivilRegistrations(this);
  private readonly registries: ReadonlyMap<RegistryName, SimRegistry>;
  private readonly injectors: ReadonlyMap<RegistryName, FaultInjector>;
  /** Run-time changes by registry/dataset/record key. Grows with changes only; records are derived. */
  private readonly overrides = new Map<string, Override>();
  /**
   * Records registered at run time (a death, a birth, a marriage registered now) by
   * registry/dataset/subject id: what no seed derives. Grows with registrations only.
   */
  private readonly registered = new Map<string, DerivedRecord>();
  private readonly listeners = new Set<ChangeListener>();
  private readonly logger: Logger;
  private rate = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: SimRegistriesOptions) {
    this.seed = options.seed;
    this.logger = options.logger;
    this.population = new SyntheticPopulation(options.seed, options.persons, options.directory);
    this.business = new SyntheticBusiness(options.seed, this.population);
    this.land = new SyntheticLand(options.seed, this.population, this.business);
    const registries: SimRegistry[] = [
      new PopulationRegistry(this.population),
      new ResidenceRegistry(this.population),
      new LandRegistry(this.land, this.population),
      new BusinessRegistry(this.business, this.population),
      new CivilStatusRegistry(this.population),
      new JudicialRecordsRegistry(this.population),
    ];
    this.registries = new Map(registries.map((r) => [r.name, r]));
    this.injectors = new Map(REGISTRY_NAMES.map((name) => [name, new FaultInjector(options.faults?.[name] ?? {})]));
    this.setChangeRate(options.changesPerSecond ?? 0);
  }

  get names(): readonly RegistryName[] {
    return REGISTRY_NAMES;
  }

  registry(name: string): SimRegistry {
    const registry = this.registries.get(name as RegistryName);
    if (!registry) throw new UnknownRegistryError(`unknown registry "${name}" (have: ${REGISTRY_NAMES.join(', ')})`);
    return registry;
  }

  dataset(registryName: string, datasetName: string): SimDataset {
    const registry = this.registry(registryName);
    const dataset = registry.datasets.find((d) => d.spec.name === datasetName);
    if (!dataset) {
      const names = registry.datasets.map((d) => d.spec.name).join(', ');
      throw new InvalidRequestError(`unknown dataset "${datasetName}" in registry ${registry.name} (have: ${names})`);
    }
    return dataset;
  }

  /**
   * One record, restricted to `fields`, with run-time changes applied.
   * @throws InvalidRequestError for an unknown dataset or field, or a malformed subject id
   */
  lookup(registryName: RegistryName, query: LookupQuery): LookupOutcome {
    const dataset = this.dataset(registryName, query.dataset);
    this.validateSubject(dataset, query.subjectId);
    const known = dataset.spec.fields;
    for (const name of query.fields) {
      if (!known.some((f) => f.name === name)) {
        throw new InvalidRequestError(`unknown field "${name}" in dataset ${dataset.spec.name}`);
      }
    }
    const derived = this.recordOf(registryName, dataset, query.subjectId);
    if (!derived) return { found: false, record: null, version: 0, asOf: null };
    const override = this.overrides.get(overrideKey(registryName, dataset.spec.name, derived.recordKey));
    const record = override ? { ...derived.record, ...override.fields } : derived.record;
    const selected: JsonObject = {};
    for (const name of query.fields.length > 0 ? query.fields : known.map((f) => f.name)) {
      if (name in record) selected[name] = record[name];
    }
    return { found: true, record: selected, version: override?.version ?? 1, asOf: override?.asOf ?? derived.baseAsOf };
  }

  /**
   * The current province a subject belongs to, as a registry sharded by province would place its
   * record: the province the id itself reveals (personal ids, parcel ids), otherwise the province of
   * the record's own address or commune (an enterprise's registered office). Null when neither is
   * known, e.g. for a tax code that has no record.
   * @throws InvalidRequestError for an unknown dataset or a malformed subject id
   */
  subjectProvince(registryName: RegistryName, datasetName: string, subjectId: string): string | null {
    const dataset = this.dataset(registryName, datasetName);
    const directory = this.population.directory;
    const fromId = provinceOfSubject(directory, dataset.spec.subjectKey.name, subjectId);
    if (fromId !== null) return fromId;
    const { record } = this.lookup(registryName, { dataset: datasetName, subjectId, fields: [] });
    if (record === null) return null;
    for (const place of [record, record.registeredAddress, record.address]) {
      const province = provinceOfPlace(directory, place);
      if (province !== null) return province;
    }
    return null;
  }

  /**
   * Changes one record now: bumps its version and sets plausible new values (see each dataset's
   * `change`), then tells the change listeners.
   * @throws UnknownRegistryError, InvalidRequestError, SubjectNotFoundError
   */
  changeRecord(registryName: string, datasetName: string, subjectId: string, now = new Date()): RecordChange {
    const registry = this.registry(registryName).name;
    const dataset = this.dataset(registry, datasetName);
    this.validateSubject(dataset, subjectId);
    const derived = this.recordOf(registry, dataset, subjectId);
    if (!derived) throw new SubjectNotFoundError(`no ${datasetName} record for this subject in ${registry}`);
    const key = overrideKey(registry, datasetName, derived.recordKey);
    const previous = this.overrides.get(key);
    const current = { ...derived.record, ...previous?.fields };
    const changed = dataset.change(current, new SeededRandom(this.seed, hashString(key), (previous?.version ?? 1) + 1), now);
    return this.commit(registry, datasetName, subjectId, derived, changed, now);
  }

  /**
   * Sets the given fields of one record now (an event another registry relayed, a correction the
   * registry accepted): bumps its version and tells the change listeners, like changeRecord.
   * @throws UnknownRegistryError, InvalidRequestError (unknown field), SubjectNotFoundError
   */
  applyFields(registryName: string, datasetName: string, subjectId: string, fields: JsonObject, now = new Date()): RecordChange {
    const registry = this.registry(registryName).name;
    const dataset = this.dataset(registry, datasetName);
    this.validateSubject(dataset, subjectId);
    for (const name of Object.keys(fields)) {
      if (!dataset.spec.fields.some((f) => f.name === name)) throw new InvalidRequestError(`unknown field "${name}" in dataset ${datasetName}`);
    }
    const derived = this.recordOf(registry, dataset, subjectId);
    if (!derived) throw new SubjectNotFoundError(`no ${datasetName} record for this subject in ${registry}`);
    return this.commit(registry, datasetName, subjectId, derived, fields, now);
  }

  /**
   * Registers a record no seed derives (a death or a marriage registered now, a new-born's person
   * record): version 1, read by every id in `subjectIds`; tells the change listeners.
   * @throws InvalidRequestError when the record exists already
   */
  register(registryName: string, datasetName: string, record: JsonObject, subjectIds: readonly string[], recordKey: string, now = new Date()): RecordChange {
    const registry = this.registry(registryName).name;
    const dataset = this.dataset(registry, datasetName);
    for (const id of subjectIds) {
      this.validateSubject(dataset, id);
      if (this.recordOf(registry, dataset, id)) throw new InvalidRequestError(`a ${datasetName} record of this subject exists in ${registry} already`);
    }
    const derived: DerivedRecord = { recordKey, record, subjectIds, baseAsOf: now };
    for (const id of subjectIds) this.registered.set(overrideKey(registry, datasetName, id), derived);
    const change: RecordChange = {
      registry,
      dataset: datasetName,
      subjectId: subjectIds[0],
      subjectIds,
      version: 1,
      changedFields: Object.keys(record),
      asOf: now.toISOString(),
    };
    this.logger.debug({ registry, dataset: datasetName, subject: subjectTag(subjectIds[0]) }, 'record registered');
    this.tell(change);
    return change;
  }

  /** The record as derived from the seed, or as registered at run time; null when neither. */
  recordOf(registry: RegistryName, dataset: SimDataset, subjectId: string): DerivedRecord | null {
    return dataset.derive(subjectId) ?? this.registered.get(overrideKey(registry, dataset.spec.name, subjectId)) ?? null;
  }

  private commit(registry: RegistryName, datasetName: string, subjectId: string, derived: DerivedRecord, changed: JsonObject, now: Date): RecordChange {
    const key = overrideKey(registry, datasetName, derived.recordKey);
    const previous = this.overrides.get(key);
    const version = (previous?.version ?? 1) + 1;
    this.overrides.set(key, { version, fields: { ...previous?.fields, ...changed }, asOf: now });
    const change: RecordChange = {
      registry,
      dataset: datasetName,
      subjectId,
      subjectIds: derived.subjectIds,
      version,
      changedFields: Object.keys(changed),
      asOf: now.toISOString(),
    };
    this.logger.debug({ registry, dataset: datasetName, subject: subjectTag(subjectId), version, changedFields: change.changedFields }, 'record changed');
    this.tell(change);
    return change;
  }

  private tell(change: RecordChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        // A failing subscriber must not undo the change nor starve the others.
        this.logger.error({ err: error, registry: change.registry, dataset: change.dataset }, 'change listener failed');
      }
    }
  }

  /** Subscribes to record changes (run-time and background). Returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  faults(registryName: string): FaultInjector {
    return this.injectors.get(this.registry(registryName).name) as FaultInjector;
  }

  setFaults(registryName: string, patch: FaultPatch): FaultSettings {
    const settings = this.faults(registryName).update(patch);
    this.logger.info({ registry: registryName, faults: settings }, 'faults set');
    return settings;
  }

  clearFaults(registryName: string): FaultSettings {
    const settings = this.faults(registryName).reset();
    this.logger.info({ registry: registryName }, 'faults cleared');
    return settings;
  }

  /**
   * `n` distinct existing subject ids of a dataset, deterministic for the seed (and province).
   * May return fewer when the population is too small to hold that many matches.
   */
  samples(registryName: string, datasetName: string, n: number, query: SampleQuery = {}): string[] {
    const dataset = this.dataset(registryName, datasetName);
    if (query.province !== undefined && !this.population.directory.province(query.province)) {
      throw new InvalidRequestError(`unknown province code "${query.province}"`);
    }
    const found = new Set<string>();
    const wanted = Math.min(n, MAX_SAMPLES);
    for (let k = 0; found.size < wanted && k < wanted * 60 + 200; k++) {
      const id = dataset.sampleAt(k, query);
      if (id !== null) found.add(id);
    }
    return [...found];
  }

  get changesPerSecond(): number {
    return this.rate;
  }

  /** Background changes of random existing records, `perSecond` on average (0 stops them). */
  setChangeRate(perSecond: number): void {
    if (!Number.isFinite(perSecond) || perSecond < 0 || perSecond > MAX_CHANGES_PER_SECOND) {
      throw new InvalidRequestError(`changesPerSecond must be a number from 0 to ${MAX_CHANGES_PER_SECOND}`);
    }
    this.rate = perSecond;
    if (perSecond === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer) return;
    let owed = 0;
    let last = Date.now();
    this.timer = setInterval(() => {
      const now = Date.now();
      owed += (this.rate * (now - last)) / 1000;
      last = now;
      for (; owed >= 1; owed--) this.changeRandomRecord();
    }, CHANGE_TICK_MS);
    this.timer.unref();
  }

  /** Stops background work. */
  close(): void {
    this.setChangeRate(0);
    this.listeners.clear();
  }

  private changeRandomRecord(): void {
    const datasets = [...this.registries.values()].flatMap((r) => r.datasets.map((d) => [r.name, d] as const));
    const [registry, dataset] = datasets[Math.floor(Math.random() * datasets.length)];
    for (let attempt = 0; attempt < 20; attempt++) {
      const id = dataset.sampleAt(Math.floor(Math.random() * 0x7fffffff), {});
      if (id !== null) {
        this.changeRecord(registry, dataset.spec.name, id);
        return;
      }
    }
  }

  private validateSubject(dataset: SimDataset, subjectId: string): void {
    const { name, pattern } = dataset.spec.subjectKey;
    const problem = subjectIdProblem(name, pattern, subjectId);
    if (problem !== null) throw new InvalidRequestError(`invalid subject id for ${dataset.spec.name}: ${problem}`);
  }
}

/** The province of an address-like object: its provinceCode if known, else its commune's. */
function provinceOfPlace(directory: VnAdminDirectory, place: unknown): string | null {
  if (typeof place !== 'object' || place === null || Array.isArray(place)) return null;
  const { provinceCode, communeCode } = place as { provinceCode?: unknown; communeCode?: unknown };
  if (typeof provinceCode === 'string' && directory.province(provinceCode)) return provinceCode;
  if (typeof communeCode === 'string') return directory.commune(communeCode)?.provinceCode ?? null;
  return null;
}

function overrideKey(registry: string, dataset: string, recordKey: string): string {
  return `${registry}/${dataset}/${recordKey}`;
}
