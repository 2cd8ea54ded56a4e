/**
 * Births, deaths and marriages registered in the simulated civil-status registry at run time (the
 * control API's POST /sim/civil-status/registrations), as a commune's justice officer would type
 * them: the new record is version 1 of its dataset and announced by a change event, which is what
 * the gateway relays to the registries subscribed to it (the population registry).
 */
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import { parseCccd } from '@motlan/identifiers/subject-id.js';
import { hashString } from '../world/seeded-random.js';
import type { RecordChange, SimRegistries } from './sim-registries.js';
import { InvalidRequestError, SubjectNotFoundError } from './sim-errors.js';

export type RegistrationKind = 'birth' | 'death' | 'marriage';

export interface RegistrationResult {
  kind: RegistrationKind;
  /** The subject ids that read the new record (the child, the deceased, both spouses). */
  subjectIds: readonly string[];
  record: JsonObject;
  change: RecordChange;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class CivilRegistrations {
  constructor(private readonly registries: SimRegistries) {}

  /** @throws InvalidRequestError (bad input, record exists), SubjectNotFoundError (a person named does not exist) */
  register(body: Record<string, unknown>, now = new Date()): RegistrationResult {
    const kind = body.kind;
    const today = now.toISOString().slice(0, 10);
    if (kind === 'death') return this.death(this.personId(body.personId, 'personId'), this.date(body.dateOfDeath, 'dateOfDeath', today), today, now);
    if (kind === 'marriage') {
      return this.marriage(this.personId(body.personId, 'personId'), this.personId(body.spouseId, 'spouseId'), this.date(body.date, 'date', today), now);
    }
    if (kind === 'birth') return this.birth(body, today, now);
    throw new InvalidRequestError('kind must be birth, death or marriage');
  }

  private death(personId: string, dateOfDeath: string, today: string, now: Date): RegistrationResult {
    const person = this.livingPerson(personId);
    const address = person.permanentAddress as JsonObject;
    const record: JsonObject = {
      registrationNumber: registrationNumber(`death:${personId}`, today),
      personId,
      fullName: person.fullName,
      dateOfDeath,
      place: `Tại nhà riêng, ${String(address.line)}, ${String(address.communeName)}, ${String(address.provinceName)}`,
      registeredAt: `UBND ${String(address.communeName)}`,
      registeredDate: today,
      annotations: [],
    };
    const change = this.registries.register('civil-status', 'death', record, [personId], personId, now);
    return { kind: 'death', subjectIds: [personId], record, change };
  }

  private marriage(personId: string, spouseId: string, date: string, now: Date): RegistrationResult {
    if (personId === spouseId) throw new InvalidRequestError('spouseId must differ from personId');
    const [a, b] = [this.livingPerson(personId), this.livingPerson(spouseId)];
    if (a.sex === b.sex) throw new InvalidRequestError('the simulated register records marriages of a man and a woman, as the 2014 law does');
    for (const p of [a, b]) if (p.maritalStatus === 'DA_KET_HON') throw new InvalidRequestError('one of the persons is married already');
    const [husband, wife] = a.sex === 'male' ? [a, b] : [b, a];
    const recordKey = `${String(husband.personId)}+${String(wife.personId)}`;
    const record: JsonObject = {
      registrationNumber: registrationNumber(`marriage:${recordKey}`, date),
      spouseA: { personId: husband.personId, fullName: husband.fullName },
      spouseB: { personId: wife.personId, fullName: wife.fullName },
      registeredDate: date,
      registeredAt: `UBND ${String((wife.permanentAddress as JsonObject).communeName)}`,
      annotations: [],
    };
    const change = this.registries.register('civil-status', 'marriage', record, [String(husband.personId), String(wife.personId)], recordKey, now);
    return { kind: 'marriage', subjectIds: change.subjectIds, record, change };
  }

  private birth(body: Record<string, unknown>, today: string, now: Date): RegistrationResult {
    const mother = this.livingPerson(this.personId(body.motherId, 'motherId'));
    if (mother.sex !== 'female') throw new InvalidRequestError('motherId must name a woman');
    const father = body.fatherId === undefined || body.fatherId === null ? null : this.livingPerson(this.personId(body.fatherId, 'fatherId'));
    const fullName = body.fullName;
    if (typeof fullName !== 'string' || fullName.trim().length < 2 || fullName.length > 100) throw new InvalidRequestError('fullName must be 2-100 characters');
    const sex = body.sex;
    if (sex !== 'male' && sex !== 'female') throw new InvalidRequestError('sex must be male or female');
    const dateOfBirth = this.date(body.dateOfBirth, 'dateOfBirth', today);
    const personId = this.newPersonId(String(mother.personId).slice(0, 3), sex, dateOfBirth);
    const record: JsonObject = {
      registrationNumber: registrationNumber(`birth:${personId}`, today),
      personId,
      fullName: fullName.trim(),
      dateOfBirth,
      sex,
      placeOfBirth: String((mother.permanentAddress as JsonObject).provinceName),
      fatherId: father ? father.personId : null,
      fatherName: father ? father.fullName : null,
      motherId: mother.personId,
      motherName: mother.fullName,
      registeredAt: `UBND ${String((mother.permanentAddress as JsonObject).communeName)}`,
      registeredDate: today,
      annotations: [],
    };
    const change = this.registries.register('civil-status', 'birth', record, [personId], personId, now);
    return { kind: 'birth', subjectIds: [personId], record, change };
  }

  /** A personal id nobody holds: the mother's birth-province code, the child's century and sex, year, a free serial. */
  private newPersonId(provinceCode: string, sex: 'male' | 'female', dateOfBirth: string): string {
    const year = Number(dateOfBirth.slice(0, 4));
    const centurySex = 2 * (Math.floor(year / 100) - 19) + (sex === 'female' ? 1 : 0);
    const prefix = `${provinceCode}${centurySex}${dateOfBirth.slice(2, 4)}`;
    for (let k = 0; k < 1000; k++) {
      const id = prefix + String(hashString(`${prefix}:${k}:${this.registries.seed}`) % 1_000_000).padStart(6, '0');
      if (parseCccd(id) !== null && !this.registries.lookup('population', { dataset: 'person', subjectId: id, fields: ['personId'] }).found) return id;
    }
    throw new InvalidRequestError('no free personal id for this birth');
  }

  private livingPerson(personId: string): JsonObject {
    const { record } = this.registries.lookup('population', { dataset: 'person', subjectId: personId, fields: [] });
    if (record === null) throw new SubjectNotFoundError('no such person in the population registry');
    if (record.alive === false) throw new InvalidRequestError('the person is registered as dead');
    return record;
  }

  private personId(value: unknown, name: string): string {
    if (typeof value !== 'string' || parseCccd(value) === null) throw new InvalidRequestError(`${name} must be a 12-digit personal id`);
    return value;
  }

  private date(value: unknown, name: string, fallback: string): string {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
      throw new InvalidRequestError(`${name} must be a date YYYY-MM-DD`);
    }
    if (value > fallback) throw new InvalidRequestError(`${name} must not be in the future`);
    return value;
  }
}

function registrationNumber(key: string, date: string): string {
  return `${(hashString(key) % 900) + 1}/${date.slice(0, 4)}`;
}
