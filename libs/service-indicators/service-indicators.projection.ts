import { Logger } from '@nestjs/common';
import { Topics } from '@motlan/events/topics.js';
import { parseJsonMessage } from '@motlan/events/message-validation.js';
import { EventLog, type ConsumedMessage, type PartitionOffset, type RunningConsumer } from '@motlan/event-log/event-log.port.js';
import { DossierStatusMessage } from '@motlan/dossier-relay/dossier-status.js';
import { SyncOutcome } from '@motlan/dossier-relay/sync-outcome.js';
import { auditEntriesOf } from '@motlan/audit/audit-trail-reader.js';
import { ensureAuditTopic } from '@motlan/audit/log-audit-sink.js';
import { IndicatorState, type IndicatorStateOptions } from './indicator-state.js';
import { decodeIndicatorSnapshot, type IndicatorSnapshot, type IndicatorSnapshotStore } from './indicator-snapshot.js';
import type { IndicatorsLiveView, IndicatorsViewStore, PublishedDayRow } from './indicators-view-store.port.js';

export interface ServiceIndicatorsProjectionOptions {
  state: Partial<IndicatorStateOptions>;
  /** How often the state is written to the snapshot store once caught up (ms); 0: only on stop. */
  snapshotIntervalMs: number;
  /** How often the view is published for `api` processes (ms); 0: only on demand (tests). */
  publishIntervalMs: number;
  /** The audit topic (config.audit.topic). */
  auditTopic: string;
  /** The clock (tests control it). */
  now: () => number;
}

/**
 * The worker role's service-indicators projection. Reads, with private readers that commit
 * nothing (like the sync figures, libs/dossier-relay/sync-figures.ts): the dossier statuses
 * (motlan.portal.dossier-sync.v1), their relay outcomes (…outcomes.v1), and the audit trail
 * (answered registry reads of a commune's clerks). The state and the offsets it covers are written
 * to a snapshot store now and then and on stop; a start restores the snapshot and reads on from
 * its offsets, never the history again. Handling a message and advancing its offset happen in one
 * synchronous step, so a snapshot never holds a message without its offset: each counted once.
 *
 * The audit trail may live in another log than the statuses (embedded: its own private file log),
 * hence `auditLog`.
 */
export class ServiceIndicatorsProjection {
  private readonly logger = new Logger('ServiceIndicators');
  readonly state: IndicatorState;
  private readonly offsets = new Map<string, Map<number, bigint>>();
  private readonly readers: RunningConsumer[] = [];
  private timers: NodeJS.Timeout[] = [];
  private saving: Promise<void> = Promise.resolve();
  private publishing: Promise<void> = Promise.resolve();
  private publishFailing = false;
  private caughtUp = false;

  constructor(
    private readonly log: EventLog,
    private readonly auditLog: EventLog,
    private readonly snapshots: IndicatorSnapshotStore,
    private readonly view: IndicatorsViewStore,
    private readonly options: ServiceIndicatorsProjectionOptions,
  ) {
    this.state = new IndicatorState(options.state);
  }

  private get topics(): string[] {
    return [Topics.dossierSync, Topics.dossierSyncOutcomes, this.options.auditTopic];
  }

  /** Restores the snapshot, then resolves once every topic is read up to its end as of the start. */
  async start(): Promise<void> {
    await this.log.ensureTopics([Topics.dossierSync, Topics.dossierSyncOutcomes], 3);
    await ensureAuditTopic(this.auditLog, this.options.auditTopic);
    this.offsets.clear();
    const restored = await this.restore();
    this.state.prune(this.options.now());
    const startAt = restored ? Object.fromEntries(this.topics.map((t) => [t, this.offsetsOf(t)])) : undefined;
    this.readers.push(
      await this.log.consume(
        { group: 'motlan-service-indicators-statuses', topics: [Topics.dossierSync], fromBeginning: true, ephemeral: true, startAt },
        async (m) => this.handle(m, () => this.onStatus(m)),
      ),
      await this.log.consume(
        { group: 'motlan-service-indicators-outcomes', topics: [Topics.dossierSyncOutcomes], fromBeginning: true, ephemeral: true, startAt },
        async (m) => this.handle(m, () => this.onOutcome(m)),
      ),
      await this.auditLog.consume(
        { group: 'motlan-service-indicators-reads', topics: [this.options.auditTopic], fromBeginning: true, ephemeral: true, startAt },
        async (m) => this.handle(m, () => this.onAudit(m)),
      ),
    );
    await Promise.all(this.readers.map((r) => r.caughtUp()));
    this.caughtUp = true;
    await this.publishNow();
    const { snapshotIntervalMs, publishIntervalMs } = this.options;
    if (snapshotIntervalMs > 0) this.timers.push(setInterval(() => void this.saveSnapshot(), snapshotIntervalMs));
    if (publishIntervalMs > 0) this.timers.push(setInterval(() => void this.publishNow(), publishIntervalMs));
    for (const t of this.timers) t.unref();
  }

