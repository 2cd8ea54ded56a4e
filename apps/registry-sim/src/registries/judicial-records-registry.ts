/**
 * Judicial records (lý lịch tư pháp): the criminal-record extract of a person, keyed by the
 * person's id, as the judicial records centre would answer for a criminal record certificate
 * (Phiếu lý lịch tư pháp). A sensitive dataset: read on a legal basis (Luật Lý lịch tư pháp 2009)
 * or the citizen's consent. The persons are the population registry's; a few adults have
 * convictions, some of them already expunged.
 */
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import { hashString, SeededRandom } from '../world/seeded-random.js';
import type { ResolvedPerson, SyntheticPopulation } from '../world/synthetic-population.js';
import { baseAsOf, CCCD_KEY, field, type DatasetSpec, type DerivedRecord, type SampleQuery, type SimDataset, type SimRegistry } from './sim-dataset.js';

/** Offences of the Penal Code (Bộ luật Hình sự 2015) a simulated conviction names, with a plausible sentence. */
const OFFENCES: readonly { article: string; name: string; sentence: string }[] = [
  { article: 'Điều 173', name: 'Tội trộm cắp tài sản', sentence: '9 tháng tù' },
  { article: 'Điều 174', name: 'Tội lừa đảo chiếm đoạt tài sản', sentence: '2 năm tù' },
  { article: 'Điều 134', name: 'Tội cố ý gây thương tích', sentence: '1 năm tù cho hưởng án treo' },
  { article: 'Điều 260', name: 'Tội vi phạm quy định về tham gia giao thông đường bộ', sentence: '6 tháng cải tạo không giam giữ' },
  { article: 'Điều 321', name: 'Tội đánh bạc', sentence: 'Phạt tiền 20.000.000 đồng' },
];

/** Share of adults with a conviction on record (expunged ones included). */
const CONVICTED_SHARE = 0.04;
/** Age of criminal responsibility for the simulation: younger persons have an empty record. */
const ADULT_AGE = 16;

export class CriminalRecordDataset implements SimDataset {
  readonly spec: DatasetSpec = {
    name: 'criminal-record',
    description: 'Criminal-record extract of a person (lý lịch tư pháp về án tích): convictions, expungement, bans from positions.',
    subjectKey: CCCD_KEY,
    maxAgeSeconds: 600,
    sensitivity: 'SENSITIVITY_SENSITIVE',
    fields: [
      field('personId', 'FIELD_TYPE_STRING', 'Personal identification number (CCCD).', true),
      field('fullName', 'FIELD_TYPE_STRING', 'Full name, family name first.', true),
      field('dateOfBirth', 'FIELD_TYPE_DATE', 'Date of birth.', true),
      field('hasConvictions', 'FIELD_TYPE_BOOLEAN', 'True when a conviction is on record and not expunged (có án tích).'),
      field('convictions', 'FIELD_TYPE_LIST', 'Convictions: judgmentNumber, court, judgmentDate, offence, sentence, expunged, expungedDate.'),
      field(
        'bannedFromPositions',
        'FIELD_TYPE_LIST',
        'Bans from holding positions or founding and managing enterprises (cấm đảm nhiệm chức vụ); empty if none.',
      ),
      field('lastUpdatedDate', 'FIELD_TYPE_DATE', 'When the record was last updated by the judicial records centre.'),
    ],
  };

  constructor(private readonly population: SyntheticPopulation) {}

  derive(subjectId: string): DerivedRecord | null {
    const resolved = this.population.resolve(subjectId);
    if (!resolved) return null;
    const asOf = baseAsOf(hashString(`criminal-record:${subjectId}`));
    return { recordKey: subjectId, record: this.record(resolved, asOf), subjectIds: [subjectId], baseAsOf: asOf };
  }

  private record(resolved: ResolvedPerson, asOf: Date): JsonObject {
    const { person } = resolved;
    const convictions = this.convictions(resolved);
    return {
      personId: resolved.id,
      fullName: person.fullName,
      dateOfBirth: person.dateOfBirth,
      hasConvictions: convictions.some((c) => c.expunged === false),
      convictions,
      bannedFromPositions: [],
      lastUpdatedDate: asOf.toISOString().slice(0, 10),
    };
  }

  /** Deterministic per person: most have none; a conviction is expunged when old enough. */
  private convictions(resolved: ResolvedPerson): JsonObject[] {
    const birthYear = Number(resolved.person.dateOfBirth.slice(0, 4));
    const rng = new SeededRandom(hashString(`criminal-record:${resolved.id}`));
    if (2025 - birthYear < ADULT_AGE || !rng.chance(CONVICTED_SHARE)) return [];
    const offence = rng.pick(OFFENCES);
    const year = rng.int(Math.max(birthYear + ADULT_AGE, 2000), 2024);
    const expunged = year <= 2019;
    const date = `${year}-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`;
    return [
      {
        judgmentNumber: `${rng.int(1, 400)}/${year}/HS-ST`,
        court: `Tòa án nhân dân khu vực ${rng.int(1, 12)}`,
        judgmentDate: date,
        offence: `${offence.name} (${offence.article} Bộ luật Hình sự)`,
        sentence: offence.sentence,
        expunged,
        expungedDate: expunged ? `${year + 3}-${date.slice(5)}` : null,
      },
    ];
  }

  /** Expungement of what is on record (xóa án tích) and the date of the update; nothing else changes. */
  change(current: JsonObject, _rng: SeededRandom, now: Date): JsonObject {
    const today = now.toISOString().slice(0, 10);
    const convictions = (Array.isArray(current.convictions) ? (current.convictions as JsonObject[]) : []).map((c) =>
      c.expunged ? c : { ...c, expunged: true, expungedDate: today },
    );
    return { convictions, hasConvictions: false, lastUpdatedDate: today };
  }

  sampleAt(k: number, query: SampleQuery): string | null {
    return this.population.samplePerson(k, () => true, query.province)?.id ?? null;
  }
}

export class JudicialRecordsRegistry implements SimRegistry {
  readonly name = 'judicial-records';
  readonly datasets: readonly SimDataset[];

  constructor(population: SyntheticPopulation) {
    this.datasets = [new CriminalRecordDataset(population)];
  }
}
