import type { OnModuleDestroy } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { settlesWithin } from '@motlan/resilience/deadline.js';
import { AuditChain, type SealedBatch, type SeqRange } from './audit-chain.js';
import type { AuditEntry } from './audit-record.js';
import { AuditSink } from './audit-sink.port.js';

export interface ChainedAuditSinkOptions {
  /** This writer's chain (one per gateway start). */
  chain: AuditChain;
  /**
   * How long an append may wait for its write before it rejects (the lookup then answers 503).
   * Undefined: as long as the write takes (the file sink: a local write fails rather than hangs).
   */
  timeoutMs?: number;
  /** Records per write at most (default 1000). */
  maxBatchRecords?: number;
}

interface Pending {
  entries: AuditEntry[];
  resolve: () => void;
  reject: (error: Error) => void;
  /** Resolved, rejected or given up on (timeout): the caller has its answer. */
  settled: boolean;
  timer?: NodeJS.Timeout;
}

/** An append refused because the trail cannot be written now. */
export class AuditUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditUnavailableError';
  }
}

/** First pause before an owed notice is written on its own, doubled per failure up to the maximum. */
const NOTICE_RETRY_FIRST_MS = 1_000;
const NOTICE_RETRY_MAX_MS = 30_000;

/**
 * What both audit sinks share: appends wait in a queue and go out together, one write at a time
 * (group commit: the lookups that arrive while a write is with the disk or the broker form the
 * next one), each batch is chained just before it is written (chain order = write order), and a
 * caller is released only once the write holding its record succeeded.
 *
 * With a timeout, an append rejects when its write has not succeeded in time, and appends made
 * while a write has been pending for longer than the timeout reject at once (the broker is gone:
 * lookups get their 503 now instead of queueing). The write itself cannot be taken back: it stays
 * in flight (Kafka's idempotent producer retries it) and nothing else is written until it ends, so
 * no later record can overtake it. Callers that gave up while their records were still queued are
 * dropped (never written, no seq given). Records written after their callers gave up are named by
 * a `late` notice; records whose write failed by an `unconfirmed` one (audit-chain.ts).
 */
export abstract class ChainedAuditSink extends AuditSink implements OnModuleDestroy {
  protected readonly logger = new Logger('AuditSink');
  private readonly chain: AuditChain;
  private readonly timeoutMs?: number;
  private readonly maxBatchRecords: number;
  private queue: Pending[] = [];
  private draining?: Promise<void>;
  /** performance.now() when the write in flight started, if one is. */
  private inFlightSince?: number;
  private closed = false;
  private noticeTimer?: NodeJS.Timeout;
  private noticeRetryMs = NOTICE_RETRY_FIRST_MS;
  private refused = 0;

  constructor(options: ChainedAuditSinkOptions) {
    super();
    this.chain = options.chain;
    this.timeoutMs = options.timeoutMs;
    this.maxBatchRecords = options.maxBatchRecords ?? 1000;
  }

  /**
   * Appends refused since start (timed out, the trail not writable, the sink closed): each is a
   * request answered 503 audit_unavailable. Read by the metrics scrape (motlan_audit_unavailable_total).
   */
  get refusedAppends(): number {
    return this.refused;
  }

  /** This sink's writer id (its chain). */
  get writer(): string {
    return this.chain.writer;
  }

  /** Writes the batch durably, resolving once it is (file written / acknowledged by all replicas). */
  protected abstract write(batch: SealedBatch): Promise<void>;

  /** Work before a batch is chained (connect, create the topic): a failure here burns no seq. */
  protected prepare(): Promise<void> {
    return Promise.resolve();
  }

  override ready(): Promise<void> {
    return this.prepare();
  }

  /** Releases the connection or file; called once the queue is drained at shutdown. */
  protected abstract release(): Promise<void>;

  append(record: AuditEntry): Promise<void> {
    return this.enqueue([record]);
  }

  appendMany(records: AuditEntry[]): Promise<void> {
    return records.length === 0 ? Promise.resolve() : this.enqueue(records);
  }

  private enqueue(entries: AuditEntry[]): Promise<void> {
    const appended = this.enqueueUncounted(entries);
    // Counted here, once per refused append, whichever way it was refused; the caller still gets the rejection.
    appended.catch(() => this.refused++);
    return appended;
  }

