import { Gauge, type Registry } from 'prom-client';
import { DQ } from './data-quality-counters.js';
import type { DataQualityCell } from './data-quality-report.js';

/**
 * The data-quality gauges (docs/metrics.md, docs/data-quality.md): counts over the default window
 * (the last 7 days), per registry and province of the reading commune. Labels stay bounded: the
 * registries the pool knows (+ `other`), the 34 province codes (+ `unknown`); never per commune.
 * Values are read at scrape time from `cells` (the api role; a worker-only process leaves them empty).
 */
export function registerDataQualityMetrics(registry: Registry, cells?: () => Promise<DataQualityCell[]>): void {
  let pending: Promise<DataQualityCell[] | undefined> | undefined;
  // One read per scrape: the registry collects every gauge concurrently, each awaits the same read.
  const read = (): Promise<DataQualityCell[] | undefined> =>
    (pending ??= (cells ? cells() : Promise.resolve(undefined)).catch(() => undefined).finally(() => setImmediate(() => (pending = undefined))));
  const perProvince = (name: string, help: string, counter: number) =>
    new Gauge({
      name,
      help,
      labelNames: ['registry', 'province'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        // Left out (not zero) when the figures cannot be read, so no alert reads "all clean" from a failure.
        for (const cell of (await read()) ?? [])
          if (cell.province !== '-') this.set({ registry: cell.registry, province: cell.province }, cell.counters[counter]);
      },
    });
  const perRegistry = (name: string, help: string, value: (c: number[]) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['registry'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const cell of (await read()) ?? []) {
          const v = cell.province === '-' ? value(cell.counters) : null;
          if (v !== null) this.set({ registry: cell.registry }, v);
        }
      },
    });
  perProvince('motlan_data_quality_reads', 'Registry records answered over the last 7 days, per registry and province of the reading commune', DQ.reads);
  perProvince('motlan_data_quality_conflicts', 'Prefill conflicts involving a read of the registry over the last 7 days ("correct")', DQ.conflicts);
  perProvince('motlan_data_quality_corrections_accepted', 'Corrections of the registry accepted over the last 7 days ("correct")', DQ.correctionsAccepted);
  perProvince(
    'motlan_data_quality_reads_missing_fields',
    'Reads lacking a field asked for by name over the last 7 days ("sufficient")',
    DQ.readsWithMissingFields,
  );
  perProvince(
    'motlan_data_quality_reads_malformed_values',
    'Reads with a value failing its declared format over the last 7 days ("clean")',
    DQ.readsWithMalformedValues,
  );
  perProvince('motlan_data_quality_stale_answers', 'Reads answered past the record max age (STALE) over the last 7 days ("live")', DQ.staleAnswers);
  perRegistry('motlan_data_quality_change_events', 'Change events of the registry over the last 7 days', (c) => c[DQ.changeEvents]);
  perRegistry('motlan_data_quality_change_event_delay_avg_seconds', 'Mean delay from a change to its event on the log over the last 7 days ("live")', (c) =>
    c[DQ.changeEvents] > 0 ? c[DQ.changeDelayMsSum] / c[DQ.changeEvents] / 1000 : null,
  );
  perRegistry('motlan_data_quality_change_event_delay_max_seconds', 'Longest delay from a change to its event on the log over the last 7 days ("live")', (c) =>
    c[DQ.changeEvents] > 0 ? c[DQ.changeDelayMsMax] / 1000 : null,
  );
}
