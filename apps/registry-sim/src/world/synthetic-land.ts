/**
 * Synthetic land parcels, identified like the cadastre does: commune, map sheet (tờ bản đồ) and
 * parcel number (thửa). Each real commune has a deterministic number of sheets and of parcels per
 * sheet, and a deterministic subset of those numbers exists (some were merged or never surveyed).
 * Owners are existing persons (often a married couple) or enterprises of the same province.
 */
import type { Commune, CommuneType } from '@motlan/vn-admin/vn-admin.model.js';
import { pad2, REFERENCE_YEAR } from './family-planner.js';
import { hashInts, SeededRandom, type Weighted } from './seeded-random.js';
import type { SyntheticBusiness } from './synthetic-business.js';
import type { SyntheticPopulation } from './synthetic-population.js';

const TAG_SHEETS = 0x1a0;
const TAG_PARCELS = 0x1a1;
const TAG_EXISTS = 0x1a2;
const TAG_PARCEL = 0x1a3;
const TAG_SAMPLE = 0x1a4;

/** Land-use codes of the cadastre (Thông tư 08/2024/TT-BTNMT) with typical plot sizes in m². */
export const LAND_USES: Readonly<Record<string, { name: string; area: readonly [number, number]; permanent: boolean }>> = {
  ODT: { name: 'Đất ở tại đô thị', area: [40, 300], permanent: true },
  ONT: { name: 'Đất ở tại nông thôn', area: [100, 800], permanent: true },
  LUC: { name: 'Đất chuyên trồng lúa', area: [300, 5000], permanent: false },
  BHK: { name: 'Đất trồng cây hằng năm khác', area: [200, 3000], permanent: false },
  CLN: { name: 'Đất trồng cây lâu năm', area: [500, 10000], permanent: false },
  RSX: { name: 'Đất rừng sản xuất', area: [2000, 50000], permanent: false },
  NTS: { name: 'Đất nuôi trồng thủy sản', area: [500, 10000], permanent: false },
  TMD: { name: 'Đất thương mại, dịch vụ', area: [100, 5000], permanent: false },
  SKC: { name: 'Đất cơ sở sản xuất phi nông nghiệp', area: [500, 20000], permanent: false },
};

const LAND_USE_MIX: Readonly<Record<CommuneType, Weighted<string>>> = {
  phuong: [
    ['ODT', 55],
    ['CLN', 10],
    ['TMD', 15],
    ['SKC', 8],
    ['BHK', 7],
    ['NTS', 5],
  ],
  xa: [
    ['ONT', 30],
    ['LUC', 28],
    ['CLN', 18],
    ['BHK', 10],
    ['RSX', 7],
    ['NTS', 5],
    ['TMD', 1],
    ['SKC', 1],
  ],
  dac_khu: [
    ['ONT', 40],
    ['TMD', 20],
    ['CLN', 15],
    ['NTS', 15],
    ['RSX', 10],
  ],
};

const CERTIFICATE_SERIES = [
  'AA',
  'AB',
  'BA',
  'BB',
  'BC',
  'BD',
  'BE',
  'BH',
  'BK',
  'BL',
  'BM',
  'BN',
  'BP',
  'BQ',
  'BS',
  'BT',
  'CA',
  'CB',
  'CC',
  'CD',
  'CE',
  'CH',
  'CK',
  'CL',
  'CS',
  'CT',
  'DA',
  'DB',
  'DC',
  'DD',
];

export interface ParcelOwner {
  kind: 'person' | 'enterprise';
  id: string;
  name: string;
}

export interface PlannedParcel {
  parcelId: string;
  commune: Commune;
  mapSheet: number;
  parcelNumber: number;
  areaM2: number;
  landUse: string;
  owners: readonly ParcelOwner[];
  certificateNumber: string;
  issuedDate: string;
  useTerm: string;
}

export class SyntheticLand {
  constructor(
    private readonly seed: number,
    private readonly population: SyntheticPopulation,
    private readonly business: SyntheticBusiness,
  ) {}

  sheetCount(communeCode: string): number {
    return 10 + (hashInts(this.seed, TAG_SHEETS, Number(communeCode)) % 71);
  }

  parcelCount(communeCode: string, sheet: number): number {
    return 30 + (hashInts(this.seed, TAG_PARCELS, Number(communeCode), sheet) % 371);
  }

