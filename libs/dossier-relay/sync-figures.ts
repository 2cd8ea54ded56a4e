import { Logger } from '@nestjs/common';
import { parseJsonMessage } from '@motlan/events/message-validation.js';
import { Topics } from '@motlan/events/topics.js';
import { EventLog, type ConsumedMessage, type PartitionOffset, type RunningConsumer } from '@motlan/event-log/event-log.port.js';
import { DossierStatusMessage, idempotencyKey } from './dossier-status.js';
import { SyncOutcome } from './sync-outcome.js';
import { decodeSnapshot, encodeSnapshot, SyncFiguresSnapshotStore, type SyncFiguresSnapshot } from './sync-figures-snapshot.port.js';

/** A status received and not delivered: waiting for its outcome, or dead-lettered (until replayed and delivered). */
interface OpenStatus {
  commune: string;
  state: 'pending' | 'failed';
  /** When the gateway accepted it (ms): the age of a pending status. */
  acceptedAt: number;
  /** Partition of the sync topic it sits on (for the lag of a commune's partitions). */
  partition: number;
  /** False while only its outcome was read (read ahead): its status on the sync topic is not a replay. */
  onSync: boolean;
}

interface CommuneCounters {
  province: string;
  received: number;
  delivered: number;
  failed: number;
  /** Keys of its pending statuses (entries of `open`). */
  pending: Set<string>;
}

export interface CommuneFigures {
  communeCode: string;
  provinceCode: string;
  /** Distinct statuses (dossier + sequence) received. */
  received: number;
  delivered: number;
  pending: number;
  failed: number;
  /** Accepted-at time of the oldest pending status (ms), or null. */
  oldestPendingAt: number | null;
  /** Partitions of the sync topic holding its pending statuses. */
  pendingPartitions: number[];
}

export interface SyncFiguresOptions {
  /** How often the figures are written to the snapshot store once caught up (ms); 0: only on stop. */
  snapshotIntervalMs: number;
  /** A delivered status is remembered this long (log time) so that a repeat of it is not counted again. */
  dedupWindowMs: number;
  /** …and at most this many delivered statuses are remembered, the oldest forgotten first. */
  dedupMaxKeys: number;
}

export const DEFAULT_SYNC_FIGURES_OPTIONS: SyncFiguresOptions = { snapshotIntervalMs: 30_000, dedupWindowMs: 24 * 3_600_000, dedupMaxKeys: 200_000 };

const TOPICS = [Topics.dossierSync, Topics.dossierSyncOutcomes] as const;

/**
 * Per-commune sync figures, derived from Kafka and not from one instance's memory: every gateway
 * instance follows the sync topic (what was received) and the outcomes topic (what became of it),
 * so all instances show the same figures. A status is counted once per dossier and sequence
 * however often it was sent or delivered, within the de-duplication window (below).
 *
 * Bounded by the communes, not by the history (docs/decisions/0001-bounded-sync-figures.md): what
 * is kept is the counters of each commune, the statuses not delivered yet (pending or failed),
 * and the delivered statuses of the de-duplication window (`dedupWindowMs` of log time, at most
 * `dedupMaxKeys`): a repeat of a status delivered longer ago than that counts as a new one. The
 * whole state and the topic offsets it covers are written to a snapshot store now and then and on
 * stop; a start restores the snapshot and reads both topics on from its offsets, instead of from
 * the beginning. Handling a message and advancing its offset happen in one synchronous step, so a
 * snapshot never holds a message without its offset or the other way round: exactly once.
 */
export class SyncFigures {
  private readonly logger = new Logger('SyncFigures');
  private readonly options: SyncFiguresOptions;
  private readonly byCommune = new Map<string, CommuneCounters>();
  private readonly open = new Map<string, OpenStatus>();
  /** Delivered statuses still remembered → settled at (log time); insertion order is roughly time order. */
  private readonly settled = new Map<string, number>();
  private newestSettledAt = 0;
  /**
   * Delivered statuses whose outcome was read before their status (the two topics are read side by
   * side; far apart while catching up): kept, outside the window, until the status comes, so that
   * it is not counted a second time however far behind the sync topic is.
   */
  private readonly settledAhead = new Map<string, number>();
  /** Next offset to read, per topic and partition: what the figures cover. */
  private readonly offsets = new Map<string, Map<number, bigint>>();
  private readonly readers: RunningConsumer[] = [];
  private timer?: NodeJS.Timeout;
  private saving: Promise<void> = Promise.resolve();
  private caughtUp = false;

  constructor(
    private readonly log: EventLog,
    private readonly store: SyncFiguresSnapshotStore,
    options: Partial<SyncFiguresOptions> = {},
  ) {
    this.options = { ...DEFAULT_SYNC_FIGURES_OPTIONS, ...options };
  }

