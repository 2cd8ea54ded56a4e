/** The business registry: one `enterprise` record per tax code; a branch code finds the branch. */
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import { hashString, type SeededRandom } from '../world/seeded-random.js';
import type { PlannedEnterprise, SyntheticBusiness } from '../world/synthetic-business.js';
import type { SyntheticPopulation } from '../world/synthetic-population.js';
import { baseAsOf, field, TAX_CODE_KEY, type DatasetSpec, type DerivedRecord, type SampleQuery, type SimDataset, type SimRegistry } from './sim-dataset.js';

export class EnterpriseDataset implements SimDataset {
  readonly spec: DatasetSpec = {
    name: 'enterprise',
    description: 'Registration of an enterprise (head office) or of one of its branches.',
    subjectKey: TAX_CODE_KEY,
    maxAgeSeconds: 21600,
    sensitivity: 'SENSITIVITY_NORMAL',
    fields: [
      field('taxCode', 'FIELD_TYPE_STRING', 'Tax code (enterprise code); NNNNNNNNNN-NNN for a branch.'),
      field('name', 'FIELD_TYPE_STRING', 'Registered name.'),
      field('type', 'FIELD_TYPE_STRING', 'TNHH_MTV, TNHH_2TV, CO_PHAN, DNTN, HOP_DANH, or CHI_NHANH for a branch.'),
      field('registeredAddress', 'FIELD_TYPE_OBJECT', 'Head office (or branch) address: communeCode, communeName, provinceCode, provinceName, line.'),
      field('legalRepresentative', 'FIELD_TYPE_OBJECT', 'Legal representative (head of branch): personId, fullName.', true),
      field('establishedDate', 'FIELD_TYPE_DATE', 'Date of first registration.'),
      field('status', 'FIELD_TYPE_STRING', 'DANG_HOAT_DONG, TAM_NGUNG_KINH_DOANH, NGUNG_HOAT_DONG or DA_GIAI_THE.'),
      field('branches', 'FIELD_TYPE_LIST', 'Tax codes of the branches (empty for a branch).'),
      field('parentTaxCode', 'FIELD_TYPE_STRING', 'Tax code of the head office for a branch, otherwise null.'),
    ],
  };

  constructor(
    private readonly business: SyntheticBusiness,
    private readonly population: SyntheticPopulation,
  ) {}

  derive(subjectId: string): DerivedRecord | null {
    const enterprise = this.business.find(subjectId);
    if (!enterprise) return null;
    return { recordKey: subjectId, record: this.record(enterprise), subjectIds: [subjectId], baseAsOf: baseAsOf(hashString(`enterprise:${subjectId}`)) };
  }

  private record(enterprise: PlannedEnterprise): JsonObject {
    const branches: string[] = [];
    if (enterprise.parentTaxCode === null) {
      for (let n = 1; n <= enterprise.branchCount; n++) branches.push(`${enterprise.taxCode}-${String(n).padStart(3, '0')}`);
    }
    return {
      taxCode: enterprise.taxCode,
      name: enterprise.name,
      type: enterprise.type,
      registeredAddress: this.population.address(enterprise.address),
      legalRepresentative: { personId: enterprise.legalRepresentative.id, fullName: enterprise.legalRepresentative.person.fullName },
      establishedDate: enterprise.establishedDate,
      status: enterprise.status,
      branches,
      parentTaxCode: enterprise.parentTaxCode,
    };
  }

  /** The office moves within its province. */
  change(current: JsonObject, rng: SeededRandom): JsonObject {
    const address = current.registeredAddress as { provinceCode?: string } | null;
    const provinceCode = address?.provinceCode ?? this.population.directory.provinces()[0].code;
    return { registeredAddress: this.population.address(this.business.relocate(rng, provinceCode)) };
  }

  sampleAt(k: number, query: SampleQuery): string | null {
    return this.business.sampleAt(k, query.province)?.taxCode ?? null;
  }
}

export class BusinessRegistry implements SimRegistry {
  readonly name = 'business';
  readonly datasets: readonly SimDataset[];

  constructor(business: SyntheticBusiness, population: SyntheticPopulation) {
    this.datasets = [new EnterpriseDataset(business, population)];
  }
}
