/**
 * A scenario with known counts through the pure state and report: exact indicators and colours
 * per commune and province, SILENT after the configured working hours on a controlled clock and
 * back when the commune reports, series per week, and the CSV summing to the JSON.
 */
import { describe, expect, it } from '@jest/globals';
import { IndicatorState, type StatusInput } from './indicator-state.js';
import { buildIndicatorReport, periodsOf, reportToCsv, type AdminDirectory, type Granularity, type ReportScope } from './indicator-report.js';
import { DEFAULT_SERVICE_THRESHOLDS } from './service-colour.js';
import { DEFAULT_WORKING_HOURS } from './vietnam-calendar.js';
import { decodeIndicatorSnapshot } from './indicator-snapshot.js';

const vn = (local: string) => Date.parse(`${local}+07:00`);
const iso = (local: string) => `${local}+07:00`;

const directory: AdminDirectory = {
  provinces: () => [
    { code: '01', name: 'Thành phố Hà Nội' },
    { code: '79', name: 'Thành phố Hồ Chí Minh' },
  ],
  communesOf: (p) =>
    p === '01'
      ? [
          { code: '00004', name: 'Phường Ba Đình', provinceCode: '01' },
          { code: '00007', name: 'Phường Ngọc Hà', provinceCode: '01' },
          { code: '00010', name: 'Phường Giảng Võ', provinceCode: '01' },
        ]
      : [{ code: '26734', name: 'Phường Sài Gòn', provinceCode: '79' }],
};

function status(dossierId: string, communeCode: string, overrides: Partial<StatusInput> = {}): StatusInput {
  return { dossierId, communeCode, status: 2, receivedAt: iso('2026-12-07T08:00:00'), acceptedAt: iso('2026-12-07T08:00:05'), ...overrides };
}

/**
 * 00004 (Hà Nội): 10 dossiers received Monday 7 Dec — 8 online, 6 paid online, 4 with reused data;
 * 5 returned that afternoon (4 on time, 1 after its due time; 3 electronic, 1 paper, 1 with a
 * result document and no stated form), 2 of the 5 still open are past their due date on Tuesday;
 * 15 registry reads; 12 statuses delivered (one delivery repeated). Every status is sent twice.
 * 00007: 5 dossiers online, returned electronically on time, last report Tuesday 09:00.
 * 00010: nothing ever. 26734 (HCM): one dossier on Thursday 3 Dec, then nothing.
 */
function scenario(): IndicatorState {
  const state = new IndicatorState();
  state.prune(vn('2026-12-08T10:00:00'));
  const apply = (s: StatusInput) => {
    state.applyStatus(s);
    state.applyStatus(s); // a repeat changes nothing
  };
  for (let i = 1; i <= 10; i++) {
    apply(
      status(`HN-${i}`, '00004', {
        channel: i <= 8 ? 'online' : 'counter',
        feesPaidOnline: i <= 6,
        ...(i <= 4 ? { reusedComponents: ['TK01'] } : {}),
        dueAt: i === 5 ? iso('2026-12-07T14:00:00') : i >= 9 ? iso('2026-12-08T08:00:00') : iso('2026-12-10T17:00:00'),
      }),
    );
  }
  for (let i = 1; i <= 5; i++) {
    const form = i <= 3 ? { resultForm: 'electronic' } : i === 4 ? { resultForm: 'paper' } : { resultDocuments: [{ url: 'https://dichvucong.gov.vn/kq/5' }] };
    apply(status(`HN-${i}`, '00004', { status: 10, acceptedAt: iso('2026-12-07T15:00:00'), ...form }));
  }
  for (let i = 0; i < 15; i++) state.applyRegistryRead('00004', vn('2026-12-07T09:00:00'));
  for (let i = 1; i <= 12; i++)
    state.applyOutcome({ dossierId: `HN-${i}`, sequence: 1, communeCode: '00004', outcome: 'delivered', at: iso('2026-12-07T08:00:06') });
  state.applyOutcome({ dossierId: 'HN-1', sequence: 1, communeCode: '00004', outcome: 'duplicate', at: iso('2026-12-07T08:01:00') });
  state.applyOutcome({ dossierId: 'HN-2', sequence: 1, communeCode: '00004', outcome: 'dead_lettered', at: iso('2026-12-07T08:01:00') });
  for (let i = 1; i <= 5; i++) {
    const s = { channel: 'online', resultForm: 'electronic', dueAt: iso('2026-12-09T17:00:00'), receivedAt: iso('2026-12-08T07:40:00') };
    apply(status(`NH-${i}`, '00007', { ...s, acceptedAt: iso('2026-12-08T07:45:00') }));
    apply(status(`NH-${i}`, '00007', { ...s, status: 10, acceptedAt: iso('2026-12-08T09:00:00') }));
  }
  apply(status('SG-1', '26734', { receivedAt: iso('2026-12-03T10:00:00'), acceptedAt: iso('2026-12-03T10:00:00') }));
  return state;
}

