import { describe, expect, it } from '@jest/globals';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { resolveIndicatorScope } from './indicator-scope.js';

const directory = VnAdminDirectory.load();
const [hcmA, hcmB] = directory.communesOf('79');
const hanoi = directory.communesOf('01')[0];

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code: string }).code;
  }
  return 'no error';
};

describe('resolveIndicatorScope', () => {
  it('lets a national token read any scope the query names', () => {
    expect(resolveIndicatorScope({}, {}, directory)).toEqual({ level: 'national' });
    expect(resolveIndicatorScope({ province: '79' }, {}, directory)).toEqual({ level: 'province', provinceCode: '79' });
    expect(resolveIndicatorScope({ commune: hcmA.code }, {}, directory)).toEqual({ level: 'commune', provinceCode: '79', communeCode: hcmA.code });
  });

  it('narrows a province token to its province and refuses others', () => {
    expect(resolveIndicatorScope({}, { provinceCode: '79' }, directory)).toEqual({ level: 'province', provinceCode: '79' });
    expect(resolveIndicatorScope({ commune: hcmB.code }, { provinceCode: '79' }, directory)).toMatchObject({ level: 'commune', communeCode: hcmB.code });
    expect(code(() => resolveIndicatorScope({ province: '01' }, { provinceCode: '79' }, directory))).toBe('scope_province_mismatch');
    expect(code(() => resolveIndicatorScope({ commune: hanoi.code }, { provinceCode: '79' }, directory))).toBe('scope_province_mismatch');
    // A code that does not exist is refused as out of scope, not looked up: it tells nothing of other provinces.
    expect(code(() => resolveIndicatorScope({ province: '99' }, { provinceCode: '79' }, directory))).toBe('scope_province_mismatch');
  });

  it('narrows a commune token to its commune and refuses others', () => {
    expect(resolveIndicatorScope({ province: '79' }, { communeCode: hcmA.code }, directory)).toEqual({
      level: 'commune',
      provinceCode: '79',
      communeCode: hcmA.code,
    });
    expect(code(() => resolveIndicatorScope({ commune: hcmB.code }, { communeCode: hcmA.code }, directory))).toBe('scope_commune_mismatch');
    expect(code(() => resolveIndicatorScope({ province: '01' }, { communeCode: hcmA.code }, directory))).toBe('scope_province_mismatch');
    expect(code(() => resolveIndicatorScope({}, { communeCode: hcmA.code, provinceCode: '01' }, directory))).toBe('scope_province_mismatch');
  });

  it('answers unknown codes and inconsistent queries with 404 and 400 problems', () => {
    expect(code(() => resolveIndicatorScope({ province: '99' }, {}, directory))).toBe('unknown_province');
    expect(code(() => resolveIndicatorScope({ commune: '99999' }, {}, directory))).toBe('unknown_commune');
    expect(code(() => resolveIndicatorScope({ province: '01', commune: hcmA.code }, {}, directory))).toBe('validation_failed');
  });
});
