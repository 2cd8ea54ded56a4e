/** The national population database: one `person` record per personal id. */
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import type { SeededRandom } from '../world/seeded-random.js';
import { hashString } from '../world/seeded-random.js';
import { ADULT_OCCUPATIONS } from '../world/population.data.js';
import type { ResolvedPerson, SyntheticPopulation } from '../world/synthetic-population.js';
import { baseAsOf, CCCD_KEY, field, type DatasetSpec, type DerivedRecord, type SampleQuery, type SimDataset, type SimRegistry } from './sim-dataset.js';

export class PersonDataset implements SimDataset {
  readonly spec: DatasetSpec = {
    name: 'person',
    description: 'Identity and civil attributes of a person, as held by the national population database.',
    subjectKey: CCCD_KEY,
    maxAgeSeconds: 3600,
    sensitivity: 'SENSITIVITY_NORMAL',
    fields: [
      field('personId', 'FIELD_TYPE_STRING', 'Personal identification number (CCCD).', true),
      field('fullName', 'FIELD_TYPE_STRING', 'Full name, family name first.', true),
      field('dateOfBirth', 'FIELD_TYPE_DATE', 'Date of birth.', true),
      field('sex', 'FIELD_TYPE_STRING', '"male" or "female".'),
      field('nationality', 'FIELD_TYPE_STRING', 'ISO 3166-1 alpha-2 country code.'),
      field('ethnicity', 'FIELD_TYPE_STRING', 'Ethnic group (dân tộc).'),
      field('religion', 'FIELD_TYPE_STRING', 'Religion (tôn giáo); "Không" for none.'),
      field('birthProvinceCode', 'FIELD_TYPE_STRING', 'Three-digit CCCD code of the birth-registration province.'),
      field('hometown', 'FIELD_TYPE_STRING', 'Hometown (quê quán): commune and province.', true),
      field('permanentAddress', 'FIELD_TYPE_OBJECT', 'Permanent residence: communeCode, communeName, provinceCode, provinceName, line.', true),
      field('occupation', 'FIELD_TYPE_STRING', 'Occupation; null for young children.'),
      field('fatherId', 'FIELD_TYPE_STRING', 'Personal id of the father; null when not in the database.', true),
      field('motherId', 'FIELD_TYPE_STRING', 'Personal id of the mother; null when not in the database.', true),
      field('spouseId', 'FIELD_TYPE_STRING', 'Personal id of the current or late spouse; null if never married.', true),
      field('maritalStatus', 'FIELD_TYPE_STRING', 'DOC_THAN (single), DA_KET_HON (married) or GOA (widowed).'),
      field('alive', 'FIELD_TYPE_BOOLEAN', 'False once a death is registered.'),
    ],
  };

  constructor(private readonly population: SyntheticPopulation) {}

  derive(subjectId: string): DerivedRecord | null {
    const resolved = this.population.resolve(subjectId);
    if (!resolved) return null;
    return {
      recordKey: subjectId,
      record: this.record(resolved),
      subjectIds: [subjectId],
      baseAsOf: baseAsOf(hashString(`person:${subjectId}`)),
    };
  }

  record(resolved: ResolvedPerson): JsonObject {
    const { plan, person } = resolved;
    const population = this.population;
    return {
      personId: resolved.id,
      fullName: person.fullName,
      dateOfBirth: person.dateOfBirth,
      sex: person.sex,
      nationality: 'VN',
      ethnicity: person.ethnicity,
      religion: person.religion,
      birthProvinceCode: resolved.id.slice(0, 3),
      hometown: population.placeName(person.hometownCommuneCode),
      permanentAddress: population.permanentAddressOf(resolved),
      occupation: person.occupation,
      fatherId: population.relative(plan, person.fatherSlot)?.id ?? null,
      motherId: population.relative(plan, person.motherSlot)?.id ?? null,
      spouseId: population.relative(plan, person.spouseSlot)?.id ?? null,
      maritalStatus: person.maritalStatus,
      alive: person.dateOfDeath === null,
    };
  }

  /** A change of occupation: touches no other registry, so the simulated world stays consistent. */
  change(current: JsonObject, rng: SeededRandom): JsonObject {
    let occupation = rng.weighted(ADULT_OCCUPATIONS);
    if (occupation === current.occupation) occupation = occupation === 'Kinh doanh' ? 'Lao động tự do' : 'Kinh doanh';
    return { occupation };
  }

  sampleAt(k: number, query: SampleQuery): string | null {
    return this.population.samplePerson(k, (p) => p.dateOfDeath === null, query.province)?.id ?? null;
  }
}

export class PopulationRegistry implements SimRegistry {
  readonly name = 'population';
  readonly datasets: readonly SimDataset[];
  readonly person: PersonDataset;

  constructor(population: SyntheticPopulation) {
    this.person = new PersonDataset(population);
    this.datasets = [this.person];
  }
}
