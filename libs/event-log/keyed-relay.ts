import { Logger } from '@nestjs/common';
import { DlqHeaders } from '@motlan/events/topics.js';
import type { ParsedMessage } from '@motlan/events/message-validation.js';
import { deadLetterOf } from './dead-letter.js';
import { EventLog, type ConsumeContext, type ConsumedMessage, type RunningConsumer } from './event-log.port.js';

export interface KeyedRelayOptions {
  /** The destination as dead-letter reasons name it: "portal rejected it: …", "registry failed 8 times: …". */
  destination: string;
  topics: { main: string; retry: string; dlq: string };
  groups: { main: string; retry: string };
  partitions?: number;
  /** Deadline of one delivery call. */
  deliveryTimeoutMs: number;
  /** Attempts in place (short backoff) before a transient failure goes to the retry topic. */
  inlineAttempts: number;
  inlineBackoffMs: number;
  /** Attempts in all (in place ones included) before a message goes to the dead-letter topic. */
  maxAttempts: number;
  /** Base of the exponential backoff between attempts from the retry topic. */
  retryBackoffMs: number;
  /** Longest pause between two checks while the destination is down. */
  outageBackoffMaxMs: number;
  /**
   * What a message whose destination is down does: `wait` in place (one destination: the partition
   * waits, lag grows; the default), or `park` in the retry topic for `outageBackoffMaxMs` without
   * spending its attempts (several destinations: one down must not hold up the others' messages on
   * the main topic's partition; later messages of its key follow it there, so the order per key
   * holds). A parked message that finds its destination still down waits in the retry topic.
   */
  onOutage?: 'wait' | 'park';
}

/** The destination's answer: taken (possibly already before: duplicate), or refused for good. */
export type RelayAnswer<A> = { result: 'accepted' | 'duplicate'; ack: A } | { result: 'rejected'; reason: string };

/** A delivery that failed for a reason that may pass (the destination could not answer). */
export class RelayTransientError extends Error {
  override readonly name = 'RelayTransientError';
}

/**
 * What became of a message. A dead letter carries its reason, and `refusal` when the destination
 * itself refused it (its own reason), as opposed to an invalid message or one that failed too often.
 */
export type RelayOutcome<A> = { outcome: 'delivered' | 'duplicate'; ack: A } | { outcome: 'dead_lettered'; reason: string; refusal?: string };

/** What the relay needs to know about the messages it carries and where they go. */
export interface RelayTarget<T, A> {
  /** The validated message, or why it goes to the dead-letter topic (a key that does not match it included). */
  parse(message: ConsumedMessage): ParsedMessage<T>;
  keyOf(item: T): string;
  /** @throws RelayTransientError when the destination could not answer */
  deliver(item: T, timeoutMs: number): Promise<RelayAnswer<A>>;
  /** Whether the destination of `item` is down as a whole (then the partition waits; nothing is dead-lettered). */
  isDown(item: T): Promise<boolean>;
  /** Told every final outcome before the offset is committed (audit, outcomes, life cycles); throwing makes the log hand the message over again. */
  settled(item: T, outcome: RelayOutcome<A>, message: ConsumedMessage): Promise<void>;
  /** Told each time a message moves to the retry topic (failed attempts, its destination down, or queued behind its key); for metrics, must not throw. */
  retried?(item: T): void;
}

export const RelayHeaders = {
  attempts: 'motlan-attempts',
  notBefore: 'motlan-not-before',
  lastError: 'motlan-last-error',
} as const;

export interface KeyedRelayStats {
  delivered: number;
  duplicates: number;
  deadLettered: number;
  retried: number;
  outageWaits: number;
}

type Delivery<A> = { done: true; answer: RelayAnswer<A> } | { done: false; error: string };

