/**
 * Derives the persons and households of one group from (seed, group) alone. A group fills exactly
 * GROUP_SIZE person slots with one or more families: usually a founding couple, their children, the
 * children's spouses and grandchildren, split into households the way Vietnamese families live
 * (a married son may stay with his parents; a married daughter lives with her husband). Relations
 * only point inside the group, so any member's family and household is found from the group alone.
 */
import type { Commune } from '@motlan/vn-admin/vn-admin.model.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { GROUP_SIZE, type Sex } from './person-id-codec.js';
import {
  ADULT_OCCUPATIONS,
  ETHNICITIES,
  FAMILY_NAMES,
  GIVEN_NAMES,
  MARITAL_STATUS,
  MIDDLE_NAMES,
  RELIGIONS,
  type MaritalStatus,
  type RelationToHead,
} from './population.data.js';
import { SeededRandom, type Weighted } from './seeded-random.js';

// Module-scope aliases of Math: hot paths run under Jest's vm contexts too (gateway tests run the
// simulator in-process), where every global lookup costs ~100x more than a module binding.
const { min, max } = Math;

/** Ages and statuses are computed as of this date, so records do not drift as the clock turns. */
export const REFERENCE_YEAR = 2025;
const LAST_BIRTH_YEAR = REFERENCE_YEAR - 1;
const TAG_GROUP = 0x9a0;
const TAG_PARENTS = 0x9a1;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Children of a founding couple, and of a couple of the next generation (still growing). */
const CHILDREN_OF_COUPLE: Weighted<number> = [
  [0, 8],
  [1, 20],
  [2, 38],
  [3, 22],
  [4, 12],
];
const CHILDREN_OF_YOUNG_COUPLE: Weighted<number> = [
  [0, 20],
  [1, 35],
  [2, 35],
  [3, 10],
];

/** A parent either lives in the same group (slot) or is only known by name (born long ago, abroad…). */
export interface PlannedPerson {
  slot: number;
  sex: Sex;
  birthYear: number;
  /** YYYY-MM-DD */
  dateOfBirth: string;
  familyName: string;
  fullName: string;
  /** Slot of the father in the group, or null when he is known by name only (see parentNames). */
  fatherSlot: number | null;
  motherSlot: number | null;
  /** Current or late spouse; symmetric within the group. */
  spouseSlot: number | null;
  /** Date the marriage was registered, set iff spouseSlot is set. */
  marriageDate: string | null;
  maritalStatus: MaritalStatus;
  /** YYYY-MM-DD, null for the living. */
  dateOfDeath: string | null;
  /** Household the person is registered in; null for the deceased (removed from registration). */
  householdKey: number | null;
  /** Household whose address is the person's permanent (or last) address. */
  addressHouseholdKey: number;
  /** Commune code of the person's hometown (quê quán): the father's for those born in the group. */
  hometownCommuneCode: string;
  ethnicity: string;
  religion: string;
  occupation: string | null;
}

export interface PlannedAddress {
  communeCode: string;
  line: string;
}

export interface PlannedHousehold {
  /** Stable within the group, also for households that end up empty. */
  key: number;
  headSlot: number;
  /** Head first, then the others in slot order. */
  memberSlots: readonly number[];
  relations: ReadonlyMap<number, RelationToHead>;
  address: PlannedAddress;
  temporaryAddress: (PlannedAddress & { expiresOn: string }) | null;
}

export interface GroupPlan {
  group: number;
  /** Index into the directory's CCCD province codes: every person of the group was born there. */
  cccdProvinceIndex: number;
  /** Current province (2025) the group lives in. */
  provinceCode: string;
  persons: readonly PlannedPerson[];
  households: ReadonlyMap<number, PlannedHousehold>;
  /** Every household key used, including the ones left empty by deaths (for last addresses). */
  addresses: ReadonlyMap<number, PlannedAddress>;
}

/** A person while the group is planned; finished in place (no copies: plans are built per lookup). */
type Draft = PlannedPerson & { homeKey: number };

/** Builds group plans and keeps the most recent ones, since one request often reads a few relatives. */
export class FamilyPlanner {
  private readonly cache = new Map<number, GroupPlan>();

