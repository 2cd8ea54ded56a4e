import { pino } from 'pino';
import { taxCodeCheckDigit } from '@motlan/identifiers/subject-id.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { REGISTRY_NAMES } from './sim-dataset.js';
import { InvalidRequestError, SubjectNotFoundError, UnknownRegistryError } from './sim-errors.js';
import { SimRegistries, type RecordChange } from './sim-registries.js';

const directory = VnAdminDirectory.load({ env: {} });
const create = (seed = 5): SimRegistries => new SimRegistries({ seed, persons: 1_000_000, directory, logger: pino({ level: 'silent' }) });

describe('SimRegistries', () => {
  const sim = create();
  afterAll(() => sim.close());

  it('returns exactly the fields each dataset declares', () => {
    for (const registry of REGISTRY_NAMES) {
      for (const dataset of sim.registry(registry).datasets) {
        const [subject] = sim.samples(registry, dataset.spec.name, 1);
        const outcome = sim.lookup(registry, { dataset: dataset.spec.name, subjectId: subject, fields: [] });
        expect({ dataset: dataset.spec.name, keys: Object.keys(outcome.record ?? {}) }).toEqual({
          dataset: dataset.spec.name,
          keys: dataset.spec.fields.map((f) => f.name),
        });
        expect(outcome).toMatchObject({ found: true, version: 1 });
        expect(outcome.asOf!.getTime()).toBeLessThan(Date.now());
      }
    }
  });

  it('restricts the record to the requested fields', () => {
    const [id] = sim.samples('population', 'person', 1);
    const outcome = sim.lookup('population', { dataset: 'person', subjectId: id, fields: ['dateOfBirth', 'fullName'] });
    expect(Object.keys(outcome.record!)).toEqual(['dateOfBirth', 'fullName']);
  });

  it('answers found = false for subjects that do not exist', () => {
    const absent = { found: false, record: null, version: 0, asOf: null };
    expect(sim.lookup('population', { dataset: 'person', subjectId: '001099999999', fields: [] })).toEqual(absent);
    expect(sim.lookup('land', { dataset: 'parcel', subjectId: '99999-1-1', fields: [] })).toEqual(absent);
    const [alive] = sim.samples('population', 'person', 1);
    expect(sim.lookup('civil-status', { dataset: 'death', subjectId: alive, fields: ['dateOfDeath'] }).found).toBe(false);
  });

  it('refuses unknown datasets and fields, and malformed ids, naming the problem', () => {
    const [id] = sim.samples('population', 'person', 1);
    const lookup =
      (dataset: string, subjectId: string, fields: string[] = []) =>
      () =>
        sim.lookup('population', { dataset, subjectId, fields });
    expect(lookup('pets', id)).toThrow(InvalidRequestError);
    expect(lookup('pets', id)).toThrow(/unknown dataset "pets"/);
    expect(lookup('person', id, ['fullName', 'shoeSize'])).toThrow(/unknown field "shoeSize"/);
    expect(lookup('person', '12345')).toThrow(/12 digits/);
    expect(lookup('person', '001999012345')).toThrow(/century and sex/);
    expect(() => sim.lookup('business', { dataset: 'enterprise', subjectId: '0100233489', fields: [] })).toThrow(/check digit/);
    expect(() => sim.registry('cadastre')).toThrow(UnknownRegistryError);
  });

  it("places a subject in the province its id reveals, else in its record's own province", () => {
    const [person] = sim.samples('population', 'person', 1);
    expect(sim.subjectProvince('population', 'person', person)).toBe(directory.currentProvinceOfCccd(person.slice(0, 3))!.code);
    expect(sim.subjectProvince('civil-status', 'birth', person)).toBe(directory.currentProvinceOfCccd(person.slice(0, 3))!.code);
    expect(sim.subjectProvince('land', 'parcel', '00004-1-1')).toBe('01'); // from the id, whether the parcel exists or not
    for (const taxCode of [...sim.samples('business', 'enterprise', 3, { province: '48' }), ...sim.samples('business', 'enterprise', 3)]) {
      const office = sim.lookup('business', { dataset: 'enterprise', subjectId: taxCode, fields: ['registeredAddress'] }).record!;
      expect(sim.subjectProvince('business', 'enterprise', taxCode)).toBe((office.registeredAddress as { provinceCode: string }).provinceCode);
    }
    const first9 = '999999990';
    const absent = `${first9}${taxCodeCheckDigit(first9)}`;
    expect(sim.lookup('business', { dataset: 'enterprise', subjectId: absent, fields: [] }).found).toBe(false);
    expect(sim.subjectProvince('business', 'enterprise', absent)).toBeNull();
    expect(() => sim.subjectProvince('business', 'enterprise', '0100233489')).toThrow(/check digit/);
  });

  it('gives deterministic samples that exist, by province when asked', () => {
    const other = create();
    expect(other.samples('business', 'enterprise', 5)).toEqual(sim.samples('business', 'enterprise', 5));
    expect(create(6).samples('population', 'person', 5)).not.toEqual(sim.samples('population', 'person', 5));
    const inHue = sim.samples('residence', 'household', 20, { province: '46' });
    expect(inHue).toHaveLength(20);
    for (const id of inHue) {
      const household = sim.lookup('residence', { dataset: 'household', subjectId: id, fields: ['permanentAddress'] }).record!;
      expect((household.permanentAddress as { provinceCode: string }).provinceCode).toBe('46');
    }
    for (const id of sim.samples('land', 'parcel', 10, { province: '46' })) expect(directory.commune(id.slice(0, 5))?.provinceCode).toBe('46');
    const deaths = sim.samples('civil-status', 'death', 5);
    for (const id of deaths) expect(sim.lookup('population', { dataset: 'person', subjectId: id, fields: ['alive'] }).record).toEqual({ alive: false });
    expect(() => sim.samples('population', 'person', 1, { province: '99' })).toThrow(/province/);
  });

  it('changes a record: version +1, new values served, listeners told every subject that reads it', () => {
    const [id] = sim.samples('residence', 'household', 1);
    const before = sim.lookup('residence', { dataset: 'household', subjectId: id, fields: [] });
    const members = (before.record!.members as { personId: string }[]).map((m) => m.personId);
    const events: RecordChange[] = [];
    const unsubscribe = sim.onChange((event) => events.push(event));
    const now = new Date();
    const change = sim.changeRecord('residence', 'household', id, now);
    expect(change).toMatchObject({
      registry: 'residence',
      dataset: 'household',
      subjectId: id,
      version: 2,
      changedFields: ['temporaryAddress'],
      asOf: now.toISOString(),
    });
    expect([...change.subjectIds].sort()).toEqual([...members].sort());
    expect(events).toEqual([change]);
    for (const member of members) {
      const after = sim.lookup('residence', { dataset: 'household', subjectId: member, fields: ['temporaryAddress', 'householdId'] });
      expect(after.version).toBe(2);
      expect(after.asOf).toEqual(now);
      expect(after.record!.temporaryAddress).toEqual(expect.objectContaining({ communeCode: expect.stringMatching(/^\d{5}$/) }));
      expect(after.record!.householdId).toBe(before.record!.householdId);
    }
    unsubscribe();
    expect(sim.changeRecord('residence', 'household', id).version).toBe(3);
    expect(events).toHaveLength(1);
    // Other datasets of the same subject keep their version.
    expect(sim.lookup('population', { dataset: 'person', subjectId: id, fields: ['personId'] }).version).toBe(1);
  });

  it('changes every dataset in a way that keeps its fields', () => {
    for (const registry of REGISTRY_NAMES) {
      for (const dataset of sim.registry(registry).datasets) {
        const [subject] = sim.samples(registry, dataset.spec.name, 1, {});
        const change = sim.changeRecord(registry, dataset.spec.name, subject);
        const after = sim.lookup(registry, { dataset: dataset.spec.name, subjectId: subject, fields: [...change.changedFields] });
        expect(change.version).toBeGreaterThanOrEqual(2);
        expect(after.version).toBe(change.version);
        expect(Object.keys(after.record!)).toEqual([...change.changedFields]);
      }
    }
    expect(() => sim.changeRecord('civil-status', 'death', sim.samples('population', 'person', 1)[0])).toThrow(SubjectNotFoundError);
    expect(() => sim.changeRecord('population', 'person', 'abc')).toThrow(InvalidRequestError);
  });

  it('keeps going when a listener throws', () => {
    const seen: number[] = [];
    const a = sim.onChange(() => {
      throw new Error('boom');
    });
    const b = sim.onChange((c) => seen.push(c.version));
    const [id] = sim.samples('population', 'person', 3).slice(2);
    sim.changeRecord('population', 'person', id);
    expect(seen).toEqual([2]);
    a();
    b();
  });

  it('changes random existing records in the background at the configured rate', async () => {
    const background = create(9);
    const events: RecordChange[] = [];
    background.onChange((e) => events.push(e));
    background.setChangeRate(40);
    await new Promise((resolve) => setTimeout(resolve, 550));
    background.setChangeRate(0);
    const count = events.length;
    expect(count).toBeGreaterThanOrEqual(8);
    expect(count).toBeLessThanOrEqual(30);
    for (const e of events) {
      expect(background.lookup(e.registry, { dataset: e.dataset, subjectId: e.subjectId, fields: [] }).version).toBeGreaterThanOrEqual(2);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(events).toHaveLength(count);
    expect(() => background.setChangeRate(-1)).toThrow(InvalidRequestError);
    background.close();
  });
});
