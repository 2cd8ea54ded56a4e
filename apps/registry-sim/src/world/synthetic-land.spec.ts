import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { SyntheticBusiness } from './synthetic-business.js';
import { SyntheticLand } from './synthetic-land.js';
import { SyntheticPopulation } from './synthetic-population.js';

const directory = VnAdminDirectory.load({ env: {} });
const population = new SyntheticPopulation(1, 1_000_000, directory);
const business = new SyntheticBusiness(1, population);
const land = new SyntheticLand(1, population, business);

describe('SyntheticLand', () => {
  it('holds parcels only in real communes, for a deterministic subset of sheet and parcel numbers', () => {
    const commune = directory.communesOf('01')[0].code;
    const sheets = land.sheetCount(commune);
    let existing = 0;
    let total = 0;
    for (let sheet = 1; sheet <= sheets; sheet++) {
      for (let parcel = 1; parcel <= land.parcelCount(commune, sheet); parcel++) {
        total++;
        if (land.find(`${commune}-${sheet}-${parcel}`)) existing++;
      }
    }
    expect(existing / total).toBeGreaterThan(0.8);
    expect(existing / total).toBeLessThan(0.95);
    expect(land.find(`${commune}-${sheets + 1}-1`)).toBeNull();
    expect(land.find(`${commune}-1-${land.parcelCount(commune, 1) + 1}`)).toBeNull();
    expect(land.find('99999-1-1')).toBeNull(); // no such commune
    expect(land.find(`${commune}-01-1`)).toBeNull(); // not canonical
  });

  it('names existing persons (or enterprises) of the same province as owners', () => {
    let enterprises = 0;
    let couples = 0;
    for (let k = 0; k < 1500; k++) {
      const parcel = land.sampleAt(k);
      if (!parcel) continue;
      expect(land.find(parcel.parcelId)).toEqual(parcel);
      for (const owner of parcel.owners) {
        if (owner.kind === 'person') {
          const person = population.resolve(owner.id);
          expect(person?.person.fullName).toBe(owner.name);
          expect(person?.person.dateOfDeath).toBeNull();
          expect(person?.plan.provinceCode).toBe(parcel.commune.provinceCode);
        } else {
          enterprises++;
          const enterprise = business.find(owner.id);
          expect(enterprise?.name).toBe(owner.name);
          expect(enterprise?.province.code).toBe(parcel.commune.provinceCode);
        }
      }
      if (parcel.owners.length === 2) {
        couples++;
        expect(population.resolve(parcel.owners[0].id)?.person.spouseSlot).toBe(population.resolve(parcel.owners[1].id)?.person.slot);
      }
    }
    expect(enterprises).toBeGreaterThan(0);
    expect(couples).toBeGreaterThan(0);
  });

  it('samples parcels in a province', () => {
    for (let k = 0; k < 50; k++) {
      const parcel = land.sampleAt(k, '92');
      if (parcel) expect(parcel.commune.provinceCode).toBe('92');
    }
  });
});
