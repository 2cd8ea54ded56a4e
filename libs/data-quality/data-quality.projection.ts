import { Topics } from '@motlan/events/topics.js';
import { parseRegistryChangeEvent } from '@motlan/events/registry-change-event.js';
import type { ConsumedMessage, EventLog } from '@motlan/event-log/event-log.port.js';
import {
  SnapshottedProjection,
  decodeProjectionSnapshot,
  type DecodedSnapshot,
  type ProjectionSnapshotStore,
  type ProjectionSource,
  type SnapshottedProjectionOptions,
} from '@motlan/projection/snapshotted-projection.js';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import { auditEntriesOf } from '@motlan/audit/audit-trail-reader.js';
import { ensureAuditTopic } from '@motlan/audit/log-audit-sink.js';
import { DataQualityState, decodeDqStateData, type DqStateData, type DqStateOptions } from './data-quality-state.js';
import type { DataQualityView, DataQualityViewStore } from './data-quality-view.js';

/** Where the snapshot is kept between starts (the sync figures' snapshot stores fit, under another key or file). */
export type DataQualitySnapshotStore = ProjectionSnapshotStore;

export interface DataQualityProjectionOptions extends SnapshottedProjectionOptions {
  state: DqStateOptions;
  auditTopic: string;
}

/**
 * The worker role's data-quality projection (docs/data-quality.md; the skeleton: libs/projection).
 * Reads the audit trail (answered reads with their quality fields, accepted corrections) and the
 * registries' change topics (their delay). The figures are therefore the same whichever `api`
 * instance served a read, and survive restarts through a snapshot of the state and its offsets.
 */
export class DataQualityProjection extends SnapshottedProjection<DqStateData, DataQualityState> {
  constructor(
    private readonly auditLog: EventLog,
    private readonly changeLog: EventLog,
    snapshots: DataQualitySnapshotStore,
    private readonly view: DataQualityViewStore,
    private readonly options: DataQualityProjectionOptions,
  ) {
    super(new DataQualityState(options.state), snapshots, options, { context: 'DataQuality', figures: 'data quality figures', snapshot: 'data quality' });
  }

  protected async openSources(): Promise<ProjectionSource[]> {
    const changeTopics = this.options.state.registries().map((r) => Topics.registryChanges(r));
    await ensureAuditTopic(this.auditLog, this.options.auditTopic);
    if (changeTopics.length) await this.changeLog.ensureTopics(changeTopics, 3);
    const sources: ProjectionSource[] = [
      { log: this.auditLog, group: 'motlan-data-quality-audit', topics: [this.options.auditTopic], handle: (m) => this.onAudit(m) },
    ];
    if (changeTopics.length) sources.push({ log: this.changeLog, group: 'motlan-data-quality-changes', topics: changeTopics, handle: (m) => this.onChange(m) });
    return sources;
  }

  protected decodeSnapshot(text: string): DecodedSnapshot<DqStateData> {
    return decodeProjectionSnapshot(text, (raw) => (decodeDqStateData(raw) ? { ok: true } : { ok: false, reason: 'state malformed' }));
  }

  /** The view as of now (also what a worker-role process answers from). */
  currentView(): DataQualityView {
    const now = this.options.now();
    this.state.prune(now);
    return { version: 1, publishedAt: new Date(now).toISOString(), days: this.state.toData() };
  }

  /** The whole view, skipped while nothing changed since the last one went out. */
  protected async publishView(): Promise<void> {
    if (this.state.takeChanges().length === 0 && this.publishedUpToDate) return;
    await this.view.publish(this.currentView());
  }

  /** A message of the audit topic is one write batch (one record per line): every record in it, in order. */
  private onAudit(message: ConsumedMessage): void {
    this.applyEach(message, auditEntriesOf(message), 'audit record', (entry) => {
      if (entry.type === 'access') applyAccess(this.state, entry);
    });
  }

  private onChange(message: ConsumedMessage): void {
    const parsed = parseRegistryChangeEvent(message.value, message.key ?? null);
    if (!parsed.ok) return;
    const registry = message.topic.replace(/^motlan\.registry\./, '').replace(/\.changes\.v1$/, '');
    this.state.applyChangeEvent(registry, message.timestamp, message.timestamp - Date.parse(parsed.event.time));
  }
}

/** One answered access record into the state: a read (lookup or prefill), or an accepted correction. */
export function applyAccess(state: DataQualityState, entry: AuditRecord): void {
  const time = Date.parse(entry.time);
  if (entry.outcome !== 'answered' || !Number.isFinite(time) || !entry.registry) return;
  if (entry.via === 'correction') {
    if (entry.correctionState === 'accepted') state.applyCorrectionAccepted(entry.registry, entry.correctionCommune ?? entry.clientCommune, time);
    return;
  }
  if (entry.via === 'archive-share') return;
  state.applyRead({
    registry: entry.registry,
    clientCommune: entry.clientCommune,
    time,
    stale: entry.cache === 'STALE',
    quality: entry.missingFields || entry.malformedFields ? { missing: entry.missingFields, malformed: entry.malformedFields } : undefined,
    conflicts: typeof entry.conflicts === 'number' && Number.isSafeInteger(entry.conflicts) && entry.conflicts > 0 ? entry.conflicts : undefined,
  });
}
