import { Logger } from '@nestjs/common';
import type { AuditEntry } from '@motlan/audit/audit-record.js';
import type { AuditFeed, AuditPosition, RunningAuditFeed } from '@motlan/audit/audit-feed.port.js';
import { ACCESS_LOG_CONSUMER, noticeRanges, toAccessLogAdditions } from './access-log-entry.js';
import type { AccessLogStore } from './access-log-store.port.js';

export interface AccessLogProjectorOptions {
  /** Consumer (group) name; default `motlan-access-log`. */
  consumer?: string;
  /** In-place attempts when the store refuses an entry, before the feed is told to redeliver; default 3. */
  attempts?: number;
  /** Backoff between in-place attempts (doubling, at most 2 s); default 100 ms. */
  backoffMs?: number;
}

export interface AccessLogProjectorStats {
  /** Entries added to a citizen's log (a subject's, a named person's, or an attempt counted in a refusal entry). */
  added: number;
  /** Delivered again (at least once) and already there (or already counted). */
  duplicates: number;
  /** Audit entries that do not belong in any citizen's log (other types, non-citizen subjects, unidentified callers). */
  skipped: number;
  /** Audit notices recorded (writes that released no data). */
  notices: number;
  /** Store failures (each retried). */
  failures: number;
}

/**
 * Builds the citizens' access logs from the audit trail: follows the AuditFeed with its own
 * consumer and adds every access about a citizen, or releasing a citizen's id in someone else's
 * record, to that citizen's log. Entries arrive at least once and the store is idempotent (by
 * entry id; refusal counts by writer and seq), so a redelivery after a crash changes nothing.
 */
export class AccessLogProjector {
  private readonly logger = new Logger('AccessLogProjector');
  private readonly consumer: string;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private running?: RunningAuditFeed;
  private starting?: Promise<void>;
  private stopping = false;
  private caughtUpOnce = false;
  private interrupt?: () => void;
  readonly stats: AccessLogProjectorStats = { added: 0, duplicates: 0, skipped: 0, notices: 0, failures: 0 };

  constructor(
    private readonly feed: AuditFeed,
    private readonly store: AccessLogStore,
    options: AccessLogProjectorOptions = {},
  ) {
    this.consumer = options.consumer ?? ACCESS_LOG_CONSUMER;
    this.attempts = options.attempts ?? 3;
    this.backoffMs = options.backoffMs ?? 100;
  }

  /**
   * Starts following the feed, retrying in the background while it cannot be followed (Kafka not
   * reachable yet): the gateway serves meanwhile. The returned promise resolves once following.
   */
  start(): Promise<void> {
    this.stopping = false;
    this.starting ??= this.followWithRetry();
    return this.starting;
  }

  /** Resolves once everything in the trail when following began has been projected. */
  async caughtUp(): Promise<void> {
    await this.start();
    await this.running?.caughtUp();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.interrupt?.();
    await this.starting?.catch(() => undefined);
    const running = this.running;
    this.running = undefined;
    this.starting = undefined;
    await running?.stop();
  }

  /** The feed's handler: exposed for tests that drive the projection entry by entry. */
  readonly handle = async (entry: AuditEntry, position: AuditPosition): Promise<void> => {
    if (entry.type === 'audit_notice') {
      const ranges = [...noticeRanges(entry.unconfirmed), ...noticeRanges(entry.late)];
      if (position.writer === '' || ranges.length === 0) return;
      await this.retrying(() => this.store.addNotice(position.writer, ranges));
      this.stats.notices++;
      return;
    }
    const additions = entry.type === 'access' ? toAccessLogAdditions(entry, position) : [];
    if (additions.length === 0) {
      this.stats.skipped++;
      return;
    }
    // In order, each idempotent: a failure part-way redelivers the record and the ones added stay once.
    for (const addition of additions) {
      if (await this.retrying(() => this.store.add(addition))) this.stats.added++;
      else this.stats.duplicates++;
    }
  };

  /** A few tries in place, then the error goes to the feed, which delivers the same entry again. */
  private async retrying<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        this.stats.failures++;
        if (this.stopping || attempt >= this.attempts) {
          this.logger.warn({ reason: (error as Error).message, attempts: attempt }, 'access log store refused a write; the feed delivers the entry again');
          throw error;
        }
        await sleep(Math.min(2000, this.backoffMs * 2 ** (attempt - 1)));
      }
    }
  }

  private async followWithRetry(): Promise<void> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        this.running = await this.feed.follow(this.consumer, this.handle);
        void this.running.caughtUp().then(
          () => {
            if (this.caughtUpOnce) return;
            this.caughtUpOnce = true;
            this.logger.log({ ...this.stats }, 'citizen access log caught up with the audit trail');
          },
          () => undefined,
        );
        return;
      } catch (error) {
        this.logger.error({ reason: (error as Error).message }, `cannot follow the audit trail yet (attempt ${attempt}); retrying`);
        // Interrupted by stop(): a gateway shutting down does not wait out the backoff.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(10_000, 1000 * attempt));
          timer.unref();
          this.interrupt = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.interrupt = undefined;
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
