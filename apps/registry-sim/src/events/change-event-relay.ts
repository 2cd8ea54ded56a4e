import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { ChangeEventPublisher } from '@motlan/events/change-event-publisher.service.js';
import { recordChangedEvent, type RegistryChangeEvent } from '@motlan/events/registry-change-event.js';
import type { RecordChange, SimRegistries } from '../registries/sim-registries.js';

/** Pending events kept while the bus is unreachable; beyond it the oldest are dropped, loudly. */
const MAX_PENDING = 100_000;

/**
 * Publishes one change event per subject that reads a changed record (every household member,
 * both spouses), in order, retrying with backoff while the bus is unreachable (a broker restart
 * must not lose events).
 */
export class ChangeEventRelay {
  private readonly pending: Array<{ registry: string; event: RegistryChangeEvent }> = [];
  private draining = false;
  private closed = false;
  private readonly unsubscribe: () => void;
  readonly stats = { published: 0, dropped: 0, retries: 0 };

  constructor(
    registries: SimRegistries,
    private readonly publisher: ChangeEventPublisher,
    private readonly logger: Logger,
  ) {
    this.unsubscribe = registries.onChange((change) => this.enqueue(change));
  }

  private enqueue(change: RecordChange): void {
    for (const subjectId of change.subjectIds) {
      this.pending.push({
        registry: change.registry,
        event: recordChangedEvent({
          registry: change.registry,
          dataset: change.dataset,
          subjectId,
          version: String(change.version),
          changedFields: [...change.changedFields],
          id: randomUUID(),
          time: new Date(change.asOf),
        }),
      });
    }
    if (this.pending.length > MAX_PENDING) {
      const dropped = this.pending.splice(0, this.pending.length - MAX_PENDING).length;
      this.stats.dropped += dropped;
      this.logger.error({ dropped }, 'change event backlog full: oldest events dropped');
    }
    if (!this.draining) void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    let backoffMs = 200;
    while (this.pending.length > 0 && !this.closed) {
      const { registry, event } = this.pending[0];
      try {
        await this.publisher.publish(registry, event);
        this.pending.shift();
        this.stats.published++;
        backoffMs = 200;
      } catch (error) {
        this.stats.retries++;
        this.logger.warn({ reason: (error as Error).message, pending: this.pending.length }, 'publishing a change event failed; retrying');
        await new Promise((r) => setTimeout(r, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 5000);
      }
    }
    this.draining = false;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    await this.publisher.close();
  }
}
