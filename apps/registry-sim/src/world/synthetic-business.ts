/**
 * Synthetic enterprises. Enterprise index ⇄ tax code is an affine permutation of the 8 digits after
 * a leading 0 (as in 0100233488), followed by the real check digit. Bases whose weighted sum is
 * divisible by 11 are never issued, so those indices simply have no enterprise. Legal representatives
 * are living adults of the synthetic population who live in the enterprise's province.
 */
import type { Province } from '@motlan/vn-admin/vn-admin.model.js';
import { taxCodeCheckDigit } from '@motlan/identifiers/subject-id.js';
import { addressLine, pad2, REFERENCE_YEAR, type PlannedAddress } from './family-planner.js';
import { hashInts, modInverse, mulMod, SeededRandom, type Weighted } from './seeded-random.js';
import type { ResolvedPerson, SyntheticPopulation } from './synthetic-population.js';

const SPACE = 100_000_000;
const TAG_TAX = 0x7a8;
const TAG_ENTERPRISE = 0x7a9;
const TAG_BRANCH = 0x7aa;

/** Enterprises cluster in the big cities; other provinces weigh 1. */
const PROVINCE_WEIGHTS: Readonly<Record<string, number>> = { '79': 8, '01': 6, '48': 2, '31': 2, '75': 2, '24': 2 };

export const ENTERPRISE_TYPES: Weighted<readonly [string, string]> = [
  [['TNHH_MTV', 'Công ty TNHH Một thành viên'], 40],
  [['TNHH_2TV', 'Công ty TNHH'], 20],
  [['CO_PHAN', 'Công ty Cổ phần'], 25],
  [['DNTN', 'Doanh nghiệp tư nhân'], 12],
  [['HOP_DANH', 'Công ty Hợp danh'], 3],
];
const SECTORS = [
  'Thương mại',
  'Dịch vụ',
  'Xây dựng',
  'Vận tải',
  'Thực phẩm',
  'Công nghệ',
  'Nông sản',
  'Du lịch',
  'Dược phẩm',
  'Cơ khí',
  'Thương mại và Dịch vụ',
  'Đầu tư',
  'Xuất nhập khẩu',
  'May mặc',
  'Thủy sản',
  'Môi trường',
];
const BRAND_WORDS = [
  'Minh',
  'Phát',
  'Hoàng',
  'Long',
  'An',
  'Khang',
  'Phú',
  'Thịnh',
  'Thành',
  'Công',
  'Việt',
  'Tiến',
  'Đại',
  'Dương',
  'Sao',
  'Mai',
  'Hưng',
  'Tân',
  'Bình',
  'Nam',
  'Trường',
  'Sơn',
  'Hải',
  'Thái',
  'Kim',
  'Ngọc',
  'Quang',
  'Gia',
];
const BRANCH_COUNTS: Weighted<number> = [
  [0, 70],
  [1, 15],
  [2, 8],
  [3, 5],
  [5, 2],
];
export const ENTERPRISE_STATUSES: Weighted<string> = [
  ['DANG_HOAT_DONG', 86],
  ['TAM_NGUNG_KINH_DOANH', 6],
  ['DA_GIAI_THE', 5],
  ['NGUNG_HOAT_DONG', 3],
];

export interface PlannedEnterprise {
  index: number;
  taxCode: string;
  /** null for the head office, the head office's tax code for a branch. */
  parentTaxCode: string | null;
  name: string;
  type: string;
  province: Province;
  address: PlannedAddress;
  legalRepresentative: ResolvedPerson;
  establishedDate: string;
  status: string;
  branchCount: number;
}

export class SyntheticBusiness {
  readonly enterpriseCount: number;
  private readonly a: number;
  private readonly b: number;
  private readonly inverse: number;
  private readonly table: readonly Province[];
  private readonly positionsByProvince: ReadonlyMap<string, readonly number[]>;

  constructor(
    private readonly seed: number,
    private readonly population: SyntheticPopulation,
    enterpriseCount = Math.max(1, Math.floor(population.personCount / 10)),
  ) {
    if (enterpriseCount > SPACE) throw new RangeError(`at most ${SPACE} enterprises`);
    this.enterpriseCount = enterpriseCount;
    // a < 9e7 keeps a * index below 2^53; odd and not a multiple of 5 makes it a unit modulo 10^8.
    let a = 2 * (hashInts(seed, TAG_TAX) % 45_000_000) + 1;
    if (a % 5 === 0) a += 2;
    this.a = a;
    this.b = hashInts(seed, TAG_TAX + 1) % SPACE;
    this.inverse = modInverse(a, SPACE);
    const table: Province[] = [];
    const positions = new Map<string, number[]>();
    for (const province of population.directory.provinces()) {
      for (let w = 0; w < (PROVINCE_WEIGHTS[province.code] ?? 1); w++) {
        positions.set(province.code, [...(positions.get(province.code) ?? []), table.length]);
        table.push(province);
      }
    }
    this.table = table;
    this.positionsByProvince = positions;
  }

  /** First 9 digits of the tax code of enterprise `index`: a leading 0 and 8 permuted digits. */
  taxBaseOf(index: number): string {
    return '0' + String((mulMod(this.a, index, SPACE) + this.b) % SPACE).padStart(8, '0');
  }

  /** Tax code of enterprise `index`, or null when that base would fail the check digit (never issued). */
  taxCodeOf(index: number): string | null {
    const base = this.taxBaseOf(index);
    const check = taxCodeCheckDigit(base);
    return check === null ? null : base + String(check);
  }

