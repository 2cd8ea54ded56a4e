import { ConsumerGroups, Topics } from '@motlan/events/topics.js';
import { communeStatus, type CommuneStatusThresholds, type PartitionStatus, type SyncColour } from '@motlan/dossier-relay/commune-status.js';
import { replayDeadLetters } from '@motlan/dossier-relay/dead-letter-replay.js';
import type { OpsView } from '@motlan/dossier-relay/ops-view-store.port.js';
import type { CommuneFigures } from '@motlan/dossier-relay/sync-figures.js';
import type { EventLog } from '@motlan/event-log/event-log.port.js';
import type { LagMonitorSettings } from '@motlan/consumer-lag/lag-settings.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { CommunesAnswer, CommuneView, LagAnswer, ProvincesAnswer, ProvinceView } from '@motlan/dossier-relay/sync-ops.types.js';
import { communeInScope, type TerritoryScope } from '../auth/territory-scope.js';
import type { OpsViewSource } from './ops-view.source.js';

export type { CommuneView, ProvinceView } from '@motlan/dossier-relay/sync-ops.types.js';

/**
 * The operations view of dossier sync: lag of the consumer groups, and GREEN / YELLOW / RED per
 * commune and province from the per-commune figures (derived from Kafka) and the lag of the
 * partitions their pending statuses sit on. Every commune of the official list counts; one that
 * has reported nothing has nothing out of sync and is GREEN.
 *
 * The figures and the lag come from a worker (OpsViewSource): this process's own when it runs the
 * worker role, else the view the workers published last. Every answer says when that view was
 * taken (`viewAsOf`; null when no worker has published one yet); colours and ages are judged now.
 *
 * The provinces and communes are those of a scope (the token's, resolved by the controller:
 * auth/territory-scope.ts): everything in an answer, totals included, is computed from the
 * communes that scope may see.
 */
export class SyncOpsService {
  constructor(
    private readonly source: OpsViewSource,
    private readonly directory: VnAdminDirectory,
    private readonly thresholds: CommuneStatusThresholds,
    private readonly log: EventLog,
    private readonly lagSettings: LagMonitorSettings,
  ) {}

  /** One replay at a time: a second request waits for the first and then finds nothing new. */
  private replaying: Promise<{ replayed: number }> = Promise.resolve({ replayed: 0 });

  replayDeadLetters(): Promise<{ replayed: number }> {
    const run = this.replaying.catch(() => undefined).then(() => replayDeadLetters(this.log));
    this.replaying = run;
    return run;
  }

  async lag(): Promise<LagAnswer> {
    const view = await this.source.current();
    if (!view) return { evaluatedAt: new Date().toISOString(), settings: { ...this.lagSettings }, groups: [], viewAsOf: null };
    return { ...view.lag, viewAsOf: view.publishedAt };
  }

  async provinces(scope: TerritoryScope = { level: 'national' }): Promise<ProvincesAnswer> {
    const now = Date.now();
    const view = await this.source.current();
    const figuresOf = figuresLookup(view);
    const partitionStatus = partitionStatusLookup(view);
    const inScope = this.directory.provinces().filter((p) => scope.level === 'national' || p.code === scope.provinceCode);
    const provinces = inScope.map((province): ProvinceView => {
      const communes = this.directory
        .communesOf(province.code)
        .filter((c) => communeInScope(scope, c))
        .map((c) => this.communeView(c.code, c.name, now, figuresOf(c.code), partitionStatus));
      const count = (colour: SyncColour) => communes.filter((c) => c.status === colour).length;
      const oldest = communes.reduce<number | null>(
        (max, c) => (c.oldestPendingAgeMs !== null && (max === null || c.oldestPendingAgeMs > max) ? c.oldestPendingAgeMs : max),
        null,
      );
      const sum = (field: 'received' | 'delivered' | 'pending' | 'failed') => communes.reduce((total, c) => total + c[field], 0);
      const green = count('GREEN');
      return {
        code: province.code,
        name: province.name,
        communes: communes.length,
        green,
        yellow: count('YELLOW'),
        red: count('RED'),
        greenShare: communes.length ? Math.round((green / communes.length) * 10000) / 10000 : 1,
        received: sum('received'),
        delivered: sum('delivered'),
        pending: sum('pending'),
        failed: sum('failed'),
        oldestPendingAgeMs: oldest,
      };
    });
    const communes = { GREEN: 0, YELLOW: 0, RED: 0 };
    for (const p of provinces) {
      communes.GREEN += p.green;
      communes.YELLOW += p.yellow;
      communes.RED += p.red;
    }
    return {
      evaluatedAt: new Date(now).toISOString(),
      viewAsOf: view?.publishedAt ?? null,
      scope,
      thresholds: this.thresholds,
      totals: { provinces: provinces.length, provincesAllGreen: provinces.filter((p) => p.green === p.communes).length, communes },
      provinces,
    };
  }

