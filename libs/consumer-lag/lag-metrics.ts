/**
 * Prometheus gauges of consumer-group lag, filled from LagMonitor snapshots. Names and values are
 * documented in docs/sync-monitoring.md.
 */
import { Gauge, type Registry } from 'prom-client';
import type { GroupStatus, PartitionStatus } from './lag-evaluator.js';
import type { LagSnapshot } from './lag-monitor.js';

export const PARTITION_STATUS_VALUE: Readonly<Record<PartitionStatus, number>> = Object.freeze({ OK: 0, WARN: 1, STALL: 2, STOP: 3 });
export const GROUP_STATUS_VALUE: Readonly<Record<GroupStatus, number>> = Object.freeze({ OK: 0, WARN: 1, ERR: 2 });

export interface LagMetrics {
  /** Replaces every value with the snapshot's: partitions and groups gone from it disappear. */
  update(snapshot: LagSnapshot): void;
}

/** Creates the four gauges on `registry` (once per registry: prom-client refuses a second registration). */
export function registerLagMetrics(registry: Registry): LagMetrics {
  const partitionLabels = ['group', 'topic', 'partition'] as const;
  const lagMessages = new Gauge({
    name: 'motlan_sync_lag_messages',
    help: 'Messages between the consumer group committed offset and the log end, per partition',
    labelNames: partitionLabels,
    registers: [registry],
  });
  const lagSeconds = new Gauge({
    name: 'motlan_sync_lag_seconds',
    help: 'Estimated age in seconds of the oldest message the consumer group has not committed, per partition (a lower bound when older than the monitor history)',
    labelNames: partitionLabels,
    registers: [registry],
  });
  const partitionStatus = new Gauge({
    name: 'motlan_sync_partition_status',
    help: 'Lag status of each partition for a consumer group: 0 OK, 1 WARN, 2 STALL, 3 STOP',
    labelNames: partitionLabels,
    registers: [registry],
  });
  const groupStatus = new Gauge({
    name: 'motlan_sync_group_status',
    help: 'Lag status of each consumer group: 0 OK, 1 WARN, 2 ERR (a partition stalled or stopped)',
    labelNames: ['group'] as const,
    registers: [registry],
  });

  return {
    update(snapshot) {
      // Reset first: a scrape must not keep reporting a partition or group that is gone.
      lagMessages.reset();
      lagSeconds.reset();
      partitionStatus.reset();
      groupStatus.reset();
      for (const group of snapshot.groups) {
        groupStatus.set({ group: group.group }, GROUP_STATUS_VALUE[group.status]);
        for (const p of group.partitions) {
          const labels = { group: group.group, topic: p.topic, partition: String(p.partition) };
          lagMessages.set(labels, p.lag);
          lagSeconds.set(labels, p.timeLagMs / 1000);
          partitionStatus.set(labels, PARTITION_STATUS_VALUE[p.status]);
        }
      }
    },
  };
}
