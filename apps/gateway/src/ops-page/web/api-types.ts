/**
 * What the /ops page reads from the gateway API: the fields it shows, as the API sends them (see
 * sync-ops.service.ts, libs/consumer-lag/lag-monitor.ts and libs/adapter-catalog). Written out
 * here because browser code cannot import the server's modules; the browser test
 * (test/e2e/ops-page.e2e.spec.ts) checks the page against the live API.
 */

export type Colour = 'GREEN' | 'YELLOW' | 'RED';

export interface LagSettings {
  intervalMs: number;
  windowMs: number;
  allowance: number;
  stopAfterMs: number;
  historyMs: number;
}

export interface LagHistoryPoint {
  t: number;
  totalLag: number;
  maxTimeLagMs: number;
  status?: string;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  endOffset: number;
  /** -1 where the group committed nothing. */
  committedOffset: number;
  lag: number;
  timeLagMs: number;
  timeLagIsLowerBound: boolean;
  status: string;
  committedMovedAt: string | null;
  reason: string;
}

export interface GroupLag {
  group: string;
  status: string;
  totalLag: number;
  maxTimeLagMs: number;
  partitions: PartitionLag[];
  error: string | null;
  errorSince: string | null;
  sampledAt: string | null;
  history?: LagHistoryPoint[];
}

/** GET /v1/ops/sync/lag */
export interface LagView {
  evaluatedAt: string;
  settings?: Partial<LagSettings>;
  groups: GroupLag[];
}

export interface ProvinceRow {
  code: string;
  name: string;
  communes: number;
  green: number;
  yellow: number;
  red: number;
  /** Share of GREEN communes, 0–1. */
  greenShare: number;
  received: number;
  delivered: number;
  pending: number;
  failed: number;
  oldestPendingAgeMs: number | null;
}

/** GET /v1/ops/sync/provinces */
export interface ProvincesView {
  totals: { provinces: number; provincesAllGreen: number; communes: Record<Colour, number> };
  thresholds?: { yellowPendingAgeMs: number; redPendingAgeMs: number };
  provinces: ProvinceRow[];
}

export interface CommuneRow {
  code: string;
  name: string;
  status: Colour;
  reasons: string[];
  received: number;
  delivered: number;
  pending: number;
  failed: number;
  oldestPendingAgeMs: number | null;
  failureRatio: number;
  partitions: number[];
}

/** GET /v1/ops/sync/communes?province=NN */
export interface CommunesView {
  province: { code: string; name: string };
  evaluatedAt: string;
  communes: CommuneRow[];
}

export interface Adapter {
  id: string;
  registry: string;
  endpoint: string;
  source: 'catalog' | 'config';
  state: string;
  reason: string;
}

/** GET /v1/adapters */
export interface AdapterList {
  adapters?: Adapter[];
}

/** GET /v1/adapters/{id}/health */
export interface AdapterHealth {
  grpcHealth: string;
  resilience: {
    breaker: { state: string; opened: number; remainingOpenMs: number };
    inFlight: number;
    maxConcurrency: number;
    recent: { windowMs: number; calls: number; errorRate: number; latencyMs: { p95: number } | null } | null;
  };
}

// ---- Service indicators (GET /v1/ops/indicators; docs/service-indicators.md) ----

export type ServiceColour = 'GREEN' | 'YELLOW' | 'RED' | 'SILENT';

export interface ColourCounts {
  total: number;
  GREEN: number;
  YELLOW: number;
  RED: number;
  SILENT: number;
}

/** What a commune or a province delivered in the window; shares are 0–1, null when there is nothing to divide. */
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

export interface SeriesPoint {
  /** First day of the period, YYYY-MM-DD. */
  period: string;
  indicators: Indicators;
}

export interface ServiceProvinceRow {
  provinceCode: string;
  provinceName: string;
  serviceColour: ServiceColour;
  communes: ColourCounts;
  indicators: Indicators;
  series: SeriesPoint[];
}

export interface ServiceCommuneRow {
  communeCode: string;
  communeName: string;
  provinceCode: string;
  serviceColour: ServiceColour;
  relayColour: Colour;
  lastReportAt: string | null;
  reasons: string[];
  indicators: Indicators;
  series: SeriesPoint[];
}

/** The colour rules in force (docs/service-indicators.md). */
export interface ServiceThresholds {
  silentAfterWorkingHours: number;
  minDossiers: number;
  onlineShare: { yellowBelow: number; redBelow: number };
  onTimeShare: { yellowBelow: number; redBelow: number };
  electronicResultShare: { yellowBelow: number; redBelow: number };
  overdueNow: { yellowFrom: number; redFrom: number };
  provinceSilentShare: number;
  provinceRedShare: number;
  provinceGreenShare: number;
}

/** GET /v1/ops/indicators[?province=NN&granularity=week] */
export interface IndicatorsView {
  generatedAt: string;
  /** When the worker last published the figures; null before the first publication. */
  viewAsOf?: string | null;
  from: string;
  to: string;
  granularity: 'day' | 'week' | 'month' | 'total';
  scope: { level: 'national' | 'province' | 'commune'; provinceCode?: string; communeCode?: string };
  thresholds?: ServiceThresholds;
  national: { communes: ColourCounts; indicators: Indicators };
  provinces: ServiceProvinceRow[];
  communes?: ServiceCommuneRow[];
}
