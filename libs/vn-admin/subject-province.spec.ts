import { describe, expect, it } from '@jest/globals';
import { provinceOfSubject } from './subject-province.js';
import { VnAdminDirectory } from './vn-admin-directory.js';

describe('provinceOfSubject with the official directory', () => {
  const directory = VnAdminDirectory.load({ env: {} });

  it('maps a personal id to the current province that absorbed its birth-registration province', () => {
    expect(directory.source).toBe('official');
    expect(provinceOfSubject(directory, 'cccd', '001090123456')).toBe('01'); // Hà Nội
    expect(provinceOfSubject(directory, 'cccd', '079301000001')).toBe('79'); // Hồ Chí Minh
    expect(provinceOfSubject(directory, 'cccd', '074085999999')).toBe('79'); // Bình Dương, merged into Hồ Chí Minh
    expect(provinceOfSubject(directory, 'cccd', '077185000000')).toBe('79'); // Bà Rịa - Vũng Tàu, likewise
    expect(provinceOfSubject(directory, 'cccd', '093200000001')).toBe('92'); // Hậu Giang, merged into Cần Thơ
  });

  it('agrees with the directory for every one of the 63 birth-registration codes', () => {
    for (const code of directory.cccdProvinceCodes()) {
      const expected = directory.currentProvinceOfCccd(code)!.code;
      expect({ code, province: provinceOfSubject(directory, 'cccd', `${code}190000042`) }).toEqual({ code, province: expected });
    }
  });

  it("maps a parcel id to its commune's province, for every commune", () => {
    expect(provinceOfSubject(directory, 'parcel-id', '00004-12-345')).toBe('01'); // Phường Ba Đình
    for (const commune of directory.communes()) {
      expect(provinceOfSubject(directory, 'parcel-id', `${commune.code}-1-1`)).toBe(commune.provinceCode);
    }
  });

  it('answers null for formats that reveal no place, unknown codes and ids of the wrong shape', () => {
    expect(provinceOfSubject(directory, 'tax-code', '0100233488')).toBeNull();
    expect(provinceOfSubject(directory, 'tax-code', '0100233488-001')).toBeNull();
    expect(provinceOfSubject(directory, 'license-plate', '001090123456')).toBeNull();
    expect(provinceOfSubject(directory, 'cccd', '000090123456')).toBeNull(); // no such birth-registration code
    expect(provinceOfSubject(directory, 'cccd', '003090123456')).toBeNull(); // a gap in the official list
    expect(provinceOfSubject(directory, 'cccd', '00109012345')).toBeNull(); // 11 digits
    expect(provinceOfSubject(directory, 'cccd', '0010901234567')).toBeNull(); // 13 digits
    expect(provinceOfSubject(directory, 'cccd', '00109012345x')).toBeNull();
    expect(provinceOfSubject(directory, 'cccd', '')).toBeNull();
    expect(provinceOfSubject(directory, 'parcel-id', '99999-1-1')).toBeNull(); // no such commune
    expect(provinceOfSubject(directory, 'parcel-id', '00004')).toBeNull();
    expect(provinceOfSubject(directory, 'parcel-id', '00004-')).toBeNull();
    expect(provinceOfSubject(directory, 'parcel-id', '0004-12-345')).toBeNull();
    expect(provinceOfSubject(directory, 'parcel-id', '00004_12-345')).toBeNull();
  });
});

describe('provinceOfSubject with the generated stand-in', () => {
  const directory = VnAdminDirectory.generated();

  it('follows whatever mapping the directory holds', () => {
    expect(provinceOfSubject(directory, 'cccd', '001090123456')).toBe(directory.currentProvinceOfCccd('001')!.code);
    expect(provinceOfSubject(directory, 'parcel-id', '00101-3-7')).toBe('01');
    expect(provinceOfSubject(directory, 'parcel-id', '03405-3-7')).toBe('34');
    expect(provinceOfSubject(directory, 'parcel-id', '00004-3-7')).toBeNull();
  });
});