function report(state: IndicatorState, now: number, scope: ReportScope, granularity: Granularity = 'total', from = '2026-11-11', to = '2026-12-08') {
  const days = new Map(state.dayKeys().map((d) => [d, state.day(d)!]));
  return buildIndicatorReport({
    scope,
    from,
    to,
    granularity,
    now,
    days,
    live: state.live(now),
    relay: (c) => ({ colour: 'GREEN', reasons: [], oldestPendingSeconds: c === '00004' ? 42 : null }),
    directory,
    thresholds: DEFAULT_SERVICE_THRESHOLDS,
    hours: DEFAULT_WORKING_HOURS,
  });
}

const TUESDAY_10 = vn('2026-12-08T10:00:00');

describe('service indicators of a known scenario', () => {
  it('gives exact indicators and colours per commune', () => {
    const r = report(scenario(), TUESDAY_10, { level: 'province', provinceCode: '01' });
    expect(r.communes.map((c) => [c.communeCode, c.serviceColour])).toEqual([
      ['00010', 'SILENT'],
      ['00004', 'RED'],
      ['00007', 'GREEN'],
    ]);
    const hn = r.communes.find((c) => c.communeCode === '00004')!;
    expect(hn.indicators).toEqual({
      received: 10,
      online: 8,
      onlineShare: 0.8,
      resultsReturned: 5,
      onTime: 4,
      onTimeShare: 0.8,
      overdueNow: 2,
      electronicResults: 4,
      electronicResultShare: 0.8,
      paidOnline: 6,
      onlinePaymentShare: 0.6,
      dossiersWithReusedData: 4,
      reuseShare: 0.4,
      registryReads: 15,
      registryReadsPerDossier: 1.5,
      statusesDelivered: 12,
      oldestPendingSeconds: 42,
    });
    expect(hn.reasons).toEqual(['on-time share 80.0 % (below 85.0 %)', '2 dossiers overdue now']);
    expect(hn.lastReportAt).toBe('2026-12-07T08:00:00.000Z');
    expect(r.communes.find((c) => c.communeCode === '00010')!.reasons).toEqual(['no dossier status reported']);
    const nh = r.communes.find((c) => c.communeCode === '00007')!;
    expect(nh.indicators).toMatchObject({ received: 5, online: 5, onlineShare: 1, resultsReturned: 5, onTime: 5, electronicResultShare: 1, overdueNow: 0 });
  });

  it('colours a province by the share of its communes in each colour, and sums its communes', () => {
    const r = report(scenario(), TUESDAY_10, { level: 'national' });
    expect(r.provinces.map((p) => [p.provinceCode, p.provinceName, p.serviceColour])).toEqual([
      ['01', 'Thành phố Hà Nội', 'RED'], // 1 RED + 1 SILENT of 3 ≥ 20 %
      ['79', 'Thành phố Hồ Chí Minh', 'SILENT'], // its only commune is silent
    ]);
    expect(r.provinces[0].communes).toEqual({ total: 3, GREEN: 1, YELLOW: 0, RED: 1, SILENT: 1 });
    expect(r.provinces[0].indicators).toMatchObject({
      received: 15,
      online: 13,
      resultsReturned: 10,
      onTime: 9,
      onTimeShare: 0.9,
      overdueNow: 2,
      oldestPendingSeconds: 42,
    });
    expect(r.national.communes).toEqual({ total: 4, GREEN: 1, YELLOW: 0, RED: 1, SILENT: 2 });
    expect(r.national.indicators.received).toBe(16);
    expect(r.communes).toEqual([]);
  });

  it('turns a commune SILENT after the configured working hours, and back when it reports', () => {
    const state = new IndicatorState();
    state.prune(vn('2026-12-07T07:30:00'));
    state.applyStatus(status('X-1', '00007', { receivedAt: iso('2026-12-07T07:30:00'), acceptedAt: iso('2026-12-07T07:30:00') }));
    const colourAt = (now: number) => report(state, now, { level: 'commune', provinceCode: '01', communeCode: '00007' }).communes[0];
    // 16 working hours after Monday 07:30 is Tuesday 14:00 (9.5 h on Monday, 6.5 h on Tuesday).
    expect(colourAt(vn('2026-12-08T13:59:59')).serviceColour).toBe('GREEN');
    const silent = colourAt(vn('2026-12-08T14:00:00'));
    expect(silent).toMatchObject({ serviceColour: 'SILENT', reasons: ['no dossier status for 16 working hours'] });
    // A weekend does not make it any more silent than Friday evening did.
    state.applyStatus(status('X-2', '00007', { acceptedAt: iso('2026-12-11T16:00:00') }));
    expect(colourAt(vn('2026-12-14T08:00:00')).serviceColour).toBe('GREEN');
    state.applyStatus(status('X-3', '00007', { acceptedAt: iso('2026-12-14T08:30:00') }));
    expect(colourAt(vn('2026-12-14T09:00:00'))).toMatchObject({ serviceColour: 'GREEN', reasons: [] });
  });

  it('narrows everything to what the scope may see', () => {
    const r = report(scenario(), TUESDAY_10, { level: 'commune', provinceCode: '01', communeCode: '00007' });
    expect(r.communes.map((c) => c.communeCode)).toEqual(['00007']);
    expect(r.provinces).toHaveLength(1);
    expect(r.provinces[0].indicators.received).toBe(5);
    expect(r.national.indicators.received).toBe(5);
    expect(r.scope).toEqual({ level: 'commune', provinceCode: '01', communeCode: '00007' });
  });

  it('splits a window into weeks starting on Monday, and the series sum to the totals', () => {
    expect(periodsOf('2026-11-29', '2026-12-08', 'week')).toEqual(['2026-11-23', '2026-11-30', '2026-12-07']);
    expect(periodsOf('2026-11-29', '2026-12-08', 'month')).toEqual(['2026-11-01', '2026-12-01']);
    const r = report(scenario(), TUESDAY_10, { level: 'national' }, 'week', '2026-11-29', '2026-12-08');
    const hcm = r.provinces.find((p) => p.provinceCode === '79')!;
    expect(hcm.series.map((s) => [s.period, s.indicators.received])).toEqual([
      ['2026-11-23', 0],
      ['2026-11-30', 1],
      ['2026-12-07', 0],
    ]);
    const hn = r.provinces.find((p) => p.provinceCode === '01')!;
    expect(hn.series.reduce((n, s) => n + s.indicators.received, 0)).toBe(hn.indicators.received);
    // Outside the window: not counted.
    expect(report(scenario(), TUESDAY_10, { level: 'national' }, 'total', '2026-12-08', '2026-12-08').national.indicators.received).toBe(5);
  });

  it('exports CSV with a BOM, the Vietnamese names, and rows that sum to the JSON', () => {
    const r = report(scenario(), TUESDAY_10, { level: 'province', provinceCode: '01' });
    const csv = reportToCsv(r);
    expect(csv.startsWith('\uFEFFlevel,provinceCode,provinceName,communeCode,communeName,period,serviceColour,received,online,onlineShare,')).toBe(true);
    const rows = csv
      .slice(1)
      .trim()
      .split('\r\n')
      .slice(1)
      .map((l) => l.split(','));
    expect(rows.map((c) => [c[0], c[2], c[4], c[5], c[6]])).toEqual([
      ['commune', 'Thành phố Hà Nội', 'Phường Giảng Võ', 'total', 'SILENT'],
      ['commune', 'Thành phố Hà Nội', 'Phường Ba Đình', 'total', 'RED'],
      ['commune', 'Thành phố Hà Nội', 'Phường Ngọc Hà', 'total', 'GREEN'],
    ]);
    expect(rows.reduce((n, c) => n + Number(c[7]), 0)).toBe(r.provinces[0].indicators.received);
    // A share with nothing to share is an empty cell, not "null".
    expect(rows[0][9]).toBe('');
  });
});

