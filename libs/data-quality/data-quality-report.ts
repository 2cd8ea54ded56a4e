import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { ReportScope } from '@motlan/service-indicators/indicator-report.types.js';
import type { ChangeEventFigures, DataQualityFigures, DataQualityReport } from './data-quality-report.types.js';
import { DQ, emptyDqCounters, mergeDqCounters, NO_COMMUNE, UNKNOWN_COMMUNE } from './data-quality-counters.js';

export type { ChangeEventFigures, DataQualityAnswer, DataQualityFigures, DataQualityReport } from './data-quality-report.types.js';

/** One registry × province cell of the national figures (the Prometheus gauges). */
export interface DataQualityCell {
  registry: string;
  province: string;
  counters: number[];
}

const per1000 = (part: number, reads: number): number | null => (reads > 0 ? Math.round((part / reads) * 100_000) / 100 : null);
const share = (part: number, reads: number): number | null => (reads > 0 ? Math.round((part / reads) * 10_000) / 10_000 : null);

export function figuresOf(c: readonly number[]): DataQualityFigures {
  const reads = c[DQ.reads];
  return {
    reads,
    conflicts: c[DQ.conflicts],
    conflictsPer1000Reads: per1000(c[DQ.conflicts], reads),
    correctionsAccepted: c[DQ.correctionsAccepted],
    correctionsAcceptedPer1000Reads: per1000(c[DQ.correctionsAccepted], reads),
    readsWithMissingFields: c[DQ.readsWithMissingFields],
    missingFieldsShare: share(c[DQ.readsWithMissingFields], reads),
    readsWithMalformedValues: c[DQ.readsWithMalformedValues],
    malformedValuesShare: share(c[DQ.readsWithMalformedValues], reads),
    staleAnswers: c[DQ.staleAnswers],
    staleShare: share(c[DQ.staleAnswers], reads),
  };
}

export function changeEventFiguresOf(c: readonly number[]): ChangeEventFigures {
  const n = c[DQ.changeEvents];
  return {
    changeEvents: n,
    changeEventDelayAvgSeconds: n > 0 ? Math.round(c[DQ.changeDelayMsSum] / n) / 1000 : null,
    changeEventDelayMaxSeconds: n > 0 ? c[DQ.changeDelayMsMax] / 1000 : null,
  };
}

/** The province of a commune key: its province code, `unknown` for clients bound to none, undefined for change events. */
function provinceOf(commune: string, directory: VnAdminDirectory): string | undefined {
  if (commune === NO_COMMUNE) return undefined;
  if (commune === UNKNOWN_COMMUNE) return UNKNOWN_COMMUNE;
  return directory.commune(commune)?.provinceCode ?? UNKNOWN_COMMUNE;
}

/** The counters of the window summed per registry × province (change events under province `-`). */
export function sumCells(
  days: Iterable<ReadonlyMap<string, readonly number[]>>,
  directory: VnAdminDirectory,
  inScope: (commune: string) => boolean = () => true,
): DataQualityCell[] {
  const cells = new Map<string, DataQualityCell>();
  for (const rows of days) {
    for (const [key, counters] of rows) {
      const bar = key.lastIndexOf('|');
      const registry = key.slice(0, bar);
      const commune = key.slice(bar + 1);
      const province = provinceOf(commune, directory) ?? NO_COMMUNE;
      if (commune !== NO_COMMUNE && !inScope(commune)) continue;
      const id = `${registry}|${province}`;
      let cell = cells.get(id);
      if (!cell) cells.set(id, (cell = { registry, province, counters: emptyDqCounters() }));
      mergeDqCounters(cell.counters, counters);
    }
  }
  return [...cells.values()].sort((a, b) => a.registry.localeCompare(b.registry) || a.province.localeCompare(b.province));
}

/**
 * The report of a scope. Reads, conflicts, corrections, missing, malformed and stale figures are
 * of the reads made by the scope's communes; change-event delays are per registry, national in
 * every scope (they hold no personal data and no commune's activity).
 */
export function buildDataQualityReport(input: {
  scope: ReportScope;
  from: string;
  to: string;
  days: Iterable<ReadonlyMap<string, readonly number[]>>;
  directory: VnAdminDirectory;
  /** Registries to list even without figures (those the pool knows). */
  registries: readonly string[];
}): DataQualityReport {
  const { scope, directory } = input;
  const inScope = (commune: string): boolean => {
    if (scope.level === 'national') return true;
    if (scope.level === 'commune') return commune === scope.communeCode;
    return directory.commune(commune)?.provinceCode === scope.provinceCode;
  };
  const cells = sumCells(input.days, directory, inScope);
  const byRegistry = new Map<string, number[]>(input.registries.map((r) => [r, emptyDqCounters()]));
  const byProvince = new Map<string, number[]>();
  const totals = emptyDqCounters();
  for (const cell of cells) {
    let r = byRegistry.get(cell.registry);
    if (!r) byRegistry.set(cell.registry, (r = emptyDqCounters()));
    mergeDqCounters(r, cell.counters);
    if (cell.province === NO_COMMUNE) continue;
    let p = byProvince.get(cell.province);
    if (!p) byProvince.set(cell.province, (p = emptyDqCounters()));
    mergeDqCounters(p, cell.counters);
    mergeDqCounters(totals, cell.counters);
  }
  if (scope.level !== 'national' && !byProvince.has(scope.provinceCode)) byProvince.set(scope.provinceCode, emptyDqCounters());
  const provinces = [...byProvince]
    .sort(([a], [b]) => (a === UNKNOWN_COMMUNE ? 1 : b === UNKNOWN_COMMUNE ? -1 : a.localeCompare(b)))
    .map(([code, c]) => ({ provinceCode: code, provinceName: directory.province(code)?.name ?? null, ...figuresOf(c) }));
  return {
    scope,
    from: input.from,
    to: input.to,
    totals: figuresOf(totals),
    registries: [...byRegistry].sort(([a], [b]) => a.localeCompare(b)).map(([registry, c]) => ({ registry, ...figuresOf(c), ...changeEventFiguresOf(c) })),
    provinces,
  };
}

const CSV_COLUMNS: ReadonlyArray<keyof DataQualityFigures> = [
  'reads',
  'conflicts',
  'conflictsPer1000Reads',
  'correctionsAccepted',
  'correctionsAcceptedPer1000Reads',
  'readsWithMissingFields',
  'missingFieldsShare',
  'readsWithMalformedValues',
  'malformedValuesShare',
  'staleAnswers',
  'staleShare',
];

const cell = (v: string | number | null): string => (v === null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

/** One row per registry, then one per province, then the total (UTF-8 with BOM, like the indicators' CSV). */
export function dataQualityToCsv(report: DataQualityReport): string {
  const lines = [
    ['kind', 'registry', 'provinceCode', 'provinceName', ...CSV_COLUMNS, 'changeEvents', 'changeEventDelayAvgSeconds', 'changeEventDelayMaxSeconds'].join(','),
  ];
  for (const r of report.registries)
    lines.push(
      ['registry', r.registry, '', '', ...CSV_COLUMNS.map((k) => r[k]), r.changeEvents, r.changeEventDelayAvgSeconds, r.changeEventDelayMaxSeconds]
        .map(cell)
        .join(','),
    );
  for (const p of report.provinces)
    lines.push(['province', '', p.provinceCode, p.provinceName, ...CSV_COLUMNS.map((k) => p[k]), '', '', ''].map(cell).join(','));
  lines.push(['total', '', '', '', ...CSV_COLUMNS.map((k) => report.totals[k]), '', '', ''].map(cell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
