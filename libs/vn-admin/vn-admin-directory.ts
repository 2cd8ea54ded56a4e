/**
 * The official list of Viet Nam's provinces and communes (from 1 July 2025) and the CCCD
 * birth-province codes, read from the CSV files the project ships in `libs/vn-admin/data/` (licence
 * and source note beside them). MOTLAN_VN_ADMIN_DIR points at another copy; a generated stand-in is
 * built only on request (tests) or, with a warning, when a configured directory lacks the files.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsvRecords } from './csv-parser.js';
import { PROVINCE_MERGER_2025 } from './province-merger-2025.data.js';
import type { CccdProvince, Commune, CommuneType, Province, ProvinceType, VnAdminLogger, VnAdminSource } from './vn-admin.model.js';

/** Environment variable naming the directory that holds the CSV files. */
export const VN_ADMIN_DIR_ENV = 'MOTLAN_VN_ADMIN_DIR';
/** Where the bundled data lives relative to the project root (source and `dist/` builds alike). */
const RELATIVE_DATA_DIR = path.join('libs', 'vn-admin', 'data');

export const VN_ADMIN_FILES = {
  provinces: 'provinces_2025.csv',
  communes: 'communes_2025.csv',
  cccdProvinces: 'cccd_birth_province_codes_63.csv',
} as const;

const PROVINCE_TYPES: readonly ProvinceType[] = ['tinh', 'thanh_pho'];
const COMMUNE_TYPES: readonly CommuneType[] = ['xa', 'phuong', 'dac_khu'];

export interface VnAdminLoadOptions {
  /** Directory holding the CSV files; overrides the environment variable and the search. */
  dir?: string;
  /** Receives the warning when the generated stand-in is used. Defaults to process.emitWarning. */
  logger?: VnAdminLogger;
  /** Environment to read MOTLAN_VN_ADMIN_DIR from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

/** Read-only directory of administrative units. Build it with {@link VnAdminDirectory.load}. */
export class VnAdminDirectory {
  private readonly provinceByCode: ReadonlyMap<string, Province>;
  private readonly communeByCode: ReadonlyMap<string, Commune>;
  private readonly communesByProvince: ReadonlyMap<string, readonly Commune[]>;
  private readonly cccdByCode: ReadonlyMap<string, CccdProvince>;
  private readonly currentByCccd: ReadonlyMap<string, Province>;
  private readonly cccdByCurrent: ReadonlyMap<string, readonly CccdProvince[]>;

  private constructor(
    /** 'official' when read from the reference files, 'generated' for the stand-in. */
    readonly source: VnAdminSource,
    /** Directory the data was read from; null for generated data. */
    readonly dir: string | null,
    private readonly provinceList: readonly Province[],
    private readonly communeList: readonly Commune[],
    private readonly cccdList: readonly CccdProvince[],
  ) {
    this.provinceByCode = new Map(provinceList.map((p) => [p.code, p]));
    this.communeByCode = new Map(communeList.map((c) => [c.code, c]));
    const byProvince = new Map<string, Commune[]>(provinceList.map((p) => [p.code, []]));
    for (const commune of communeList) {
      const list = byProvince.get(commune.provinceCode);
      if (!list) throw new Error(`commune ${commune.code} names unknown province ${commune.provinceCode}`);
      list.push(commune);
    }
    this.communesByProvince = byProvince;
    this.cccdByCode = new Map(cccdList.map((c) => [c.code, c]));
    const current = new Map<string, Province>();
    const inverse = new Map<string, CccdProvince[]>(provinceList.map((p) => [p.code, []]));
    cccdList.forEach((cccd, index) => {
      // The merger table only speaks of real codes; the generated stand-in spreads round-robin.
      const mapped = source === 'official' ? this.provinceByCode.get(PROVINCE_MERGER_2025[cccd.code.slice(1)] ?? '') : undefined;
      const province = mapped ?? provinceList[index % provinceList.length];
      current.set(cccd.code, province);
      inverse.get(province.code)?.push(cccd);
    });
    this.currentByCccd = current;
    this.cccdByCurrent = inverse;
  }

  /**
   * Reads the reference files: `options.dir`, else MOTLAN_VN_ADMIN_DIR, else the copy bundled in
   * `libs/vn-admin/data` (found from this module, whether run from source or from `dist/`). When a
   * configured directory lacks the files, returns the generated stand-in and logs a warning.
   * @throws when the files are found but malformed: silently replacing real data would mislead.
   */
  static load(options: VnAdminLoadOptions = {}): VnAdminDirectory {
    const env = options.env ?? process.env;
    const explicit = options.dir ?? (env[VN_ADMIN_DIR_ENV] || undefined);
    const dir = explicit !== undefined ? (hasDataFiles(explicit) ? explicit : null) : findVnAdminDir();
    if (dir !== null) return VnAdminDirectory.fromCsvDirectory(dir);
    const detail = {
      searched: explicit ?? `${RELATIVE_DATA_DIR} above ${moduleDir()}`,
    };
    const message = 'vn-admin reference data not found; using generated provinces and communes';
    if (options.logger) options.logger.warn(detail, message);
    else process.emitWarning(`${message} (searched ${detail.searched})`, 'MotlanVnAdminWarning');
    return VnAdminDirectory.generated();
  }

