import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { PortalClient } from '@motlan/portal-sync/portal-client.port.js';
import type { PortalSyncWorker } from '@motlan/portal-sync/portal-sync.worker.js';
import type { SyncLog } from '@motlan/sync-log/sync-log.port.js';
import type { SyncFigures } from '@motlan/portal-sync/sync-figures.js';
import type { SyncFiguresSnapshotStore } from '@motlan/portal-sync/sync-figures-snapshot.port.js';
import type { LagMonitor } from '@motlan/sync-monitor/lag-monitor.js';

/**
 * Starts the sync parts once the gateway is up and stops them first on shutdown. Not awaited at
 * start: the gateway serves lookups while Kafka is still unreachable, and the figures and the
 * worker catch up when it is back.
 */
export class SyncLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SyncLifecycle');
  private started?: Promise<void>;

  constructor(
    private readonly figures: SyncFigures,
    private readonly monitor: LagMonitor,
    private readonly worker: PortalSyncWorker | null,
    private readonly log: SyncLog,
    private readonly portal: PortalClient,
    private readonly snapshots: SyncFiguresSnapshotStore,
  ) {}

  onApplicationBootstrap(): void {
    this.monitor.start();
    this.started = this.startWithRetry();
  }

  /** Resolves once the figures have caught up and the worker runs (tests wait on it). */
  whenStarted(): Promise<void> {
    return this.started ?? Promise.resolve();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    // A start still in progress would create consumers after the stop below: let it finish first
    // (bounded: with Kafka unreachable it may not finish at all).
    if (this.started) await Promise.race([this.started.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    await Promise.allSettled([this.monitor.stop(), this.worker?.stop(), this.figures.stop()]);
    // The log, the snapshot store and the portal connection are closed here, after everything that
    // uses them stopped (the figures write their last snapshot when they stop).
    await this.log.close().catch((error: Error) => this.logger.warn({ reason: error.message }, 'sync log did not close cleanly'));
    await this.snapshots.close().catch((error: Error) => this.logger.warn({ reason: error.message }, 'sync figures snapshot store did not close cleanly'));
    this.portal.close();
  }

  private stopping = false;

  private async startWithRetry(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.figures.start();
        await this.worker?.start();
        return;
      } catch (error) {
        this.logger.error({ reason: (error as Error).message }, `dossier sync cannot start yet (attempt ${attempt}); retrying`);
        await Promise.allSettled([this.worker?.stop(), this.figures.stop()]);
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 1000 * attempt)).unref());
      }
    }
  }
}
