import { Registry } from 'prom-client';
import { registerLagMetrics } from './lag-metrics.js';
import type { GroupLagSnapshot, LagSnapshot, PartitionLagSnapshot } from './lag-monitor.js';

function part(topic: string, partition: number, fields: Partial<PartitionLagSnapshot>): PartitionLagSnapshot {
  return {
    topic,
    partition,
    endOffset: 0,
    committedOffset: 0,
    lag: 0,
    timeLagMs: 0,
    timeLagIsLowerBound: false,
    status: 'OK',
    committedMovedAt: null,
    reason: '',
    ...fields,
  };
}

function snapshot(groups: Array<Pick<GroupLagSnapshot, 'group' | 'status' | 'partitions'>>): LagSnapshot {
  return {
    evaluatedAt: new Date(0).toISOString(),
    settings: { intervalMs: 5000, windowMs: 60_000, allowance: 100, stopAfterMs: 120_000, historyMs: 3_600_000 },
    groups: groups.map((g) => ({ ...g, totalLag: 0, maxTimeLagMs: 0, error: null, errorSince: null, sampledAt: null })),
  };
}

async function values(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric(name)!.get();
  return Object.fromEntries(metric.values.map((v) => [Object.values(v.labels).join('/'), v.value]));
}

describe('lag metrics', () => {
  it('exports lag, time lag and statuses per partition and group; vanished ones disappear', async () => {
    const registry = new Registry();
    const metrics = registerLagMetrics(registry);
    metrics.update(
      snapshot([
        {
          group: 'motlan-portal-sync',
          status: 'ERR',
          partitions: [part('dossiers', 0, { lag: 250, timeLagMs: 42_500, status: 'STALL' }), part('dossiers', 1, { lag: 3, timeLagMs: 1200, status: 'STOP' })],
        },
        { group: 'motlan-cache-sync', status: 'WARN', partitions: [part('changes', 0, { lag: 120, timeLagMs: 800, status: 'WARN' })] },
      ]),
    );
    expect(await values(registry, 'motlan_sync_lag_messages')).toEqual({
      'motlan-portal-sync/dossiers/0': 250,
      'motlan-portal-sync/dossiers/1': 3,
      'motlan-cache-sync/changes/0': 120,
    });
    expect(await values(registry, 'motlan_sync_lag_seconds')).toEqual({
      'motlan-portal-sync/dossiers/0': 42.5,
      'motlan-portal-sync/dossiers/1': 1.2,
      'motlan-cache-sync/changes/0': 0.8,
    });
    expect(await values(registry, 'motlan_sync_partition_status')).toEqual({
      'motlan-portal-sync/dossiers/0': 2,
      'motlan-portal-sync/dossiers/1': 3,
      'motlan-cache-sync/changes/0': 1,
    });
    expect(await values(registry, 'motlan_sync_group_status')).toEqual({ 'motlan-portal-sync': 2, 'motlan-cache-sync': 1 });

    metrics.update(snapshot([{ group: 'motlan-portal-sync', status: 'OK', partitions: [part('dossiers', 0, {})] }]));
    expect(await values(registry, 'motlan_sync_lag_messages')).toEqual({ 'motlan-portal-sync/dossiers/0': 0 });
    expect(await values(registry, 'motlan_sync_partition_status')).toEqual({ 'motlan-portal-sync/dossiers/0': 0 });
    expect(await values(registry, 'motlan_sync_group_status')).toEqual({ 'motlan-portal-sync': 0 });
    expect(await registry.metrics()).toContain('motlan_sync_lag_seconds{group="motlan-portal-sync",topic="dossiers",partition="0"} 0');
  });
});