describe('bounded state', () => {
  it('drops buckets older than the retention and forgets settled dossiers', () => {
    const state = new IndicatorState({ retentionDays: 10, settledMemoryDays: 5 });
    state.prune(vn('2026-12-01T12:00:00'));
    state.applyStatus(status('OLD', '00004', { receivedAt: iso('2026-12-01T08:00:00'), acceptedAt: iso('2026-12-01T08:00:00'), status: 10 }));
    state.applyStatus(status('OPEN', '00004', { receivedAt: iso('2026-12-01T08:00:00'), acceptedAt: iso('2026-12-01T08:00:00') }));
    expect(state.size()).toMatchObject({ days: 1, dossiers: 2 });
    state.prune(vn('2026-12-08T12:00:00'));
    // Settled 7 days ago: forgotten; the open one stays while its day is kept.
    expect(state.size()).toMatchObject({ days: 1, dossiers: 1 });
    state.prune(vn('2026-12-11T12:00:00'));
    expect(state.size()).toMatchObject({ days: 0, dossiers: 0 });
    expect(state.takeChanges().removed).toEqual(['2026-12-01']);
    // A status for a day before the retention is not counted.
    state.applyStatus(status('LATE', '00004', { receivedAt: iso('2026-11-01T08:00:00'), acceptedAt: iso('2026-12-11T12:00:00') }));
    expect(state.size().days).toBe(0);
  });

  it('round-trips through a snapshot that passes the check', () => {
    const state = scenario();
    const text = JSON.stringify({ version: 1, takenAt: new Date().toISOString(), offsets: { t: [{ partition: 0, offset: '7' }] }, state: state.toData() });
    const decoded = decodeIndicatorSnapshot(text);
    if (!decoded.ok) throw new Error(decoded.reason);
    const restored = new IndicatorState();
    restored.load(decoded.snapshot.state);
    expect(report(restored, TUESDAY_10, { level: 'national' })).toEqual(report(state, TUESDAY_10, { level: 'national' }));
    expect(decodeIndicatorSnapshot(text.replace('"00004"', '"4"'))).toEqual({ ok: false, reason: 'day buckets malformed' });
    expect(decodeIndicatorSnapshot('[]')).toMatchObject({ ok: false });
  });
});
