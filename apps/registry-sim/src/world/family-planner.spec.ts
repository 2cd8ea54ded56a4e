import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { FamilyPlanner, REFERENCE_YEAR, type GroupPlan, type PlannedPerson } from './family-planner.js';
import { GROUP_SIZE } from './person-id-codec.js';

const directory = VnAdminDirectory.load({ env: {} });
const planner = new FamilyPlanner(1, directory, (group) => group % 63, 16);

/** Every broken invariant of one group, as readable strings (empty when consistent). */
function problems(plan: GroupPlan): string[] {
  const out: string[] = [];
  const p = plan.persons;
  const say = (person: PlannedPerson, what: string): number => out.push(`group ${plan.group} slot ${person.slot}: ${what}`);
  if (p.length !== GROUP_SIZE) out.push(`group ${plan.group} has ${p.length} persons`);
  const registered = new Map<number, number>();
  for (const household of plan.households.values()) {
    if (household.memberSlots[0] !== household.headSlot) out.push(`household ${household.key}: head not first`);
    if (household.relations.get(household.headSlot) !== 'CHU_HO') out.push(`household ${household.key}: head is not CHU_HO`);
    for (const slot of household.memberSlots) {
      registered.set(slot, (registered.get(slot) ?? 0) + 1);
      const relation = household.relations.get(slot);
      const member = p[slot];
      const head = p[household.headSlot];
      if (relation === 'VO' && !(member.spouseSlot === head.slot && member.sex === 'female')) say(member, 'VO but not the wife of the head');
      if (relation === 'CHONG' && !(member.spouseSlot === head.slot && member.sex === 'male')) say(member, 'CHONG but not the husband');
      if (relation === 'CON' && ![member.fatherSlot, member.motherSlot].some((s) => s === head.slot || s === head.spouseSlot))
        say(member, 'CON of someone else');
      if (relation === 'BO' && head.fatherSlot !== slot) say(member, 'BO but not the father of the head');
      if (relation === 'ME' && head.motherSlot !== slot) say(member, 'ME but not the mother of the head');
    }
  }
  for (const person of p) {
    const age = REFERENCE_YEAR - person.birthYear;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(person.dateOfBirth) || Number.isNaN(Date.parse(person.dateOfBirth))) say(person, 'bad date of birth');
    if (person.dateOfBirth.slice(0, 4) !== String(person.birthYear)) say(person, 'birth year differs from date');
    const alive = person.dateOfDeath === null;
    if (alive && registered.get(person.slot) !== 1) say(person, `living but in ${registered.get(person.slot) ?? 0} households`);
    if (!alive && registered.has(person.slot)) say(person, 'deceased but still registered in a household');
    if (!alive && person.dateOfDeath! <= person.dateOfBirth) say(person, 'died before birth');
    if (person.householdKey === null ? alive : person.householdKey !== person.addressHouseholdKey) say(person, 'address household mismatch');
    for (const [slot, sex] of [
      [person.fatherSlot, 'male'],
      [person.motherSlot, 'female'],
    ] as const) {
      if (slot === null) continue;
      const parent = p[slot];
      if (parent.sex !== sex) say(person, `parent ${slot} has sex ${parent.sex}`);
      if (person.birthYear - parent.birthYear < 18) say(person, `parent ${slot} only ${person.birthYear - parent.birthYear} years older`);
      if (parent.dateOfDeath !== null && parent.dateOfDeath < person.dateOfBirth) say(person, `parent ${slot} died before the birth`);
      if (parent.spouseSlot !== null && parent.marriageDate! > person.dateOfBirth) say(person, 'born before the parents married');
    }
    if (person.fatherSlot !== null && person.motherSlot !== null && p[person.fatherSlot].spouseSlot !== person.motherSlot)
      say(person, 'parents are not spouses');
    if (person.fatherSlot !== null && person.familyName !== p[person.fatherSlot].familyName) say(person, "does not carry the father's family name");
    if (person.spouseSlot !== null) {
      const spouse = p[person.spouseSlot];
      if (spouse.spouseSlot !== person.slot) say(person, 'spouse does not point back');
      if (spouse.sex === person.sex) say(person, 'spouse of the same sex');
      if (spouse.marriageDate !== person.marriageDate || person.marriageDate === null) say(person, 'marriage dates differ');
      if (age < 18) say(person, 'married as a minor');
      const expected = spouse.dateOfDeath !== null && alive ? 'GOA' : 'DA_KET_HON';
      if (person.maritalStatus !== expected) say(person, `marital status ${person.maritalStatus}, expected ${expected}`);
    } else if (person.maritalStatus !== 'DOC_THAN' || person.marriageDate !== null) {
      say(person, 'unmarried but has a marital status or date');
    }
    // Minors live with a living parent of the group when they have one.
    const livingParents = [person.fatherSlot, person.motherSlot].filter((s): s is number => s !== null && p[s].dateOfDeath === null);
    if (age < 18 && alive && livingParents.length > 0 && !livingParents.some((s) => p[s].householdKey === person.householdKey)) {
      say(person, 'minor living apart from both parents');
    }
    if (!directory.commune(person.hometownCommuneCode)) say(person, 'hometown is not a real commune');
  }
  for (const address of plan.addresses.values()) {
    const commune = directory.commune(address.communeCode);
    if (commune?.provinceCode !== plan.provinceCode) out.push(`group ${plan.group}: address outside the group's province`);
  }
  return out;
}

describe('FamilyPlanner', () => {
  it('plans consistent families and households for thousands of groups', () => {
    const found: string[] = [];
    const stats = { married: 0, deceased: 0, withParents: 0, households: 0, threeGenerations: 0 };
    for (let group = 0; group < 3000; group++) {
      const plan = planner.plan(group);
      found.push(...problems(plan));
      for (const person of plan.persons) {
        if (person.spouseSlot !== null) stats.married++;
        if (person.dateOfDeath !== null) stats.deceased++;
        if (person.fatherSlot !== null) stats.withParents++;
      }
      stats.households += plan.households.size;
      for (const h of plan.households.values()) if ([...h.relations.values()].includes('CHAU')) stats.threeGenerations++;
    }
    expect(found.slice(0, 20)).toEqual([]);
    // The world is varied enough to exercise every dataset.
    const persons = 3000 * GROUP_SIZE;
    expect(stats.married / persons).toBeGreaterThan(0.3);
    expect(stats.deceased / persons).toBeGreaterThan(0.01);
    expect(stats.withParents / persons).toBeGreaterThan(0.3);
    expect(stats.threeGenerations).toBeGreaterThan(100);
    expect(persons / stats.households).toBeGreaterThan(2);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const again = new FamilyPlanner(1, directory, (group) => group % 63);
    const other = new FamilyPlanner(2, directory, (group) => group % 63);
    expect(again.plan(42).persons).toEqual(planner.plan(42).persons);
    expect(other.plan(42).persons.map((p) => p.fullName)).not.toEqual(planner.plan(42).persons.map((p) => p.fullName));
  });

  it('names parents who are not in the registry, and names those who are by their own name', () => {
    const plan = planner.plan(7);
    for (const person of plan.persons) {
      const { fatherName, motherName } = planner.parentNames(plan, person);
      if (person.fatherSlot !== null) expect(fatherName).toBe(plan.persons[person.fatherSlot].fullName);
      if (person.motherSlot !== null) expect(motherName).toBe(plan.persons[person.motherSlot].fullName);
      expect(fatherName.split(' ')[0]).toBe(person.familyName);
      expect(motherName.split(' ').length).toBeGreaterThanOrEqual(3);
    }
  });
});
