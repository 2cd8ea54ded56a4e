import { isValidTaxCode, taxCodeCheckDigit } from '@motlan/identifiers/subject-id.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { REFERENCE_YEAR } from './family-planner.js';
import { SyntheticBusiness } from './synthetic-business.js';
import { SyntheticPopulation } from './synthetic-population.js';

const population = new SyntheticPopulation(1, 1_000_000, VnAdminDirectory.load({ env: {} }));
const business = new SyntheticBusiness(1, population);

describe('SyntheticBusiness', () => {
  it('issues valid tax codes only, and maps them back to their enterprise', () => {
    let holes = 0;
    for (let index = 0; index < 20_000; index++) {
      const code = business.taxCodeOf(index);
      if (code === null) {
        holes++;
        continue;
      }
      if (!isValidTaxCode(code) || business.indexOf(code) !== index) throw new Error(`index ${index} -> ${code}`);
    }
    // About 1 base in 11 has S mod 11 = 0: never issued, so those indices hold no enterprise.
    expect(holes / 20_000).toBeGreaterThan(0.06);
    expect(holes / 20_000).toBeLessThan(0.12);
  });

  it('never issues a base whose weighted sum has remainder 0, nor finds codes outside the population', () => {
    for (let index = 0; index < 5000; index++) {
      expect(business.taxCodeOf(index) === null).toBe(taxCodeCheckDigit(business.taxBaseOf(index)) === null);
    }
    expect(business.find('0100233488')).toBeNull(); // valid, but not one of ours (index beyond the population)
    expect(business.find('1000000009')).toBeNull(); // ours all start with 0
  });

  it('names living adult persons of the population as legal representatives, in the same province', () => {
    for (let k = 0; k < 200; k++) {
      const enterprise = business.sampleAt(k);
      if (!enterprise) continue;
      const rep = population.resolve(enterprise.legalRepresentative.id);
      expect(rep?.person.dateOfDeath).toBeNull();
      expect(REFERENCE_YEAR - rep!.person.birthYear).toBeGreaterThanOrEqual(22);
      expect(rep!.plan.provinceCode).toBe(enterprise.province.code);
      expect(enterprise.establishedDate.slice(0, 4) >= String(rep!.person.birthYear + 18)).toBe(true);
    }
  });

  it('finds branches by their NNNNNNNNNN-NNN code and only those that exist', () => {
    let checked = 0;
    for (let k = 0; k < 400 && checked < 10; k++) {
      const parent = business.sampleAt(k);
      if (!parent || parent.branchCount === 0) continue;
      checked++;
      const branch = business.find(`${parent.taxCode}-001`);
      expect(branch).toMatchObject({ parentTaxCode: parent.taxCode, type: 'CHI_NHANH', taxCode: `${parent.taxCode}-001` });
      expect(business.find(`${parent.taxCode}-${String(parent.branchCount + 1).padStart(3, '0')}`)).toBeNull();
      expect(business.find(`${parent.taxCode}-000`)).toBeNull();
    }
    expect(checked).toBe(10);
  });

  it('finds enterprises registered in a province', () => {
    for (let key = 0; key < 30; key++) expect(business.enterpriseIn('79', key)?.province.code).toBe('79');
  });
});
