import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ResilienceObserver } from '@motlan/registry-client/guarded-adapter.js';

/**
 * The gateway's Prometheus metrics, on a registry of its own (not prom-client's global one), so
 * several gateway instances in one test process do not collide. Names are documented in
 * docs/metrics.md; hot-path updates are a label lookup and an add.
 */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly lookups = new Counter({
    name: 'motlan_lookups_total',
    help: 'Lookups answered or refused, by registry, dataset, outcome (answered|refused) and cache state or problem code',
    labelNames: ['registry', 'dataset', 'outcome', 'detail'] as const,
    registers: [this.registry],
  });

  readonly lookupSeconds = new Histogram({
    name: 'motlan_lookup_duration_seconds',
    help: 'Time to answer one lookup item inside the gateway, by registry and cache state',
    labelNames: ['registry', 'cache'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly registryCalls = new Counter({
    name: 'motlan_registry_calls_total',
    help: 'Registry reads attempted by the lookup path, by registry and result (found|not_found|unavailable|timeout|invalid_argument|internal, or busy|circuit_open when refused before reaching the adapter)',
    labelNames: ['registry', 'result'] as const,
    registers: [this.registry],
  });

  readonly cacheAvailable = new Gauge({
    name: 'motlan_cache_available',
    help: '1 when the record cache backend is usable, 0 when degraded (lookups then go to the registries)',
    labelNames: ['backend'] as const,
    registers: [this.registry],
  });

  readonly changeEvents = new Gauge({
    name: 'motlan_change_events_total',
    help: 'Registry change events consumed since start, by result (processed|dead_lettered|handler_error)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly cacheInvalidations = new Gauge({
    name: 'motlan_cache_invalidations_total',
    help: 'Change events applied to the cache since start, by result (invalidated|ignored_older)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly adapterCallSeconds = new Histogram({
    name: 'motlan_adapter_call_duration_seconds',
    help: 'One call to a registry adapter (each retry attempt counts), by registry, adapter id and outcome (success|unavailable|timeout|invalid_argument|internal)',
    labelNames: ['registry', 'adapter', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly adapterErrors = new Counter({
    name: 'motlan_adapter_errors_total',
    help: 'Failed calls to a registry adapter, by registry, adapter id and kind (unavailable|timeout|invalid_argument|internal)',
    labelNames: ['registry', 'adapter', 'kind'] as const,
    registers: [this.registry],
  });

  readonly adapterBreakerState = new Gauge({
    name: 'motlan_adapter_breaker_state',
    help: 'Circuit breaker of each registry adapter (by registry and adapter id): 0 closed, 1 half-open, 2 open',
    labelNames: ['registry', 'adapter'] as const,
    registers: [this.registry],
  });

  readonly adapterInFlight = new Gauge({
    name: 'motlan_adapter_in_flight',
    help: 'Calls in flight to each registry adapter (bounded by its maxConcurrency)',
    labelNames: ['registry', 'adapter'] as const,
    registers: [this.registry],
  });

  readonly adapterRejected = new Counter({
    name: 'motlan_adapter_rejected_total',
    help: 'Calls refused by the gateway before reaching a registry adapter, by registry, adapter id and reason (busy|circuit_open)',
    labelNames: ['registry', 'adapter', 'reason'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: 'motlan_rate_limited_total',
    help: 'Requests refused with 429 rate_limited (a client over its token bucket)',
    registers: [this.registry],
  });

  readonly rateLimitFailOpen = new Counter({
    name: 'motlan_rate_limit_fail_open_total',
    help: 'Requests let through without a rate-limit decision because the shared limiter (Redis) could not be reached',
    registers: [this.registry],
  });

  readonly tokenRevokedRefusals = new Counter({
    name: 'motlan_token_revoked_total',
    help: 'Requests refused with 401 token_revoked',
    registers: [this.registry],
  });

  /** Records adapter calls and refusals as they happen (they are events, not state read at scrape time). */
  adapterObserver(): ResilienceObserver {
    return {
      callEnded: (adapter, _operation, outcome, seconds) => {
        this.adapterCallSeconds.observe({ registry: adapter.registry, adapter: adapter.id, outcome }, seconds);
        if (outcome !== 'success') this.adapterErrors.inc({ registry: adapter.registry, adapter: adapter.id, kind: outcome });
      },
      rejected: (adapter, reason) => this.adapterRejected.inc({ registry: adapter.registry, adapter: adapter.id, reason }),
    };
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
