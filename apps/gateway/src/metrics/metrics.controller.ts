import { Controller, Get, Header, Optional } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChangeEventSubscriber } from '@motlan/events/change-event-subscriber.service.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';
import type { CircuitState } from '@motlan/resilience/circuit-breaker.js';
import { AdapterPool } from '@motlan/registry-client/adapter-pool.js';
import { registerLagMetrics, type LagMetrics } from '@motlan/consumer-lag/lag-metrics.js';
import { LagMonitor } from '@motlan/consumer-lag/lag-monitor.js';
import { CacheInvalidationService } from '../cache-invalidation/cache-invalidation.service.js';

/**
 * Prometheus scrape endpoint. Gauges that mirror component state are read at scrape time. The
 * change-event and lag gauges belong to the worker role: an `api` process has neither job and
 * leaves them out (scrape the workers for them).
 */
@ApiTags('ops')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly cache: RegistryCache,
    private readonly subscriber: ChangeEventSubscriber,
    @Optional() private readonly cacheSync: CacheInvalidationService | null,
    private readonly pool: AdapterPool,
    @Optional() private readonly lagMonitor: LagMonitor | null,
  ) {
    this.lag = registerLagMetrics(metrics.registry);
  }

  private readonly lag: LagMetrics;

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics (see docs/metrics.md)', security: [] })
  async scrape(): Promise<string> {
    const availability = this.cache.availability();
    this.metrics.cacheAvailable.set({ backend: availability.backend }, availability.state === 'up' ? 1 : 0);
    if (this.cacheSync) {
      const { processed, deadLettered, handlerErrors } = this.subscriber.stats;
      this.metrics.changeEvents.set({ result: 'processed' }, processed);
      this.metrics.changeEvents.set({ result: 'dead_lettered' }, deadLettered);
      this.metrics.changeEvents.set({ result: 'handler_error' }, handlerErrors);
      this.metrics.cacheInvalidations.set({ result: 'invalidated' }, this.cacheSync.counts.invalidated);
      this.metrics.cacheInvalidations.set({ result: 'ignored_older' }, this.cacheSync.counts.ignoredOlder);
    }
    // Reset first: a removed adapter must disappear from the scrape, not linger with its last value.
    this.metrics.adapterBreakerState.reset();
    this.metrics.adapterInFlight.reset();
    for (const state of this.pool.resilienceStates()) {
      this.metrics.adapterBreakerState.set({ registry: state.registry, adapter: state.id }, BREAKER_STATE_VALUE[state.breaker.state]);
      this.metrics.adapterInFlight.set({ registry: state.registry, adapter: state.id }, state.inFlight);
    }
    if (this.lagMonitor) this.lag.update(this.lagMonitor.snapshot());
    return this.metrics.render();
  }
}

const BREAKER_STATE_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };
