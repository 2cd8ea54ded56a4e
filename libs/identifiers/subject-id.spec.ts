import { cccdCenturyDigit, isValidTaxCode, parseCccd, subjectIdProblem, taxCodeCheckDigit } from './subject-id.js';

describe('subject ids', () => {
  it('parses the CCCD structure', () => {
    expect(parseCccd('001099012345')).toEqual({ birthProvinceCode: '001', sex: 'male', birthYear: 1999, serial: '012345' });
    expect(parseCccd('079305000001')).toMatchObject({ sex: 'female', birthYear: 2005 });
    expect(parseCccd('001699012345')).toBeNull();
    expect(parseCccd('00109901234')).toBeNull();
  });
  it('computes the century/sex digit', () => {
    expect(cccdCenturyDigit(1999, 'male')).toBe(0);
    expect(cccdCenturyDigit(2003, 'female')).toBe(3);
    expect(() => cccdCenturyDigit(1850, 'male')).toThrow(RangeError);
  });
  it('checks the tax code check digit with the published example', () => {
    expect(isValidTaxCode('0100233488')).toBe(true);
    expect(isValidTaxCode('0100233489')).toBe(false);
    expect(isValidTaxCode('0100233488-001')).toBe(true);
    expect(taxCodeCheckDigit('010023348')).toBe(8);
  });
  it('explains what is wrong with a subject id', () => {
    expect(subjectIdProblem('cccd', '', '123')).toMatch(/12 digits/);
    expect(subjectIdProblem('tax-code', '', '0100233489')).toMatch(/check digit/);
    expect(subjectIdProblem('parcel-id', '', '00004-12-345')).toBeNull();
    expect(subjectIdProblem('custom', '^[A-Z]{2}$', 'AB')).toBeNull();
    expect(subjectIdProblem('custom', '^[A-Z]{2}$', 'ABC')).toMatch(/must match/);
  });
});