  /** Restores the snapshot, then resolves once both topics are read up to their end as of the start. */
  async start(): Promise<void> {
    await this.log.ensureTopics([...TOPICS], 3);
    this.reset();
    const restored = await this.restore();
    const startAt = restored ? Object.fromEntries(TOPICS.map((t) => [t, this.offsetsOf(t)])) : undefined;
    this.readers.push(
      await this.log.consume(
        { group: 'motlan-sync-figures-received', topics: [Topics.dossierSync], fromBeginning: true, ephemeral: true, startAt },
        async (m) => this.onReceived(m),
      ),
      await this.log.consume(
        { group: 'motlan-sync-figures-outcomes', topics: [Topics.dossierSyncOutcomes], fromBeginning: true, ephemeral: true, startAt },
        async (m) => this.onOutcome(m),
      ),
    );
    await Promise.all(this.readers.map((r) => r.caughtUp()));
    this.caughtUp = true;
    if (this.options.snapshotIntervalMs > 0) {
      this.timer = setInterval(() => void this.saveSnapshot(), this.options.snapshotIntervalMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.readers.splice(0).map((r) => r.stop()));
    // Only a start that caught up leaves a snapshot behind: one from a failed start would be as good, but is not worth the write.
    if (this.caughtUp) await this.saveSnapshot();
    this.caughtUp = false;
  }

  /** Writes the figures as they are now to the store (in turn; a failure is logged, the next one tries again). */
  saveSnapshot(): Promise<void> {
    const run = this.saving.then(async () => {
      // Taken synchronously, between two handled messages: the state and its offsets agree.
      const text = encodeSnapshot(this.snapshot());
      try {
        await this.store.save(text);
      } catch (error) {
        this.logger.warn({ reason: (error as Error).message }, 'sync figures snapshot not written; the next one is tried later');
      }
    });
    this.saving = run;
    return run;
  }

  communes(): CommuneFigures[] {
    return [...this.byCommune.keys()].map((code) => this.commune(code)!);
  }

  commune(code: string): CommuneFigures | undefined {
    const c = this.byCommune.get(code);
    if (!c) return undefined;
    let oldest: number | null = null;
    const partitions = new Set<number>();
    for (const key of c.pending) {
      const entry = this.open.get(key)!;
      if (oldest === null || entry.acceptedAt < oldest) oldest = entry.acceptedAt;
      partitions.add(entry.partition);
    }
    return {
      communeCode: code,
      provinceCode: c.province,
      received: c.received,
      delivered: c.delivered,
      pending: c.pending.size,
      failed: c.failed,
      oldestPendingAt: oldest,
      pendingPartitions: [...partitions].sort((a, b) => a - b),
    };
  }

  /** What the figures hold (for the bench and the logs): none of it grows with the topics' history. */
  size(): { communes: number; open: number; settled: number; settledAhead: number } {
    return { communes: this.byCommune.size, open: this.open.size, settled: this.settled.size, settledAhead: this.settledAhead.size };
  }

  private onReceived(message: ConsumedMessage): void {
    this.advance(message);
    const parsed = parseJsonMessage(DossierStatusMessage, message.value);
    // An invalid message never reaches the portal: the worker dead-letters it; it has no commune to count against.
    if (!parsed.ok) return;
    const status = parsed.message;
    const key = idempotencyKey(status.dossierId, status.sequence);
    if (this.settled.has(key)) return;
    const settledAt = this.settledAhead.get(key);
    if (settledAt !== undefined) {
      // Its outcome was read first: from now on it ages out of the window like any delivered status.
      this.settledAhead.delete(key);
      this.remember(key, settledAt);
      return;
    }
    const existing = this.open.get(key);
    const commune = this.communeState(status.communeCode, status.provinceCode);
    if (!existing) {
      this.open.set(key, {
        commune: status.communeCode,
        state: 'pending',
        acceptedAt: Date.parse(status.acceptedAt),
        partition: message.partition,
        onSync: true,
      });
      commune.received++;
      commune.pending.add(key);
    } else if (!existing.onSync) {
      // The status its outcome was read ahead of: counted already, not a replay.
      existing.onSync = true;
      existing.partition = message.partition;
    } else if (existing.state === 'failed') {
      // Sent again (a DLQ replay): pending once more until its new outcome.
      existing.state = 'pending';
      existing.partition = message.partition;
      commune.failed--;
      commune.pending.add(key);
    }
  }

  private onOutcome(message: ConsumedMessage): void {
    this.advance(message);
    const parsed = parseJsonMessage(SyncOutcome, message.value);
    if (!parsed.ok) {
      this.logger.warn({ reason: parsed.reason, offset: message.offset }, 'unreadable outcome skipped');
      return;
    }
    const outcome = parsed.message;
    const key = idempotencyKey(outcome.dossierId, outcome.sequence);
    // Delivered already: a later duplicate or dead-letter of it changes nothing.
    if (this.settled.has(key) || this.settledAhead.has(key)) return;
    const commune = this.communeState(outcome.communeCode, outcome.provinceCode);
    let entry = this.open.get(key);
    if (!entry) {
      // The outcomes topic can be read ahead of the sync topic: count the status as received now.
      entry = { commune: outcome.communeCode, state: 'pending', acceptedAt: Date.parse(outcome.acceptedAt), partition: message.partition, onSync: false };
      this.open.set(key, entry);
      commune.received++;
      commune.pending.add(key);
    }
    if (outcome.outcome === 'dead_lettered') {
      if (entry.state === 'failed') return;
      commune.pending.delete(key);
      entry.state = 'failed';
      commune.failed++;
      return;
    }
    if (entry.state === 'pending') commune.pending.delete(key);
    else commune.failed--;
    commune.delivered++;
    this.open.delete(key);
    if (entry.onSync) this.remember(key, message.timestamp);
    else this.settledAhead.set(key, message.timestamp);
  }

  /** Keeps a delivered status for the window, measured in log time so every instance forgets the same ones. */
  private remember(key: string, settledAt: number): void {
    this.settled.set(key, settledAt);
    if (settledAt > this.newestSettledAt) this.newestSettledAt = settledAt;
    const forgetBefore = this.newestSettledAt - this.options.dedupWindowMs;
    for (const [oldest, at] of this.settled) {
      if (this.settled.size <= this.options.dedupMaxKeys && at >= forgetBefore) break;
      this.settled.delete(oldest);
    }
  }

  private advance(message: ConsumedMessage): void {
    let partitions = this.offsets.get(message.topic);
    if (!partitions) this.offsets.set(message.topic, (partitions = new Map()));
    partitions.set(message.partition, BigInt(message.offset) + 1n);
  }

  private communeState(code: string, province: string): CommuneCounters {
    let state = this.byCommune.get(code);
    if (!state) this.byCommune.set(code, (state = { province, received: 0, delivered: 0, failed: 0, pending: new Set() }));
    return state;
  }

  private offsetsOf(topic: string): PartitionOffset[] {
    return [...(this.offsets.get(topic) ?? new Map<number, bigint>())]
      .map(([partition, offset]) => ({ partition, offset: String(offset) }))
      .sort((a, b) => a.partition - b.partition);
  }

  private snapshot(): SyncFiguresSnapshot {
    return {
      version: 1,
      takenAt: new Date().toISOString(),
      offsets: Object.fromEntries(TOPICS.map((t) => [t, this.offsetsOf(t)])),
      communes: [...this.byCommune].map(([code, c]) => [code, c.province, c.received, c.delivered, c.failed]),
      open: [...this.open].map(([key, s]) => [key, s.commune, s.state === 'pending' ? 'p' : 'f', s.acceptedAt, s.partition, s.onSync]),
      settled: [...this.settled],
      settledAhead: [...this.settledAhead],
    };
  }

  private reset(): void {
    this.byCommune.clear();
    this.open.clear();
    this.settled.clear();
    this.settledAhead.clear();
    this.offsets.clear();
    this.newestSettledAt = 0;
  }

  /**
   * Loads the stored snapshot into the (empty) figures; false when there is none or it cannot be
   * used, and the figures are then rebuilt from the beginning of the topics: slower, never wrong.
   */
  private async restore(): Promise<boolean> {
    let text: string | undefined;
    try {
      text = await this.store.load();
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, 'sync figures snapshot not readable; rebuilding the figures from the topics');
      return false;
    }
    if (text === undefined) return false;
    const decoded = decodeSnapshot(text);
    if (!decoded.ok) {
      this.logger.warn({ reason: decoded.reason }, 'sync figures snapshot unusable; rebuilding the figures from the topics');
      return false;
    }
    const snapshot = decoded.snapshot;
    // A snapshot ahead of the log belongs to another log (topics recreated, another data directory): its figures are not these.
    for (const topic of TOPICS) {
      const ends = new Map((await this.log.endOffsets(topic)).map((p) => [p.partition, BigInt(p.offset)]));
      const ahead = (snapshot.offsets[topic] ?? []).find((p) => BigInt(p.offset) > (ends.get(p.partition) ?? 0n));
      if (ahead) {
        this.logger.warn(
          { topic, partition: ahead.partition, snapshotOffset: ahead.offset },
          'sync figures snapshot is ahead of the log; rebuilding the figures from the topics',
        );
        return false;
      }
    }
    for (const [code, province, received, delivered, failed] of snapshot.communes)
      this.byCommune.set(code, { province, received, delivered, failed, pending: new Set() });
    for (const [key, commune, state, acceptedAt, partition, onSync] of snapshot.open) {
      this.open.set(key, { commune, state: state === 'p' ? 'pending' : 'failed', acceptedAt, partition, onSync });
      if (state === 'p') this.byCommune.get(commune)?.pending.add(key);
    }
    for (const [key, at] of snapshot.settled) {
      this.settled.set(key, at);
      if (at > this.newestSettledAt) this.newestSettledAt = at;
    }
    for (const [key, at] of snapshot.settledAhead) this.settledAhead.set(key, at);
    for (const topic of TOPICS) this.offsets.set(topic, new Map((snapshot.offsets[topic] ?? []).map((p) => [p.partition, BigInt(p.offset)])));
    this.logger.log(
      { takenAt: snapshot.takenAt, communes: this.byCommune.size, open: this.open.size, settled: this.settled.size },
      'sync figures restored from their snapshot',
    );
    return true;
  }
}
