import {
  buildIndicatorReport,
  type Granularity,
  type IndicatorAnswer,
  type RelayHealth,
  type ReportScope,
} from '@motlan/service-indicators/indicator-report.js';
import { addDays, vnDay } from '@motlan/service-indicators/vietnam-calendar.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { ServiceIndicatorsConfig } from './service-indicators.config.js';
import type { IndicatorsSource } from './indicators.source.js';

/** The relay's colour and oldest pending age per commune (SyncOpsService.relayHealth). */
export type RelayHealthLookup = (communeCodes: Iterable<string>) => Promise<Map<string, RelayHealth>>;

/** The window the API shows when none is asked: the last 28 days, today included. */
export const DEFAULT_WINDOW_DAYS = 28;

/** The answer of GET /v1/ops/indicators; the /ops page types it from the same module. */
export type { IndicatorAnswer } from '@motlan/service-indicators/indicator-report.types.js';

/**
 * The indicator report of a scope: reads the buckets of the window and the live view (from this
 * process's projection, or what the workers published), the relay health of the communes, and
 * hands them to the pure report (libs/service-indicators/indicator-report.ts).
 */
export class ServiceIndicatorsService {
  constructor(
    private readonly source: IndicatorsSource,
    private readonly directory: VnAdminDirectory,
    private readonly config: ServiceIndicatorsConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Today and the default first day, Vietnam calendar. */
  defaultWindow(): { from: string; to: string } {
    const to = vnDay(this.now());
    return { from: addDays(to, -(DEFAULT_WINDOW_DAYS - 1)), to };
  }

  get retentionDays(): number {
    return this.config.retentionDays;
  }

  async report(scope: ReportScope, from: string, to: string, granularity: Granularity, relayHealth: RelayHealthLookup): Promise<IndicatorAnswer> {
    const now = this.now();
    const days: string[] = [];
    for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
    const read = await this.source.read(days);
    const communes =
      scope.level === 'commune'
        ? [scope.communeCode]
        : (scope.level === 'province' ? this.directory.communesOf(scope.provinceCode) : this.directory.communes()).map((c) => c.code);
    const relay = await relayHealth(communes);
    const live = new Map((read.live?.communes ?? []).map(([code, lastReportAt, overdueNow]) => [code, { lastReportAt, overdueNow }]));
    const report = buildIndicatorReport({
      scope,
      from,
      to,
      granularity,
      now,
      days: read.days,
      live,
      relay: (code) => relay.get(code) ?? { colour: 'GREEN', reasons: [], oldestPendingSeconds: null },
      directory: this.directory,
      thresholds: this.config.thresholds,
      hours: this.config.workingHours,
    });
    return { ...report, viewAsOf: read.live?.publishedAt ?? null };
  }
}
