import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ChangeEventSubscriber } from '@motlan/events/change-event-subscriber.service.js';
import type { RegistryChangeEvent } from '@motlan/events/registry-change-event.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';

/** How long an invalidation marker guards the version floor (longer than any dataset max age). */
const MARKER_RETAIN_SECONDS = 2 * 86400;

/**
 * Keeps the cache true to the registries: every change event invalidates the cached record if it
 * is older than the announced version (newer always wins, older events are ignored), so the next
 * lookup fetches the new version.
 */
@Injectable()
export class CacheInvalidationService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CacheInvalidationService.name);
  readonly counts = { invalidated: 0, ignoredOlder: 0 };
  private subscribed = false;

  constructor(
    private readonly subscriber: ChangeEventSubscriber,
    private readonly cache: RegistryCache,
    private readonly registries: RegistryClient,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: the gateway serves lookups while Kafka is still unreachable (TTL bounds staleness).
    void this.subscriber.start(this.registries.registries(), (registry, event) => this.apply(registry, event)).then(() => (this.subscribed = true));
  }

  /** True once the change events are followed (worker readiness). */
  isStarted(): boolean {
    return this.subscribed;
  }

  async apply(registry: string, event: RegistryChangeEvent): Promise<void> {
    const changed = await this.cache.invalidate(
      { registry, dataset: event.data.dataset, subjectId: event.data.subjectId },
      event.data.version,
      event.time,
      MARKER_RETAIN_SECONDS,
    );
    if (changed) this.counts.invalidated++;
    else this.counts.ignoredOlder++;
    this.logger.debug({ registry, dataset: event.data.dataset, version: event.data.version, changed }, 'change event applied');
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscriber.close();
  }
}