  /** Whether the parcel exists; ids with leading zeros in sheet or parcel number are not canonical and do not. */
  exists(communeCode: string, sheet: number, parcel: number): boolean {
    return (
      this.population.directory.commune(communeCode) !== undefined &&
      Number.isInteger(sheet) &&
      Number.isInteger(parcel) &&
      sheet >= 1 &&
      sheet <= this.sheetCount(communeCode) &&
      parcel >= 1 &&
      parcel <= this.parcelCount(communeCode, sheet) &&
      hashInts(this.seed, TAG_EXISTS, Number(communeCode), sheet, parcel) % 100 >= 12
    );
  }

  /** The parcel with this id (already matching the pattern), or null when none. */
  find(parcelId: string): PlannedParcel | null {
    const [communeCode, sheetText, parcelText] = parcelId.split('-');
    const sheet = Number(sheetText);
    const parcel = Number(parcelText);
    if (String(sheet) !== sheetText || String(parcel) !== parcelText) return null;
    return this.exists(communeCode, sheet, parcel) ? this.parcel(communeCode, sheet, parcel) : null;
  }

  /** An existing parcel for sample `k`, optionally in a current province; null when candidate k is a gap. */
  sampleAt(k: number, provinceCode?: string): PlannedParcel | null {
    const directory = this.population.directory;
    const communes = provinceCode === undefined ? directory.communes() : directory.communesOf(provinceCode);
    if (communes.length === 0) return null;
    const rng = new SeededRandom(this.seed, TAG_SAMPLE, k);
    const commune = rng.pick(communes);
    const sheet = rng.int(1, this.sheetCount(commune.code));
    const parcel = rng.int(1, this.parcelCount(commune.code, sheet));
    return this.exists(commune.code, sheet, parcel) ? this.parcel(commune.code, sheet, parcel) : null;
  }

  /** A re-issued certificate (cấp đổi), as happens after re-measurement or a change of holder details. */
  reissue(rng: SeededRandom, now: Date): { certificateNumber: string; issuedDate: string } {
    return { certificateNumber: certificateNumber(rng), issuedDate: now.toISOString().slice(0, 10) };
  }

  private parcel(communeCode: string, sheet: number, parcelNumber: number): PlannedParcel {
    const commune = this.population.directory.commune(communeCode) as Commune;
    const key = hashInts(this.seed, TAG_PARCEL, Number(communeCode), sheet, parcelNumber);
    const rng = new SeededRandom(key);
    const landUse = rng.weighted(LAND_USE_MIX[commune.type]);
    const use = LAND_USES[landUse];
    const [min, max] = use.area;
    const areaM2 = Math.round((min + rng.float() * (max - min)) * 10) / 10;

    let owners: ParcelOwner[] = [];
    let earliestIssue = 1995;
    if ((landUse === 'TMD' || landUse === 'SKC') && rng.chance(0.7)) {
      const enterprise = this.business.enterpriseIn(commune.provinceCode, key);
      if (enterprise) {
        owners = [{ kind: 'enterprise', id: enterprise.taxCode, name: enterprise.name }];
        earliestIssue = Number(enterprise.establishedDate.slice(0, 4));
      }
    }
    if (owners.length === 0) {
      const holder = this.population.livingAdultIn(commune.provinceCode, key, 20);
      owners = [{ kind: 'person', id: holder.id, name: holder.person.fullName }];
      earliestIssue = holder.person.birthYear + 20;
      // Land acquired during a marriage is held jointly and both spouses are named on the certificate.
      const spouse = this.population.relative(holder.plan, holder.person.spouseSlot);
      if (spouse && spouse.person.dateOfDeath === null && rng.chance(0.6)) {
        owners.push({ kind: 'person', id: spouse.id, name: spouse.person.fullName });
        earliestIssue = Math.max(earliestIssue, Number((holder.person.marriageDate ?? '1995').slice(0, 4)));
      }
    }
    const issueYear = rng.int(Math.min(Math.max(1995, earliestIssue), REFERENCE_YEAR - 1), REFERENCE_YEAR - 1);
    return {
      parcelId: `${communeCode}-${sheet}-${parcelNumber}`,
      commune,
      mapSheet: sheet,
      parcelNumber,
      areaM2,
      landUse,
      owners,
      certificateNumber: certificateNumber(rng),
      issuedDate: `${issueYear}-${pad2(rng.int(1, 12))}-${pad2(rng.int(1, 28))}`,
      useTerm: use.permanent ? 'Lâu dài' : `Đến ngày ${issueYear + 50}-12-31`,
    };
  }
}

function certificateNumber(rng: SeededRandom): string {
  return `${rng.pick(CERTIFICATE_SERIES)} ${String(rng.int(0, 999_999)).padStart(6, '0')}`;
}
