import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { EventLog } from '@motlan/event-log/event-log.port.js';
import type { IndicatorsViewStore } from '@motlan/service-indicators/indicators-view-store.port.js';
import type { ServiceIndicatorsProjection } from '@motlan/service-indicators/service-indicators.projection.js';

interface Closable {
  close(): Promise<void>;
}

/**
 * Starts the projection in a worker-role process (in the background, retrying like the relay's
 * figures: the gateway serves while Kafka is still unreachable), stops it on shutdown (it writes
 * its last snapshot and publication then), and closes the stores in every role.
 */
export class ServiceIndicatorsLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('ServiceIndicators');
  private started?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly projection: ServiceIndicatorsProjection | null,
    private readonly closables: { view: IndicatorsViewStore; snapshots: Closable; auditLog: EventLog | null },
  ) {}

  onApplicationBootstrap(): void {
    if (this.projection) this.started = this.startWithRetry(this.projection);
  }

  /** Resolves once the projection caught up (or at once without one). */
  whenStarted(): Promise<void> {
    return this.started ?? Promise.resolve();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.projection) {
      if (this.started) await Promise.race([this.started.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      await this.projection.stop().catch((error: Error) => this.logger.warn({ reason: error.message }, 'service indicators did not stop cleanly'));
    }
    const { view, snapshots, auditLog } = this.closables;
    await Promise.allSettled([view.close(), snapshots.close(), auditLog?.close()]);
  }

  private async startWithRetry(projection: ServiceIndicatorsProjection): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await projection.start();
        this.logger.log({ ...projection.state.size() }, 'service indicators caught up');
        return;
      } catch (error) {
        this.logger.error({ reason: (error as Error).message }, `service indicators cannot start yet (attempt ${attempt}); retrying`);
        await projection.stop().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 1000 * attempt)).unref());
      }
    }
  }
}
