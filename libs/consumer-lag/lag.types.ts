/**
 * The lag monitor's snapshot and settings as the ops API shows them (GET /v1/ops/sync/lag;
 * docs/sync-monitoring.md). Types only, importing nothing: the /ops page's browser code
 * (tsconfig.ops-page.json) types its answers with them, so a change here breaks the page's type
 * check, and the erased imports put no server code in its bundle.
 */

export type PartitionStatus = 'OK' | 'WARN' | 'STALL' | 'STOP';
export type GroupStatus = 'OK' | 'WARN' | 'ERR';

/** The rules a partition is judged by (lag-evaluator.ts). */
export interface LagRules {
  /** Length of the sliding window the WARN and STALL rules look at. */
  windowMs: number;
  /** Messages of lag tolerated without looking further. */
  allowance: number;
  /** A committed offset unchanged for longer than this, with lag > 0, means the group stopped (> windowMs). */
  stopAfterMs: number;
}

export interface LagMonitorSettings extends LagRules {
  /** How often the monitor reads the offsets. */
  intervalMs: number;
  /** How far back the monitor keeps samples: time-lag estimates and the chart history reach this far. */
  historyMs: number;
}

export interface PartitionLagSnapshot {
  topic: string;
  partition: number;
  endOffset: number;
  /** -1 where the group committed nothing. */
  committedOffset: number;
  lag: number;
  timeLagMs: number;
  timeLagIsLowerBound: boolean;
  status: PartitionStatus;
  /** When the monitor saw the committed offset change last (ISO); null when it has not seen it change. */
  committedMovedAt: string | null;
  /** Why the status, in words. */
  reason: string;
}

export interface GroupLagSnapshot {
  group: string;
  status: GroupStatus;
  totalLag: number;
  maxTimeLagMs: number;
  partitions: PartitionLagSnapshot[];
  /** What failed at the last poll (missing topic, unreachable broker…); null when it all worked. */
  error: string | null;
  /** Since when polls of this group have been failing (ISO); null when the last poll worked. */
  errorSince: string | null;
  /** Last poll that read this group's offsets (ISO); null before the first. */
  sampledAt: string | null;
}

export interface LagSnapshot {
  evaluatedAt: string;
  settings: LagMonitorSettings;
  groups: GroupLagSnapshot[];
}

export interface LagHistoryPoint {
  t: number;
  totalLag: number;
  maxTimeLagMs: number;
  /** The group's status at that poll: the chart colours by it, and it shows a WARN that came and went between two reads. */
  status: GroupStatus;
}
