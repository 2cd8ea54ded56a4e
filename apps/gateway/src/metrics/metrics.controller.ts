import { Controller, Get, Header, type OnModuleInit } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChangeEventSubscriber } from '@motlan/events/change-event-bus.port.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';
import type { CircuitState } from '@motlan/resilience/circuit-breaker.js';
import { ResilientRegistryClient } from '@motlan/registry-client/resilient-registry.client.js';
import { CacheSyncService } from '../cache-sync/cache-sync.service.js';

/** Prometheus scrape endpoint. Gauges that mirror component state are read at scrape time. */
@ApiTags('ops')
@Controller('metrics')
export class MetricsController implements OnModuleInit {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly cache: RegistryCache,
    private readonly subscriber: ChangeEventSubscriber,
    private readonly cacheSync: CacheSyncService,
    private readonly registries: ResilientRegistryClient,
  ) {}

  /** Adapter call latencies and refusals are events, not state: they are recorded as they happen. */
  onModuleInit(): void {
    this.registries.observe({
      callEnded: (registry, _operation, outcome, seconds) => {
        this.metrics.adapterCallSeconds.observe({ registry, outcome }, seconds);
        if (outcome !== 'success') this.metrics.adapterErrors.inc({ registry, kind: outcome });
      },
      rejected: (registry, reason) => this.metrics.adapterRejected.inc({ registry, reason }),
    });
  }

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
    for (const state of this.registries.states()) {
      this.metrics.adapterBreakerState.set({ registry: state.registry }, BREAKER_STATE_VALUE[state.breaker.state]);
      this.metrics.adapterInFlight.set({ registry: state.registry }, state.inFlight);
    }
    return this.metrics.render();
  }
}

const BREAKER_STATE_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };
