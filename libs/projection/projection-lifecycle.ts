import { Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';

interface Closable {
  close(): Promise<void>;
}

/** What the lifecycle drives: a projection that starts (catching up), stops, and tells its size. */
export interface StartableProjection {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly state: { size(): object };
}

/**
 * Starts a projection in a worker-role process (in the background, retrying like the relay's
 * figures: the gateway serves while Kafka is still unreachable), stops it on shutdown (it writes
 * its last snapshot and publication then), and closes the stores in every role.
 */
export class ProjectionLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger: Logger;
  private started?: Promise<void>;
  private stopping = false;

  constructor(
    private readonly projection: StartableProjection | null,
    private readonly closables: Array<Closable | null | undefined>,
    /** The logger context and what the logs call the figures, e.g. 'ServiceIndicators', 'service indicators'. */
    private readonly names: { context: string; figures: string },
  ) {
    this.logger = new Logger(names.context);
  }

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
      await this.projection.stop().catch((error: Error) => this.logger.warn({ reason: error.message }, `${this.names.figures} did not stop cleanly`));
    }
    await Promise.allSettled(this.closables.map((c) => c?.close()));
  }

  private async startWithRetry(projection: StartableProjection): Promise<void> {
    const { figures } = this.names;
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await projection.start();
        this.logger.log({ ...projection.state.size() }, `${figures} caught up`);
        return;
      } catch (error) {
        this.logger.error({ reason: (error as Error).message }, `${figures} cannot start yet (attempt ${attempt}); retrying`);
        await projection.stop().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 1000 * attempt)).unref());
      }
    }
  }
}
