import { Topics } from '@motlan/events/topics.js';
import { parseJsonMessage } from '@motlan/events/message-validation.js';
import type { ConsumedMessage, EventLog } from '@motlan/event-log/event-log.port.js';
import {
  SnapshottedProjection,
  type DecodedSnapshot,
  type ProjectionSource,
  type SnapshottedProjectionOptions,
} from '@motlan/projection/snapshotted-projection.js';
import { DossierStatusMessage } from '@motlan/dossier-relay/dossier-status.js';
import { SyncOutcome } from '@motlan/dossier-relay/sync-outcome.js';
import { auditEntriesOf } from '@motlan/audit/audit-trail-reader.js';
import { ensureAuditTopic } from '@motlan/audit/log-audit-sink.js';
import { IndicatorState, type IndicatorStateData, type IndicatorStateOptions } from './indicator-state.js';
import { decodeIndicatorSnapshot, type IndicatorSnapshotStore } from './indicator-snapshot.js';
import type { IndicatorsLiveView, IndicatorsViewStore, PublishedDayRow } from './indicators-view-store.port.js';

export interface ServiceIndicatorsProjectionOptions extends SnapshottedProjectionOptions {
  state: Partial<IndicatorStateOptions>;
  /** The audit topic (config.audit.topic). */
  auditTopic: string;
}

/**
 * The worker role's service-indicators projection (the skeleton: libs/projection). Reads the
 * dossier statuses (motlan.portal.dossier-sync.v1), their relay outcomes (…outcomes.v1), and the
 * audit trail (answered registry reads of a commune's clerks). The audit trail may live in another
 * log than the statuses (embedded: its own private file log), hence `auditLog`.
 */
export class ServiceIndicatorsProjection extends SnapshottedProjection<IndicatorStateData, IndicatorState> {
  constructor(
    private readonly log: EventLog,
    private readonly auditLog: EventLog,
    snapshots: IndicatorSnapshotStore,
    private readonly view: IndicatorsViewStore,
    private readonly options: ServiceIndicatorsProjectionOptions,
  ) {
    super(new IndicatorState(options.state), snapshots, options, {
      context: 'ServiceIndicators',
      figures: 'service indicators',
      snapshot: 'service indicators',
    });
  }

  protected async openSources(): Promise<ProjectionSource[]> {
    await this.log.ensureTopics([Topics.dossierSync, Topics.dossierSyncOutcomes], 3);
    await ensureAuditTopic(this.auditLog, this.options.auditTopic);
    return [
      { log: this.log, group: 'motlan-service-indicators-statuses', topics: [Topics.dossierSync], handle: (m) => this.onStatus(m) },
      { log: this.log, group: 'motlan-service-indicators-outcomes', topics: [Topics.dossierSyncOutcomes], handle: (m) => this.onOutcome(m) },
      { log: this.auditLog, group: 'motlan-service-indicators-reads', topics: [this.options.auditTopic], handle: (m) => this.onAudit(m) },
    ];
  }

  protected decodeSnapshot(text: string): DecodedSnapshot<IndicatorStateData> {
    return decodeIndicatorSnapshot(text);
  }

  /** The live part of the view as of now (also what a worker-role process answers from). */
  liveView(): IndicatorsLiveView {
    const now = this.options.now();
    this.state.prune(now);
    const live = this.state.live(now);
    return {
      version: 1,
      publishedAt: new Date(now).toISOString(),
      firstDay: this.state.dayKeys()[0] ?? new Date(now).toISOString().slice(0, 10),
      communes: [...live].map(([code, l]) => [code, l.lastReportAt, l.overdueNow]),
    };
  }

  /** Publishes the live view and the days changed since the last publication. */
  protected async publishView(): Promise<void> {
    const live = this.liveView();
    const { changed, removed } = this.state.takeChanges();
    const days = new Map<string, PublishedDayRow[]>();
    for (const day of changed)
      days.set(
        day,
        [...(this.state.day(day) ?? new Map())].map(([c, counters]) => [c, ...counters] as PublishedDayRow),
      );
    try {
      await this.view.publish(live, days, removed);
    } catch (error) {
      // Not lost: the days go out with the next publication.
      this.state.requeue(changed, removed);
      throw error;
    }
  }

  private onStatus(message: ConsumedMessage): void {
    const parsed = parseJsonMessage(DossierStatusMessage, message.value);
    // An invalid status is dead-lettered by the relay and never reaches the portal: nothing to count.
    if (parsed.ok) this.state.applyStatus(parsed.message);
  }

  private onOutcome(message: ConsumedMessage): void {
    const parsed = parseJsonMessage(SyncOutcome, message.value);
    if (parsed.ok) this.state.applyOutcome(parsed.message);
  }

  /**
   * An answered lookup or prefill for a client bound to a commune is one registry read of that
   * commune. A message of the audit topic is one write batch (one record per line): every record in it.
   */
  private onAudit(message: ConsumedMessage): void {
    this.applyEach(message, auditEntriesOf(message), 'audit record', (entry) => {
      if (entry.type === 'access' && entry.outcome === 'answered' && entry.clientCommune)
        this.state.applyRegistryRead(entry.clientCommune, Date.parse(entry.time));
    });
  }
}
