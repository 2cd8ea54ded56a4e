/**
 * Invertible mapping between a person index and a 12-digit personal id (CCCD), so a million persons
 * are addressable without a table: given an id we can tell in O(1) whether it belongs to someone.
 *
 * Persons come in groups of {@link GROUP_SIZE} (an extended family or a few neighbours; see
 * family-planner.ts); person index = group * GROUP_SIZE + slot. Every person of a group shares the
 * group's birth province, taken from a weighted table of the 63 CCCD codes (group mod table length),
 * so populous provinces hold more people. Within a province a group has a local number, and
 * `local key = local group * GROUP_SIZE + slot` is unique in that province. The 6 serial digits are
 * an affine permutation modulo 10^6 of the local key, with parameters drawn per block (province,
 * century/sex digit, two-digit year): distinct persons never share an id, and ids look random.
 */
import { cccdCenturyDigit } from '@motlan/identifiers/subject-id.js';
import { hashInts, modInverse, mulMod } from './seeded-random.js';

export type Sex = 'male' | 'female';

/** Persons per group; the serial space of a province holds 10^6 / GROUP_SIZE local groups. */
export const GROUP_SIZE = 16;
const SERIAL_SPACE = 1_000_000;
const LOCAL_GROUPS_PER_PROVINCE = SERIAL_SPACE / GROUP_SIZE;
const TAG_SERIAL = 0x5e1a1;
const TWELVE_DIGITS = /^\d{12}$/;

// Module-scope aliases of Math: hot paths run under Jest's vm contexts too (gateway tests run the
// simulator in-process), where every global lookup costs ~100x more than a module binding.
const { floor, ceil, max } = Math;

/** Relative weight of populous former provinces (about population / 1.5 million); others weigh 1. */
const PROVINCE_WEIGHTS: Readonly<Record<string, number>> = {
  '001': 6,
  '079': 6,
  '038': 3,
  '040': 3,
  '075': 2,
  '074': 2,
  '031': 2,
  '089': 2,
  '066': 2,
  '030': 2,
  '034': 2,
  '036': 2,
  '024': 2,
  '082': 2,
  '091': 2,
  '080': 2,
  '064': 2,
  '052': 2,
  '049': 2,
};

export interface DecodedPersonId {
  index: number;
  group: number;
  slot: number;
  cccdProvinceIndex: number;
  sex: Sex;
  birthYear: number;
}

export class PersonIdCodec {
  /** Groups in the population: ceil(requested persons / GROUP_SIZE). */
  readonly groupCount: number;
  /** Addressable persons: a whole number of groups, so never fewer than requested. */
  readonly personCount: number;
  /** The largest population the id space can hold with these weights. */
  readonly maxPersons: number;

  private readonly table: readonly number[];
  /** For each province index, the table positions it occupies. */
  private readonly positions: readonly (readonly number[])[];
  /** For each table position, its rank among its province's positions. */
  private readonly rank: readonly number[];
  private readonly provinceIndexByCode: ReadonlyMap<string, number>;
  private readonly blockCache = new Map<number, { a: number; b: number; inverse: number }>();

  constructor(
    private readonly seed: number,
    /** The 63 CCCD birth-province codes, in a fixed order. */
    readonly cccdProvinceCodes: readonly string[],
    requestedPersons: number,
  ) {
    if (cccdProvinceCodes.length === 0) throw new RangeError('no CCCD province codes');
    const positions: number[][] = cccdProvinceCodes.map(() => []);
    const table: number[] = [];
    const rank: number[] = [];
    const weights = cccdProvinceCodes.map((code) => PROVINCE_WEIGHTS[code] ?? 1);
    // Round-robin so a province's extra positions are spread out and small populations stay varied.
    for (let round = 0; round < max(...weights); round++) {
      weights.forEach((weight, p) => {
        if (round < weight) {
          rank.push(positions[p].length);
          positions[p].push(table.length);
          table.push(p);
        }
      });
    }
    this.table = table;
    this.positions = positions;
    this.rank = rank;
    this.provinceIndexByCode = new Map(cccdProvinceCodes.map((code, i) => [code, i]));
    const maxGroups = floor(LOCAL_GROUPS_PER_PROVINCE / max(...weights)) * table.length;
    this.maxPersons = maxGroups * GROUP_SIZE;
    if (!Number.isInteger(requestedPersons) || requestedPersons < 1 || requestedPersons > this.maxPersons) {
      throw new RangeError(`persons must be an integer from 1 to ${this.maxPersons}, got ${requestedPersons}`);
    }
    this.groupCount = ceil(requestedPersons / GROUP_SIZE);
    this.personCount = this.groupCount * GROUP_SIZE;
  }