/**
 * Delivers the messages of a topic to a destination, as the dossier relay does to the national
 * portal and the registry-event relay to registries: in order per key (one key's messages are on
 * one partition and handled one at a time), with the target's idempotency key so a redelivery
 * never creates a duplicate there.
 *
 * - The destination is down (a delivery fails and `isDown` says so): the partition waits and asks
 *   again with backoff, committing nothing, so lag grows and the lag monitor sees it; nothing is
 *   dead-lettered because of an outage.
 * - The destination is up but this delivery fails: a few attempts in place, then the message moves
 *   to the retry topic with a not-before time (exponential backoff); later messages of the same key
 *   follow it there, so they do not overtake it (within this worker instance).
 * - The destination refuses it, the message is invalid, or it failed `maxAttempts` times:
 *   dead-letter topic with the reason in a header (replayDeadLettersOf sends them back later).
 * Every final outcome is handed to the target's `settled` before the offset is committed.
 */
export class KeyedRelay<T, A> {
  private readonly logger: Logger;
  private readonly consumers: RunningConsumer[] = [];
  /** Keys with messages waiting in the retry topic → how many. */
  private readonly parked = new Map<string, number>();
  readonly stats: KeyedRelayStats = { delivered: 0, duplicates: 0, deadLettered: 0, retried: 0, outageWaits: 0 };

  constructor(
    private readonly log: EventLog,
    private readonly target: RelayTarget<T, A>,
    private readonly options: KeyedRelayOptions,
    name: string,
  ) {
    this.logger = new Logger(name);
  }

  async start(): Promise<void> {
    const { topics, groups } = this.options;
    await this.log.ensureTopics([topics.main, topics.retry, topics.dlq], this.options.partitions ?? 3);
    this.consumers.push(
      await this.log.consume({ group: groups.main, topics: [topics.main], fromBeginning: true }, (m, c) => this.handleNew(m, c)),
      await this.log.consume({ group: groups.retry, topics: [topics.retry], fromBeginning: true }, (m, c) => this.handleRetry(m, c)),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((c) => c.stop()));
  }

  private async handleNew(message: ConsumedMessage, context: ConsumeContext): Promise<void> {
    const parsed = this.parse(message);
    if (!parsed.ok) return this.deadLetter(message, parsed.reason, 0, undefined);
    const item = parsed.message;
    const key = this.target.keyOf(item);
    if (this.parked.has(key)) {
      // An earlier message of this key waits in the retry topic: queue behind it to keep the order.
      await this.park(message, item, 0, 'an earlier message of this key is waiting for a retry', Date.now());
      return;
    }
    await this.attempt(message, item, 0, context, false);
  }

  private async handleRetry(message: ConsumedMessage, context: ConsumeContext): Promise<void> {
    const parsed = this.parse(message);
    const attempts = Number(message.headers?.[RelayHeaders.attempts] ?? '0') || 0;
    if (!parsed.ok) return this.deadLetter(message, parsed.reason, attempts, undefined);
    const notBefore = Number(message.headers?.[RelayHeaders.notBefore] ?? '0') || 0;
    while (Date.now() < notBefore) {
      if (context.stopping) throw new Error('stopping');
      await sleep(Math.min(500, notBefore - Date.now()));
      await context.heartbeat();
    }
    try {
      await this.attempt(message, parsed.message, attempts, context, true);
    } finally {
      this.unpark(this.target.keyOf(parsed.message));
    }
  }

  /** A parser that throws must not stall the partition forever: what it cannot read is a dead letter. */
  private parse(message: ConsumedMessage): ParsedMessage<T> {
    try {
      return this.target.parse(message);
    } catch (error) {
      return { ok: false, reason: `unreadable: ${(error as Error).message}`.slice(0, 300) };
    }
  }

