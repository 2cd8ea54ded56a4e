/**
 * The province view of the service indicators: the province's figures with their trend over the
 * last weeks, then its communes in a table sortable by each indicator, SILENT first by default
 * (then RED, YELLOW, GREEN, as the API orders them). Each figure carries a small trend line of its
 * weekly values; every colour is also a word.
 */
import type { SyncColour } from '@motlan/dossier-relay/sync-ops.types.js';
import type { CommuneRow, IndicatorAnswer, ProvinceRow } from '@motlan/service-indicators/indicator-report.types.js';
import { append, badge, h, keepingFocus } from './dom.js';
import { clock, duration, num } from './format.js';
import { formatIndicator, INDICATORS, SERVICE_RANK, shareBasis, sparkline, type IndicatorDef, type IndicatorKey } from './indicators.js';
import { colourSharesText, serviceBadge } from './service-map.js';

type OtherKey = 'service' | 'name' | 'code' | 'relay' | 'lastReportAt';
export type CommuneSortKey = OtherKey | IndicatorKey;
export interface CommuneSort {
  key: CommuneSortKey;
  dir: 'asc' | 'desc';
}

/** The order the API sends: SILENT, RED, YELLOW, GREEN, then by code. */
export const DEFAULT_COMMUNE_SORT: CommuneSort = { key: 'service', dir: 'asc' };

const RELAY_RANK: Record<SyncColour, number> = { RED: 0, YELLOW: 1, GREEN: 2 };

interface OtherColumn {
  key: OtherKey;
  label: string;
  dir: 'asc' | 'desc';
}

const OTHER_COLUMNS: readonly OtherColumn[] = [
  { key: 'name', label: 'Commune', dir: 'asc' },
  { key: 'code', label: 'Code', dir: 'asc' },
  { key: 'service', label: 'Service', dir: 'asc' },
  { key: 'relay', label: 'Relay', dir: 'asc' },
  { key: 'lastReportAt', label: 'Last report', dir: 'asc' },
];

function compareCommunes(a: CommuneRow, b: CommuneRow, sort: CommuneSort): number {
  const sign = sort.dir === 'asc' ? 1 : -1;
  const byService = SERVICE_RANK[a.serviceColour] - SERVICE_RANK[b.serviceColour] || a.communeCode.localeCompare(b.communeCode);
  switch (sort.key) {
    case 'service':
      return sign * byService;
    case 'name':
      return sign * a.communeName.localeCompare(b.communeName, 'vi') || byService;
    case 'code':
      return sign * a.communeCode.localeCompare(b.communeCode);
    case 'relay':
      return sign * (RELAY_RANK[a.relayColour] - RELAY_RANK[b.relayColour]) || byService;
    case 'lastReportAt': {
      // Never reported counts as the oldest report.
      const at = (c: CommuneRow) => (c.lastReportAt ? Date.parse(c.lastReportAt) : -Infinity);
      return sign * (at(a) - at(b) || 0) || byService;
    }
    default: {
      const av = a.indicators[sort.key];
      const bv = b.indicators[sort.key];
      // Communes without the figure (nothing to divide) go last whichever the direction.
      if (av === null && bv === null) return byService;
      if (av === null) return 1;
      if (bv === null) return -1;
      return sign * (av - bv) || byService;
    }
  }
}

/** The communes in the chosen order. */
export function sortCommunes(list: readonly CommuneRow[], sort: CommuneSort): CommuneRow[] {
  return list.slice().sort((a, b) => compareCommunes(a, b, sort));
}

function columnLabel(key: CommuneSortKey): string {
  return OTHER_COLUMNS.find((c) => c.key === key)?.label ?? INDICATORS.find((d) => d.key === key)?.label ?? key;
}

/** The sort after a click on a column heading: the same column flips, another starts worst first. */
export function nextSort(current: CommuneSort, key: CommuneSortKey): CommuneSort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  const dir = OTHER_COLUMNS.find((c) => c.key === key)?.dir ?? INDICATORS.find((d) => d.key === key)?.dir ?? 'asc';
  return { key, dir };
}

function indicatorCell(def: IndicatorDef, commune: CommuneRow): HTMLTableCellElement {
  const value = commune.indicators[def.key];
  const basis = shareBasis(def, commune.indicators);
  return h('td', { class: 'num ind' + (value === 0 || value === null ? ' zero' : ''), 'data-field': def.key, title: basis || null }, [
    h('span', { class: 'ind-value', text: formatIndicator(def, value) }),
    commune.series.length && !def.now ? sparkline(def, commune.series) : null,
  ]);
}

function lastReport(at: string | null): string {
  return at ? duration(Math.max(0, Date.now() - Date.parse(at))) + ' ago' : 'never';
}