  /** Index in {@link cccdProvinceCodes} of the birth province of every person in `group`. */
  provinceIndexOfGroup(group: number): number {
    return this.table[group % this.table.length];
  }

  /** Number of groups born in a province (for sampling by province). */
  groupCountInProvince(provinceIndex: number): number {
    let count = 0;
    for (const position of this.positions[provinceIndex] ?? []) {
      if (position < this.groupCount) count += ceil((this.groupCount - position) / this.table.length);
    }
    return count;
  }

  /** The k-th group (0-based, k < groupCountInProvince) born in a province. */
  groupInProvince(provinceIndex: number, k: number): number {
    const positions = (this.positions[provinceIndex] ?? []).filter((p) => p < this.groupCount);
    if (positions.length === 0) throw new RangeError(`no group in province index ${provinceIndex}`);
    return floor(k / positions.length) * this.table.length + positions[k % positions.length];
  }

  /** The personal id of person `index`, who is of `sex` and born in `birthYear`. */
  encode(index: number, sex: Sex, birthYear: number): string {
    if (!Number.isInteger(index) || index < 0 || index >= this.personCount) {
      throw new RangeError(`person index ${index} outside 0..${this.personCount - 1}`);
    }
    const group = floor(index / GROUP_SIZE);
    const slot = index % GROUP_SIZE;
    const position = group % this.table.length;
    const provinceIndex = this.table[position];
    const localGroup = floor(group / this.table.length) * this.positions[provinceIndex].length + this.rank[position];
    const localKey = localGroup * GROUP_SIZE + slot;
    const centuryDigit = cccdCenturyDigit(birthYear, sex);
    const yy = birthYear % 100;
    const { a, b } = this.block(provinceIndex, centuryDigit, yy);
    const serial = (mulMod(a, localKey, SERIAL_SPACE) + b) % SERIAL_SPACE;
    return `${this.cccdProvinceCodes[provinceIndex]}${centuryDigit}${yy < 10 ? '0' : ''}${yy}${`${serial}`.padStart(6, '0')}`;
  }

  /**
   * The person index an id would belong to, or null when the id cannot be one of ours (unknown
   * province, century digit above 5, group beyond the population). The caller still has to check
   * that the person at that index has the sex and birth year the id states.
   */
  decode(id: string): DecodedPersonId | null {
    if (id.length !== 12 || !TWELVE_DIGITS.test(id)) return null;
    const provinceIndex = this.provinceIndexByCode.get(id.slice(0, 3));
    if (provinceIndex === undefined) return null;
    const centuryDigit = id.charCodeAt(3) - 48;
    if (centuryDigit > 5) return null;
    const yy = +id.slice(4, 6);
    const serial = +id.slice(6);
    const { b, inverse } = this.block(provinceIndex, centuryDigit, yy);
    const localKey = mulMod(inverse, (serial - b + SERIAL_SPACE) % SERIAL_SPACE, SERIAL_SPACE);
    const slot = localKey % GROUP_SIZE;
    const localGroup = floor(localKey / GROUP_SIZE);
    const positions = this.positions[provinceIndex];
    const group = floor(localGroup / positions.length) * this.table.length + positions[localGroup % positions.length];
    if (group >= this.groupCount) return null;
    return {
      index: group * GROUP_SIZE + slot,
      group,
      slot,
      cccdProvinceIndex: provinceIndex,
      sex: centuryDigit % 2 === 0 ? 'male' : 'female',
      birthYear: (19 + floor(centuryDigit / 2)) * 100 + yy,
    };
  }

  /** Affine permutation parameters of one serial block; `a` is a unit modulo 10^6. */
  private block(provinceIndex: number, centuryDigit: number, yy: number): { a: number; b: number; inverse: number } {
    const key = (provinceIndex * 10 + centuryDigit) * 100 + yy;
    let params = this.blockCache.get(key);
    if (!params) {
      const h = hashInts(this.seed, TAG_SERIAL, key);
      let a = (2 * (h % (SERIAL_SPACE / 2)) + 1) % SERIAL_SPACE; // odd
      if (a % 5 === 0) a = (a + 2) % SERIAL_SPACE; // and not a multiple of 5: coprime to 10^6
      const b = hashInts(this.seed, TAG_SERIAL + 1, key) % SERIAL_SPACE;
      params = { a, b, inverse: modInverse(a, SERIAL_SPACE) };
      this.blockCache.set(key, params);
    }
    return params;
  }
}
