import { Logger } from '@nestjs/common';
import { Topics } from '@motlan/events/topics.js';
import { parseRegistryChangeEvent } from '@motlan/events/registry-change-event.js';
import type { ConsumedMessage, EventLog, PartitionOffset, RunningConsumer } from '@motlan/event-log/event-log.port.js';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import { auditEntriesOf } from '@motlan/audit/audit-trail-reader.js';
import { ensureAuditTopic } from '@motlan/audit/log-audit-sink.js';
import { DataQualityState, decodeDqStateData, type DqStateData, type DqStateOptions } from './data-quality-state.js';
import type { DataQualityView, DataQualityViewStore } from './data-quality-view.js';

/** Where the snapshot is kept between starts (the sync figures' snapshot stores fit, under another key or file). */
export interface DataQualitySnapshotStore {
  load(): Promise<string | undefined>;
  save(text: string): Promise<void>;
}

export interface DataQualityProjectionOptions {
  state: DqStateOptions;
  /** How often the state is written to the snapshot store once caught up (ms); 0: only on stop. */
  snapshotIntervalMs: number;
  /** How often the view is published for `api` processes (ms); 0: only on demand (tests). */
  publishIntervalMs: number;
  auditTopic: string;
  now: () => number;
}

interface Snapshot {
  version: 1;
  takenAt: string;
  offsets: Record<string, PartitionOffset[]>;
  state: DqStateData;
}

/**
 * The worker role's data-quality projection (docs/data-quality.md). Reads, with private readers
 * that commit nothing: the audit trail (answered reads with their quality fields, accepted
 * corrections) and the registries' change topics (their delay). The figures are therefore the
 * same whichever `api` instance served a read, and survive restarts through a snapshot of the
 * state and the offsets it covers (like the service indicators): a message and its offset are
 * taken in one synchronous step, so each is counted once.
 */
export class DataQualityProjection {
  private readonly logger = new Logger('DataQuality');
  readonly state: DataQualityState;
  private readonly offsets = new Map<string, Map<number, bigint>>();
  private readonly readers: RunningConsumer[] = [];
  private timers: NodeJS.Timeout[] = [];
  private saving: Promise<void> = Promise.resolve();
  private publishing: Promise<void> = Promise.resolve();
  private publishFailing = false;
  /** Whether a view went out once: later publications are skipped while nothing changed. */
  private published = false;
  private caughtUp = false;
  private changeTopics: string[] = [];

  constructor(
    private readonly auditLog: EventLog,
    private readonly changeLog: EventLog,
    private readonly snapshots: DataQualitySnapshotStore,
    private readonly view: DataQualityViewStore,
    private readonly options: DataQualityProjectionOptions,
  ) {
    this.state = new DataQualityState(options.state);
  }

  private get topics(): string[] {
    return [this.options.auditTopic, ...this.changeTopics];
  }

  async start(): Promise<void> {
    this.changeTopics = this.options.state.registries().map((r) => Topics.registryChanges(r));
    await ensureAuditTopic(this.auditLog, this.options.auditTopic);
    if (this.changeTopics.length) await this.changeLog.ensureTopics(this.changeTopics, 3);
    this.offsets.clear();
    const restored = await this.restore();
    this.state.prune(this.options.now());
    const startAt = restored ? Object.fromEntries(this.topics.map((t) => [t, this.offsetsOf(t)])) : undefined;
    this.readers.push(
      await this.auditLog.consume(
        { group: 'motlan-data-quality-audit', topics: [this.options.auditTopic], fromBeginning: true, ephemeral: true, startAt },
        async (m) => this.handle(m, () => this.onAudit(m)),
      ),
    );
    if (this.changeTopics.length) {
      this.readers.push(
        await this.changeLog.consume(
          { group: 'motlan-data-quality-changes', topics: this.changeTopics, fromBeginning: true, ephemeral: true, startAt },
          async (m) => this.handle(m, () => this.onChange(m)),
        ),
      );
    }
    await Promise.all(this.readers.map((r) => r.caughtUp()));
    this.caughtUp = true;
    await this.publishNow();
    const { snapshotIntervalMs, publishIntervalMs } = this.options;
    if (snapshotIntervalMs > 0) this.timers.push(setInterval(() => void this.saveSnapshot(), snapshotIntervalMs));
    if (publishIntervalMs > 0) this.timers.push(setInterval(() => void this.publishNow(), publishIntervalMs));
    for (const t of this.timers) t.unref();
  }

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

  /** The view as of now (also what a worker-role process answers from). */
  currentView(): DataQualityView {
    const now = this.options.now();
    this.state.prune(now);
    return { version: 1, publishedAt: new Date(now).toISOString(), days: this.state.toData() };
  }