/** The province's figures for the window, each with its weekly trend (larger than the table's). */
function trendCards(province: ProvinceRow): HTMLElement {
  return h(
    'ul',
    { class: 'trend-cards' },
    INDICATORS.map((def) => {
      const value = province.indicators[def.key];
      const basis = shareBasis(def, province.indicators);
      const first = province.series[0];
      const last = province.series[province.series.length - 1];
      const change =
        !def.now && first && last && province.series.length > 1
          ? formatIndicator(def, first.indicators[def.key]) + ' \u2192 ' + formatIndicator(def, last.indicators[def.key])
          : '';
      return h('li', { class: 'trend-card', 'data-indicator': def.key }, [
        h('span', { class: 'trend-label', text: def.label }),
        h('b', { class: 'trend-value', 'data-field': 'value', text: formatIndicator(def, value) }),
        basis ? h('span', { class: 'muted trend-basis', text: basis }) : null,
        def.now ? h('span', { class: 'muted trend-change', text: 'now, no trend' }) : sparkline(def, province.series, 132, 34),
        change ? h('span', { class: 'muted trend-change', text: 'weeks: ' + change }) : null,
      ]);
    }),
  );
}

/** Draws the province view: heading, summary, trends and the commune table. */
export function renderServiceProvince(
  view: IndicatorAnswer,
  parts: { title: HTMLElement; summary: HTMLElement; trends: HTMLElement; sortNote: HTMLElement; table: HTMLTableElement },
  sort: CommuneSort,
  onSort: (key: CommuneSortKey) => void,
): void {
  const province = view.provinces[0];
  const communes = view.communes ?? [];
  if (!province) return;
  parts.title.replaceChildren();
  append(parts.title, [
    'Service in ',
    h('span', { lang: 'vi', text: province.provinceName }),
    ' (' + province.provinceCode + ') ',
    serviceBadge(province.serviceColour),
  ]);
  parts.summary.textContent =
    num(province.communes.total) +
    ' communes: ' +
    colourSharesText(province.communes) +
    '. Window ' +
    view.from +
    ' to ' +
    view.to +
    ', by week; computed at ' +
    clock(Date.parse(view.generatedAt)) +
    '.';
  parts.trends.replaceChildren(trendCards(province));
  parts.sortNote.textContent =
    (sort.key === 'service' && sort.dir === 'asc'
      ? 'SILENT communes first, then RED, YELLOW, GREEN.'
      : 'Sorted by ' + columnLabel(sort.key) + (sort.dir === 'asc' ? ', lowest first.' : ', highest first.')) +
    ' Click a column heading to sort by it. Each figure has its trend by week beside it (hover or focus for the weekly values).';
  keepingFocus(parts.table, () => {
    const heading = (key: CommuneSortKey, label: string, numeric: boolean) => {
      const sorted = sort.key === key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : null;
      return h(
        'th',
        { scope: 'col', class: numeric ? 'num' : null, 'aria-sort': sorted },
        h('button', { type: 'button', 'data-focus-key': 'svc-sort-' + key, 'data-sort': key, onclick: () => onSort(key) }, label),
      );
    };
    parts.table.tHead?.replaceChildren(
      h('tr', null, [
        ...OTHER_COLUMNS.map((c) => heading(c.key, c.label, false)),
        h('th', { scope: 'col', text: 'Why' }),
        ...INDICATORS.map((d) => heading(d.key, d.label, true)),
      ]),
    );
    const rows = sortCommunes(communes, sort).map((c) =>
      h('tr', { 'data-commune': c.communeCode, 'data-colour': c.serviceColour }, [
        h('th', { scope: 'row', lang: 'vi', 'data-field': 'name', text: c.communeName }),
        h('td', { class: 'mono', 'data-field': 'code', text: c.communeCode }),
        h('td', { 'data-field': 'service' }, serviceBadge(c.serviceColour)),
        h('td', { 'data-field': 'relay' }, badge(c.relayColour)),
        h('td', {
          'data-field': 'lastReportAt',
          class: c.lastReportAt ? null : 'muted',
          title: c.lastReportAt ? new Date(c.lastReportAt).toLocaleString('en-GB', { hour12: false }) : null,
          text: lastReport(c.lastReportAt),
        }),
        h(
          'td',
          { 'data-field': 'reasons' },
          c.reasons.length
            ? h(
                'ul',
                { class: 'reasons' },
                c.reasons.map((r) => h('li', { text: r })),
              )
            : h('span', { class: 'muted', text: '\u2014' }),
        ),
        ...INDICATORS.map((d) => indicatorCell(d, c)),
      ]),
    );
    if (!rows.length)
      rows.push(h('tr', null, h('td', { colspan: 6 + INDICATORS.length, class: 'muted', text: 'This province has no commune in the answer.' })));
    parts.table.tBodies[0].replaceChildren(...rows);
  });
}