  /** Index of the enterprise with this 10-digit code (already checked), or null when none. */
  indexOf(taxCode10: string): number | null {
    if (taxCode10[0] !== '0') return null;
    const index = mulMod(this.inverse, (Number(taxCode10.slice(1, 9)) - this.b + SPACE) % SPACE, SPACE);
    return index < this.enterpriseCount ? index : null;
  }

  /** The head office or branch with this tax code, or null. */
  find(taxCode: string): PlannedEnterprise | null {
    const index = this.indexOf(taxCode.slice(0, 10));
    if (index === null || this.taxCodeOf(index) !== taxCode.slice(0, 10)) return null;
    const enterprise = this.enterprise(index);
    if (taxCode.length === 10) return enterprise;
    const branch = Number(taxCode.slice(11));
    return branch >= 1 && branch <= enterprise.branchCount ? this.branch(enterprise, branch) : null;
  }

  /** Enterprise `index` (its tax code must exist). */
  enterprise(index: number): PlannedEnterprise {
    const taxCode = this.taxCodeOf(index);
    if (taxCode === null) throw new RangeError(`enterprise ${index} does not exist`);
    const rng = new SeededRandom(this.seed, TAG_ENTERPRISE, index);
    const province = this.table[index % this.table.length];
    const [type, prefix] = rng.weighted(ENTERPRISE_TYPES);
    const brand = `${rng.pick(BRAND_WORDS)} ${rng.pick(BRAND_WORDS)}`;
    const representative = this.population.livingAdultIn(province.code, hashInts(this.seed, TAG_ENTERPRISE, index), 22);
    const status = rng.weighted(ENTERPRISE_STATUSES);
    const canBranch = type === 'CO_PHAN' || type.startsWith('TNHH');
    return {
      index,
      taxCode,
      parentTaxCode: null,
      name: `${prefix} ${rng.pick(SECTORS)} ${brand}`,
      type,
      province,
      address: this.address(rng, province.code),
      legalRepresentative: representative,
      establishedDate: this.dateFrom(rng, Math.max(1995, representative.person.birthYear + 22)),
      status,
      branchCount: canBranch ? rng.weighted(BRANCH_COUNTS) : 0,
    };
  }

  /** Branch `n` (1-based) of a head office: its own address and head, in the same or another province. */
  branch(parent: PlannedEnterprise, n: number): PlannedEnterprise {
    const rng = new SeededRandom(this.seed, TAG_BRANCH, parent.index, n);
    const province = rng.chance(0.5) ? parent.province : rng.pick(this.table);
    const head = this.population.livingAdultIn(province.code, hashInts(this.seed, TAG_BRANCH, parent.index, n), 22);
    const shortName = province.name.replace(/^(Tỉnh|Thành phố) /, '');
    return {
      ...parent,
      taxCode: `${parent.taxCode}-${String(n).padStart(3, '0')}`,
      parentTaxCode: parent.taxCode,
      name: `Chi nhánh ${shortName} - ${parent.name}`,
      type: 'CHI_NHANH',
      province,
      address: this.address(rng, province.code),
      legalRepresentative: head,
      establishedDate: this.dateFrom(rng, Math.max(Number(parent.establishedDate.slice(0, 4)), head.person.birthYear + 22)),
      status: parent.status === 'DANG_HOAT_DONG' ? rng.weighted(ENTERPRISE_STATUSES) : parent.status,
      branchCount: 0,
    };
  }

  /**
   * An existing enterprise registered in `provinceCode`, chosen by `key` (e.g. a parcel owner);
   * null if the province has none (tiny populations).
   */
  enterpriseIn(provinceCode: string, key: number): PlannedEnterprise | null {
    const positions = (this.positionsByProvince.get(provinceCode) ?? []).filter((p) => p < this.enterpriseCount);
    if (positions.length === 0) return null;
    const rounds = Math.ceil(this.enterpriseCount / this.table.length);
    for (let attempt = 0; attempt < 32; attempt++) {
      const h = hashInts(key, attempt);
      const index = (h % rounds) * this.table.length + positions[h % positions.length];
      if (index < this.enterpriseCount && this.taxCodeOf(index) !== null) return this.enterprise(index);
    }
    return null;
  }

  /** Enterprise for sample `k` (optionally registered in a province), or null for a gap. */
  sampleAt(k: number, provinceCode?: string): PlannedEnterprise | null {
    const key = hashInts(this.seed, TAG_ENTERPRISE + 1, k);
    if (provinceCode !== undefined) return this.enterpriseIn(provinceCode, key);
    const index = key % this.enterpriseCount;
    return this.taxCodeOf(index) === null ? null : this.enterprise(index);
  }

  /** A new head-office address in the same province (for run-time changes). */
  relocate(rng: SeededRandom, provinceCode: string): PlannedAddress {
    return this.address(rng, provinceCode);
  }

  private address(rng: SeededRandom, provinceCode: string): PlannedAddress {
    const commune = rng.pick(this.population.directory.communesOf(provinceCode));
    return { communeCode: commune.code, line: addressLine(rng, commune.type, Number(provinceCode) >= 75) };
  }

  private dateFrom(rng: SeededRandom, fromYear: number): string {
    const year = rng.int(Math.min(fromYear, REFERENCE_YEAR - 1), REFERENCE_YEAR - 1);
    return `${year}-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`;
  }
}
