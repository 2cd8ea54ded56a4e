import { pino } from 'pino';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { SimRegistries } from './sim-registries.js';

const directory = VnAdminDirectory.load({ env: {} });

describe('judicial records (criminal-record extracts)', () => {
  const sim = new SimRegistries({ seed: 5, persons: 1_000_000, directory, logger: pino({ level: 'silent' }) });
  afterAll(() => sim.close());

  const extract = (id: string) => sim.lookup('judicial-records', { dataset: 'criminal-record', subjectId: id, fields: [] }).record as JsonObject;

  it('describes one sensitive dataset keyed by CCCD, about the population registry persons', () => {
    const [dataset] = sim.registry('judicial-records').datasets;
    expect(dataset.spec).toMatchObject({ name: 'criminal-record', sensitivity: 'SENSITIVITY_SENSITIVE', subjectKey: { name: 'cccd' } });
    for (const id of sim.samples('judicial-records', 'criminal-record', 20)) {
      const person = sim.lookup('population', { dataset: 'person', subjectId: id, fields: ['fullName', 'dateOfBirth'] }).record;
      expect(extract(id)).toMatchObject({ personId: id, ...person });
    }
  });

  it('holds convictions for a few adults, deterministic per person, and marks the old ones expunged', () => {
    const ids = sim.samples('judicial-records', 'criminal-record', 1000);
    const convicted = ids.map(extract).filter((r) => (r.convictions as JsonObject[]).length > 0);
    expect(convicted.length).toBeGreaterThan(0);
    expect(convicted.length).toBeLessThan(ids.length / 5);
    for (const record of convicted) {
      const [conviction] = record.convictions as JsonObject[];
      expect(conviction).toMatchObject({ judgmentNumber: expect.stringMatching(/^\d+\/\d{4}\/HS-ST$/), offence: expect.stringContaining('Bộ luật Hình sự') });
      expect(record.hasConvictions).toBe(conviction.expunged === false);
      expect(Number(String(conviction.judgmentDate).slice(0, 4)) - Number(String(record.dateOfBirth).slice(0, 4))).toBeGreaterThanOrEqual(16);
    }
    expect(extract(String(convicted[0].personId))).toEqual(convicted[0]);
  });

  it('changes by expungement: every conviction expunged, a new version, the update date moved', () => {
    const id =
      sim.samples('judicial-records', 'criminal-record', 1000).find((s) => extract(s).hasConvictions === true) ??
      sim.samples('judicial-records', 'criminal-record', 1)[0];
    const now = new Date('2026-12-01T00:00:00Z');
    const change = sim.changeRecord('judicial-records', 'criminal-record', id, now);
    expect(change).toMatchObject({ version: 2, subjectIds: [id] });
    const after = extract(id);
    expect(after).toMatchObject({ hasConvictions: false, lastUpdatedDate: '2026-12-01' });
    expect((after.convictions as JsonObject[]).every((c) => c.expunged === true)).toBe(true);
  });
});
