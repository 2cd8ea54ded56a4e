import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findVnAdminDir, VnAdminDirectory } from './vn-admin-directory.js';

describe('VnAdminDirectory with the official files', () => {
  const dir = findVnAdminDir();
  const directory = VnAdminDirectory.load({ env: {} });

  it('reads the copy bundled in the project, never a folder above the checkout', () => {
    expect(dir).toBe(path.join(path.dirname(fileURLToPath(import.meta.url)), 'data'));
    expect(directory.source).toBe('official');
    expect(directory.dir).toBe(dir);
  });

  it('reads 34 provinces, 3,321 communes and 63 CCCD codes', () => {
    expect(directory.provinces()).toHaveLength(34);
    expect(directory.communes()).toHaveLength(3321);
    expect(directory.cccdProvinceCodes()).toHaveLength(63);
    expect(directory.province('01')).toEqual({
      code: '01',
      name: 'Thành phố Hà Nội',
      asciiName: 'Thanh pho Ha Noi',
      type: 'thanh_pho',
      communeCount: 126,
    });
    expect(directory.commune('00004')).toEqual({
      code: '00004',
      name: 'Phường Ba Đình',
      asciiName: 'Phuong Ba Dinh',
      type: 'phuong',
      provinceCode: '01',
    });
    expect(directory.cccdProvince('077')?.oldName).toBe('Bà Rịa - Vũng Tàu');
  });

  it('groups communes by province consistently with the declared counts', () => {
    for (const province of directory.provinces()) {
      expect(directory.communesOf(province.code)).toHaveLength(province.communeCount);
    }
    const types = new Map<string, number>();
    for (const c of directory.communes()) types.set(c.type, (types.get(c.type) ?? 0) + 1);
    expect(Object.fromEntries(types)).toEqual({ phuong: 687, xa: 2621, dac_khu: 13 });
    expect(directory.communesOf('99')).toEqual([]);
  });

  it('maps every former province to the current one that absorbed it', () => {
    expect(directory.currentProvinceOfCccd('001')?.code).toBe('01');
    expect(directory.currentProvinceOfCccd('036')?.name).toBe('Tỉnh Ninh Bình'); // Nam Định
    expect(directory.currentProvinceOfCccd('074')?.code).toBe('79'); // Bình Dương
    expect(directory.cccdProvincesOf('92').map((c) => c.code)).toEqual(['092', '093', '094']);
    const covered = new Set(directory.cccdProvinceCodes().map((c) => directory.currentProvinceOfCccd(c)?.code));
    expect(covered.size).toBe(34);
  });
});

describe('VnAdminDirectory fallback', () => {
  let empty: string;
  beforeAll(() => (empty = mkdtempSync(path.join(tmpdir(), 'vn-admin-'))));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('generates a stand-in and warns when the files are missing', () => {
    const warnings: string[] = [];
    const directory = VnAdminDirectory.load({ env: { MOTLAN_VN_ADMIN_DIR: empty }, logger: { warn: (_o, m) => warnings.push(m) } });
    expect(directory.source).toBe('generated');
    expect(warnings).toHaveLength(1);
    expect(directory.provinces()).toHaveLength(34);
    expect(directory.province('01')?.name).toBe('Tỉnh 01');
    expect(directory.cccdProvinceCodes()).toHaveLength(63);
    for (const province of directory.provinces()) {
      const communes = directory.communesOf(province.code);
      expect(communes.length).toBeGreaterThan(0);
      for (const c of communes) expect(c.code).toMatch(/^\d{5}$/);
      expect(directory.cccdProvincesOf(province.code).length).toBeGreaterThan(0);
    }
  });

  it('honours the environment variable when it points at the real files', () => {
    const real = findVnAdminDir();
    expect(VnAdminDirectory.load({ env: { MOTLAN_VN_ADMIN_DIR: real ?? '' } }).source).toBe('official');
  });
});
