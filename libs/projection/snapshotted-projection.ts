import { Logger } from '@nestjs/common';
import type { ConsumedMessage, EventLog, PartitionOffset, RunningConsumer } from '@motlan/event-log/event-log.port.js';

/**
 * What a snapshotted projection keeps: loadable from and savable to plain data, bounded by a
 * retention (prune), and able to tell its size (logged on restore and start).
 */
export interface ProjectionState<Data> {
  load(data: Data): void;
  toData(): Data;
  prune(now: number): void;
  size(): object;
}

/** One private reader of the projection: its log, consumer group, topics and what a message does to the state. */
export interface ProjectionSource {
  log: EventLog;
  group: string;
  topics: string[];
  handle(message: ConsumedMessage): void;
}

/**
 * Where the snapshot is kept between starts (production: one Redis key; embedded: a file). The
 * sync figures' snapshot stores (libs/dossier-relay) fit as they are, under another key or file.
 */
export interface ProjectionSnapshotStore {
  load(): Promise<string | undefined>;
  save(text: string): Promise<void>;
}

/** The state at one point of the topics read: everything before `offsets` (next offset per topic and partition) is in it, nothing after. */
export interface ProjectionSnapshot<Data> {
  version: 1;
  takenAt: string;
  offsets: Record<string, PartitionOffset[]>;
  state: Data;
}

export type DecodedSnapshot<Data> = { ok: true; snapshot: ProjectionSnapshot<Data> } | { ok: false; reason: string };

export interface SnapshottedProjectionOptions {
  /** How often the state is written to the snapshot store once caught up (ms); 0: only on stop. */
  snapshotIntervalMs: number;
  /** How often the view is published for `api` processes (ms); 0: only on demand (tests). */
  publishIntervalMs: number;
  /** The clock (tests control it). */
  now: () => number;
}

/** How the projection names itself in its logs. */
export interface ProjectionNames {
  /** The logger context, e.g. 'ServiceIndicators'. */
  context: string;
  /** What is published, e.g. 'service indicators' ("… published again"). */
  figures: string;
  /** What is snapshotted, e.g. 'service indicators' ("… snapshot not written"). */
  snapshot: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A snapshot in `text`, checked field by field (it comes from outside the process); the state is
 * checked by `decodeState`. One that does not pass is not used: the topics are read again.
 */
export function decodeProjectionSnapshot<Data>(
  text: string,
  decodeState: (raw: unknown) => { ok: true } | { ok: false; reason: string },
): DecodedSnapshot<Data> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObject(raw) || raw.version !== 1 || typeof raw.takenAt !== 'string') return { ok: false, reason: 'not a version 1 snapshot' };
  if (!isObject(raw.offsets)) return { ok: false, reason: 'offsets missing' };
  for (const [topic, list] of Object.entries(raw.offsets)) {
    if (
      !Array.isArray(list) ||
      !list.every(
        (p) => isObject(p) && Number.isSafeInteger(p.partition) && (p.partition as number) >= 0 && typeof p.offset === 'string' && /^\d+$/.test(p.offset),
      )
    ) {
      return { ok: false, reason: `offsets of ${topic} malformed` };
    }
  }
  const state = decodeState(raw.state);
  return state.ok ? { ok: true, snapshot: raw as unknown as ProjectionSnapshot<Data> } : state;
}

/**
 * The worker role's skeleton for a projection of topics (the service indicators, the data-quality
 * figures): private readers that commit nothing, a state written with the offsets it covers to a
 * snapshot store now and then and on stop, a start that restores the snapshot and reads on from
 * its offsets (never the history again), and a view published periodically for `api` processes.
 * Handling a message and advancing its offset happen in one synchronous step, so a snapshot never
 * holds a message without its offset: each is counted once.
 */
export abstract class SnapshottedProjection<Data, State extends ProjectionState<Data>> {
  protected readonly logger: Logger;
  private readonly offsets = new Map<string, Map<number, bigint>>();
  private readonly readers: RunningConsumer[] = [];
  private sources: ProjectionSource[] = [];
  private timers: NodeJS.Timeout[] = [];
  private saving: Promise<void> = Promise.resolve();
  private publishing: Promise<void> = Promise.resolve();
  private publishFailing = false;
  /** Whether a view went out once (a projection may skip later publications while nothing changed). */
  private published = false;
  private caughtUp = false;

  protected constructor(
    readonly state: State,
    private readonly snapshots: ProjectionSnapshotStore,
    private readonly settings: SnapshottedProjectionOptions,
    private readonly names: ProjectionNames,
  ) {
    this.logger = new Logger(names.context);
  }

