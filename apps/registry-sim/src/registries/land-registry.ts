/** The land registry (cadastre): one `parcel` record per commune / map sheet / parcel number. */
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import { hashString, type SeededRandom } from '../world/seeded-random.js';
import { LAND_USES, type PlannedParcel, type SyntheticLand } from '../world/synthetic-land.js';
import type { SyntheticPopulation } from '../world/synthetic-population.js';
import { baseAsOf, field, PARCEL_ID_KEY, type DatasetSpec, type DerivedRecord, type SampleQuery, type SimDataset, type SimRegistry } from './sim-dataset.js';

export class ParcelDataset implements SimDataset {
  readonly spec: DatasetSpec = {
    name: 'parcel',
    description: 'A land parcel with its use, area, holders and land-use right certificate.',
    subjectKey: PARCEL_ID_KEY,
    maxAgeSeconds: 86400,
    sensitivity: 'SENSITIVITY_SENSITIVE',
    fields: [
      field('parcelId', 'FIELD_TYPE_STRING', 'Commune code, map sheet and parcel number.'),
      field('communeCode', 'FIELD_TYPE_STRING', 'Five-digit commune code.'),
      field('communeName', 'FIELD_TYPE_STRING', 'Commune name.'),
      field('provinceCode', 'FIELD_TYPE_STRING', 'Two-digit province code.'),
      field('provinceName', 'FIELD_TYPE_STRING', 'Province name.'),
      field('mapSheet', 'FIELD_TYPE_NUMBER', 'Map sheet number (số tờ bản đồ).'),
      field('parcelNumber', 'FIELD_TYPE_NUMBER', 'Parcel number on the sheet (số thửa).'),
      field('areaM2', 'FIELD_TYPE_NUMBER', 'Area in square metres.'),
      field('landUse', 'FIELD_TYPE_STRING', 'Land-use code: ODT, ONT, LUC, BHK, CLN, RSX, NTS, TMD, SKC.'),
      field('landUseName', 'FIELD_TYPE_STRING', 'Land-use name.'),
      field('useTerm', 'FIELD_TYPE_STRING', 'Term of use: "Lâu dài" or an end date.'),
      field('owners', 'FIELD_TYPE_LIST', 'Right holders: kind (person or enterprise), id (CCCD or tax code), name.', true),
      field('certificateNumber', 'FIELD_TYPE_STRING', 'Serial of the land-use right certificate.'),
      field('issuedDate', 'FIELD_TYPE_DATE', 'Date the certificate was issued.'),
    ],
  };

  constructor(
    private readonly land: SyntheticLand,
    private readonly population: SyntheticPopulation,
  ) {}

  derive(subjectId: string): DerivedRecord | null {
    const parcel = this.land.find(subjectId);
    if (!parcel) return null;
    return { recordKey: parcel.parcelId, record: this.record(parcel), subjectIds: [subjectId], baseAsOf: baseAsOf(hashString(`parcel:${subjectId}`)) };
  }

  private record(parcel: PlannedParcel): JsonObject {
    const province = this.population.directory.province(parcel.commune.provinceCode);
    return {
      parcelId: parcel.parcelId,
      communeCode: parcel.commune.code,
      communeName: parcel.commune.name,
      provinceCode: parcel.commune.provinceCode,
      provinceName: province?.name ?? '',
      mapSheet: parcel.mapSheet,
      parcelNumber: parcel.parcelNumber,
      areaM2: parcel.areaM2,
      landUse: parcel.landUse,
      landUseName: LAND_USES[parcel.landUse].name,
      useTerm: parcel.useTerm,
      owners: parcel.owners.map((o) => ({ kind: o.kind, id: o.id, name: o.name })),
      certificateNumber: parcel.certificateNumber,
      issuedDate: parcel.issuedDate,
    };
  }

  /** A re-issued certificate: new serial and issue date, same holders. */
  change(_current: JsonObject, rng: SeededRandom, now: Date): JsonObject {
    return this.land.reissue(rng, now);
  }

  sampleAt(k: number, query: SampleQuery): string | null {
    return this.land.sampleAt(k, query.province)?.parcelId ?? null;
  }
}

export class LandRegistry implements SimRegistry {
  readonly name = 'land';
  readonly datasets: readonly SimDataset[];

  constructor(land: SyntheticLand, population: SyntheticPopulation) {
    this.datasets = [new ParcelDataset(land, population)];
  }
}