  /**
   * The relay colour, its reasons and the oldest pending age (s) of the given communes, from one
   * read of the view: what the service indicators show beside the service colour.
   */
  async relayHealth(communeCodes: Iterable<string>): Promise<Map<string, { colour: SyncColour; reasons: string[]; oldestPendingSeconds: number | null }>> {
    const now = Date.now();
    const view = await this.source.current();
    const figuresOf = figuresLookup(view);
    const partitionStatus = partitionStatusLookup(view);
    const out = new Map<string, { colour: SyncColour; reasons: string[]; oldestPendingSeconds: number | null }>();
    for (const code of communeCodes) {
      const figures = figuresOf(code);
      const { status, reasons } = communeStatus(figures, partitionStatus, now, this.thresholds);
      const oldest = figures?.oldestPendingAt != null ? Math.max(0, Math.round((now - figures.oldestPendingAt) / 1000)) : null;
      out.set(code, { colour: status, reasons, oldestPendingSeconds: oldest });
    }
    return out;
  }

  /** The communes of a province (a province scope), or the one commune of a commune scope; undefined for a province the directory does not hold. */
  async communes(scope: CommunesAnswer['scope']): Promise<CommunesAnswer | undefined> {
    const province = this.directory.province(scope.provinceCode);
    if (!province) return undefined;
    const now = Date.now();
    const view = await this.source.current();
    const figuresOf = figuresLookup(view);
    const partitionStatus = partitionStatusLookup(view);
    return {
      evaluatedAt: new Date(now).toISOString(),
      viewAsOf: view?.publishedAt ?? null,
      scope,
      province: { code: province.code, name: province.name },
      communes: this.directory
        .communesOf(province.code)
        .filter((c) => communeInScope(scope, c))
        .map((c) => this.communeView(c.code, c.name, now, figuresOf(c.code), partitionStatus)),
    };
  }

  private communeView(
    code: string,
    name: string,
    now: number,
    figures: CommuneFigures | undefined,
    partitionStatus: (p: number) => PartitionStatus | undefined,
  ): CommuneView {
    const { status, reasons } = communeStatus(figures, partitionStatus, now, this.thresholds);
    return {
      code,
      name,
      status,
      reasons,
      received: figures?.received ?? 0,
      delivered: figures?.delivered ?? 0,
      pending: figures?.pending ?? 0,
      failed: figures?.failed ?? 0,
      oldestPendingAgeMs: figures?.oldestPendingAt != null ? Math.max(0, now - figures.oldestPendingAt) : null,
      failureRatio: figures && figures.received ? Math.round((figures.failed / figures.received) * 10000) / 10000 : 0,
      partitions: figures?.pendingPartitions ?? [],
    };
  }
}

function figuresLookup(view: OpsView | undefined): (commune: string) => CommuneFigures | undefined {
  const byCode = new Map((view?.communes ?? []).map((c) => [c.communeCode, c]));
  return (commune) => byCode.get(commune);
}

function partitionStatusLookup(view: OpsView | undefined): (partition: number) => PartitionStatus | undefined {
  const group = view?.lag.groups.find((g) => g.group === ConsumerGroups.portalSync);
  const statuses = new Map((group?.partitions ?? []).filter((p) => p.topic === Topics.dossierSync).map((p) => [p.partition, p.status as PartitionStatus]));
  return (partition) => statuses.get(partition);
}
