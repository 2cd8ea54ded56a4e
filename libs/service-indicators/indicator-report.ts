import { addInto, emptyCounters, indicatorsOf, INDICATOR_FIELDS } from './indicators.js';
import type {
  CommuneRow,
  Granularity,
  IndicatorReport,
  Indicators,
  ProvinceRow,
  ReportScope,
  SeriesPoint,
  ServiceThresholds,
} from './indicator-report.types.js';
import { COLOUR_RANK, colourCounts, communeColour, provinceColour } from './service-colour.js';
import { addDays, periodStart, type WorkingHours } from './vietnam-calendar.js';

export type { CommuneRow, Granularity, IndicatorAnswer, IndicatorReport, ProvinceRow, ReportScope, SeriesPoint } from './indicator-report.types.js';

/** What the report needs of the official list (libs/vn-admin's VnAdminDirectory fits). */
export interface AdminDirectory {
  provinces(): readonly { code: string; name: string }[];
  communesOf(provinceCode: string): readonly { code: string; name: string; provinceCode: string }[];
}

/** The relay's view of a commune (libs/dossier-relay's sync figures and colour). */
export interface RelayHealth {
  colour: 'GREEN' | 'YELLOW' | 'RED';
  reasons: string[];
  oldestPendingSeconds: number | null;
}

export interface ReportInput {
  scope: ReportScope;
  from: string;
  to: string;
  granularity: Granularity;
  now: number;
  /** day → commune → counters (days outside [from, to] are ignored). */
  days: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
  /** commune → when it last reported, open dossiers overdue now. */
  live: ReadonlyMap<string, { lastReportAt: number | null; overdueNow: number }>;
  relay: (communeCode: string) => RelayHealth;
  directory: AdminDirectory;
  thresholds: ServiceThresholds;
  hours: WorkingHours;
}

/** The periods of [from, to] at a granularity, each named by its first day (weeks start on Monday); none for `total`. */
export function periodsOf(from: string, to: string, granularity: Granularity): string[] {
  if (granularity === 'total') return [];
  const periods: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) {
    const start = periodStart(day, granularity);
    if (periods[periods.length - 1] !== start) periods.push(start);
  }
  return periods;
}

interface Acc {
  total: number[];
  byPeriod: Map<string, number[]>;
}

/**
 * The indicator report of a scope over [from, to] (Vietnam calendar days, both included).
 * Everything in it is computed from the communes the scope can see: a province scope's `national`
 * block is that province's, a commune scope's province row is that commune's — a monitoring centre
 * bound to a province, or a commune, learns nothing of the others. "Now" figures (overdue now,
 * oldest pending) are in the totals only; series points carry 0 and null for them.
 */
