import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { OpsViewStore } from '@motlan/dossier-relay/ops-view-store.port.js';
import type { PortalClient } from '@motlan/dossier-relay/portal-client.port.js';
import type { PortalSyncWorker } from '@motlan/dossier-relay/portal-sync.worker.js';
import type { EventLog } from '@motlan/event-log/event-log.port.js';
import type { SyncFigures } from '@motlan/dossier-relay/sync-figures.js';
import type { SyncFiguresSnapshotStore } from '@motlan/dossier-relay/sync-figures-snapshot.port.js';
import type { LagMonitor } from '@motlan/consumer-lag/lag-monitor.js';
import type { OpsViewPublisher } from './ops-view.source.js';

/** The dossier relay's background jobs: a process of the worker role runs them, an `api` process none. */
export interface SyncJobs {
  figures: SyncFigures;
  monitor: LagMonitor;
  /** Null when MOTLAN_PORTAL_SYNC_WORKER=false narrows the worker role. */
  worker: PortalSyncWorker | null;
  publisher: OpsViewPublisher;
}

/** What the relay holds open in every role, closed last. */
export interface SyncConnections {
  log: EventLog;
  portal: PortalClient;
  snapshots: SyncFiguresSnapshotStore;
  opsViews: OpsViewStore;
}

/**
 * Starts the sync parts once the gateway is up and stops them first on shutdown. Not awaited at
 * start: the gateway serves lookups while Kafka is still unreachable, and the figures and the
 * worker catch up when it is back. Without jobs (`api` role) it only closes the connections.
 */
export class SyncLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('SyncLifecycle');
  private started?: Promise<void>;
  private running = false;

  constructor(
    private readonly jobs: SyncJobs | null,
    private readonly connections: SyncConnections,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.jobs) return;
    this.jobs.monitor.start();
    this.started = this.startWithRetry(this.jobs);
  }

  /** Resolves once the figures have caught up and the worker runs (tests wait on it). */
  whenStarted(): Promise<void> {
    return this.started ?? Promise.resolve();
  }

  /** True once the jobs run (worker readiness); false without jobs. */
  isStarted(): boolean {
    return this.running;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    const jobs = this.jobs;
    if (jobs) {
      // A start still in progress would create consumers after the stop below: let it finish first
      // (bounded: with Kafka unreachable it may not finish at all).
      if (this.started) await Promise.race([this.started.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      await Promise.allSettled([jobs.publisher.stop(), jobs.monitor.stop(), jobs.worker?.stop(), jobs.figures.stop()]);
    }
    // The log, the stores and the portal connection are closed here, after everything that uses
    // them stopped (the figures write their last snapshot when they stop).
    const { log, snapshots, opsViews, portal } = this.connections;
    await log.close().catch((error: Error) => this.logger.warn({ reason: error.message }, 'sync log did not close cleanly'));
    await snapshots.close().catch((error: Error) => this.logger.warn({ reason: error.message }, 'sync figures snapshot store did not close cleanly'));
    await opsViews.close().catch((error: Error) => this.logger.warn({ reason: error.message }, 'ops view store did not close cleanly'));
    portal.close();
  }

  private stopping = false;

  private async startWithRetry(jobs: SyncJobs): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await jobs.figures.start();
        await jobs.worker?.start();
        // Figures that have caught up only: a view published earlier would show partial counts.
        jobs.publisher.start();
        this.running = true;
        return;
      } catch (error) {
        this.logger.error({ reason: (error as Error).message }, `dossier sync cannot start yet (attempt ${attempt}); retrying`);
        await Promise.allSettled([jobs.worker?.stop(), jobs.figures.stop()]);
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 1000 * attempt)).unref());
      }
    }
  }
}
