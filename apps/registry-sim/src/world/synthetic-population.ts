/**
 * The synthetic population: resolves a personal id to its person and group in O(1), and picks
 * persons by province for the other registries (parcel owners, legal representatives) and for samples.
 */
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { FamilyPlanner, REFERENCE_YEAR, type GroupPlan, type PlannedAddress, type PlannedPerson } from './family-planner.js';
import { GROUP_SIZE, PersonIdCodec } from './person-id-codec.js';
import { hashInts } from './seeded-random.js';

export interface ResolvedPerson {
  id: string;
  plan: GroupPlan;
  person: PlannedPerson;
}

/** Which persons a sample may return. */
export type PersonFilter = (person: PlannedPerson) => boolean;

const TAG_SAMPLE = 0x5a3;
const TAG_PICK = 0x91c;

export class SyntheticPopulation {
  readonly codec: PersonIdCodec;
  readonly planner: FamilyPlanner;

  constructor(
    readonly seed: number,
    requestedPersons: number,
    readonly directory: VnAdminDirectory,
  ) {
    this.codec = new PersonIdCodec(seed, directory.cccdProvinceCodes(), requestedPersons);
    this.planner = new FamilyPlanner(seed, directory, (group) => this.codec.provinceIndexOfGroup(group));
  }

  get personCount(): number {
    return this.codec.personCount;
  }

  /** The person holding `id`, or null when nobody does. */
  resolve(id: string): ResolvedPerson | null {
    const decoded = this.codec.decode(id);
    if (decoded === null) return null;
    const plan = this.planner.plan(decoded.group);
    const person = plan.persons[decoded.slot];
    // The id states sex and birth year: an id whose serial lands on someone else is nobody's.
    if (person.sex !== decoded.sex || person.birthYear !== decoded.birthYear) return null;
    return { id, plan, person };
  }

  /** Person number `index` (0 ≤ index < personCount). */
  personAt(index: number): ResolvedPerson {
    const plan = this.planner.plan(Math.floor(index / GROUP_SIZE));
    const person = plan.persons[index % GROUP_SIZE];
    return { id: this.idOf(plan, person.slot), plan, person };
  }

  idOf(plan: GroupPlan, slot: number): string {
    const person = plan.persons[slot];
    return this.codec.encode(plan.group * GROUP_SIZE + slot, person.sex, person.birthYear);
  }

  /** A relative in the same group, by slot; null stays null. */
  relative(plan: GroupPlan, slot: number | null): ResolvedPerson | null {
    return slot === null ? null : { id: this.idOf(plan, slot), plan, person: plan.persons[slot] };
  }

  /** Address as carried in records: codes and names of commune and province, and the street line. */
  address(address: PlannedAddress): JsonObject {
    const commune = this.directory.commune(address.communeCode);
    const province = commune ? this.directory.province(commune.provinceCode) : undefined;
    return {
      communeCode: address.communeCode,
      communeName: commune?.name ?? '',
      provinceCode: province?.code ?? '',
      provinceName: province?.name ?? '',
      line: address.line,
    };
  }

  /** Permanent address of a person, or the last one for the deceased. */
  permanentAddressOf(resolved: ResolvedPerson): JsonObject {
    const address = resolved.plan.addresses.get(resolved.person.addressHouseholdKey) as PlannedAddress;
    return this.address(address);
  }

  /** "Xã …, Tỉnh …" for a commune code. */
  placeName(communeCode: string): string {
    const commune = this.directory.commune(communeCode);
    const province = commune ? this.directory.province(commune.provinceCode) : undefined;
    return [commune?.name, province?.name].filter(Boolean).join(', ');
  }

  /**
   * A group for sample number `k`, deterministic for the seed: anywhere, or among the groups living
   * in current province `provinceCode`. Null when that province has no group (tiny populations).
   */
  sampleGroup(k: number, provinceCode?: string): number | null {
    const h = hashInts(this.seed, TAG_SAMPLE, k);
    if (provinceCode === undefined) return h % this.codec.groupCount;
    const formers = this.directory.cccdProvincesOf(provinceCode);
    if (formers.length === 0) return null;
    const codes = this.directory.cccdProvinceCodes();
    const provinceIndex = codes.indexOf(formers[h % formers.length].code);
    const count = this.codec.groupCountInProvince(provinceIndex);
    if (count === 0) return null;
    return this.codec.groupInProvince(provinceIndex, hashInts(this.seed, TAG_SAMPLE + 1, k) % count);
  }

  /** The first person of `group`, from a slot chosen by `k`, that passes `filter`. */
  pickInGroup(group: number, k: number, filter: PersonFilter): ResolvedPerson | null {
    const plan = this.planner.plan(group);
    const start = hashInts(this.seed, TAG_PICK, k) % GROUP_SIZE;
    for (let i = 0; i < GROUP_SIZE; i++) {
      const person = plan.persons[(start + i) % GROUP_SIZE];
      if (filter(person)) return { id: this.idOf(plan, person.slot), plan, person };
    }
    return null;
  }

  /** A person passing `filter`, for sample `k` (optionally living in a province); null if none found quickly. */
  samplePerson(k: number, filter: PersonFilter, provinceCode?: string): ResolvedPerson | null {
    const group = this.sampleGroup(k, provinceCode);
    return group === null ? null : this.pickInGroup(group, k, filter);
  }

  /**
   * A living adult who lives in current province `provinceCode`, chosen by `key`: owners of land and
   * representatives of enterprises are real persons of the population registry. Falls back to any
   * province if that one has nobody (only with tiny populations).
   */
  livingAdultIn(provinceCode: string, key: number, minAge = 20): ResolvedPerson {
    const adult: PersonFilter = (p) => p.dateOfDeath === null && REFERENCE_YEAR - p.birthYear >= minAge;
    for (let attempt = 0; attempt < 64; attempt++) {
      const k = hashInts(key, attempt);
      const found = this.samplePerson(k, adult, attempt < 48 ? provinceCode : undefined);
      if (found) return found;
    }
    // Every group has an adult founder or a single adult; reaching here means a broken planner.
    throw new Error(`no living adult found for key ${key}`);
  }
}
