import type { CommuneFigures } from './sync-figures.js';
import type { CommuneStatusThresholds, SyncColour } from './sync-ops.types.js';

// When a commune turns YELLOW or RED: docs/sync-monitoring.md.
export type { CommuneStatusThresholds, SyncColour } from './sync-ops.types.js';
export type PartitionStatus = 'OK' | 'WARN' | 'STALL' | 'STOP';

export const DEFAULT_COMMUNE_THRESHOLDS: CommuneStatusThresholds = {
  yellowPendingAgeMs: 15 * 60_000,
  redPendingAgeMs: 60 * 60_000,
  yellowFailureRatio: 0.01,
  redFailureRatio: 0.05,
};

export interface CommuneStatus {
  status: SyncColour;
  /** Why it is not GREEN, in words an operator can act on. */
  reasons: string[];
}

/**
 * GREEN / YELLOW / RED of one commune from its figures and the lag status of the partitions its
 * pending statuses sit on: the worst rule wins. A commune with nothing pending and nothing failed
 * is GREEN whatever the partitions do (it has nothing out of sync).
 */
export function communeStatus(
  figures: CommuneFigures | undefined,
  partitionStatus: (partition: number) => PartitionStatus | undefined,
  now: number,
  t: CommuneStatusThresholds,
): CommuneStatus {
  if (!figures) return { status: 'GREEN', reasons: [] };
  const red: string[] = [];
  const yellow: string[] = [];
  if (figures.oldestPendingAt !== null) {
    const age = now - figures.oldestPendingAt;
    const text = `oldest pending status is ${Math.round(age / 1000)} s old`;
    if (age >= t.redPendingAgeMs) red.push(text);
    else if (age >= t.yellowPendingAgeMs) yellow.push(text);
  }
  if (figures.failed > 0 && figures.received > 0) {
    const ratio = figures.failed / figures.received;
    const text = `${figures.failed} of ${figures.received} statuses failed (${(ratio * 100).toFixed(1)} %)`;
    if (ratio >= t.redFailureRatio) red.push(text);
    else if (ratio >= t.yellowFailureRatio) yellow.push(text);
  }
  for (const partition of figures.pendingPartitions) {
    const status = partitionStatus(partition);
    if (status === 'STALL' || status === 'STOP') red.push(`sync partition ${partition} is ${status}`);
    else if (status === 'WARN') yellow.push(`sync partition ${partition} lag keeps growing`);
  }
  if (red.length) return { status: 'RED', reasons: [...red, ...yellow] };
  if (yellow.length) return { status: 'YELLOW', reasons: yellow };
  return { status: 'GREEN', reasons: [] };
}
