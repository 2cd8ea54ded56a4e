/**
 * Counters of one commune on one Vietnam calendar day, as a fixed-order tuple (small in the
 * snapshot and the published view). Each dossier adds to each counter at most once.
 */
import type { Indicators } from './indicator-report.types.js';

export const COUNTERS = [
  /** Dossiers first received (NgayTiepNhan) this day. */
  'received',
  /** …of them filed online (channel = online). */
  'online',
  /** …of them with fees paid online. */
  'paidOnline',
  /** …of them with at least one component replaced by registry data or evidence. */
  'dossiersWithReusedData',
  /** Results returned (first status 10 of a dossier) this day. */
  'resultsReturned',
  /** …of them finished (status 9 or 10) by the due date, or with no due date. */
  'onTime',
  /** …of them returned electronically. */
  'electronicResults',
  /** Registry records read for the commune's clerks this day (answered lookups and prefills). */
  'registryReads',
  /** Statuses of the commune the portal took this day (delivered or already held). */
  'statusesDelivered',
] as const;

export type CounterName = (typeof COUNTERS)[number];
export type DayCounters = number[];

export const C = Object.fromEntries(COUNTERS.map((name, i) => [name, i])) as Record<CounterName, number>;

export function emptyCounters(): DayCounters {
  return COUNTERS.map(() => 0);
}

export function addInto(target: DayCounters, source: readonly number[]): void {
  for (let i = 0; i < COUNTERS.length; i++) target[i] += source[i] ?? 0;
}

/** The indicators of a commune, a province or the country over a window (docs/service-indicators.md). */
export type { Indicators } from './indicator-report.types.js';

/** The fields of Indicators in their documented order (the CSV columns). */
export const INDICATOR_FIELDS: readonly (keyof Indicators)[] = [
  'received',
  'online',
  'onlineShare',
  'resultsReturned',
  'onTime',
  'onTimeShare',
  'overdueNow',
  'electronicResults',
  'electronicResultShare',
  'paidOnline',
  'onlinePaymentShare',
  'dossiersWithReusedData',
  'reuseShare',
  'registryReads',
  'registryReadsPerDossier',
  'statusesDelivered',
  'oldestPendingSeconds',
];

/** A share rounded to 4 decimals (0.01 %), null when there is nothing to share. */
export function share(part: number, whole: number): number | null {
  return whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null;
}

/**
 * Indicators from summed day counters plus the two "now" figures (not windowed): open dossiers
 * past their due date, and the age of the oldest status not yet delivered to the portal.
 */
export function indicatorsOf(sum: readonly number[], overdueNow: number, oldestPendingSeconds: number | null): Indicators {
  const v = (name: CounterName) => sum[C[name]] ?? 0;
  const received = v('received');
  const returned = v('resultsReturned');
  return {
    received,
    online: v('online'),
    onlineShare: share(v('online'), received),
    resultsReturned: returned,
    onTime: v('onTime'),
    onTimeShare: share(v('onTime'), returned),
    overdueNow,
    electronicResults: v('electronicResults'),
    electronicResultShare: share(v('electronicResults'), returned),
    paidOnline: v('paidOnline'),
    onlinePaymentShare: share(v('paidOnline'), received),
    dossiersWithReusedData: v('dossiersWithReusedData'),
    reuseShare: share(v('dossiersWithReusedData'), received),
    registryReads: v('registryReads'),
    registryReadsPerDossier: received > 0 ? Math.round((v('registryReads') / received) * 100) / 100 : null,
    statusesDelivered: v('statusesDelivered'),
    oldestPendingSeconds,
  };
}