  constructor(
    private readonly seed: number,
    private readonly directory: VnAdminDirectory,
    private readonly provinceIndexOfGroup: (group: number) => number,
    private readonly cacheSize = 4096,
  ) {}

  /**
   * Names of the parents of a person whose parents are not in the registry (founders, spouses who
   * married into the family). Derived only when a birth record asks: most lookups never need them.
   */
  parentNames(plan: GroupPlan, person: PlannedPerson): { fatherName: string; motherName: string } {
    const rng = new SeededRandom(this.seed, TAG_PARENTS, plan.group, person.slot);
    const father = person.fatherSlot === null ? null : plan.persons[person.fatherSlot];
    const mother = person.motherSlot === null ? null : plan.persons[person.motherSlot];
    return {
      fatherName: father?.fullName ?? fullName(rng, person.familyName, 'male', person.birthYear - rng.int(22, 35)),
      motherName: mother?.fullName ?? fullName(rng, rng.weighted(FAMILY_NAMES), 'female', person.birthYear - rng.int(20, 32)),
    };
  }

  plan(group: number): GroupPlan {
    const cached = this.cache.get(group);
    if (cached) return cached;
    const plan = this.build(group);
    if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as number);
    this.cache.set(group, plan);
    return plan;
  }

  private build(group: number): GroupPlan {
    const rng = new SeededRandom(this.seed, TAG_GROUP, group);
    const cccdProvinceIndex = this.provinceIndexOfGroup(group);
    const cccdCode = this.directory.cccdProvinceCodes()[cccdProvinceIndex];
    const province = this.directory.currentProvinceOfCccd(cccdCode);
    if (!province) throw new Error(`no current province for CCCD code ${cccdCode}`);
    const communes = this.directory.communesOf(province.code);
    const builder = new GroupBuilder(rng, communes, this.directory.communes());
    while (builder.size < GROUP_SIZE) builder.addFamily(GROUP_SIZE - builder.size);
    return builder.finish(group, cccdProvinceIndex, province.code, this.directory);
  }
}

/** Mutable state while one group is planned. */
class GroupBuilder {
  private readonly persons: Draft[] = [];
  private readonly members = new Map<number, number[]>();
  private readonly homes = new Map<number, string>();
  private nextHouseholdKey = 0;

  constructor(
    private readonly rng: SeededRandom,
    private readonly communes: readonly Commune[],
    private readonly allCommunes: readonly Commune[],
  ) {}

  get size(): number {
    return this.persons.length;
  }

