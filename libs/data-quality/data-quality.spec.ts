import { describe, expect, it } from '@jest/globals';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import { accessRecord } from '../../test/support/audit-records.js';
import { checkReadValues, fieldTypesOf, hasFormat } from './value-checks.js';
import { DataQualityState, decodeDqStateData } from './data-quality-state.js';
import { buildDataQualityReport, dataQualityToCsv } from './data-quality-report.js';
import { applyAccess } from './data-quality.projection.js';

const directory = VnAdminDirectory.load();
const hcm = directory.communesOf('79')[0].code;
const hanoi = directory.communesOf('01')[0].code;
const T = Date.parse('2026-12-06T03:00:00Z');
const DAY = '2026-12-06';

/** An answered read by a commune of Hồ Chí Minh City at T (the audit specs' sample record otherwise). */
function access(over: Partial<AuditRecord>): AuditRecord {
  return accessRecord(0, { time: new Date(T).toISOString(), requestId: 'req-dq', clientCommune: hcm, fields: [], cache: 'MISS', ...over });
}

describe('value checks', () => {
  it('checks each declared type, null never malformed, unknown types accepted', () => {
    expect(hasFormat('date', '2026-02-28')).toBe(true);
    expect(hasFormat('date', '2026-02-30')).toBe(false);
    expect(hasFormat('date', '31/02/1990')).toBe(false);
    // Leap years, month lengths, and years Date.UTC would read as 19xx.
    for (const day of ['2028-02-29', '2000-02-29', '2026-12-31', '2026-04-30', '0100-01-01']) expect([day, hasFormat('date', day)]).toEqual([day, true]);
    for (const day of ['2026-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '0050-01-01'])
      expect([day, hasFormat('date', day)]).toEqual([day, false]);
    expect(hasFormat('datetime', '2026-12-06T10:00:00+07:00')).toBe(true);
    expect(hasFormat('datetime', '2026-12-06')).toBe(false);
    expect(hasFormat('number', '12')).toBe(false);
    expect(hasFormat('boolean', 'true')).toBe(false);
    expect(hasFormat('object', [])).toBe(false);
    expect(hasFormat('list', [])).toBe(true);
    expect(hasFormat('unspecified', 42)).toBe(true);
  });

  it('counts missing fields only when asked for by name, and allocates nothing when all pass', () => {
    const types = fieldTypesOf([
      { name: 'fullName', type: 'string' },
      { name: 'dateOfBirth', type: 'date' },
      { name: 'sex', type: 'string' },
    ]);
    expect(checkReadValues(types, { fullName: 'A', dateOfBirth: '1990-01-02', sex: 'male' }, ['fullName', 'dateOfBirth', 'sex'], true)).toBeUndefined();
    expect(checkReadValues(types, { fullName: 'A', sex: null }, ['fullName', 'sex'], true)).toEqual({ missing: ['sex'] });
    expect(checkReadValues(types, { fullName: 'A', sex: null }, ['fullName', 'sex'], false)).toBeUndefined();
    expect(checkReadValues(types, { dateOfBirth: '31/02/1990' }, ['dateOfBirth', 'sex'], true)).toEqual({ missing: ['sex'], malformed: ['dateOfBirth'] });
  });
});

describe('data-quality state and report', () => {
  const registries = ['population', 'residence'];
  const build = () => {
    const state = new DataQualityState({ retentionDays: 90, registries: () => registries });
    // Ho Chi Minh City: 4 population reads (1 STALE, 1 missing, 1 malformed); Ha Noi: a prefill with
    // 2 reads, each a source of 1 conflict; an accepted correction by an operator (no commune);
    // a read of a registry the pool does not know; two change events (1 s and 3 s late).
    applyAccess(state, access({}));
    applyAccess(state, access({ cache: 'STALE' }));
    applyAccess(state, access({ missingFields: ['sex'] }));
    applyAccess(state, access({ malformedFields: ['dateOfBirth'] }));
    applyAccess(state, access({ clientCommune: hanoi, via: 'prefill', conflicts: 1 }));
    applyAccess(state, access({ clientCommune: hanoi, via: 'prefill', registry: 'residence', dataset: 'household', conflicts: 1 }));
    applyAccess(state, access({ clientCommune: null, via: 'correction', registry: 'residence', correctionState: 'accepted' }));
    applyAccess(state, access({ via: 'correction', registry: 'residence', correctionState: 'open' }));
    applyAccess(state, access({ outcome: 'refused', status: 403 }));
    applyAccess(state, access({ registry: 'gone' }));
    state.applyChangeEvent('population', T, 1000);
    state.applyChangeEvent('population', T, 3000);
    return state;
  };

  it('gives exact figures per registry and province', () => {
    const state = build();
    const report = buildDataQualityReport({ scope: { level: 'national' }, from: DAY, to: DAY, days: [state.day(DAY)!], directory, registries });
    expect(report.provinces.map((p) => p.provinceCode)).toEqual(['01', '79', 'unknown']);
    expect(report.provinces[1]).toMatchObject({
      reads: 5,
      staleAnswers: 1,
      staleShare: 0.2,
      readsWithMissingFields: 1,
      readsWithMalformedValues: 1,
      conflicts: 0,
    });
    expect(report.provinces[0]).toMatchObject({ reads: 2, conflicts: 2, conflictsPer1000Reads: 1000 });
    expect(report.provinces[2]).toMatchObject({ reads: 0, correctionsAccepted: 1, correctionsAcceptedPer1000Reads: null });
    const population = report.registries.find((r) => r.registry === 'population')!;
    expect(population).toMatchObject({ reads: 5, conflicts: 1, changeEvents: 2, changeEventDelayAvgSeconds: 2, changeEventDelayMaxSeconds: 3 });
    expect(report.registries.map((r) => r.registry)).toEqual(['other', 'population', 'residence']);
    expect(report.totals).toMatchObject({ reads: 7, conflicts: 2, correctionsAccepted: 1, staleAnswers: 1 });
    expect(dataQualityToCsv(report).split('\r\n')).toContain('total,,,,7,2,285.71,1,142.86,1,0.1429,1,0.1429,1,0.1429,,,');
  });

  it('narrows to a province, and keeps the change events national', () => {
    const state = build();
    const report = buildDataQualityReport({
      scope: { level: 'province', provinceCode: '01' },
      from: DAY,
      to: DAY,
      days: [state.day(DAY)!],
      directory,
      registries,
    });
    expect(report.provinces).toEqual([expect.objectContaining({ provinceCode: '01', reads: 2 })]);
    expect(report.totals.reads).toBe(2);
    expect(report.registries.find((r) => r.registry === 'population')).toMatchObject({ reads: 1, changeEvents: 2 });
  });

  it('round-trips through its data, refuses foreign data, and prunes past the retention', () => {
    const state = build();
    const data = state.toData();
    expect(decodeDqStateData(JSON.parse(JSON.stringify(data)))).toEqual(data);
    expect(decodeDqStateData([[DAY, [['population|<script>', 1, 2, 3, 4, 5, 6, 7, 8, 9]]]])).toBeUndefined();
    expect(decodeDqStateData([[DAY, [['population|79000', -1, 0, 0, 0, 0, 0, 0, 0, 0]]]])).toBeUndefined();
    const copy = new DataQualityState({ retentionDays: 2, registries: () => registries });
    copy.load(data);
    expect(copy.size()).toEqual(state.size());
    copy.prune(T + 2 * 86_400_000);
    expect(copy.size()).toEqual({ days: 0, rows: 0 });
  });
});