export function buildIndicatorReport(input: ReportInput): IndicatorReport {
  const { scope, from, to, granularity, now, thresholds, hours } = input;
  const dayList: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) dayList.push(day);
  const periodOf = (day: string) => (granularity === 'total' ? '' : periodStart(day, granularity));
  const periods = periodsOf(from, to, granularity);

  const provinces = input.directory.provinces().filter((p) => scope.level === 'national' || p.code === scope.provinceCode);
  const visible = new Map<string, { code: string; name: string; provinceCode: string }>();
  for (const p of provinces) {
    for (const c of input.directory.communesOf(p.code)) if (scope.level !== 'commune' || c.code === scope.communeCode) visible.set(c.code, c);
  }

  // One pass over the window's buckets: totals and per-period sums of every visible commune.
  const acc = new Map<string, Acc>();
  const accOf = (commune: string) => {
    let a = acc.get(commune);
    if (!a) acc.set(commune, (a = { total: emptyCounters(), byPeriod: new Map() }));
    return a;
  };
  for (const day of dayList) {
    const rows = input.days.get(day);
    if (!rows) continue;
    for (const [commune, counters] of rows) {
      if (!visible.has(commune)) continue;
      const a = accOf(commune);
      addInto(a.total, counters);
      if (granularity !== 'total') {
        const period = periodOf(day);
        let sum = a.byPeriod.get(period);
        if (!sum) a.byPeriod.set(period, (sum = emptyCounters()));
        addInto(sum, counters);
      }
    }
  }

  const seriesOf = (byPeriod: ReadonlyMap<string, number[]>): SeriesPoint[] =>
    periods.map((period) => ({ period, indicators: indicatorsOf(byPeriod.get(period) ?? emptyCounters(), 0, null) }));

  const communeRows: CommuneRow[] = [];
  for (const c of visible.values()) {
    const a = acc.get(c.code);
    const live = input.live.get(c.code);
    const relay = input.relay(c.code);
    const indicators = indicatorsOf(a?.total ?? emptyCounters(), live?.overdueNow ?? 0, relay.oldestPendingSeconds);
    const { colour, reasons } = communeColour(indicators, live?.lastReportAt ?? null, now, thresholds, hours);
    communeRows.push({
      communeCode: c.code,
      communeName: c.name,
      provinceCode: c.provinceCode,
      serviceColour: colour,
      relayColour: relay.colour,
      lastReportAt: live?.lastReportAt != null ? new Date(live.lastReportAt).toISOString() : null,
      reasons,
      indicators,
      // The national scope lists no communes: their series would be computed for nothing.
      series: scope.level === 'national' ? [] : seriesOf(a?.byPeriod ?? new Map()),
    });
  }

  const aggregate = (rows: readonly CommuneRow[]) => {
    const total = emptyCounters();
    const byPeriod = new Map<string, number[]>();
    let overdue = 0;
    let oldest: number | null = null;
    for (const row of rows) {
      const a = acc.get(row.communeCode);
      if (a) {
        addInto(total, a.total);
        for (const [period, sum] of a.byPeriod) {
          let p = byPeriod.get(period);
          if (!p) byPeriod.set(period, (p = emptyCounters()));
          addInto(p, sum);
        }
      }
      overdue += row.indicators.overdueNow;
      const age = row.indicators.oldestPendingSeconds;
      if (age !== null && (oldest === null || age > oldest)) oldest = age;
    }
    return { indicators: indicatorsOf(total, overdue, oldest), byPeriod, counts: colourCounts(rows.map((r) => r.serviceColour)) };
  };

  const provinceRows: ProvinceRow[] = provinces
    .map((p) => {
      const rows = communeRows.filter((r) => r.provinceCode === p.code);
      const agg = aggregate(rows);
      return {
        provinceCode: p.code,
        provinceName: p.name,
        serviceColour: provinceColour(agg.counts, thresholds),
        communes: agg.counts,
        indicators: agg.indicators,
        series: seriesOf(agg.byPeriod),
      };
    })
    .sort((a, b) => a.provinceCode.localeCompare(b.provinceCode));
  const national = aggregate(communeRows);

  return {
    generatedAt: new Date(now).toISOString(),
    from,
    to,
    granularity,
    scope: {
      level: scope.level,
      ...(scope.level !== 'national' ? { provinceCode: scope.provinceCode } : {}),
      ...(scope.level === 'commune' ? { communeCode: scope.communeCode } : {}),
    },
    thresholds,
    national: { communes: national.counts, indicators: national.indicators },
    provinces: provinceRows,
    communes:
      scope.level === 'national'
        ? []
        : communeRows.sort((a, b) => COLOUR_RANK[a.serviceColour] - COLOUR_RANK[b.serviceColour] || a.communeCode.localeCompare(b.communeCode)),
  };
}

export const CSV_COLUMNS = ['level', 'provinceCode', 'provinceName', 'communeCode', 'communeName', 'period', 'serviceColour', ...INDICATOR_FIELDS] as const;

/**
 * The report as CSV (RFC 4180, CRLF, UTF-8 with a BOM so spreadsheet programs read the
 * Vietnamese names right): one row per province (national scope) or per commune (province and
 * commune scopes) and per period; `period` is "total" for granularity total.
 */
export function reportToCsv(report: IndicatorReport): string {
  const lines: string[] = [CSV_COLUMNS.join(',')];
  const emit = (
    level: string,
    provinceCode: string,
    provinceName: string,
    communeCode: string,
    communeName: string,
    colour: string,
    ind: Indicators,
    period: string,
  ) =>
    lines.push(
      [level, provinceCode, provinceName, communeCode, communeName, period, colour, ...INDICATOR_FIELDS.map((f) => (ind[f] === null ? '' : String(ind[f])))]
        .map(csvField)
        .join(','),
    );
  const rowsOf = (series: SeriesPoint[], total: Indicators) => (report.granularity === 'total' ? [{ period: 'total', indicators: total }] : series);
  if (report.scope.level === 'national') {
    for (const p of report.provinces) {
      for (const point of rowsOf(p.series, p.indicators))
        emit('province', p.provinceCode, p.provinceName, '', '', p.serviceColour, point.indicators, point.period);
    }
  } else {
    const names = new Map(report.provinces.map((p) => [p.provinceCode, p.provinceName]));
    for (const c of report.communes) {
      for (const point of rowsOf(c.series, c.indicators)) {
        emit('commune', c.provinceCode, names.get(c.provinceCode) ?? '', c.communeCode, c.communeName, c.serviceColour, point.indicators, point.period);
      }
    }
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function csvField(value: string): string {
  // Quoted when it must be; a leading = + - @ is neutralised so a spreadsheet never runs a name as a formula.
  const safe = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
