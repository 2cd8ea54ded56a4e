/**
 * What both EventLog implementations share on the consuming side, so the handler semantics of the
 * port (one message of a partition at a time, a throwing handler gets the same message again after
 * a pause, stop() lets the handler in progress finish) are written once.
 */
import type { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ConsumeContext, ConsumedMessage, ConsumerOptions, MessageHandler } from './event-log.port.js';

/** First pause after a handler threw; doubles per failed attempt of the same message, up to the maximum. */
export const RETRY_FIRST_PAUSE_MS = 500;
export const RETRY_MAX_PAUSE_MS = 5_000;
/** A retry pause is cut into slices this long so a Kafka member keeps heartbeating through it. */
const KEEP_ALIVE_SLICE_MS = 1_000;

export function retryPauseMs(attempt: number): number {
  return Math.min(RETRY_FIRST_PAUSE_MS * 2 ** Math.max(0, attempt - 1), RETRY_MAX_PAUSE_MS);
}

/**
 * An ephemeral reader's private group: unique per process and start, so two instances (or two
 * starts in one process) never share offsets or partitions.
 */
export function ephemeralGroupId(prefix: string): string {
  return `${prefix}-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
}

/**
 * The start offsets an ephemeral reader was given (ConsumerOptions.startAt), by topic and
 * partition; refuses them on a group reader, whose start is its committed offset.
 */
export function requestedStarts(options: ConsumerOptions): Map<string, bigint> {
  const starts = new Map<string, bigint>();
  if (!options.startAt) return starts;
  if (options.ephemeral !== true) throw new Error('sync log consume: startAt is for ephemeral readers only');
  for (const [topic, offsets] of Object.entries(options.startAt)) {
    for (const { partition, offset } of offsets) {
      if (!/^\d+$/.test(offset))
        throw new Error(`sync log consume: start offset ${JSON.stringify(offset)} of ${topic}/${partition} is not a non-negative integer`);
      starts.set(startKey(topic, partition), BigInt(offset));
    }
  }
  return starts;
}

export function startKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Set once by stop(); sleepers wake up at once instead of finishing their pause. */
export class StopSignal {
  private stopped = false;
  private wake!: () => void;
  private readonly woken = new Promise<void>((resolve) => (this.wake = resolve));

  get stopping(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }

  /** Resolves after `ms`, or as soon as stop() is called. */
  async sleep(ms: number): Promise<void> {
    if (this.stopped) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), this.woken]);
    clearTimeout(timer);
  }
}

export interface HandleOptions {
  handler: MessageHandler;
  context: ConsumeContext;
  signal: StopSignal;
  logger: Logger;
  /** Called before and during every retry pause (Kafka: heartbeat); throwing abandons the message. */
  keepAlive?: () => Promise<void>;
}

/**
 * Runs the handler on `message` until it resolves: true once it did, false when the consumer is
 * stopping first (the message then counts as not handled and must not be committed). A handler
 * that throws is retried after a growing pause; it never moves on to the next message by itself.
 */
export async function handleUntilResolved(message: ConsumedMessage, options: HandleOptions): Promise<boolean> {
  const { handler, context, signal, logger, keepAlive } = options;
  for (let attempt = 1; ; attempt++) {
    if (signal.stopping) return false;
    try {
      await handler(message, context);
      return true;
    } catch (error) {
      // Failing because we are stopping (the handler gave up as asked) is not worth a warning.
      if (signal.stopping) return false;
      const pauseMs = retryPauseMs(attempt);
      logger.warn(
        {
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          attempt,
          retryInMs: pauseMs,
          reason: (error as Error)?.message ?? String(error),
        },
        'sync log handler failed; the same message is handled again after a pause',
      );
      for (let waited = 0; waited < pauseMs && !signal.stopping; waited += KEEP_ALIVE_SLICE_MS) {
        await keepAlive?.();
        await signal.sleep(Math.min(KEEP_ALIVE_SLICE_MS, pauseMs - waited));
      }
    }
  }
}

/**
 * Tracks how far a reader got on each partition against the end offsets noted at its start;
 * done() resolves once every partition reached its end. stop() rejects a pending done() so a
 * caller waiting for a reader that will never catch up is told so.
 */
export class CatchUp {
  private readonly remaining = new Map<string, bigint>();
  private readonly positions = new Map<string, bigint>();
  private resolve!: () => void;
  private reject!: (error: Error) => void;
  private readonly promise = new Promise<void>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
  private armed = false;

  constructor() {
    // Nobody may ever ask for done(); a rejection on stop must not count as unhandled then.
    this.promise.catch(() => undefined);
  }

  /** The end to reach on a partition and where the reader starts; call for every partition, then arm(). */
  target(topic: string, partition: number, end: bigint, start: bigint): void {
    const id = `${topic}\u0000${partition}`;
    this.positions.set(id, start);
    if (start < end) this.remaining.set(id, end);
  }

  arm(): void {
    this.armed = true;
    if (this.remaining.size === 0) this.resolve();
  }

  /** The reader's next offset on a partition is now `next`. */
  advance(topic: string, partition: number, next: bigint): void {
    const id = `${topic}\u0000${partition}`;
    if ((this.positions.get(id) ?? -1n) >= next) return;
    this.positions.set(id, next);
    const end = this.remaining.get(id);
    if (end !== undefined && next >= end) {
      this.remaining.delete(id);
      if (this.armed && this.remaining.size === 0) this.resolve();
    }
  }

  stop(): void {
    this.reject(new Error('sync log consumer stopped before it caught up'));
  }

  done(): Promise<void> {
    return this.promise;
  }
}
