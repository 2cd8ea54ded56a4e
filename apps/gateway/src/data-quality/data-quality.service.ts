import { Logger } from '@nestjs/common';
import { buildDataQualityReport, sumCells, type DataQualityAnswer, type DataQualityCell } from '@motlan/data-quality/data-quality-report.js';
import type { DataQualityProjection } from '@motlan/data-quality/data-quality.projection.js';
import type { DataQualityView, DataQualityViewStore } from '@motlan/data-quality/data-quality-view.js';
import type { ReportScope } from '@motlan/service-indicators/indicator-report.js';
import { addDays, vnDay } from '@motlan/service-indicators/vietnam-calendar.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';

/** The window shown when none is asked, and the metrics' window: the last 7 days, today included. */
export const DATA_QUALITY_WINDOW_DAYS = 7;
/** Days kept by the projection (the longest window the API answers). */
export const DATA_QUALITY_RETENTION_DAYS = 90;

/** The answer of GET /v1/ops/data-quality; the /ops page types it from the same module. */
export type { DataQualityAnswer } from '@motlan/data-quality/data-quality-report.types.js';

/** Where the figures are read: this process's projection (worker role too), or what the workers published. */
export abstract class DataQualitySource {
  abstract read(): Promise<DataQualityView | undefined>;
}

export class LiveDataQualitySource extends DataQualitySource {
  constructor(private readonly projection: DataQualityProjection) {
    super();
  }
  async read(): Promise<DataQualityView | undefined> {
    // Nothing until caught up: partial counts would be read as real ones.
    return this.projection.ready() ? this.projection.currentView() : undefined;
  }
}

export class PublishedDataQualitySource extends DataQualitySource {
  private readonly logger = new Logger('DataQualityView');
  private failing = false;
  constructor(private readonly store: DataQualityViewStore) {
    super();
  }
  async read(): Promise<DataQualityView | undefined> {
    try {
      const view = await this.store.read();
      this.failing = false;
      return view;
    } catch (error) {
      if (!this.failing) this.logger.warn({ reason: (error as Error).message }, 'data quality figures not readable; answering without them');
      this.failing = true;
      return undefined;
    }
  }
}

/** The data-quality report of a scope and window, and the metrics' cells (libs/data-quality holds the rules). */
export class DataQualityService {
  constructor(
    private readonly source: DataQualitySource,
    private readonly directory: VnAdminDirectory,
    private readonly registries: () => readonly string[],
    private readonly now: () => number = Date.now,
  ) {}

  defaultWindow(): { from: string; to: string } {
    const to = vnDay(this.now());
    return { from: addDays(to, -(DATA_QUALITY_WINDOW_DAYS - 1)), to };
  }

  async report(scope: ReportScope, from: string, to: string): Promise<DataQualityAnswer> {
    const view = await this.source.read();
    const report = buildDataQualityReport({ scope, from, to, days: daysIn(view, from, to), directory: this.directory, registries: this.registries() });
    return { ...report, viewAsOf: view?.publishedAt ?? null };
  }

  /** National registry × province counts over the default window (the Prometheus gauges). */
  async cells(): Promise<DataQualityCell[]> {
    const { from, to } = this.defaultWindow();
    return sumCells(daysIn(await this.source.read(), from, to), this.directory);
  }
}

function daysIn(view: DataQualityView | undefined, from: string, to: string): Array<ReadonlyMap<string, readonly number[]>> {
  return (view?.days ?? []).filter(([day]) => day >= from && day <= to).map(([, rows]) => new Map(rows.map(([key, ...counters]) => [key, counters])));
}