  /** Adds one family of at most `budget` persons. */
  addFamily(budget: number): void {
    const rng = this.rng;
    const limit = this.persons.length + budget;
    const room = (): boolean => this.persons.length < limit;
    const ethnicity = rng.weighted(ETHNICITIES);
    const religion = rng.weighted(RELIGIONS);

    if (budget === 1 || rng.chance(0.07)) {
      // Someone registered alone: a young adult who moved out for work, or an elderly single person.
      const home = this.newHousehold(null);
      const hometown = this.hometownNear(home);
      const person = this.newPerson(rng.chance(0.5) ? 'male' : 'female', rng.int(1950, 2003), null, null, home, {
        hometown,
        ethnicity,
        religion,
      });
      this.register(person, home);
      return;
    }

    const home = this.newHousehold(null);
    const hometown = this.hometownNear(home);
    const husbandYear = rng.int(1942, 1992);
    const husband = this.newPerson('male', husbandYear, null, null, home, { hometown, ethnicity, religion });
    const wife = this.newPerson('female', min(husbandYear + rng.int(-2, 6), 1996), null, null, home, {
      hometown: this.spouseHometown(hometown),
      ethnicity: rng.chance(0.9) ? ethnicity : rng.weighted(ETHNICITIES),
      religion,
    });
    const marriageYear = min(LAST_BIRTH_YEAR, max(husband.birthYear, wife.birthYear) + rng.int(20, 28));
    this.marry(husband, wife, marriageYear);

    const children: Draft[] = [];
    const wanted = rng.weighted(CHILDREN_OF_COUPLE);
    let childYear = marriageYear + rng.int(1, 2);
    for (let i = 0; i < wanted && room() && childYear <= min(LAST_BIRTH_YEAR, wife.birthYear + 44); i++) {
      children.push(this.newChild(childYear, husband, wife, home));
      childYear += rng.int(1, 5);
    }

    // Founders may have died; never before their last child was born.
    const lastChildYear = children.length > 0 ? children[children.length - 1].birthYear : marriageYear;
    for (const founder of [husband, wife]) {
      const age = REFERENCE_YEAR - founder.birthYear;
      const risk = age >= 85 ? 0.5 : age >= 75 ? 0.3 : age >= 65 ? 0.12 : age >= 50 ? 0.04 : 0.01;
      const earliest = max(lastChildYear + 1, founder.birthYear + 40);
      if (earliest <= LAST_BIRTH_YEAR && rng.chance(risk)) founder.dateOfDeath = this.date(rng.int(earliest, LAST_BIRTH_YEAR));
    }
    for (const founder of [husband, wife]) if (founder.dateOfDeath === null) this.register(founder, home);

    let sonStays = false;
    for (const child of children) {
      const age = REFERENCE_YEAR - child.birthYear;
      if (age >= 22 && room() && rng.chance(age >= 30 ? 0.85 : 0.5)) {
        const staying: boolean = child.sex === 'male' && !sonStays && rng.chance(0.4);
        const household = staying ? home : this.newHousehold(home);
        sonStays ||= staying;
        this.startCouple(child, household, room);
      } else if (age >= 20 && rng.chance(0.2)) {
        this.register(child, this.newHousehold(home));
      } else {
        this.register(child, home);
      }
    }
  }

  /** A married child with a spouse from outside the group, and their children, in `household`. */
  private startCouple(child: Draft, household: number, room: () => boolean): void {
    const rng = this.rng;
    const spouseSex: Sex = child.sex === 'male' ? 'female' : 'male';
    const spouseYear = min(2003, child.sex === 'male' ? child.birthYear + rng.int(0, 5) : child.birthYear - rng.int(0, 5));
    const spouse = this.newPerson(spouseSex, spouseYear, null, null, household, {
      hometown: this.spouseHometown(child.hometownCommuneCode),
      ethnicity: rng.chance(0.85) ? child.ethnicity : rng.weighted(ETHNICITIES),
      religion: rng.chance(0.8) ? child.religion : rng.weighted(RELIGIONS),
    });
    const [husband, wife] = child.sex === 'male' ? [child, spouse] : [spouse, child];
    const marriageYear = min(LAST_BIRTH_YEAR, max(husband.birthYear, wife.birthYear) + rng.int(21, 28));
    this.marry(husband, wife, marriageYear);
    this.register(child, household);
    this.register(spouse, household);
    const wanted = rng.weighted(CHILDREN_OF_YOUNG_COUPLE);
    let year = marriageYear + rng.int(1, 2);
    for (let i = 0; i < wanted && room() && year <= LAST_BIRTH_YEAR; i++) {
      this.register(this.newChild(year, husband, wife, household), household);
      year += rng.int(1, 5);
    }
  }

  private newChild(year: number, father: Draft, mother: Draft, home: number): Draft {
    const rng = this.rng;
    return this.newPerson(rng.chance(0.51) ? 'male' : 'female', year, father, mother, home, {
      hometown: father.hometownCommuneCode,
      ethnicity: father.ethnicity,
      religion: rng.chance(0.95) ? father.religion : mother.religion,
      familyName: father.familyName,
    });
  }

  private newPerson(
    sex: Sex,
    birthYear: number,
    father: Draft | null,
    mother: Draft | null,
    homeKey: number,
    traits: { hometown: string; ethnicity: string; religion: string; familyName?: string },
  ): Draft {
    const rng = this.rng;
    const familyName = traits.familyName ?? rng.weighted(FAMILY_NAMES);
    const fullName = this.fullName(familyName, sex, birthYear);
    const person: Draft = {
      slot: this.persons.length,
      sex,
      birthYear,
      dateOfBirth: this.date(birthYear),
      familyName,
      fullName,
      fatherSlot: father?.slot ?? null,
      motherSlot: mother?.slot ?? null,
      spouseSlot: null,
      marriageDate: null,
      maritalStatus: MARITAL_STATUS.single,
      dateOfDeath: null,
      householdKey: null,
      homeKey,
      hometownCommuneCode: traits.hometown,
      ethnicity: traits.ethnicity,
      religion: traits.religion,
      occupation: null,
      addressHouseholdKey: homeKey,
    };
    this.persons.push(person);
    return person;
  }

