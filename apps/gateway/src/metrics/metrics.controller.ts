import { Controller, Get, Header, Inject, Optional } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { ChainedAuditSink } from '@motlan/audit/chained-audit-sink.js';
import { EvidenceKeyStore } from '@motlan/evidence/evidence-key-store.js';
import { ChangeEventSubscriber } from '@motlan/events/change-event-subscriber.service.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { RegistryCache } from '@motlan/registry-cache/registry-cache.port.js';
import type { CircuitState } from '@motlan/resilience/circuit-breaker.js';
import { AdapterPool } from '@motlan/registry-client/adapter-pool.js';
import { registerLagMetrics, type LagMetrics } from '@motlan/consumer-lag/lag-metrics.js';
import { LagMonitor } from '@motlan/consumer-lag/lag-monitor.js';
import { CacheInvalidationService } from '../cache-invalidation/cache-invalidation.service.js';
import { SyncOpsService } from '../dossier-relay/sync-ops.service.js';
import { ServiceIndicatorsService } from '../service-indicators/service-indicators.service.js';
import { CitizenArchiveIntake } from '@motlan/citizen-archive/citizen-archive-intake.js';

/**
 * Prometheus scrape endpoint. Gauges that mirror component state are read at scrape time. The
 * change-event and lag gauges belong to the worker role: an `api` process has neither job and
 * leaves them out (scrape the workers for them). The communes by status come from the published
 * ops view, which only `api` processes read: every api reports the same figures (alert on max()).
 */
@ApiTags('ops')
@Controller('metrics')
export class MetricsController {
  // Explicit tokens for the optional ones: TypeScript emits a `T | null` parameter type as Object, so
  // without @Inject Nest would never find them (the lag and change-event gauges stayed empty).
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly cache: RegistryCache,
    private readonly subscriber: ChangeEventSubscriber,
    @Optional() @Inject(CacheInvalidationService) private readonly cacheSync: CacheInvalidationService | null,
    private readonly pool: AdapterPool,
    @Optional() @Inject(LagMonitor) private readonly lagMonitor: LagMonitor | null,
    private readonly audit: AuditSink,
    @Optional() @Inject(EvidenceKeyStore) private readonly evidenceKeys: EvidenceKeyStore | null,
    @Optional() @Inject(SyncOpsService) private readonly syncOps: SyncOpsService | null,
    @Optional() @Inject(ServiceIndicatorsService) private readonly serviceIndicators: ServiceIndicatorsService | null,
    @Optional() @Inject(CitizenArchiveIntake) private readonly archiveIntake: CitizenArchiveIntake | null,
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
    if (this.audit instanceof ChainedAuditSink) this.metrics.auditUnavailable.set(this.audit.refusedAppends);
    if (this.archiveIntake) {
      const { archived, duplicates, dropped, failed, skipped } = this.archiveIntake.stats;
      for (const [result, value] of Object.entries({ archived, duplicate: duplicates, dropped, failed, skipped }))
        this.metrics.citizenArchive.set({ result }, value);
    }
    this.metrics.evidenceKeyCreated.reset();
    const keySince = this.evidenceKeys?.currentKeySince();
    if (keySince) this.metrics.evidenceKeyCreated.set(keySince.getTime() / 1000);
    await this.communeStatuses();
    await this.serviceByProvince();
    return this.metrics.render();
  }

  /** Communes per colour from the ops view; left out (not zero) when the view cannot be read, so no alert reads "all clear" from a failure. */
  private async communeStatuses(): Promise<void> {
    this.metrics.communes.reset();
    if (!this.syncOps) return;
    try {
      const { totals } = await this.syncOps.provinces();
      for (const [status, count] of Object.entries(totals.communes)) this.metrics.communes.set({ status }, count);
    } catch {
      // The ops API reports the same failure to its callers; a scrape must still answer.
    }
  }

  /** Service colours and shares per province over the default window (api role); per province only, never per commune. */
  private async serviceByProvince(): Promise<void> {
    const gauges = [
      this.metrics.serviceCommunes,
      this.metrics.serviceOnlineShare,
      this.metrics.serviceOnTimeShare,
      this.metrics.serviceElectronicResultShare,
      this.metrics.serviceOverdueNow,
    ];
    for (const gauge of gauges) gauge.reset();
    if (!this.serviceIndicators || !this.syncOps) return;
    const syncOps = this.syncOps;
    try {
      const { from, to } = this.serviceIndicators.defaultWindow();
      const report = await this.serviceIndicators.report({ level: 'national' }, from, to, 'total', (codes) => syncOps.relayHealth(codes));
      for (const p of report.provinces) {
        const province = p.provinceCode;
        for (const colour of ['GREEN', 'YELLOW', 'RED', 'SILENT'] as const) this.metrics.serviceCommunes.set({ province, colour }, p.communes[colour]);
        setShare(this.metrics.serviceOnlineShare, province, p.indicators.onlineShare);
        setShare(this.metrics.serviceOnTimeShare, province, p.indicators.onTimeShare);
        setShare(this.metrics.serviceElectronicResultShare, province, p.indicators.electronicResultShare);
        this.metrics.serviceOverdueNow.set({ province }, p.indicators.overdueNow);
      }
    } catch {
      // Left out rather than zero, like the communes by relay status.
    }
  }
}

/** Reset first: a share with nothing to share is left out, not 0 (which would read as "nobody online"). */
function setShare(gauge: { set(labels: { province: string }, value: number): void }, province: string, value: number | null): void {
  if (value !== null) gauge.set({ province }, value);
}

const BREAKER_STATE_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };
