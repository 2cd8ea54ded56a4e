/**
 * Watches consumer groups' lag the way Burrow does: polls committed and log-end offsets every
 * `intervalMs`, keeps a bounded history per partition, and judges each partition with the rules of
 * lag-evaluator.ts. Framework-free: the gateway owns its lifecycle and exports snapshot() as
 * metrics (lag-metrics.ts) and through its operator API. Operator documentation:
 * docs/sync-monitoring.md.
 */
import { withDeadline } from '@motlan/resilience/deadline.js';
import type { PartitionOffset, EventLog } from '@motlan/event-log/event-log.port.js';
import { evaluateGroup, evaluatePartition, type OffsetSample, type PartitionEvaluation } from './lag-evaluator.js';
import { validateLagSettings, type LagMonitorSettings } from './lag-settings.js';
import type { LagHistoryPoint, LagSnapshot } from './lag.types.js';

/** The two reads the monitor needs; EventLog (Kafka or the embedded file log) provides them. */
export type OffsetsSource = Pick<EventLog, 'endOffsets' | 'committedOffsets'>;
export type { PartitionOffset };

export interface MonitoredGroup {
  group: string;
  /** Read at every poll, so topics created later (retry, dead-letter) are picked up. */
  topics: () => string[];
}

export interface LagMonitorOptions extends LagMonitorSettings {
  source: OffsetsSource;
  groups: MonitoredGroup[];
  /** Clock (ms since the epoch); tests pass a fake one. */
  now?: () => number;
  /**
   * A read of the source slower than this counts as failed for that poll (default: intervalMs, at
   * least 1 s), so one topic whose client keeps retrying does not hold up every group's samples.
   */
  readTimeoutMs?: number;
}

export type { GroupLagSnapshot, LagHistoryPoint, LagSnapshot, PartitionLagSnapshot } from './lag.types.js';

interface PartitionState {
  topic: string;
  partition: number;
  samples: OffsetSample[];
  /** Commit tracking beyond the kept samples (see CommitTracking). */
  unchangedSince: number;
  observedChange: boolean;
  lastSampledAt: number;
  evaluation: PartitionEvaluation;
}

interface GroupState {
  group: string;
  topics: () => string[];
  /** Keyed by `${topic}\u0000${partition}`. */
  partitions: Map<string, PartitionState>;
  errors: string[];
  errorSince: number | null;
  sampledAt: number | null;
  history: LagHistoryPoint[];
}

/** Hard cap per series on top of the time bound: sampleOnce() called far more often than intervalMs must not grow memory without end. */
const MIN_SERIES_CAP = 1_000;

function parseOffset(text: string, what: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`unreadable ${what} offset "${text}"`);
  return value;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Drops entries older than `cutoff`, but keeps the newest of those (it anchors a window that starts at the cutoff), and enforces `cap`. */
function trim<T extends { t: number }>(series: T[], cutoff: number, cap: number): void {
  let drop = 0;
  while (drop + 1 < series.length && series[drop + 1].t <= cutoff) drop++;
  drop = Math.max(drop, series.length - cap);
  if (drop > 0) series.splice(0, drop);
}

export class LagMonitor {
  private readonly settings: LagMonitorSettings;
  private readonly source: OffsetsSource;
  private readonly now: () => number;
  private readonly groups: GroupState[];
  private readonly seriesCap: number;
  private lastEvaluatedAt: number | null = null;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  /** Polls run one after another (the timer and sampleOnce() may ask at the same time). */
  private polling: Promise<unknown> = Promise.resolve();
  private readonly readTimeoutMs: number;
  /** When each read still running started (one per read key: never piled up). */
  private readonly pendingReads = new Map<string, number>();
  /** How each read last failed, reported with a later timeout of the same read. */
  private readonly lastFailures = new Map<string, string>();
  /** Reads asked for by the poll in progress (failures of reads no longer asked for are forgotten). */
  private readonly readsThisPoll = new Set<string>();

