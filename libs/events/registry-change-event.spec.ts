import { parseRegistryChangeEvent, recordChangedEvent } from './registry-change-event.js';

const valid = () =>
  recordChangedEvent({ registry: 'population', dataset: 'person', subjectId: '001099012345', version: '2', changedFields: ['maritalStatus'], id: 'e-1' });

describe('parseRegistryChangeEvent', () => {
  it('accepts a valid CloudEvent', () => {
    const parsed = parseRegistryChangeEvent(JSON.stringify(valid()), '001099012345');
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.event.data.version).toBe('2');
  });

  it.each([
    ['not JSON', '{oops', /not JSON/],
    ['an array', '[]', /not a JSON object/],
    ['empty', '', /empty/],
    ['wrong spec version', JSON.stringify({ ...valid(), specversion: '0.3' }), /specversion/],
    ['wrong type', JSON.stringify({ ...valid(), type: 'x' }), /type/],
    ['no data', JSON.stringify({ ...valid(), data: undefined }), /data/],
    ['a bad version', JSON.stringify({ ...valid(), data: { ...valid().data, version: '-1' } }), /version/],
    ['a bad time', JSON.stringify({ ...valid(), time: 'yesterday' }), /time/],
    ['a subject mismatch', JSON.stringify({ ...valid(), subject: '001099012346' }), /subject differs/],
  ])('refuses %s with a reason', (_name, value, reason) => {
    const parsed = parseRegistryChangeEvent(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('refuses a key that does not match the subject', () => {
    const parsed = parseRegistryChangeEvent(JSON.stringify(valid()), '999');
    expect(parsed).toEqual({ ok: false, reason: 'message key differs from data.subjectId' });
  });
});