  private enqueueUncounted(entries: AuditEntry[]): Promise<void> {
    if (this.closed) return Promise.reject(new AuditUnavailableError('the audit sink is closed'));
    const { timeoutMs, inFlightSince } = this;
    if (timeoutMs !== undefined && inFlightSince !== undefined && performance.now() - inFlightSince > timeoutMs) {
      return Promise.reject(
        new AuditUnavailableError(`the audit trail is not writable: a write has been pending for ${Math.round(performance.now() - inFlightSince)} ms`),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const pending: Pending = { entries, resolve, reject, settled: false };
      if (timeoutMs !== undefined) {
        pending.timer = setTimeout(() => settle(pending, new AuditUnavailableError(`the audit write did not complete within ${timeoutMs} ms`)), timeoutMs);
      }
      this.queue.push(pending);
      this.kick();
    });
  }

  private kick(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      // An append may have arrived between the loop's last check and now.
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      // Callers that gave up while queued are dropped: their records were never written.
      this.queue = this.queue.filter((p) => !p.settled);
      if (this.queue.length === 0 && !this.chain.owesNotice) return;
      if (this.queue.length === 0 && (this.noticeTimer || this.closed)) return;
      this.inFlightSince = performance.now();
      try {
        try {
          await this.prepare();
        } catch (error) {
          // Nothing was chained: the queued callers are refused, no seq is lost.
          for (const pending of this.queue.splice(0)) settle(pending, unavailable(error));
          if (this.chain.owesNotice) this.scheduleNotice();
          continue;
        }
        const batch = this.takeBatch();
        if (batch.length === 0 && !this.chain.owesNotice) continue;
        const sealed = this.chain.seal(batch.flatMap((p) => p.entries));
        try {
          await this.write(sealed);
        } catch (error) {
          this.chain.failed(sealed);
          for (const pending of batch) settle(pending, unavailable(error));
          this.logger.error(
            { writer: this.chain.writer, seqs: `${sealed.firstSeq}-${sealed.lastSeq}`, reason: (error as Error).message },
            'audit write failed; its callers were refused',
          );
          this.scheduleNotice();
          continue;
        }
        this.chain.written(sealed, this.lateRanges(batch, sealed));
        for (const pending of batch) settle(pending);
        this.noticeRetryMs = NOTICE_RETRY_FIRST_MS;
      } finally {
        this.inFlightSince = undefined;
      }
    }
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let records = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (next.settled) {
        this.queue.shift();
        continue;
      }
      // One call's records stay together; a call larger than the limit goes alone.
      if (batch.length > 0 && records + next.entries.length > this.maxBatchRecords) break;
      batch.push(this.queue.shift()!);
      records += next.entries.length;
    }
    return batch;
  }

  /** Seq ranges of the batch whose callers gave up (timed out) while it was being written. */
  private lateRanges(batch: Pending[], sealed: SealedBatch): SeqRange[] {
    const late: SeqRange[] = [];
    let seq = sealed.firstSeq + sealed.noticeCount;
    for (const pending of batch) {
      if (pending.settled) late.push([seq, seq + pending.entries.length - 1]);
      seq += pending.entries.length;
    }
    if (late.length > 0) {
      this.logger.warn(
        { writer: this.chain.writer, late: late.map(([a, b]) => `${a}-${b}`).join(',') },
        'audit write acknowledged after its callers gave up; a notice follows',
      );
    }
    return late;
  }

  /**
   * A notice is owed but nothing may come to carry it (no lookups): it is written on its own after
   * a pause, so a failed write is explained in the trail even on a quiet gateway.
   */
  private scheduleNotice(): void {
    if (this.noticeTimer || this.closed) return;
    const delay = this.noticeRetryMs;
    this.noticeRetryMs = Math.min(this.noticeRetryMs * 2, NOTICE_RETRY_MAX_MS);
    this.noticeTimer = setTimeout(() => {
      this.noticeTimer = undefined;
      if (this.chain.owesNotice) this.kick();
    }, delay);
    this.noticeTimer.unref();
  }

  /**
   * Shutdown: refuses new appends, lets the queue drain (bounded by the callers' timeouts), writes
   * an owed notice if the trail takes it within the timeout, then releases the connection or file.
   */
  async onModuleDestroy(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = undefined;
    const bound = this.timeoutMs ?? 10_000;
    await settlesWithin(this.draining ?? Promise.resolve(), bound);
    if (this.chain.owesNotice && !this.draining) {
      const owed = (async () => {
        const sealed = this.chain.seal([]);
        try {
          await this.write(sealed);
          this.chain.written(sealed);
        } catch {
          this.chain.failed(sealed);
        }
      })();
      await settlesWithin(owed, bound);
    }
    await this.release();
  }
}

function settle(pending: Pending, error?: Error): void {
  if (pending.settled) return;
  pending.settled = true;
  clearTimeout(pending.timer);
  if (error) pending.reject(error);
  else pending.resolve();
}

function unavailable(error: unknown): Error {
  return error instanceof Error ? error : new AuditUnavailableError(String(error));
}