  constructor(options: LagMonitorOptions) {
    const { intervalMs, windowMs, allowance, stopAfterMs, historyMs } = options;
    this.settings = validateLagSettings({ intervalMs, windowMs, allowance, stopAfterMs, historyMs });
    const names = options.groups.map((g) => g.group);
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate !== undefined) throw new RangeError(`consumer group "${duplicate}" is listed twice`);
    this.source = options.source;
    this.now = options.now ?? Date.now;
    this.readTimeoutMs = options.readTimeoutMs ?? Math.max(intervalMs, 1_000);
    if (!(this.readTimeoutMs > 0)) throw new RangeError(`readTimeoutMs must be a positive number of milliseconds (got ${options.readTimeoutMs})`);
    this.seriesCap = Math.max(MIN_SERIES_CAP, 2 * Math.ceil(historyMs / intervalMs) + 2);
    this.groups = options.groups.map((g) => ({
      group: g.group,
      topics: g.topics,
      partitions: new Map(),
      errors: [],
      errorSince: null,
      sampledAt: null,
      history: [],
    }));
  }

  /** Polls now and then every `intervalMs` (counted from the end of the previous poll) until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops polling; resolves once a poll in progress has finished. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** One poll of every group (errors are recorded in the snapshot, never thrown); resolves with the snapshot after it. */
  sampleOnce(): Promise<LagSnapshot> {
    const poll = this.polling.then(() => this.poll());
    this.polling = poll.catch(() => undefined);
    return poll.then(() => this.snapshot());
  }

  snapshot(): LagSnapshot {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      evaluatedAt: new Date(this.lastEvaluatedAt ?? this.now()).toISOString(),
      settings: { ...this.settings },
      groups: this.groups.map((g) => {
        const partitions = [...g.partitions.values()]
          .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1))
          .map(({ topic, partition, evaluation: e }) => ({
            topic,
            partition,
            endOffset: e.endOffset,
            committedOffset: e.committedOffset,
            lag: e.lag,
            timeLagMs: e.timeLagMs,
            timeLagIsLowerBound: e.lowerBound,
            status: e.status,
            committedMovedAt: iso(e.committedMovedAt),
            reason: e.reason,
          }));
        return {
          group: g.group,
          ...evaluateGroup(partitions),
          partitions,
          error: g.errors.length > 0 ? g.errors.join('; ') : null,
          errorSince: iso(g.errorSince),
          sampledAt: iso(g.sampledAt),
        };
      }),
    };
  }

  /** Total lag, worst time lag and status of a group at each poll, oldest first, over `historyMs` (for a chart). */
  history(group: string): LagHistoryPoint[] {
    return (this.groups.find((g) => g.group === group)?.history ?? []).map((p) => ({ ...p }));
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      void this.sampleOnce()
        .catch(() => undefined)
        .finally(() => {
          if (this.running) this.schedule(this.settings.intervalMs);
        });
    }, delayMs);
    // Monitoring must never keep a process alive that is otherwise done.
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    this.readsThisPoll.clear();
    const topicsOf = new Map<GroupState, string[]>();
    const errors = new Map<GroupState, string[]>(this.groups.map((g) => [g, []]));
    for (const g of this.groups) {
      try {
        topicsOf.set(g, [...new Set(g.topics())]);
      } catch (error) {
        topicsOf.set(g, []);
        errors.get(g)!.push(`listing topics: ${message(error)}`);
      }
    }

    // Committed offsets first, log ends second: the log end only grows, so a commit made between
    // the two reads can never show up as a committed offset beyond the log end read after it.
    const committed = new Map<GroupState, Map<string, PartitionOffset[] | Error>>();
    await Promise.all(
      this.groups.map(async (g) => {
        const byTopic = new Map<string, PartitionOffset[] | Error>();
        committed.set(g, byTopic);
        await Promise.all(
          topicsOf.get(g)!.map(async (topic) => {
            byTopic.set(topic, await this.read(`committed\u0000${g.group}\u0000${topic}`, () => this.source.committedOffsets(g.group, topic)));
          }),
        );
      }),
    );
    // Once per topic, whichever groups read it; not at all when no group could read its committed
    // offsets (a topic that does not exist: kafkajs retries that log-end read for half a minute).
    const topics = new Set<string>();
    for (const byTopic of committed.values()) {
      for (const [topic, offsets] of byTopic) if (!(offsets instanceof Error)) topics.add(topic);
    }
    const ends = new Map<string, PartitionOffset[] | Error>();
    await Promise.all(
      [...topics].map(async (topic) => {
        ends.set(topic, await this.read(`end\u0000${topic}`, () => this.source.endOffsets(topic)));
      }),
    );
    // Taken after the log-end reads: time lag pairs each log end with the time it was read.
    const t = this.now();

    for (const g of this.groups) {
      const groupErrors = errors.get(g)!;
      let sampled = false;
      const wanted = new Set(topicsOf.get(g));
      for (const topic of wanted) {
        const done = committed.get(g)!.get(topic)!;
        const end = ends.get(topic)!;
        try {
          // The committed offsets were read first: their error is the first thing that went wrong.
          if (done instanceof Error) throw new Error(`committed offsets: ${done.message}`);
          if (end instanceof Error) throw new Error(`log-end offsets: ${end.message}`);
          if (end.length === 0) throw new Error('no partitions (the topic does not exist yet?)');
          this.record(g, topic, end, done, t);
          sampled = true;
        } catch (error) {
          groupErrors.push(`${topic}: ${message(error)}`);
        }
      }
      for (const [key, state] of g.partitions) {
        // A topic no longer listed goes at once; one that cannot be read is kept, stale, for as
        // long as the history lasts (the operator sees the error and the last known state).
        if (!wanted.has(state.topic) || state.lastSampledAt < t - this.settings.historyMs) g.partitions.delete(key);
      }
      if (sampled) g.sampledAt = t;
      g.errors = groupErrors;
      g.errorSince = groupErrors.length === 0 ? null : (g.errorSince ?? t);
      const { status, totalLag, maxTimeLagMs } = evaluateGroup([...g.partitions.values()].map((p) => p.evaluation));
      g.history.push({ t, totalLag, maxTimeLagMs, status });
      trim(g.history, t - this.settings.historyMs, this.seriesCap);
    }
    this.lastEvaluatedAt = t;
    for (const key of this.lastFailures.keys()) if (!this.readsThisPoll.has(key)) this.lastFailures.delete(key);
  }

  /**
   * One read of the source, given up after readTimeoutMs. A read that outlived its poll is not
   * started again while it runs, and its answer is not used when it comes: it belongs to an earlier
   * poll, and pairing it with this poll's reads would break the committed-before-log-end order. So a
   * hanging client never piles reads up; when such a read finally fails, the next timeout says with what.
   */
  private async read(key: string, start: () => Promise<PartitionOffset[]>): Promise<PartitionOffset[] | Error> {
    this.readsThisPoll.add(key);
    const runningSince = this.pendingReads.get(key);
    if (runningSince !== undefined) {
      return new Error(`still no answer to the read started ${Math.round((this.now() - runningSince) / 100) / 10} s ago`);
    }
    this.pendingReads.set(key, this.now());
    const reading = (async () => start())();
    reading.then(
      () => {
        this.pendingReads.delete(key);
        this.lastFailures.delete(key);
      },
      (error: unknown) => {
        this.pendingReads.delete(key);
        this.lastFailures.set(key, message(error));
      },
    );
    try {
      return await withDeadline(reading, this.readTimeoutMs, () => {
        const last = this.lastFailures.get(key);
        return new Error(`no answer within ${this.readTimeoutMs} ms${last ? ` (last failure: ${last})` : ''}`);
      });
    } catch (error) {
      return new Error(message(error));
    }
  }

  /** Adds one sample per partition of `topic` and re-evaluates them; partitions gone from the topic are dropped. */
  private record(g: GroupState, topic: string, end: PartitionOffset[], done: PartitionOffset[], t: number): void {
    const committedBy = new Map(done.map((p) => [p.partition, p.offset]));
    const parsed = end.map((p) => ({
      partition: p.partition,
      endOffset: parseOffset(p.offset, `log-end offset of partition ${p.partition}`),
      committedOffset: parseOffset(committedBy.get(p.partition) ?? '-1', `committed offset of partition ${p.partition}`),
    }));
    const present = new Set(parsed.map((p) => p.partition));
    for (const [key, state] of g.partitions) {
      if (state.topic === topic && !present.has(state.partition)) g.partitions.delete(key);
    }
    const cutoff = t - this.settings.historyMs;
    for (const { partition, endOffset, committedOffset } of parsed) {
      const key = `${topic}\u0000${partition}`;
      const previous = g.partitions.get(key);
      const samples = previous?.samples ?? [];
      let unchangedSince = previous?.unchangedSince ?? t;
      let observedChange = previous?.observedChange ?? false;
      if (previous && samples[samples.length - 1].committedOffset !== committedOffset) {
        // Seen at this poll; the commit itself happened at some point since the previous one.
        unchangedSince = t;
        observedChange = true;
      }
      samples.push({ t, endOffset, committedOffset });
      trim(samples, cutoff, this.seriesCap);
      const evaluation = evaluatePartition(samples, this.settings, { unchangedSince, observedChange });
      g.partitions.set(key, { topic, partition, samples, unchangedSince, observedChange, lastSampledAt: t, evaluation });
    }
  }
}
