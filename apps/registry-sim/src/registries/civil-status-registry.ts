/**
 * Civil status (hộ tịch): birth, marriage and death registrations, each keyed by a person's id.
 * Parents and spouses named here are the same persons the population registry holds.
 */
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import type { PlannedAddress } from '../world/family-planner.js';
import { hashString, type SeededRandom } from '../world/seeded-random.js';
import type { ResolvedPerson, SyntheticPopulation } from '../world/synthetic-population.js';
import { baseAsOf, CCCD_KEY, field, type DatasetSpec, type DerivedRecord, type SampleQuery, type SimDataset, type SimRegistry } from './sim-dataset.js';

const ANNOTATIONS = field('annotations', 'FIELD_TYPE_LIST', 'Marginal notes added after registration (re-issues, corrections).');

abstract class CivilStatusDataset implements SimDataset {
  abstract readonly spec: DatasetSpec;

  constructor(protected readonly population: SyntheticPopulation) {}

  abstract derive(subjectId: string): DerivedRecord | null;
  abstract sampleAt(k: number, query: SampleQuery): string | null;
  protected abstract readonly reissueNote: string;

  /** A marginal note: the simulated change that leaves every other record as it was. */
  change(current: JsonObject, _rng: SeededRandom, now: Date): JsonObject {
    const previous = Array.isArray(current.annotations) ? current.annotations : [];
    return { annotations: [...previous, `${this.reissueNote} ngày ${now.toISOString().slice(0, 10)}`] };
  }

  /** "UBND Xã …, Tỉnh …": the commune people's committee that registered the event. */
  protected registrar(resolved: ResolvedPerson): string {
    const address = resolved.plan.addresses.get(resolved.person.addressHouseholdKey) as PlannedAddress;
    return `UBND ${this.population.placeName(address.communeCode)}`;
  }

  protected registrationNumber(key: string, date: string): string {
    return `${(hashString(key) % 900) + 1}/${date.slice(0, 4)}`;
  }
}

export class BirthDataset extends CivilStatusDataset {
  readonly spec: DatasetSpec = {
    name: 'birth',
    description: 'Birth registration (khai sinh) of a person, naming both parents.',
    subjectKey: CCCD_KEY,
    maxAgeSeconds: 86400,
    sensitivity: 'SENSITIVITY_SENSITIVE',
    fields: [
      field('registrationNumber', 'FIELD_TYPE_STRING', 'Number in the birth register, N/YYYY.'),
      field('personId', 'FIELD_TYPE_STRING', 'Personal id of the child.', true),
      field('fullName', 'FIELD_TYPE_STRING', 'Full name of the child.', true),
      field('dateOfBirth', 'FIELD_TYPE_DATE', 'Date of birth.', true),
      field('sex', 'FIELD_TYPE_STRING', '"male" or "female".'),
      field('placeOfBirth', 'FIELD_TYPE_STRING', 'Place of birth (province as named at the time).', true),
      field('fatherId', 'FIELD_TYPE_STRING', 'Personal id of the father; null when he is not in the population database.', true),
      field('fatherName', 'FIELD_TYPE_STRING', 'Full name of the father.', true),
      field('motherId', 'FIELD_TYPE_STRING', 'Personal id of the mother; null when she is not in the population database.', true),
      field('motherName', 'FIELD_TYPE_STRING', 'Full name of the mother.', true),
      field('registeredAt', 'FIELD_TYPE_STRING', 'Registering authority.'),
      field('registeredDate', 'FIELD_TYPE_DATE', 'Date of registration.'),
      ANNOTATIONS,
    ],
  };
  protected readonly reissueNote = 'Cấp lại bản chính giấy khai sinh';

  derive(subjectId: string): DerivedRecord | null {
    const resolved = this.population.resolve(subjectId);
    if (!resolved) return null;
    const { plan, person } = resolved;
    const father = this.population.relative(plan, person.fatherSlot);
    const mother = this.population.relative(plan, person.motherSlot);
    const parentNames = this.population.planner.parentNames(plan, person);
    const h = hashString(`birth:${subjectId}`);
    const oldProvince = this.population.directory.cccdProvince(subjectId.slice(0, 3))?.oldName ?? '';
    const record: JsonObject = {
      registrationNumber: this.registrationNumber(`birth:${subjectId}`, person.dateOfBirth),
      personId: subjectId,
      fullName: person.fullName,
      dateOfBirth: person.dateOfBirth,
      sex: person.sex,
      placeOfBirth: person.birthYear >= 1980 && h % 10 < 7 ? `Bệnh viện Đa khoa ${oldProvince}` : oldProvince,
      fatherId: father?.id ?? null,
      fatherName: parentNames.fatherName,
      motherId: mother?.id ?? null,
      motherName: parentNames.motherName,
      registeredAt: this.registrar(mother ?? resolved),
      registeredDate: addDays(person.dateOfBirth, 3 + (h % 55)),
      annotations: [],
    };
    return { recordKey: subjectId, record, subjectIds: [subjectId], baseAsOf: baseAsOf(h) };
  }