  private fullName(familyName: string, sex: Sex, birthYear: number): string {
    return fullName(this.rng, familyName, sex, birthYear);
  }

  private marry(husband: Draft, wife: Draft, year: number): void {
    const date = this.date(year);
    husband.spouseSlot = wife.slot;
    wife.spouseSlot = husband.slot;
    husband.marriageDate = date;
    wife.marriageDate = date;
  }

  private spouseHometown(partnerHometown: string): string {
    if (this.rng.chance(0.7)) return this.rng.pick(this.communes).code;
    return this.rng.chance(0.5) ? partnerHometown : this.rng.pick(this.allCommunes).code;
  }

  /**
   * A new household; one set up by a grown child usually stays in the commune of the parents'
   * household `near`, some settle elsewhere in the province.
   */
  private newHousehold(near: number | null): number {
    const key = this.nextHouseholdKey++;
    const nearCommune = near === null ? undefined : this.homes.get(near);
    this.homes.set(key, nearCommune !== undefined && this.rng.chance(0.6) ? nearCommune : this.rng.pick(this.communes).code);
    this.members.set(key, []);
    return key;
  }

  /** Families mostly live where they come from. */
  private hometownNear(household: number): string {
    const commune = this.homes.get(household);
    return commune !== undefined && this.rng.chance(0.7) ? commune : this.rng.pick(this.communes).code;
  }

  private register(person: Draft, household: number): void {
    person.householdKey = household;
    this.members.get(household)?.push(person.slot);
  }

  /** A date in `year` with a real day of the month. */
  private date(year: number): string {
    const month = this.rng.int(1, 12);
    const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
    return `${year}-${pad2(month)}-${pad2(this.rng.int(1, DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0)))}`;
  }

  finish(group: number, cccdProvinceIndex: number, provinceCode: string, directory: VnAdminDirectory): GroupPlan {
    const rng = this.rng;
    const southern = Number(provinceCode) >= 75;
    const addresses = new Map<number, PlannedAddress>();
    for (const [key, communeCode] of this.homes) {
      addresses.set(key, { communeCode, line: addressLine(rng, directory.commune(communeCode)?.type ?? 'xa', southern) });
    }

    const persons: readonly PlannedPerson[] = this.persons;
    for (const draft of this.persons) {
      const spouse = draft.spouseSlot === null ? null : this.persons[draft.spouseSlot];
      if (spouse !== null) {
        // The late spouse stays named; the survivor is widowed, the deceased died married.
        draft.maritalStatus = spouse.dateOfDeath !== null && draft.dateOfDeath === null ? MARITAL_STATUS.widowed : MARITAL_STATUS.married;
      }
      draft.occupation = occupation(rng, draft.birthYear, draft.dateOfDeath);
      draft.addressHouseholdKey = draft.householdKey ?? draft.homeKey;
    }

    const households = new Map<number, PlannedHousehold>();
    for (const [key, slots] of this.members) {
      if (slots.length === 0) continue;
      const headSlot = chooseHead(slots, persons);
      const relations = new Map<number, RelationToHead>(slots.map((s) => [s, relationToHead(persons[headSlot], persons[s], persons)]));
      const temporary = rng.chance(0.06) ? temporaryAddress(rng, directory, provinceCode) : null;
      households.set(key, {
        key,
        headSlot,
        memberSlots: [headSlot, ...slots.filter((s) => s !== headSlot)],
        relations,
        address: addresses.get(key) as PlannedAddress,
        temporaryAddress: temporary,
      });
    }
    return { group, cccdProvinceIndex, provinceCode, persons, households, addresses };
  }
}

