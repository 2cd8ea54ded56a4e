import { parseCccd } from '@motlan/identifiers/subject-id.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { REFERENCE_YEAR } from './family-planner.js';
import { GROUP_SIZE } from './person-id-codec.js';
import { SyntheticPopulation } from './synthetic-population.js';

const directory = VnAdminDirectory.load({ env: {} });
const population = new SyntheticPopulation(1, 1_000_000, directory);

describe('SyntheticPopulation', () => {
  it('resolves persons spread over all 1,000,000 indices from their id alone', () => {
    const wrong: string[] = [];
    for (let index = 0; index < population.personCount; index += 211) {
      const { id, person } = population.personAt(index);
      const parts = parseCccd(id);
      const resolved = population.resolve(id);
      const ok =
        parts?.birthYear === person.birthYear &&
        parts.sex === person.sex &&
        resolved?.person === person &&
        resolved.plan.group === Math.floor(index / GROUP_SIZE);
      if (!ok) wrong.push(`${index} -> ${id}`);
    }
    expect(wrong).toEqual([]);
    const last = population.personAt(population.personCount - 1);
    expect(population.resolve(last.id)?.person).toBe(last.person);
  });

  it('answers nobody for ids whose stated sex or birth year do not fit the slot', () => {
    const { id, person } = population.personAt(123_456);
    const otherSex = id.slice(0, 3) + String(Number(id[3]) ^ 1) + id.slice(4);
    expect(population.resolve(otherSex)?.person).not.toBe(person);
    let misses = 0;
    for (let serial = 0; serial < 2000; serial++) if (population.resolve(`001090${String(serial * 491).padStart(6, '0')}`) === null) misses++;
    expect(misses).toBeGreaterThan(1900); // ids are sparse: a guessed id almost never exists
  });

  it('samples persons living in a given province, deterministically', () => {
    const alive = (p: { dateOfDeath: string | null }): boolean => p.dateOfDeath === null;
    for (const province of ['79', '01', '46']) {
      for (let k = 0; k < 30; k++) {
        const sample = population.samplePerson(k, alive, province);
        expect(sample?.plan.provinceCode).toBe(province);
        expect(population.permanentAddressOf(sample!).provinceCode).toBe(province);
        expect(population.samplePerson(k, alive, province)?.id).toBe(sample?.id);
      }
    }
  });

  it('picks living adults in a province for owners and representatives', () => {
    for (let key = 0; key < 50; key++) {
      const adult = population.livingAdultIn('48', key, 22);
      expect(adult.person.dateOfDeath).toBeNull();
      expect(REFERENCE_YEAR - adult.person.birthYear).toBeGreaterThanOrEqual(22);
      expect(adult.plan.provinceCode).toBe('48');
      expect(population.resolve(adult.id)?.person).toBe(adult.person);
    }
  });
});