  sampleAt(k: number, query: SampleQuery): string | null {
    return this.population.samplePerson(k, (p) => p.dateOfDeath === null, query.province)?.id ?? null;
  }
}

export class MarriageDataset extends CivilStatusDataset {
  readonly spec: DatasetSpec = {
    name: 'marriage',
    description: 'Marriage registration (kết hôn) of a person, found by either spouse; none for the unmarried.',
    subjectKey: CCCD_KEY,
    maxAgeSeconds: 43200,
    sensitivity: 'SENSITIVITY_SENSITIVE',
    fields: [
      field('registrationNumber', 'FIELD_TYPE_STRING', 'Number in the marriage register, N/YYYY.'),
      field('spouseA', 'FIELD_TYPE_OBJECT', 'Husband: personId, fullName.', true),
      field('spouseB', 'FIELD_TYPE_OBJECT', 'Wife: personId, fullName.', true),
      field('registeredDate', 'FIELD_TYPE_DATE', 'Date of registration.'),
      field('registeredAt', 'FIELD_TYPE_STRING', 'Registering authority.'),
      ANNOTATIONS,
    ],
  };
  protected readonly reissueNote = 'Cấp lại giấy chứng nhận kết hôn';

  derive(subjectId: string): DerivedRecord | null {
    const resolved = this.population.resolve(subjectId);
    const spouse = resolved && this.population.relative(resolved.plan, resolved.person.spouseSlot);
    if (!resolved || !spouse || resolved.person.marriageDate === null) return null;
    const [husband, wife] = resolved.person.sex === 'male' ? [resolved, spouse] : [spouse, resolved];
    const recordKey = `${husband.id}+${wife.id}`;
    const record: JsonObject = {
      registrationNumber: this.registrationNumber(`marriage:${recordKey}`, resolved.person.marriageDate),
      spouseA: { personId: husband.id, fullName: husband.person.fullName },
      spouseB: { personId: wife.id, fullName: wife.person.fullName },
      registeredDate: resolved.person.marriageDate,
      registeredAt: this.registrar(wife),
      annotations: [],
    };
    return { recordKey, record, subjectIds: [husband.id, wife.id], baseAsOf: baseAsOf(hashString(`marriage:${recordKey}`)) };
  }

  sampleAt(k: number, query: SampleQuery): string | null {
    return this.population.samplePerson(k, (p) => p.spouseSlot !== null && p.dateOfDeath === null, query.province)?.id ?? null;
  }
}

export class DeathDataset extends CivilStatusDataset {
  readonly spec: DatasetSpec = {
    name: 'death',
    description: 'Death registration (khai tử); none for the living.',
    subjectKey: CCCD_KEY,
    maxAgeSeconds: 86400,
    sensitivity: 'SENSITIVITY_SENSITIVE',
    fields: [
      field('registrationNumber', 'FIELD_TYPE_STRING', 'Number in the death register, N/YYYY.'),
      field('personId', 'FIELD_TYPE_STRING', 'Personal id of the deceased.', true),
      field('fullName', 'FIELD_TYPE_STRING', 'Full name of the deceased.', true),
      field('dateOfDeath', 'FIELD_TYPE_DATE', 'Date of death.'),
      field('place', 'FIELD_TYPE_STRING', 'Place of death.', true),
      field('registeredAt', 'FIELD_TYPE_STRING', 'Registering authority.'),
      field('registeredDate', 'FIELD_TYPE_DATE', 'Date of registration.'),
      ANNOTATIONS,
    ],
  };
  protected readonly reissueNote = 'Cấp bản sao trích lục khai tử';

  derive(subjectId: string): DerivedRecord | null {
    const resolved = this.population.resolve(subjectId);
    if (!resolved || resolved.person.dateOfDeath === null) return null;
    const h = hashString(`death:${subjectId}`);
    const address = this.population.permanentAddressOf(resolved);
    const place =
      h % 3 === 0
        ? `Bệnh viện Đa khoa ${String(address.provinceName)}`
        : `Tại nhà riêng, ${String(address.line)}, ${String(address.communeName)}, ${String(address.provinceName)}`;
    const record: JsonObject = {
      registrationNumber: this.registrationNumber(`death:${subjectId}`, resolved.person.dateOfDeath),
      personId: subjectId,
      fullName: resolved.person.fullName,
      dateOfDeath: resolved.person.dateOfDeath,
      place,
      registeredAt: this.registrar(resolved),
      registeredDate: addDays(resolved.person.dateOfDeath, 1 + (h % 14)),
      annotations: [],
    };
    return { recordKey: subjectId, record, subjectIds: [subjectId], baseAsOf: baseAsOf(h) };
  }

  sampleAt(k: number, query: SampleQuery): string | null {
    return this.population.samplePerson(k, (p) => p.dateOfDeath !== null, query.province)?.id ?? null;
  }
}

export class CivilStatusRegistry implements SimRegistry {
  readonly name = 'civil-status';
  readonly datasets: readonly SimDataset[];

  constructor(population: SyntheticPopulation) {
    this.datasets = [new BirthDataset(population), new MarriageDataset(population), new DeathDataset(population)];
  }
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
