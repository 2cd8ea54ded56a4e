import type { DatasetDescriptor, FieldDescriptor } from '@motlan/registry-client/registry-client.port.js';
import { namedPersons } from './named-persons.js';

const SUBJECT = '001099012345';
const HEAD = '001080000111';
const CHILD = '001210000222';
const FATHER = '079070000333';

function dataset(name: string, fields: Array<[string, boolean]>): DatasetDescriptor {
  const described: FieldDescriptor[] = fields.map(([field, personal]) => ({ name: field, type: 'string', description: '', personal }));
  return {
    registry: 'sim',
    name,
    subjectKey: { name: 'cccd', pattern: '^\\d{12}$', description: '' },
    fields: described,
    fieldNames: new Set(described.map((f) => f.name)),
    maxAgeSeconds: 60,
    sensitivity: 'normal',
    description: '',
  };
}

describe('namedPersons', () => {
  it('finds every member of a household but the subject, once each with every path, and not the 12-digit household number', () => {
    const household = dataset('household', [
      ['householdId', false],
      ['head', true],
      ['members', true],
      ['permanentAddress', true],
    ]);
    const data = {
      householdId: '011000000042',
      head: { personId: HEAD, fullName: 'Nguyễn Văn Chủ' },
      members: [
        { personId: HEAD, fullName: 'Nguyễn Văn Chủ', dateOfBirth: '1980-01-01' },
        { personId: SUBJECT, fullName: 'Nguyễn Văn A', dateOfBirth: '1999-01-01' },
        { personId: CHILD, fullName: 'Nguyễn Văn Con', dateOfBirth: '2010-01-01' },
      ],
      permanentAddress: { communeCode: '00004', line: '001099099999 Phố Huế' },
    };
    expect(namedPersons(household, SUBJECT, data)).toEqual([
      { subjectId: HEAD, paths: ['head.personId', 'members[0].personId'] },
      { subjectId: CHILD, paths: ['members[2].personId'] },
    ]);
  });

  it("finds a parcel's person owners, not its enterprise owners (tax codes)", () => {
    const parcel = dataset('parcel', [
      ['parcelId', false],
      ['owners', true],
    ]);
    const data = {
      parcelId: '00004-12-345',
      owners: [
        { kind: 'enterprise', id: '0101234567', name: 'Công ty A' },
        { kind: 'person', id: HEAD, name: 'Nguyễn Văn Chủ' },
      ],
    };
    expect(namedPersons(parcel, '00004-12-345', data)).toEqual([{ subjectId: HEAD, paths: ['owners[1].id'] }]);
  });

  it('finds ids in top-level personal fields named for an id, and ignores fields not marked personal and invalid ids', () => {
    const person = dataset('person', [
      ['personId', true],
      ['fatherId', true],
      ['motherId', true],
      ['spouseId', true],
      ['registrationNumber', false],
      ['note', true],
    ]);
    const data = {
      personId: SUBJECT,
      fatherId: FATHER,
      // Century digit 9: not a personal id anyone holds.
      motherId: '079970000444',
      spouseId: null,
      registrationNumber: CHILD,
      note: CHILD,
    };
    expect(namedPersons(person, SUBJECT, data)).toEqual([{ subjectId: FATHER, paths: ['fatherId'] }]);
    expect(namedPersons(dataset('plain', [['fullName', false]]), SUBJECT, { fullName: HEAD })).toEqual([]);
  });
});
