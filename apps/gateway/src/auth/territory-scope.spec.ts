import { describe, expect, it } from '@jest/globals';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { communeInScope, requireNationalScope, resolveTerritoryScope } from './territory-scope.js';

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

describe('resolveTerritoryScope', () => {
  it('lets a national token read any scope the query names', () => {
    expect(resolveTerritoryScope({}, {}, directory)).toEqual({ level: 'national' });
    expect(resolveTerritoryScope({ province: '79' }, {}, directory)).toEqual({ level: 'province', provinceCode: '79' });
    expect(resolveTerritoryScope({ commune: hcmA.code }, {}, directory)).toEqual({ level: 'commune', provinceCode: '79', communeCode: hcmA.code });
  });

  it('narrows a province token to its province and refuses others', () => {
    expect(resolveTerritoryScope({}, { provinceCode: '79' }, directory)).toEqual({ level: 'province', provinceCode: '79' });
    expect(resolveTerritoryScope({ commune: hcmB.code }, { provinceCode: '79' }, directory)).toMatchObject({ level: 'commune', communeCode: hcmB.code });
    expect(code(() => resolveTerritoryScope({ province: '01' }, { provinceCode: '79' }, directory))).toBe('scope_province_mismatch');
    expect(code(() => resolveTerritoryScope({ commune: hanoi.code }, { provinceCode: '79' }, directory))).toBe('scope_province_mismatch');
    // A code that does not exist is refused as out of scope, not looked up: it tells nothing of other provinces.
    expect(code(() => resolveTerritoryScope({ province: '99' }, { provinceCode: '79' }, directory))).toBe('scope_province_mismatch');
  });

  it('narrows a commune token to its commune and refuses others', () => {
    expect(resolveTerritoryScope({ province: '79' }, { communeCode: hcmA.code }, directory)).toEqual({
      level: 'commune',
      provinceCode: '79',
      communeCode: hcmA.code,
    });
    expect(code(() => resolveTerritoryScope({ commune: hcmB.code }, { communeCode: hcmA.code }, directory))).toBe('scope_commune_mismatch');
    expect(code(() => resolveTerritoryScope({ province: '01' }, { communeCode: hcmA.code }, directory))).toBe('scope_province_mismatch');
    expect(code(() => resolveTerritoryScope({}, { communeCode: hcmA.code, provinceCode: '01' }, directory))).toBe('scope_province_mismatch');
  });

  it('answers unknown codes and inconsistent queries with 404 and 400 problems', () => {
    expect(code(() => resolveTerritoryScope({ province: '99' }, {}, directory))).toBe('unknown_province');
    expect(code(() => resolveTerritoryScope({ commune: '99999' }, {}, directory))).toBe('unknown_commune');
    expect(code(() => resolveTerritoryScope({ province: '01', commune: hcmA.code }, {}, directory))).toBe('validation_failed');
  });
});

describe('requireNationalScope (what belongs to no province: consumer-group lag, dead-letter replays)', () => {
  it('lets a national token through and refuses a token bound to a province or a commune', () => {
    expect(code(() => requireNationalScope({}, 'consumer-group lag'))).toBe('no error');
    expect(code(() => requireNationalScope({ provinceCode: '79' }, 'consumer-group lag'))).toBe('scope_province_mismatch');
    expect(code(() => requireNationalScope({ communeCode: hcmA.code }, 'consumer-group lag'))).toBe('scope_commune_mismatch');
    expect(code(() => requireNationalScope({ communeCode: hcmA.code, provinceCode: '79' }, 'consumer-group lag'))).toBe('scope_commune_mismatch');
    expect(() => requireNationalScope({ provinceCode: '79' }, 'consumer-group lag')).toThrow(
      'consumer-group lag is national: this token reads province 79 only',
    );
  });
});

describe('communeInScope', () => {
  it("keeps every commune nationally, the province's in a province scope, the one commune in a commune scope", () => {
    expect(communeInScope({ level: 'national' }, hanoi)).toBe(true);
    expect(communeInScope({ level: 'province', provinceCode: '79' }, hcmB)).toBe(true);
    expect(communeInScope({ level: 'province', provinceCode: '79' }, hanoi)).toBe(false);
    expect(communeInScope({ level: 'commune', provinceCode: '79', communeCode: hcmA.code }, hcmA)).toBe(true);
    expect(communeInScope({ level: 'commune', provinceCode: '79', communeCode: hcmA.code }, hcmB)).toBe(false);
  });
});
