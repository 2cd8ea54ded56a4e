import { Logger } from '@nestjs/common';
import type { OpsView, OpsViewStore } from '@motlan/dossier-relay/ops-view-store.port.js';
import type { SyncFigures } from '@motlan/dossier-relay/sync-figures.js';
import type { LagMonitor } from '@motlan/consumer-lag/lag-monitor.js';

/** Where the ops API takes the figures and the lag from (DossierRelayModule picks one by role). */
export abstract class OpsViewSource {
  /** The view to answer with; undefined when there is none yet (no worker has published one). */
  abstract current(): Promise<OpsView | undefined>;
}

/** The view of this process's own figures and lag monitor, taken now (between two handled messages). */
export function takeOpsView(figures: SyncFigures, monitor: LagMonitor): OpsView {
  const lag = monitor.snapshot();
  return {
    version: 1,
    publishedAt: new Date().toISOString(),
    lag: { ...lag, groups: lag.groups.map((g) => ({ ...g, history: monitor.history(g.group) })) },
    communes: figures.communes(),
  };
}

/** This process runs the worker role: its own figures and lag, as fresh as they get. */
export class LiveOpsViewSource extends OpsViewSource {
  constructor(
    private readonly figures: SyncFigures,
    private readonly monitor: LagMonitor,
  ) {
    super();
  }

  async current(): Promise<OpsView> {
    return takeOpsView(this.figures, this.monitor);
  }
}

/**
 * An `api` process: what the workers published last (at most one lag interval old while a worker
 * runs). If the store cannot answer, the last view read is served again rather than an error:
 * its `publishedAt` says how old it is.
 */
export class PublishedOpsViewSource extends OpsViewSource {
  private readonly logger = new Logger('OpsView');
  private lastRead?: OpsView;

  constructor(private readonly store: OpsViewStore) {
    super();
  }

  async current(): Promise<OpsView | undefined> {
    try {
      this.lastRead = (await this.store.read()) ?? this.lastRead;
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, 'ops view not readable; answering with the last one read');
    }
    return this.lastRead;
  }
}

/**
 * Publishes this worker's view every `intervalMs` (the lag interval: the view holds nothing newer
 * between two polls of the lag monitor), for the `api` processes to read.
 */
export class OpsViewPublisher {
  private readonly logger = new Logger('OpsViewPublisher');
  private timer?: NodeJS.Timeout;
  private publishing: Promise<void> = Promise.resolve();
  private failing = false;

  constructor(
    private readonly figures: SyncFigures,
    private readonly monitor: LagMonitor,
    private readonly store: OpsViewStore,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.publishNow();
    this.timer = setInterval(() => void this.publishNow(), this.intervalMs);
    this.timer.unref();
  }

  /** Publishes now (in turn with the timer's publications); a failure is logged once per outage, never thrown. */
  publishNow(): Promise<void> {
    const run = this.publishing.then(async () => {
      try {
        await this.store.publish(takeOpsView(this.figures, this.monitor));
        if (this.failing) this.logger.log('ops view published again');
        this.failing = false;
      } catch (error) {
        if (!this.failing) this.logger.warn({ reason: (error as Error).message }, 'ops view not published; api processes show the previous one until it is');
        this.failing = true;
      }
    });
    this.publishing = run;
    return run;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.publishing;
  }
}
