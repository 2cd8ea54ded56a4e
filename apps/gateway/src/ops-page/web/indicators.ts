/**
 * The service indicators as the /ops page shows them: their names, how each is written, and the
 * small trend line drawn beside a figure. The trend is one dark line with a dot per period and its
 * figures in words (title and label), so it reads the same without colour.
 */
import type { Indicators, SeriesPoint, ServiceColour } from '@motlan/service-indicators/indicator-report.types.js';
import { svg } from './dom.js';
import { duration, num, percent } from './format.js';

export type IndicatorKey = keyof Indicators;
type Kind = 'count' | 'share' | 'ratio' | 'seconds';

export interface IndicatorDef {
  key: IndicatorKey;
  label: string;
  kind: Kind;
  /** What the share is of, for the cell's title ("online of received"). */
  of?: [IndicatorKey, IndicatorKey];
  /** The direction a column sorts first: worst first (a low share, a high overdue count). */
  dir: 'asc' | 'desc';
  /** A figure of now, not of a period: series points do not carry it, so it has no trend. */
  now?: boolean;
}

/** In the order of the contract (docs/service-indicators.md), the ones a monitoring centre reads. */
export const INDICATORS: readonly IndicatorDef[] = [
  { key: 'received', label: 'Received', kind: 'count', dir: 'desc' },
  { key: 'onlineShare', label: 'Online', kind: 'share', of: ['online', 'received'], dir: 'asc' },
  { key: 'onTimeShare', label: 'On time', kind: 'share', of: ['onTime', 'resultsReturned'], dir: 'asc' },
  { key: 'overdueNow', label: 'Overdue now', kind: 'count', dir: 'desc', now: true },
  { key: 'electronicResultShare', label: 'Electronic results', kind: 'share', of: ['electronicResults', 'resultsReturned'], dir: 'asc' },
  { key: 'onlinePaymentShare', label: 'Paid online', kind: 'share', of: ['paidOnline', 'received'], dir: 'asc' },
  { key: 'reuseShare', label: 'Data reused', kind: 'share', of: ['dossiersWithReusedData', 'received'], dir: 'asc' },
  { key: 'registryReadsPerDossier', label: 'Registry reads per dossier', kind: 'ratio', dir: 'asc' },
  { key: 'statusesDelivered', label: 'Statuses delivered', kind: 'count', dir: 'desc' },
  { key: 'oldestPendingSeconds', label: 'Oldest pending', kind: 'seconds', dir: 'desc', now: true },
];

const RATIO = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** One figure as text: a count, a percentage, a ratio or a duration; an em dash when there is none. */
export function formatIndicator(def: IndicatorDef, value: number | null | undefined): string {
  if (value === null || value === undefined) return '\u2014';
  if (def.kind === 'share') return percent(value);
  if (def.kind === 'ratio') return RATIO.format(value);
  if (def.kind === 'seconds') return duration(value * 1000);
  return num(value);
}

/** "1,234 of 5,678" behind a share, for the cell's title. */
export function shareBasis(def: IndicatorDef, indicators: Indicators): string {
  if (!def.of) return '';
  const [part, whole] = def.of;
  return num(indicators[part] as number) + ' of ' + num(indicators[whole] as number);
}

/** A colour's word with a shape, so it is told apart without colour: ✔ GREEN, ▲ YELLOW, ✖ RED, ◌ SILENT. */
export const COLOUR_SYMBOL: Record<ServiceColour, string> = { GREEN: '\u2714', YELLOW: '\u25b2', RED: '\u2716', SILENT: '\u25cc' };
/** SILENT first, then RED, YELLOW, GREEN: the order a monitoring centre works through. */
export const SERVICE_RANK: Record<ServiceColour, number> = { SILENT: 0, RED: 1, YELLOW: 2, GREEN: 3 };
export const SERVICE_COLOURS: readonly ServiceColour[] = ['GREEN', 'YELLOW', 'RED', 'SILENT'];

/** "12 Nov" from YYYY-MM-DD (the period a series point starts on). */
export function periodLabel(period: string): string {
  const [y, m, d] = period.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** The trend in words: "Online by week: 9 Nov 40 %, 16 Nov 45 %, …". */
export function trendText(def: IndicatorDef, series: readonly SeriesPoint[]): string {
  if (!series.length) return def.label + ': no periods';
  return def.label + ' by week: ' + series.map((p) => periodLabel(p.period) + ' ' + formatIndicator(def, p.indicators[def.key])).join(', ');
}

/**
 * A small trend line over the series: a dot per period with a figure, a line between neighbours,
 * a gap where a period has none. Shares are drawn on 0–100 %, other figures on 0 to their largest.
 */
export function sparkline(def: IndicatorDef, series: readonly SeriesPoint[], width = 64, height = 20): SVGSVGElement {
  const text = trendText(def, series);
  const box = svg('svg', {
    class: 'spark',
    viewBox: '0 0 ' + width + ' ' + height,
    width,
    height,
    role: 'img',
    'aria-label': text,
    'data-points': series.length,
  });
  box.appendChild(svg('title', { text }));
  const values = series.map((p) => p.indicators[def.key]);
  const known = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  box.appendChild(svg('line', { class: 'spark-base', x1: 1, y1: height - 1.5, x2: width - 1, y2: height - 1.5 }));
  if (!known.length) return box;
  const top = def.kind === 'share' ? 1 : Math.max(...known) || 1;
  const step = series.length > 1 ? (width - 6) / (series.length - 1) : 0;
  const x = (i: number) => 3 + (series.length > 1 ? i * step : (width - 6) / 2);
  const y = (v: number) => height - 3 - (Math.max(0, Math.min(v, top)) / top) * (height - 6);
  let path = '';
  let pen = false;
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    path += (pen ? 'L' : 'M') + x(i).toFixed(1) + ' ' + y(v).toFixed(1);
    pen = true;
  });
  if (path.includes('L')) box.appendChild(svg('path', { class: 'spark-line', d: path }));
  values.forEach((v, i) => {
    if (typeof v === 'number' && Number.isFinite(v)) {
      box.appendChild(
        svg('circle', {
          class: i === values.length - 1 ? 'spark-dot last' : 'spark-dot',
          cx: x(i).toFixed(1),
          cy: y(v).toFixed(1),
          r: i === values.length - 1 ? 2.4 : 1.5,
        }),
      );
    }
  });
  return box;
}