  /** Reads the three CSV files in `dir`. @throws when a file is missing or a row is invalid. */
  static fromCsvDirectory(dir: string): VnAdminDirectory {
    const read = (file: string, columns: readonly string[]): Record<string, string>[] => parseCsvRecords(readFileSync(path.join(dir, file), 'utf8'), columns);

    const provinces = read(VN_ADMIN_FILES.provinces, ['code', 'name_vi', 'name_ascii', 'type', 'commune_count']).map((row): Province => ({
      code: expectCode(row.code, 2, 'province code'),
      name: row.name_vi,
      asciiName: row.name_ascii,
      type: expectOneOf(row.type, PROVINCE_TYPES, 'province type'),
      communeCount: expectCount(row.commune_count),
    }));
    const communes = read(VN_ADMIN_FILES.communes, ['code', 'name_vi', 'name_ascii', 'type', 'province_code']).map((row): Commune => ({
      code: expectCode(row.code, 5, 'commune code'),
      name: row.name_vi,
      asciiName: row.name_ascii,
      type: expectOneOf(row.type, COMMUNE_TYPES, 'commune type'),
      provinceCode: expectCode(row.province_code, 2, 'commune province code'),
    }));
    const cccd = read(VN_ADMIN_FILES.cccdProvinces, ['code', 'old_province_vi', 'old_province_ascii']).map((row): CccdProvince => ({
      code: expectCode(row.code, 3, 'CCCD province code'),
      oldName: row.old_province_vi,
      oldAsciiName: row.old_province_ascii,
    }));
    return new VnAdminDirectory('official', dir, provinces, communes, cccd);
  }

  /**
   * A stand-in with the right shape: 34 provinces "Tỉnh 01"…"Tỉnh 34" with five communes each and
   * 63 CCCD codes "001"…"063". Names are obviously not real so nobody mistakes them for data.
   */
  static generated(): VnAdminDirectory {
    const provinces: Province[] = [];
    const communes: Commune[] = [];
    const communeTypes: readonly CommuneType[] = ['phuong', 'xa', 'xa', 'xa', 'phuong'];
    for (let p = 1; p <= 34; p++) {
      const code = pad(p, 2);
      provinces.push({ code, name: `Tỉnh ${code}`, asciiName: `Tinh ${code}`, type: 'tinh', communeCount: 5 });
      communeTypes.forEach((type, k) => {
        const communeCode = pad(p * 100 + k + 1, 5);
        const prefix = type === 'phuong' ? 'Phường' : 'Xã';
        communes.push({
          code: communeCode,
          name: `${prefix} ${communeCode}`,
          asciiName: `${prefix === 'Xã' ? 'Xa' : 'Phuong'} ${communeCode}`,
          type,
          provinceCode: code,
        });
      });
    }
    const cccd: CccdProvince[] = [];
    for (let c = 1; c <= 63; c++) {
      const code = pad(c, 3);
      cccd.push({ code, oldName: `Tỉnh cũ ${code}`, oldAsciiName: `Tinh cu ${code}` });
    }
    return new VnAdminDirectory('generated', null, provinces, communes, cccd);
  }

  /** The 34 provinces, in code order of the source. */
  provinces(): readonly Province[] {
    return this.provinceList;
  }

  /** All communes, in code order of the source. */
  communes(): readonly Commune[] {
    return this.communeList;
  }

  /** Communes of one province; empty for an unknown code. */
  communesOf(provinceCode: string): readonly Commune[] {
    return this.communesByProvince.get(provinceCode) ?? [];
  }

  province(code: string): Province | undefined {
    return this.provinceByCode.get(code);
  }

  commune(code: string): Commune | undefined {
    return this.communeByCode.get(code);
  }

  /** The 63 CCCD birth-registration provinces. */
  cccdProvinces(): readonly CccdProvince[] {
    return this.cccdList;
  }

  /** The 63 three-digit codes that may start a personal id. */
  cccdProvinceCodes(): readonly string[] {
    return this.cccdList.map((c) => c.code);
  }

  cccdProvince(code: string): CccdProvince | undefined {
    return this.cccdByCode.get(code);
  }

  /** The current province that absorbed a former (CCCD) province in the 2025 merger. */
  currentProvinceOfCccd(cccdCode: string): Province | undefined {
    return this.currentByCccd.get(cccdCode);
  }

  /** The former (CCCD) provinces that make up a current province; empty for an unknown code. */
  cccdProvincesOf(provinceCode: string): readonly CccdProvince[] {
    return this.cccdByCurrent.get(provinceCode) ?? [];
  }
}

/**
 * The bundled `libs/vn-admin/data` holding the CSV files: the first found walking up from
 * `startDirs` (default: this module's directory, so `dist/libs/vn-admin` finds the project's copy), or null.
 */
export function findVnAdminDir(startDirs: readonly string[] = [moduleDir()]): string | null {
  for (const start of startDirs) {
    let dir = path.resolve(start);
    for (;;) {
      const candidate = path.join(dir, RELATIVE_DATA_DIR);
      if (hasDataFiles(candidate)) return candidate;
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return null;
}

function hasDataFiles(dir: string): boolean {
  try {
    return statSync(dir).isDirectory() && Object.values(VN_ADMIN_FILES).every((f) => existsSync(path.join(dir, f)));
  } catch {
    return false;
  }
}

function moduleDir(): string {
  return path.dirname(fileURLToPath(import.meta.url));
}

function expectCode(value: string, digits: number, what: string): string {
  if (!new RegExp(`^\\d{${digits}}$`).test(value)) throw new Error(`${what} "${value}" is not ${digits} digits`);
  return value;
}

function expectOneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new Error(`${what} "${value}" is not one of ${allowed.join(', ')}`);
  return found;
}

function expectCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`commune count "${value}" is not a count`);
  return n;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