  publishNow(): Promise<void> {
    const run = this.publishing.then(async () => {
      if (this.state.takeChanges().length === 0 && !this.publishFailing && this.published) return;
      try {
        await this.view.publish(this.currentView());
        if (this.publishFailing) this.logger.log('data quality figures published again');
        this.publishFailing = false;
        this.published = true;
      } catch (error) {
        if (!this.publishFailing)
          this.logger.warn({ reason: (error as Error).message }, 'data quality figures not published; api processes show the previous ones');
        this.publishFailing = true;
      }
    });
    this.publishing = run;
    return run;
  }

  saveSnapshot(): Promise<void> {
    const run = this.saving.then(async () => {
      // Taken synchronously between two handled messages: the state and its offsets agree.
      this.state.prune(this.options.now());
      const snapshot: Snapshot = {
        version: 1,
        takenAt: new Date(this.options.now()).toISOString(),
        offsets: Object.fromEntries(this.topics.map((t) => [t, this.offsetsOf(t)])),
        state: this.state.toData(),
      };
      try {
        await this.snapshots.save(JSON.stringify(snapshot));
      } catch (error) {
        this.logger.warn({ reason: (error as Error).message }, 'data quality snapshot not written; the next one is tried later');
      }
    });
    this.saving = run;
    return run;
  }

  private async handle(message: ConsumedMessage, apply: () => void): Promise<void> {
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

  /** A message of the audit topic is one write batch (one record per line): every record in it, in order. */
  private onAudit(message: ConsumedMessage): void {
    for (const entry of auditEntriesOf(message)) {
      if (entry.type !== 'access') continue;
      // One record that cannot be counted does not cost the others of its batch theirs.
      try {
        applyAccess(this.state, entry);
      } catch (error) {
        this.logger.warn({ topic: message.topic, offset: message.offset, reason: (error as Error).message }, 'audit record not counted');
      }
    }
  }

  private onChange(message: ConsumedMessage): void {
    const parsed = parseRegistryChangeEvent(message.value, message.key ?? null);
    if (!parsed.ok) return;
    const registry = message.topic.replace(/^motlan\.registry\./, '').replace(/\.changes\.v1$/, '');
    this.state.applyChangeEvent(registry, message.timestamp, message.timestamp - Date.parse(parsed.event.time));
  }

  private offsetsOf(topic: string): PartitionOffset[] {
    return [...(this.offsets.get(topic) ?? new Map<number, bigint>())]
      .map(([partition, offset]) => ({ partition, offset: String(offset) }))
      .sort((a, b) => a.partition - b.partition);
  }

  /** Loads the snapshot; false when there is none or it cannot be used (the topics are then read from the beginning). */
  private async restore(): Promise<boolean> {
    let text: string | undefined;
    try {
      text = await this.snapshots.load();
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, 'data quality snapshot not readable; rebuilding from the topics');
      return false;
    }
    if (text === undefined) return false;
    const snapshot = decodeSnapshot(text);
    if (!snapshot) {
      this.logger.warn('data quality snapshot unusable; rebuilding from the topics');
      return false;
    }
    // A snapshot ahead of a log belongs to another log (topics recreated, another data directory).
    for (const topic of this.topics) {
      const log = topic === this.options.auditTopic ? this.auditLog : this.changeLog;
      const ends = new Map((await log.endOffsets(topic)).map((p) => [p.partition, BigInt(p.offset)]));
      if ((snapshot.offsets[topic] ?? []).some((p) => BigInt(p.offset) > (ends.get(p.partition) ?? 0n))) {
        this.logger.warn({ topic }, 'data quality snapshot is ahead of the log; rebuilding from the topics');
        return false;
      }
    }
    this.state.load(snapshot.state);
    for (const topic of this.topics) this.offsets.set(topic, new Map((snapshot.offsets[topic] ?? []).map((p) => [p.partition, BigInt(p.offset)])));
    this.logger.log({ takenAt: snapshot.takenAt, ...this.state.size() }, 'data quality figures restored from their snapshot');
    return true;
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function decodeSnapshot(text: string): Snapshot | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(raw) || raw.version !== 1 || typeof raw.takenAt !== 'string' || !isObject(raw.offsets)) return undefined;
  for (const list of Object.values(raw.offsets)) {
    if (!Array.isArray(list) || !list.every((p) => isObject(p) && Number.isSafeInteger(p.partition) && typeof p.offset === 'string' && /^\d+$/.test(p.offset)))
      return undefined;
  }
  const state = decodeDqStateData(raw.state);
  return state ? (raw as unknown as Snapshot) : undefined;
}
