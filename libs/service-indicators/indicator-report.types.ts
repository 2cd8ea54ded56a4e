/**
 * The service-indicators report as GET /v1/ops/indicators answers it (docs/service-indicators.md).
 * Types only, importing nothing but other types-only modules: the /ops page's browser code
 * (tsconfig.ops-page.json) types its answers with them, so a change here breaks the page's type
 * check, and the erased imports put no server code in its bundle.
 */
import type { TerritoryScope } from '@motlan/vn-admin/territory-scope.types.js';

export type ServiceColour = 'GREEN' | 'YELLOW' | 'RED' | 'SILENT';

/**
 * When a commune's service is YELLOW or RED, and when a province is which colour. Every share
 * rule is a lower bound ("below this"); the overdue rule an upper one. A share is judged only
 * when its denominator reaches `minDossiers`: three dossiers do not make a rate.
 * Defaults and variables: docs/service-indicators.md.
 */
export interface ServiceThresholds {
  /** Working hours without any status after which a commune is SILENT (MOTLAN_SILENT_AFTER_WORKING_HOURS). */
  silentAfterWorkingHours: number;
  minDossiers: number;
  onlineShare: { yellowBelow: number; redBelow: number };
  onTimeShare: { yellowBelow: number; redBelow: number };
  electronicResultShare: { yellowBelow: number; redBelow: number };
  /** Open dossiers past their due date now. */
  overdueNow: { yellowFrom: number; redFrom: number };
  /** Province: SILENT when at least this share of its communes is SILENT. */
  provinceSilentShare: number;
  /** Province: RED when at least this share of its communes is RED or SILENT. */
  provinceRedShare: number;
  /** Province: GREEN when at least this share of its communes is GREEN (and it is not SILENT or RED). */
  provinceGreenShare: number;
}

export type ColourCounts = { total: number } & Record<ServiceColour, number>;

/** The indicators of a commune, a province or the country over a window; shares are 0–1, null when there is nothing to divide. */
export interface Indicators {
  received: number;
  online: number;
  onlineShare: number | null;
  resultsReturned: number;
  onTime: number;
  onTimeShare: number | null;
  overdueNow: number;
  electronicResults: number;
  electronicResultShare: number | null;
  paidOnline: number;
  onlinePaymentShare: number | null;
  dossiersWithReusedData: number;
  reuseShare: number | null;
  registryReads: number;
  registryReadsPerDossier: number | null;
  statusesDelivered: number;
  oldestPendingSeconds: number | null;
}

export type Granularity = 'day' | 'week' | 'month' | 'total';

/** The scope a report covers: what the token may read (libs/vn-admin/territory-scope.types.ts), narrowed by the query. */
export type ReportScope = TerritoryScope;

export interface SeriesPoint {
  /** First day of the period, YYYY-MM-DD. */
  period: string;
  indicators: Indicators;
}

export interface ProvinceRow {
  provinceCode: string;
  provinceName: string;
  serviceColour: ServiceColour;
  communes: ColourCounts;
  indicators: Indicators;
  series: SeriesPoint[];
}

export interface CommuneRow {
  communeCode: string;
  communeName: string;
  provinceCode: string;
  serviceColour: ServiceColour;
  relayColour: 'GREEN' | 'YELLOW' | 'RED';
  lastReportAt: string | null;
  reasons: string[];
  indicators: Indicators;
  series: SeriesPoint[];
}

export interface IndicatorReport {
  generatedAt: string;
  from: string;
  to: string;
  granularity: Granularity;
  scope: { level: ReportScope['level']; provinceCode?: string; communeCode?: string };
  thresholds: ServiceThresholds;
  national: { communes: ColourCounts; indicators: Indicators };
  provinces: ProvinceRow[];
  communes: CommuneRow[];
}

/** GET /v1/ops/indicators: the report, and when the worker last published the figures (null before the first publication). */
export type IndicatorAnswer = IndicatorReport & { viewAsOf: string | null };