function fullName(rng: SeededRandom, familyName: string, sex: Sex, birthYear: number): string {
  const middle = rng.weighted(MIDDLE_NAMES[sex][birthYear < 1990 ? 'traditional' : 'modern']);
  return `${familyName} ${middle} ${rng.pick(GIVEN_NAMES[sex])}`;
}

/**
 * The eldest married (or widowed) man: the founding husband while he lives, then a son who stayed
 * with his family, as is customary; without one, the eldest member (a widowed mother, an elder sibling).
 */
function chooseHead(slots: readonly number[], persons: readonly PlannedPerson[]): number {
  // Plain comparison: ISO dates sort as strings, and localeCompare is costly on a per-lookup path.
  const bySeniority = [...slots].sort((a, b) => {
    const [x, y] = [persons[a].dateOfBirth, persons[b].dateOfBirth];
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  return bySeniority.find((s) => persons[s].sex === 'male' && persons[s].spouseSlot !== null) ?? bySeniority[0];
}

export function relationToHead(head: PlannedPerson, member: PlannedPerson, persons: readonly PlannedPerson[]): RelationToHead {
  if (member.slot === head.slot) return 'CHU_HO';
  if (member.spouseSlot === head.slot) return member.sex === 'female' ? 'VO' : 'CHONG';
  const isChildOf = (child: PlannedPerson, parent: PlannedPerson): boolean => child.fatherSlot === parent.slot || child.motherSlot === parent.slot;
  if (isChildOf(member, head)) return 'CON';
  if (head.fatherSlot === member.slot) return 'BO';
  if (head.motherSlot === member.slot) return 'ME';
  if (member.spouseSlot !== null && isChildOf(persons[member.spouseSlot], head)) {
    return member.sex === 'female' ? 'CON_DAU' : 'CON_RE';
  }
  const parents = [member.fatherSlot, member.motherSlot].filter((s): s is number => s !== null).map((s) => persons[s]);
  if (parents.some((p) => isChildOf(p, head))) return 'CHAU';
  if (head.spouseSlot !== null && isChildOf(member, persons[head.spouseSlot])) return 'CON';
  const headParents = [head.fatherSlot, head.motherSlot].filter((s) => s !== null);
  if (headParents.some((s) => s === member.fatherSlot || s === member.motherSlot)) return 'ANH_CHI_EM';
  return 'KHAC';
}

function occupation(rng: SeededRandom, birthYear: number, dateOfDeath: string | null): string | null {
  const age = REFERENCE_YEAR - birthYear;
  if (age < 6) return null;
  if (age < 18) return 'Học sinh';
  if (age < 23 && rng.chance(0.5)) return 'Sinh viên';
  if ((age >= 62 || dateOfDeath !== null) && rng.chance(0.6)) return 'Hưu trí';
  return rng.weighted(ADULT_OCCUPATIONS);
}

/** A street line in the style of the commune: numbered houses in wards, hamlets in rural communes. */
export function addressLine(rng: SeededRandom, communeType: string, southern: boolean): string {
  switch (communeType) {
    case 'phuong':
      return `Số ${rng.int(1, 350)}, Tổ dân phố ${rng.int(1, 45)}`;
    case 'dac_khu':
      return `Khu ${rng.int(1, 12)}`;
    default:
      return southern ? `Ấp ${rng.int(1, 15)}` : `Thôn ${rng.int(1, 20)}`;
  }
}

/** Temporary residence, mostly in the big cities where people go to work or study. */
export function temporaryAddress(rng: SeededRandom, directory: VnAdminDirectory, homeProvinceCode: string): PlannedAddress & { expiresOn: string } {
  const cities = ['79', '01', '48', '92', '31', '75'].filter((c) => c !== homeProvinceCode && directory.province(c));
  const provinces = directory.provinces();
  const provinceCode = cities.length > 0 && rng.chance(0.8) ? rng.pick(cities) : rng.pick(provinces).code;
  const commune = rng.pick(directory.communesOf(provinceCode));
  return {
    communeCode: commune.code,
    line: addressLine(rng, commune.type, Number(provinceCode) >= 75),
    expiresOn: `${REFERENCE_YEAR + rng.int(0, 2)}-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`,
  };
}

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}
