/**
 * The five registries tell one story: what the population registry says about a person agrees with
 * the household, birth, marriage and death records, and with parcel owners and legal representatives.
 */
import { pino } from 'pino';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import { isValidTaxCode, parseCccd } from '@motlan/identifiers/subject-id.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { RegistryName } from './sim-dataset.js';
import { SimRegistries } from './sim-registries.js';

const sim = new SimRegistries({ seed: 3, persons: 1_000_000, directory: VnAdminDirectory.load({ env: {} }), logger: pino({ level: 'silent' }) });

function get(registry: RegistryName, dataset: string, subjectId: string): JsonObject | null {
  return sim.lookup(registry, { dataset, subjectId, fields: [] }).record;
}

type Member = { personId: string; relationToHead: string; fullName: string; dateOfBirth: string };

describe('records agree across registries', () => {
  // Every person of 80 sampled groups (a few families each), living or not.
  const ids = new Set<string>();
  for (let k = 0; k < 80; k++) {
    const group = sim.population.sampleGroup(k)!;
    for (let slot = 0; slot < 16; slot++) ids.add(sim.population.idOf(sim.population.planner.plan(group), slot));
  }

  it('puts every living person in exactly the household that all its members see', () => {
    for (const id of ids) {
      const person = get('population', 'person', id)!;
      const household = get('residence', 'household', id);
      if (person.alive === false) {
        expect(household).toBeNull(); // removed from residence registration at death
        continue;
      }
      const members = household!.members as Member[];
      expect(members.map((m) => m.personId)).toContain(id);
      expect(household!.memberCount).toBe(members.length);
      expect(members.filter((m) => m.relationToHead === 'CHU_HO').map((m) => m.personId)).toEqual([(household!.head as { personId: string }).personId]);
      expect(household!.permanentAddress).toEqual(person.permanentAddress);
      for (const member of members) {
        expect(get('residence', 'household', member.personId)!.householdId).toBe(household!.householdId);
        const record = get('population', 'person', member.personId)!;
        expect(record).toMatchObject({ fullName: member.fullName, dateOfBirth: member.dateOfBirth, alive: true });
      }
      const head = (household!.head as { personId: string }).personId;
      const me = members.find((m) => m.personId === id)!;
      if (me.relationToHead === 'VO' || me.relationToHead === 'CHONG') expect(person.spouseId).toBe(head);
      if (me.relationToHead === 'CON') {
        const parents = [person.fatherId, person.motherId];
        const headSpouse = get('population', 'person', head)!.spouseId;
        expect(parents.includes(head) || parents.includes(headSpouse)).toBe(true);
      }
    }
  });

  it('names parents in the birth record who are persons of the population registry', () => {
    let linked = 0;
    for (const id of ids) {
      const person = get('population', 'person', id)!;
      const birth = get('civil-status', 'birth', id)!;
      expect(birth).toMatchObject({
        personId: id,
        fullName: person.fullName,
        dateOfBirth: person.dateOfBirth,
        fatherId: person.fatherId,
        motherId: person.motherId,
      });
      for (const [parentId, parentName, sex] of [
        [birth.fatherId, birth.fatherName, 'male'],
        [birth.motherId, birth.motherName, 'female'],
      ] as const) {
        expect(typeof parentName).toBe('string');
        if (parentId === null) continue;
        linked++;
        const parent = get('population', 'person', String(parentId))!;
        expect(parent).toMatchObject({ fullName: parentName, sex });
        expect(parseCccd(String(parentId))!.birthYear).toBeLessThanOrEqual(parseCccd(id)!.birthYear - 18);
      }
    }
    expect(linked).toBeGreaterThan(ids.size * 0.5);
  });

  it('keeps spouses symmetric, with a marriage record iff a spouse is named', () => {
    for (const id of ids) {
      const person = get('population', 'person', id)!;
      const marriage = get('civil-status', 'marriage', id);
      if (person.spouseId === null) {
        expect(marriage).toBeNull();
        expect(person.maritalStatus).toBe('DOC_THAN');
        continue;
      }
      const spouse = get('population', 'person', String(person.spouseId))!;
      expect(spouse.spouseId).toBe(id);
      expect(spouse.sex).not.toBe(person.sex);
      const pair = [(marriage!.spouseA as { personId: string }).personId, (marriage!.spouseB as { personId: string }).personId];
      expect(pair).toEqual(person.sex === 'male' ? [id, person.spouseId] : [person.spouseId, id]);
      expect(get('civil-status', 'marriage', String(person.spouseId))).toEqual(marriage);
    }
  });

  it('has a death record exactly for the deceased', () => {
    let deceased = 0;
    for (const id of ids) {
      const person = get('population', 'person', id)!;
      const death = get('civil-status', 'death', id);
      expect(death === null).toBe(person.alive === true);
      if (death) {
        deceased++;
        expect(death).toMatchObject({ personId: id, fullName: person.fullName });
        expect(String(death.dateOfDeath) > String(person.dateOfBirth)).toBe(true);
      }
    }
    expect(deceased).toBeGreaterThan(0);
  });

  it('names existing persons and enterprises as parcel owners and legal representatives', () => {
    for (const parcelId of sim.samples('land', 'parcel', 100)) {
      for (const owner of get('land', 'parcel', parcelId)!.owners as { kind: string; id: string; name: string }[]) {
        const record = owner.kind === 'person' ? get('population', 'person', owner.id) : get('business', 'enterprise', owner.id);
        expect(record).not.toBeNull();
        expect(owner.kind === 'person' ? record!.fullName : record!.name).toBe(owner.name);
      }
    }
    for (const taxCode of sim.samples('business', 'enterprise', 100)) {
      expect(isValidTaxCode(taxCode)).toBe(true);
      const enterprise = get('business', 'enterprise', taxCode)!;
      const rep = enterprise.legalRepresentative as { personId: string; fullName: string };
      expect(get('population', 'person', rep.personId)).toMatchObject({ fullName: rep.fullName, alive: true });
      for (const branch of enterprise.branches as string[]) {
        expect(get('business', 'enterprise', branch)).toMatchObject({ taxCode: branch, parentTaxCode: taxCode });
      }
    }
  });
});
