import { Logger } from '@nestjs/common';
import { Topics } from '@motlan/events/topics.js';
import { settlesWithin, withDeadline } from '@motlan/resilience/deadline.js';
import type { ConsumedMessage, RunningConsumer, EventLog } from '@motlan/event-log/event-log.port.js';
import type { AdapterCatalogChange, AdapterCatalogEntry } from './adapter-manifest.js';
import { catalogChangeCodec } from './catalog-entry-codec.js';

export type CatalogChangeListener = (change: AdapterCatalogChange) => void;

export interface AdapterCatalogStoreOptions {
  log: EventLog;
  /** Default motlan.adapters.v1. */
  topic?: string;
  /** Where the catalog lives, for logs and errors ("kafka topic …", a directory). */
  location: string;
  /** Where the log is reached, named when it cannot be read at all ("Kafka at host:port"). */
  reachedAt?: string;
  /** How long start() may take to reach the log and replay the catalog (default 15 s). */
  startTimeoutMs?: number;
  /** stop() closes the log too: set when the log was made for this store alone. */
  ownsLog?: boolean;
}

/** A put waits this long at most for its own change to come back through the reader. */
const OWN_WRITE_ECHO_MS = 10_000;
/** Best-effort cleanup on stop must not hold a shutdown up when the broker is gone. */
const CLEANUP_MS = 5_000;
/** Prefix of every instance's private reader (the log makes it unique per process and start). */
const READER_GROUP = 'motlan-adapter-catalog';

interface OffsetWaiter {
  partition: number;
  /** Resolved once the reader's next offset on `partition` is at least this. */
  next: bigint;
  resolve: () => void;
}

/** start() did not finish in time. */
class StartTimedOut extends Error {}

/**
 * Durable, shared home of the adapter catalog: a compacted topic of the event log (key = adapter
 * id, value = entry, tombstone on removal; one partition, so one total order of changes). Every
 * gateway instance replays the whole catalog on start with a private reader (nothing committed,
 * nothing left behind) and then follows changes made by any instance, so all converge on the same
 * adapters and the catalog survives restarts of every instance. Production: Kafka topic
 * motlan.adapters.v1; embedded: the file log under `<data dir>/adapters`.
 */
export class AdapterCatalogStore {
  readonly location: string;
  private readonly logger = new Logger('AdapterCatalog');
  private readonly log: EventLog;
  private readonly topic: string;
  private listener?: CatalogChangeListener;
  private reader?: RunningConsumer;
  private topicReady?: Promise<void>;
  /** Bumped by every start and stop, so a replay that outlived its start (timed out) gives up. */
  private run = 0;
  /** Next offset to read per partition, as far as the reader got. */
  private readonly positions = new Map<number, bigint>();
  private waiters: OffsetWaiter[] = [];

  constructor(private readonly options: AdapterCatalogStoreOptions) {
    this.log = options.log;
    this.topic = options.topic ?? Topics.adapterCatalog;
    this.location = options.location;
  }

  /**
   * Replays every change in write order to `listener`, resolves once it has caught up with what
   * was written before the call, then keeps delivering later changes (including this instance's
   * own writes) until {@link stop}. Rejects if the log cannot be read at all.
   */
  async start(listener: CatalogChangeListener): Promise<void> {
    if (this.listener) throw new Error(`adapter catalog (${this.location}): already started`);
    this.listener = listener;
    const run = ++this.run;
    const replay = this.replay(run);
    try {
      await withDeadline(replay, this.options.startTimeoutMs ?? 15_000, () => new StartTimedOut());
    } catch (error) {
      // The log may keep trying in the background: its late failure is of no interest any more.
      replay.catch(() => undefined);
      // Not awaited: closing a client that still retries an unreachable broker can take long.
      void this.stop().catch(() => undefined);
      const reason =
        error instanceof StartTimedOut ? `no answer within ${Math.round((this.options.startTimeoutMs ?? 15_000) / 1000)} s` : (error as Error).message;
      const from = this.options.reachedAt ? ` from ${this.options.reachedAt}` : '';
      throw new Error(`adapter catalog (${this.location}): cannot read it${from}: ${reason}`, { cause: error });
    }
  }

  /** Writes an entry durably (fsync / acks=all); resolves once this instance's listener has it too. */
  put(entry: AdapterCatalogEntry): Promise<void> {
    return this.write({ id: entry.manifest.id, entry });
  }

  /** Writes a tombstone for `id` durably; resolves once this instance's listener has it too. */
  async remove(id: string): Promise<void> {
    if (!id) throw new Error('adapter catalog: remove needs an adapter id');
    return this.write({ id, entry: null });
  }

  /** Stops following; safe to call twice or without start. */
  async stop(): Promise<void> {
    this.run++;
    this.listener = undefined;
    const reader = this.reader;
    this.reader = undefined;
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
    this.positions.clear();
    await reader?.stop();
    if (this.options.ownsLog) await settlesWithin(this.log.close(), CLEANUP_MS);
  }

  /** Ensures the topic, then reads it from the beginning up to where it ended at the start. */
  private async replay(run: number): Promise<void> {
    await this.ensureTopic();
    if (run !== this.run) return;
    const reader = await this.log.consume({ group: READER_GROUP, topics: [this.topic], fromBeginning: true, ephemeral: true }, async (message) => {
      if (run === this.run) this.deliver(message);
    });
    if (run !== this.run) return reader.stop();
    this.reader = reader;
    await reader.caughtUp();
  }

  private deliver(message: ConsumedMessage): void {
    this.advance(message.partition, BigInt(message.offset) + 1n);
    const change = catalogChangeCodec.decode(message);
    const where = { topic: message.topic, partition: message.partition, offset: message.offset };
    if (!change.ok) {
      this.logger.warn({ ...where, reason: change.reason }, 'adapter catalog message skipped');
      return;
    }
    try {
      this.listener?.(change.value);
    } catch (error) {
      this.logger.warn({ ...where, reason: (error as Error).message }, 'adapter catalog listener failed');
    }
  }

  private async write(change: AdapterCatalogChange): Promise<void> {
    // Encoded (and so checked) before anything is touched: an entry readers would skip is never written.
    const message = catalogChangeCodec.encode(change);
    await this.ensureTopic();
    await this.log.append(this.topic, [message]);
    if (!this.reader) return;
    // Read-your-writes: once put/remove resolves, the listener of this instance has seen the change
    // (and whatever was written before it).
    const ends = await this.log.endOffsets(this.topic);
    const seen = await settlesWithin(Promise.all(ends.map(({ partition, offset }) => this.reach(partition, BigInt(offset)))), OWN_WRITE_ECHO_MS);
    if (!seen) this.logger.warn({ topic: this.topic }, 'adapter catalog write stored but not yet seen by this instance');
  }

  /** Compacted: only the latest entry per adapter is kept (on Kafka; the file log keeps every line, which reads the same). */
  private ensureTopic(): Promise<void> {
    this.topicReady ??= this.log.ensureTopics([this.topic], 1, { compacted: true }).catch((error: Error) => {
      this.topicReady = undefined;
      throw error;
    });
    return this.topicReady;
  }

  private reach(partition: number, next: bigint): Promise<void> {
    if (next <= 0n || (this.positions.get(partition) ?? 0n) >= next) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ partition, next, resolve }));
  }

  private advance(partition: number, next: bigint): void {
    if ((this.positions.get(partition) ?? 0n) >= next) return;
    this.positions.set(partition, next);
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.partition !== partition || waiter.next > next) return true;
      waiter.resolve();
      return false;
    });
  }
}