  /** True once the start has read every topic up to its end. */
  ready(): boolean {
    return this.caughtUp;
  }

  async stop(): Promise<void> {
    for (const t of this.timers.splice(0)) clearInterval(t);
    await Promise.all(this.readers.splice(0).map((r) => r.stop()));
    if (this.caughtUp) {
      await this.publishNow();
      await this.saveSnapshot();
    }
    this.caughtUp = false;
  }

  /** Writes the state as it is now to the snapshot store (in turn; a failure is logged, the next one tries again). */
  saveSnapshot(): Promise<void> {
    const run = this.saving.then(async () => {
      // Taken synchronously, between two handled messages: the state and its offsets agree.
      this.state.prune(this.options.now());
      const snapshot: IndicatorSnapshot = {
        version: 1,
        takenAt: new Date(this.options.now()).toISOString(),
        offsets: Object.fromEntries(this.topics.map((t) => [t, this.offsetsOf(t)])),
        state: this.state.toData(),
      };
      const text = JSON.stringify(snapshot);
      try {
        await this.snapshots.save(text);
      } catch (error) {
        this.logger.warn({ reason: (error as Error).message }, 'service indicators snapshot not written; the next one is tried later');
      }
    });
    this.saving = run;
    return run;
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

  /** Publishes the live view and the days changed since the last publication (in turn; failures logged once per outage). */
  publishNow(): Promise<void> {
    const run = this.publishing.then(async () => {
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
        if (this.publishFailing) this.logger.log('service indicators published again');
        this.publishFailing = false;
      } catch (error) {
        // Not lost: the days go out with the next publication.
        this.state.requeue(changed, removed);
        if (!this.publishFailing)
          this.logger.warn({ reason: (error as Error).message }, 'service indicators not published; api processes show the previous ones');
        this.publishFailing = true;
      }
    });
    this.publishing = run;
    return run;
  }

  private async handle(message: ConsumedMessage, apply: () => void): Promise<void> {
    // Already covered by the restored snapshot (a reader may deliver from before its start offset).
    const next = this.offsets.get(message.topic)?.get(message.partition);
    if (next !== undefined && BigInt(message.offset) < next) return;
    try {
      apply();
    } catch (error) {
      this.logger.warn({ topic: message.topic, offset: message.offset, reason: (error as Error).message }, 'message not counted');
    }
    let partitions = this.offsets.get(message.topic);
    if (!partitions) this.offsets.set(message.topic, (partitions = new Map()));
    partitions.set(message.partition, BigInt(message.offset) + 1n);
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
    for (const entry of auditEntriesOf(message)) {
      if (entry.type !== 'access' || entry.outcome !== 'answered' || !entry.clientCommune) continue;
      // One record that cannot be counted does not cost the others of its batch theirs.
      try {
        this.state.applyRegistryRead(entry.clientCommune, Date.parse(entry.time));
      } catch (error) {
        this.logger.warn({ topic: message.topic, offset: message.offset, reason: (error as Error).message }, 'audit record not counted');
      }
    }
  }

  private offsetsOf(topic: string): PartitionOffset[] {
    return [...(this.offsets.get(topic) ?? new Map<number, bigint>())]
      .map(([partition, offset]) => ({ partition, offset: String(offset) }))
      .sort((a, b) => a.partition - b.partition);
  }

  /** Loads the stored snapshot; false when there is none or it cannot be used (the topics are then read from the beginning). */
  private async restore(): Promise<boolean> {
    let text: string | undefined;
    try {
      text = await this.snapshots.load();
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, 'service indicators snapshot not readable; rebuilding from the topics');
      return false;
    }
    if (text === undefined) return false;
    const decoded = decodeIndicatorSnapshot(text);
    if (!decoded.ok) {
      this.logger.warn({ reason: decoded.reason }, 'service indicators snapshot unusable; rebuilding from the topics');
      return false;
    }
    const { snapshot } = decoded;
    // A snapshot ahead of a log belongs to another log (topics recreated, another data directory).
    for (const topic of this.topics) {
      const log = topic === this.options.auditTopic ? this.auditLog : this.log;
      const ends = new Map((await log.endOffsets(topic)).map((p) => [p.partition, BigInt(p.offset)]));
      if ((snapshot.offsets[topic] ?? []).some((p) => BigInt(p.offset) > (ends.get(p.partition) ?? 0n))) {
        this.logger.warn({ topic }, 'service indicators snapshot is ahead of the log; rebuilding from the topics');
        return false;
      }
    }
    this.state.load(snapshot.state);
    for (const topic of this.topics) this.offsets.set(topic, new Map((snapshot.offsets[topic] ?? []).map((p) => [p.partition, BigInt(p.offset)])));
    this.logger.log({ takenAt: snapshot.takenAt, ...this.state.size() }, 'service indicators restored from their snapshot');
    return true;
  }
}
