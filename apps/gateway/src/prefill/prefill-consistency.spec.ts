import type { DatasetDescriptor } from '@motlan/registry-client/registry-client.port.js';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import type { MinimizedRead } from '../lookup/lookup.service.js';
import { findConflicts } from './prefill-consistency.js';

const descriptor = (registry: string, name: string) => ({ registry, name }) as DatasetDescriptor;
const read = (registry: string, dataset: string, subjectId: string, data: JsonObject, version = '1'): MinimizedRead => ({
  descriptor: descriptor(registry, dataset),
  subjectId,
  fields: Object.keys(data).sort(),
  data,
  version,
  asOf: '2026-11-23T08:15:00.000Z',
  fetchedAt: 0,
  cache: 'MISS',
});

const A = '001099012345';
const B = '001199054321';
const address = { communeCode: '00004', communeName: 'Phường Ba Đình', provinceCode: '01', line: 'Số 1 Hoàng Diệu' };

describe('findConflicts', () => {
  it('reports a fact two registries hold differently about one person, with both sources', () => {
    const conflicts = findConflicts([
      read('population', 'person', A, { personId: A, fullName: 'Nguyễn Văn Nam', permanentAddress: address }, '7'),
      read('residence', 'household', A, {
        head: { personId: A, fullName: 'Nguyễn Văn Năm' },
        members: [
          { personId: A, fullName: 'Nguyễn Văn Năm', dateOfBirth: '1990-01-02' },
          { personId: B, fullName: 'Lê Thị Hoa', dateOfBirth: '1992-03-04' },
        ],
        permanentAddress: { ...address, line: 'Số 10 Hoàng Diệu' },
      }),
    ]);
    expect(conflicts.map((c) => [c.personId, c.fact, c.sources.map((s) => `${s.registry}:${s.path}=${JSON.stringify(s.value)}`)])).toEqual([
      [A, 'fullName', ['population:fullName="Nguyễn Văn Nam"', 'residence:head.fullName="Nguyễn Văn Năm"', 'residence:members[0].fullName="Nguyễn Văn Năm"']],
      [
        A,
        'permanentAddress',
        [`population:permanentAddress=${JSON.stringify(address)}`, `residence:permanentAddress=${JSON.stringify({ ...address, line: 'Số 10 Hoàng Diệu' })}`],
      ],
    ]);
    expect(conflicts[0].sources[0]).toMatchObject({ version: '7', recordSubjectId: A, dataset: 'person' });
  });

  it('ignores case, spacing and Unicode form, address labels, one registry alone, and what a read does not hold', () => {
    const decomposed = 'Nguyễn Văn Nam'.normalize('NFD');
    expect(
      findConflicts([
        read('population', 'person', A, { fullName: 'Nguyễn Văn Nam', permanentAddress: address, dateOfBirth: null }),
        read('civil-status', 'birth', A, { personId: A, fullName: ` ${decomposed.toUpperCase()}  `, dateOfBirth: '1990-01-02' }),
        read('residence', 'household', A, {
          permanentAddress: { ...address, communeName: 'P. Ba Đình' },
          members: [{ personId: A, fullName: 'nguyễn văn nam' }],
        }),
        // The same registry twice (two records) is not a disagreement between registries.
        read('population', 'person', B, { personId: B, fullName: 'Lê Thị Hoa' }),
        read('population', 'person', `${B}x`, { personId: B, fullName: 'Lê Thị Hoà' }),
      ]),
    ).toEqual([]);
  });
});