  /** Makes sure the topics exist and returns the readers to start, in topic order. */
  protected abstract openSources(): Promise<ProjectionSource[]>;
  /** The stored snapshot's text, checked. */
  protected abstract decodeSnapshot(text: string): DecodedSnapshot<Data>;
  /** Publishes the view (rejects when the store cannot take it). */
  protected abstract publishView(): Promise<void>;

  /** True while the last publication went out and nothing failed since. */
  protected get publishedUpToDate(): boolean {
    return this.published && !this.publishFailing;
  }

  private get topics(): string[] {
    return this.sources.flatMap((s) => s.topics);
  }

  /** Restores the snapshot, then resolves once every topic is read up to its end as of the start. */
  async start(): Promise<void> {
    this.sources = await this.openSources();
    this.offsets.clear();
    const restored = await this.restore();
    this.state.prune(this.settings.now());
    const startAt = restored ? Object.fromEntries(this.topics.map((t) => [t, this.offsetsOf(t)])) : undefined;
    for (const source of this.sources) {
      this.readers.push(
        await source.log.consume({ group: source.group, topics: source.topics, fromBeginning: true, ephemeral: true, startAt }, async (m) =>
          this.handle(m, () => source.handle(m)),
        ),
      );
    }
    await Promise.all(this.readers.map((r) => r.caughtUp()));
    this.caughtUp = true;
    await this.publishNow();
    const { snapshotIntervalMs, publishIntervalMs } = this.settings;
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

  /** Publishes the view (in turn; failures logged once per outage). */
  publishNow(): Promise<void> {
    const run = this.publishing.then(async () => {
      try {
        await this.publishView();
        if (this.publishFailing) this.logger.log(`${this.names.figures} published again`);
        this.publishFailing = false;
        this.published = true;
      } catch (error) {
        if (!this.publishFailing)
          this.logger.warn({ reason: (error as Error).message }, `${this.names.figures} not published; api processes show the previous ones`);
        this.publishFailing = true;
      }
    });
    this.publishing = run;
    return run;
  }

  /** Writes the state as it is now to the snapshot store (in turn; a failure is logged, the next one tries again). */
  saveSnapshot(): Promise<void> {
    const run = this.saving.then(async () => {
      // Taken synchronously, between two handled messages: the state and its offsets agree.
      this.state.prune(this.settings.now());
      const snapshot: ProjectionSnapshot<Data> = {
        version: 1,
        takenAt: new Date(this.settings.now()).toISOString(),
        offsets: Object.fromEntries(this.topics.map((t) => [t, this.offsetsOf(t)])),
        state: this.state.toData(),
      };
      try {
        await this.snapshots.save(JSON.stringify(snapshot));
      } catch (error) {
        this.logger.warn({ reason: (error as Error).message }, `${this.names.snapshot} snapshot not written; the next one is tried later`);
      }
    });
    this.saving = run;
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

  /**
   * Applies `apply` to every record of one message that holds several (the audit topic's write
   * batches), in order: a record that cannot be counted is logged as `what` and does not cost the
   * others of its message theirs.
   */
  protected applyEach<R>(message: ConsumedMessage, records: Iterable<R>, what: string, apply: (record: R) => void): void {
    for (const record of records) {
      try {
        apply(record);
      } catch (error) {
        this.logger.warn({ topic: message.topic, offset: message.offset, reason: (error as Error).message }, `${what} not counted`);
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
    const { snapshot: what, figures } = this.names;
    let text: string | undefined;
    try {
      text = await this.snapshots.load();
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, `${what} snapshot not readable; rebuilding from the topics`);
      return false;
    }
    if (text === undefined) return false;
    const decoded = this.decodeSnapshot(text);
    if (!decoded.ok) {
      this.logger.warn({ reason: decoded.reason }, `${what} snapshot unusable; rebuilding from the topics`);
      return false;
    }
    const { snapshot } = decoded;
    // A snapshot ahead of a log belongs to another log (topics recreated, another data directory).
    for (const source of this.sources) {
      for (const topic of source.topics) {
        const ends = new Map((await source.log.endOffsets(topic)).map((p) => [p.partition, BigInt(p.offset)]));
        if ((snapshot.offsets[topic] ?? []).some((p) => BigInt(p.offset) > (ends.get(p.partition) ?? 0n))) {
          this.logger.warn({ topic }, `${what} snapshot is ahead of the log; rebuilding from the topics`);
          return false;
        }
      }
    }
    this.state.load(snapshot.state);
    for (const topic of this.topics) this.offsets.set(topic, new Map((snapshot.offsets[topic] ?? []).map((p) => [p.partition, BigInt(p.offset)])));
    this.logger.log({ takenAt: snapshot.takenAt, ...this.state.size() }, `${figures} restored from their snapshot`);
    return true;
  }
}
