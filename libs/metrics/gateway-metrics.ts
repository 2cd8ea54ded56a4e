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

  readonly prefillConflicts = new Counter({
    name: 'motlan_prefill_conflicts_total',
    help: 'Facts two registries disagree on, found by prefill consistency checks, by fact (fullName|dateOfBirth|permanentAddress) and the registries compared',
    labelNames: ['fact', 'registries'] as const,
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

  readonly citizenArchive = new Gauge({
    name: 'motlan_citizen_archive_items_total',
    help: "Evidence and returned results handed to citizens' archives by this process since start, by result (archived|duplicate|dropped|failed|skipped)",
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

  readonly auditUnavailable = new Gauge({
    name: 'motlan_audit_unavailable_total',
    help: 'Requests refused since start because their audit record could not be written (answered 503 audit_unavailable)',
    registers: [this.registry],
  });

  readonly communes = new Gauge({
    name: 'motlan_communes',
    help: 'Communes by dossier sync status (GREEN|YELLOW|RED) in the latest published ops view (api role; docs/sync-monitoring.md)',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  // Service indicators (docs/service-indicators.md): per province only — 34 label values, never per commune.
  readonly serviceCommunes = new Gauge({
    name: 'motlan_service_communes',
    help: 'Communes of each province by service colour (GREEN|YELLOW|RED|SILENT) over the last 28 days (api role)',
    labelNames: ['province', 'colour'] as const,
    registers: [this.registry],
  });

  readonly serviceOnlineShare = new Gauge({
    name: 'motlan_service_online_share',
    help: 'Share of the dossiers received online over the last 28 days, per province (0-1; absent when none received)',
    labelNames: ['province'] as const,
    registers: [this.registry],
  });

  readonly serviceOnTimeShare = new Gauge({
    name: 'motlan_service_on_time_share',
    help: 'Share of the results returned by their due date over the last 28 days, per province (0-1; absent when none returned)',
    labelNames: ['province'] as const,
    registers: [this.registry],
  });

  readonly serviceElectronicResultShare = new Gauge({
    name: 'motlan_service_electronic_result_share',
    help: 'Share of the results returned electronically over the last 28 days, per province (0-1; absent when none returned)',
    labelNames: ['province'] as const,
    registers: [this.registry],
  });

  readonly serviceOverdueNow = new Gauge({
    name: 'motlan_service_overdue_dossiers',
    help: 'Open dossiers past their due date now, per province',
    labelNames: ['province'] as const,
    registers: [this.registry],
  });

  readonly evidenceKeyCreated = new Gauge({
    name: 'motlan_evidence_key_created_timestamp_seconds',
    help: 'When the current evidence signing key was made (Unix time); 0 when unknown (a key made before this was recorded, until its next rotation)',
    registers: [this.registry],
  });

  readonly registryEventDeliveries = new Counter({
    name: 'motlan_registry_event_deliveries_total',
    help: 'Registry-event relay deliveries settled, by subscriber registry, source registry, event type and outcome (delivered|duplicate|dead_lettered)',
    labelNames: ['subscriber', 'source', 'event_type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly registryEventRetries = new Counter({
    name: 'motlan_registry_event_retries_total',
    help: 'Registry-event relay deliveries moved to the retry topic (attempts failed, subscriber down, or queued behind an earlier one of the subject), by subscriber registry, source registry and event type',
    labelNames: ['subscriber', 'source', 'event_type'] as const,
    registers: [this.registry],
  });

  readonly registryEventDeliverySeconds = new Histogram({
    name: 'motlan_registry_event_delivery_seconds',
    help: 'Time from a registry event (the source change, or the filing of a correction) to its delivery to the subscriber, by subscriber registry, source registry and event type',
    labelNames: ['subscriber', 'source', 'event_type'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
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
