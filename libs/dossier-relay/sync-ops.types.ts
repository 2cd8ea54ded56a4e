/**
 * What the dossier relay's ops API answers (GET /v1/ops/sync/lag, /provinces, /communes;
 * docs/sync-monitoring.md). Types only, importing nothing but other types-only modules: the /ops
 * page's browser code (tsconfig.ops-page.json) types its answers with them, so a change here
 * breaks the page's type check, and the erased imports put no server code in its bundle.
 */
import type { GroupLagSnapshot, LagHistoryPoint, LagSnapshot } from '@motlan/consumer-lag/lag.types.js';
import type { TerritoryScope } from '@motlan/vn-admin/territory-scope.types.js';

export type SyncColour = 'GREEN' | 'YELLOW' | 'RED';

/** When a commune turns YELLOW or RED (docs/sync-monitoring.md). */
export interface CommuneStatusThresholds {
  /** Oldest pending status at least this old: YELLOW / RED. */
  yellowPendingAgeMs: number;
  redPendingAgeMs: number;
  /** Failed (dead-lettered) / received at least this: YELLOW / RED. */
  yellowFailureRatio: number;
  redFailureRatio: number;
}

/** A consumer group's lag as the ops API shows it: the snapshot with its recent history. */
export type GroupLagView = GroupLagSnapshot & { history: LagHistoryPoint[] };

/** The lag of the consumer groups, as a worker took it. */
export type OpsLag = Omit<LagSnapshot, 'groups'> & { groups: GroupLagView[] };

/** GET /v1/ops/sync/lag: the lag, and when the worker published it (null before the first publication). */
export type LagAnswer = OpsLag & { viewAsOf: string | null };

export interface CommuneView {
  code: string;
  name: string;
  status: SyncColour;
  reasons: string[];
  received: number;
  delivered: number;
  pending: number;
  failed: number;
  oldestPendingAgeMs: number | null;
  failureRatio: number;
  partitions: number[];
}

export interface ProvinceView {
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

/**
 * GET /v1/ops/sync/provinces: the provinces in the token's scope (all 34 for a national token, its
 * own for a province token, its commune's province holding that commune alone for a commune
 * token); the totals count what is listed.
 */
export interface ProvincesAnswer {
  evaluatedAt: string;
  viewAsOf: string | null;
  /** What the answer covers: the token's scope, narrowed by `province`. */
  scope: TerritoryScope;
  thresholds: CommuneStatusThresholds;
  totals: { provinces: number; provincesAllGreen: number; communes: Record<SyncColour, number> };
  provinces: ProvinceView[];
}

/** GET /v1/ops/sync/communes?province=NN: the province's communes (a commune token's own alone). */
export interface CommunesAnswer {
  evaluatedAt: string;
  viewAsOf: string | null;
  /** A province scope, or a commune scope for a commune token. */
  scope: Exclude<TerritoryScope, { level: 'national' }>;
  province: { code: string; name: string };
  communes: CommuneView[];
}
