import { Injectable } from '@nestjs/common';
import { RecordSourceUnavailableError } from './record-errors.js';
import { RecordSource, type SourceRecord } from './record-source.port.js';

/** Subject ids of the example records, for the README's examples and the tests. */
export const EXAMPLE_SUBJECTS = {
  /** Holds a certificate. */
  holder: '001099012345',
  /** Holds another one. */
  secondHolder: '079201004321',
  /** A well-formed personal id the registry does not know. */
  unknown: '001099099999',
} as const;

const EXAMPLE_RECORDS: ReadonlyMap<string, SourceRecord> = new Map([
  [
    `certificate/${EXAMPLE_SUBJECTS.holder}`,
    {
      data: { holderName: 'Nguyễn Văn An', qualification: 'Electrician, level 2', issuedOn: '2021-06-30', issuer: 'Hà Nội Vocational College' },
      version: '3',
      asOf: new Date('2024-03-01T02:00:00.000Z'),
    },
  ],
  [
    `certificate/${EXAMPLE_SUBJECTS.secondHolder}`,
    {
      data: { holderName: 'Trần Thị Bình', qualification: 'Pastry cook, level 1', issuedOn: '2023-11-15', issuer: 'Hồ Chí Minh City Tourism College' },
      version: '1',
      asOf: new Date('2023-11-15T09:30:00.000Z'),
    },
  ],
]);

/**
 * A few fixed records in memory: the shape a registry operator REPLACES with a call to their own
 * database (a query by subject id, a ping for isServing). `setServing(false)` plays a registry
 * that is down, for demonstrations and tests.
 */
@Injectable()
export class InMemoryRecordSource extends RecordSource {
  private serving = true;

  async find(dataset: string, subjectId: string): Promise<SourceRecord | null> {
    if (!this.serving) throw new RecordSourceUnavailableError('the example registry is down');
    return EXAMPLE_RECORDS.get(`${dataset}/${subjectId}`) ?? null;
  }

  async isServing(): Promise<boolean> {
    return this.serving;
  }

  setServing(serving: boolean): void {
    this.serving = serving;
  }
}
