import { pino } from 'pino';
import { parseCccd } from '@motlan/identifiers/subject-id.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { InvalidRequestError, SubjectNotFoundError } from './sim-errors.js';
import { SimRegistries, type RecordChange } from './sim-registries.js';
import type { SimDelivery } from './registry-deliveries.js';

const directory = VnAdminDirectory.load({ env: {} });

describe('civil-status registrations and the deliveries population takes', () => {
  const sim = new SimRegistries({ seed: 9, persons: 20_000, directory, logger: pino({ level: 'silent' }) });
  const changes: RecordChange[] = [];
  sim.onChange((change) => changes.push(change));
  afterAll(() => sim.close());
  beforeEach(() => changes.splice(0));

  const person = (id: string) => sim.lookup('population', { dataset: 'person', subjectId: id, fields: [] }).record!;
  const living = (filter: (record: Record<string, unknown>) => boolean) => sim.samples('population', 'person', 300).find((id) => filter(person(id)))!;
  const event = (over: Partial<SimDelivery>): SimDelivery => ({
    idempotencyKey: 'k',
    eventType: 'record.created',
    sourceRegistry: 'civil-status',
    dataset: 'death',
    subjectId: '',
    record: {},
    correction: null,
    ...over,
  });

  it('registers a death as version 1 of a new record, announced by a change event; twice is refused', () => {
    const id = living((p) => p.alive === true);
    expect(sim.lookup('civil-status', { dataset: 'death', subjectId: id, fields: [] }).found).toBe(false);
    const result = sim.civil.register({ kind: 'death', personId: id });
    expect(result.change).toMatchObject({ registry: 'civil-status', dataset: 'death', subjectIds: [id], version: 1 });
    expect(changes).toHaveLength(1);
    expect(sim.lookup('civil-status', { dataset: 'death', subjectId: id, fields: ['personId'] })).toMatchObject({
      found: true,
      version: 1,
      record: { personId: id },
    });
    expect(() => sim.civil.register({ kind: 'death', personId: id })).toThrow(InvalidRequestError);
    expect(() => sim.civil.register({ kind: 'death', personId: '001099999999' })).toThrow(SubjectNotFoundError);
    expect(() => sim.civil.register({ kind: 'death', personId: id.slice(1) })).toThrow(/personId must be a 12-digit personal id/);
    expect(() => sim.civil.register({ kind: 'divorce', personId: id })).toThrow(/kind must be/);
  });

  it('applies a delivered death once: alive false, version + 1, a change event; the same key again is a duplicate', () => {
    const id = living((p) => p.alive === true);
    const before = sim.lookup('population', { dataset: 'person', subjectId: id, fields: ['alive'] });
    const ack = sim.deliveries.deliver('population', event({ idempotencyKey: 'sub#death-1', subjectId: id }));
    expect(ack).toEqual({ status: 'APPLIED', recordVersion: String(before.version + 1), reason: '' });
    expect(person(id).alive).toBe(false);
    expect(changes.map((c) => [c.registry, c.version, c.changedFields])).toEqual([['population', before.version + 1, ['alive']]]);
    expect(sim.deliveries.deliver('population', event({ idempotencyKey: 'sub#death-1', subjectId: id }))).toEqual({
      status: 'DUPLICATE',
      recordVersion: String(before.version + 1),
      reason: '',
    });
    expect(changes).toHaveLength(1);
  });

  it('creates the new-born’s person record from a birth, and sets spouses from a marriage', () => {
    const mother = living((p) => p.sex === 'female' && p.alive === true);
    const birth = sim.civil.register({ kind: 'birth', motherId: mother, fullName: 'Lê Văn An', sex: 'male', dateOfBirth: '2026-11-30' });
    const [child] = birth.subjectIds;
    expect(parseCccd(child)).toMatchObject({ sex: 'male', birthYear: 2026 });
    expect(child.slice(0, 3)).toBe(mother.slice(0, 3));
    const ack = sim.deliveries.deliver('population', event({ idempotencyKey: 'sub#birth-1', dataset: 'birth', subjectId: child, record: birth.record }));
    expect(ack.status).toBe('APPLIED');
    expect(person(child)).toMatchObject({ personId: child, fullName: 'Lê Văn An', motherId: mother, alive: true, maritalStatus: 'DOC_THAN' });

    const husband = living((p) => p.sex === 'male' && p.maritalStatus === 'DOC_THAN' && p.alive === true);
    const wife = living((p) => p.sex === 'female' && p.maritalStatus === 'DOC_THAN' && p.alive === true);
    const marriage = sim.civil.register({ kind: 'marriage', personId: wife, spouseId: husband });
    expect(marriage.subjectIds).toEqual([husband, wife]);
    for (const id of marriage.subjectIds) {
      sim.deliveries.deliver('population', event({ idempotencyKey: `sub#m-${id}`, dataset: 'marriage', subjectId: id, record: marriage.record }));
    }
    expect(person(husband)).toMatchObject({ spouseId: wife, maritalStatus: 'DA_KET_HON' });
    expect(person(wife)).toMatchObject({ spouseId: husband, maritalStatus: 'DA_KET_HON' });
  });

  it('applies a correction whose seen value is current and refuses the others; refuses what it does not take', () => {
    const id = living((p) => p.alive === true);
    const name = String(person(id).fullName);
    const correction = (seen: string, key: string) =>
      sim.deliveries.deliver(
        'population',
        event({
          idempotencyKey: key,
          eventType: 'correction.proposed',
          sourceRegistry: 'population',
          dataset: 'person',
          subjectId: id,
          record: null,
          correction: { field: 'fullName', valueSeenJson: JSON.stringify(seen), valueProposedJson: JSON.stringify(`${name} B`) },
        }),
      );
    expect(correction('someone else', 'c-1')).toMatchObject({ status: 'REJECTED', reason: 'the value seen is not the value the registry holds' });
    expect(correction(name, 'c-2')).toMatchObject({ status: 'APPLIED' });
    expect(person(id).fullName).toBe(`${name} B`);
    expect(sim.deliveries.deliver('residence', event({ idempotencyKey: 'r-1', subjectId: id }))).toMatchObject({
      status: 'REJECTED',
      reason: expect.stringMatching(/takes no record.created events/),
    });
    expect(sim.deliveries.accepts('residence')).toEqual([]);
  });
});
