import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChangeEventSubscriber } from '@motlan/events/change-event-bus.port.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';
import { CacheSyncService } from '../cache-sync/cache-sync.service.js';

/** Prometheus scrape endpoint. Gauges that mirror component state are read at scrape time. */
@ApiTags('ops')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly cache: RegistryCache,
    private readonly subscriber: ChangeEventSubscriber,
    private readonly cacheSync: CacheSyncService,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics (see docs/metrics.md)' })
  async scrape(): Promise<string> {
    const availability = this.cache.availability();
    this.metrics.cacheAvailable.set({ backend: availability.backend }, availability.state === 'up' ? 1 : 0);
    const { processed, deadLettered, handlerErrors } = this.subscriber.stats;
    this.metrics.changeEvents.set({ result: 'processed' }, processed);
    this.metrics.changeEvents.set({ result: 'dead_lettered' }, deadLettered);
    this.metrics.changeEvents.set({ result: 'handler_error' }, handlerErrors);
    this.metrics.cacheInvalidations.set({ result: 'invalidated' }, this.cacheSync.counts.invalidated);
    this.metrics.cacheInvalidations.set({ result: 'ignored_older' }, this.cacheSync.counts.ignoredOlder);
    return this.metrics.render();
  }
}