  private async attempt(message: ConsumedMessage, item: T, previousAttempts: number, context: ConsumeContext, fromRetry: boolean): Promise<void> {
    let attempts = previousAttempts;
    let lastError = '';
    for (let inline = 0; inline < this.options.inlineAttempts;) {
      const delivery = await this.deliverOnce(item);
      if (delivery.done) return this.finish(message, item, delivery.answer, attempts + 1);
      lastError = delivery.error;
      if (await this.target.isDown(item)) {
        // An outage is not this message's fault: wait (or step aside) without spending its attempts.
        // From the retry topic it waits in place: parked again, it would land behind later
        // messages of its key that are parked there, which could then overtake it.
        if (this.options.onOutage === 'park' && !fromRetry) {
          this.stats.outageWaits++;
          return this.park(message, item, attempts, `${this.options.destination} is down: ${lastError}`, Date.now() + this.options.outageBackoffMaxMs);
        }
        await this.waitOutage(context, inline);
        continue;
      }
      attempts++;
      inline++;
      if (attempts >= this.options.maxAttempts) {
        return this.deadLetter(message, `${this.options.destination} failed ${attempts} times: ${lastError}`, attempts, item);
      }
      if (inline < this.options.inlineAttempts) await sleep(this.options.inlineBackoffMs * inline);
      if (context.stopping) throw new Error('stopping');
    }
    const delayMs = this.options.retryBackoffMs * 2 ** Math.max(0, attempts - this.options.inlineAttempts);
    await this.park(message, item, attempts, lastError, Date.now() + delayMs);
  }

  private async deliverOnce(item: T): Promise<Delivery<A>> {
    try {
      return { done: true, answer: await this.target.deliver(item, this.options.deliveryTimeoutMs) };
    } catch (error) {
      if (error instanceof RelayTransientError) return { done: false, error: error.message };
      return { done: false, error: `internal: ${(error as Error).message}` };
    }
  }

  private async waitOutage(context: ConsumeContext, round: number): Promise<void> {
    this.stats.outageWaits++;
    if (this.stats.outageWaits % 20 === 1) this.logger.warn(`${this.options.destination} is down: the relay waits (lag grows until it is back)`);
    const pause = Math.min(this.options.outageBackoffMaxMs, 250 * 2 ** Math.min(round, 5));
    for (let waited = 0; waited < pause; waited += 250) {
      if (context.stopping) throw new Error('stopping');
      await sleep(250);
      await context.heartbeat();
    }
  }

  private async finish(message: ConsumedMessage, item: T, answer: RelayAnswer<A>, attempts: number): Promise<void> {
    if (answer.result === 'rejected')
      return this.deadLetter(message, `${this.options.destination} rejected it: ${answer.reason}`, attempts, item, answer.reason);
    await this.target.settled(item, { outcome: answer.result === 'accepted' ? 'delivered' : 'duplicate', ack: answer.ack }, message);
    if (answer.result === 'accepted') this.stats.delivered++;
    else this.stats.duplicates++;
  }

  private async park(message: ConsumedMessage, item: T, attempts: number, lastError: string, notBefore: number): Promise<void> {
    const key = this.target.keyOf(item);
    await this.log.append(this.options.topics.retry, [
      {
        key: message.key,
        value: message.value,
        headers: {
          ...(message.headers ?? {}),
          [RelayHeaders.attempts]: String(attempts),
          [RelayHeaders.notBefore]: String(notBefore),
          [RelayHeaders.lastError]: lastError.slice(0, 300),
        },
      },
    ]);
    this.parked.set(key, (this.parked.get(key) ?? 0) + 1);
    this.stats.retried++;
    this.target.retried?.(item);
  }

  private unpark(key: string): void {
    const left = (this.parked.get(key) ?? 1) - 1;
    if (left > 0) this.parked.set(key, left);
    else this.parked.delete(key);
  }

  private async deadLetter(message: ConsumedMessage, reason: string, attempts: number, item: T | undefined, refusal?: string): Promise<void> {
    await this.log.append(this.options.topics.dlq, [
      deadLetterOf(message, reason, {
        [DlqHeaders.attempts]: String(attempts),
        ...(message.headers?.['x-request-id'] ? { 'x-request-id': message.headers['x-request-id'] } : {}),
      }),
    ]);
    if (item !== undefined) {
      await this.target.settled(
        item,
        { outcome: 'dead_lettered', reason: reason.slice(0, 300), ...(refusal !== undefined ? { refusal: refusal.slice(0, 300) } : {}) },
        message,
      );
    }
    this.stats.deadLettered++;
    this.logger.warn({ reason }, 'message dead-lettered');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
