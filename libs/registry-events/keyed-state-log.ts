import { randomUUID } from 'node:crypto';
import type { ConsumedMessage, EventLog, RunningConsumer } from '@motlan/event-log/event-log.port.js';

export interface KeyedStateLogOptions<T> {
  /** A compacted topic: key = id, value = the current state JSON, null = removed. */
  topic: string;
  /** Prefix of the private reader each instance follows the topic with. */
  readerGroup: string;
  /** The validated state, or null for a value that is not one (skipped: the log is an edge). */
  parse(value: string): T | null;
  /** How long a writer waits for its own change to come back through the reader. */
  applyTimeoutMs: number;
}

const CHANGE_ID = 'motlan-change-id';

/** A change appended to the log whose reading back was not seen in time: it may well be in force. */
export class StateChangeUnconfirmedError extends Error {
  override readonly name = 'StateChangeUnconfirmedError';
}

/**
 * Current states by id on the event log (the subscriptions, the corrections): every instance reads
 * the compacted topic from the beginning with a private reader and follows it, so a change made on
 * one instance is seen by all within the reader's poll interval. A write resolves once this
 * instance's reader has read it back: a writer reads its own writes. The last write of an id wins.
 */
export class KeyedStateLog<T> {
  private readonly states = new Map<string, T>();
  private readonly waiters = new Map<string, () => void>();
  private readonly listeners: Array<(id: string, state: T | null) => void> = [];
  private reader?: RunningConsumer;

  constructor(
    private readonly log: EventLog,
    private readonly options: KeyedStateLogOptions<T>,
  ) {}

  async start(): Promise<void> {
    await this.log.ensureTopics([this.options.topic], 3, { compacted: true });
    this.reader = await this.log.consume({ group: this.options.readerGroup, topics: [this.options.topic], fromBeginning: true, ephemeral: true }, (m) =>
      this.read(m),
    );
    await this.reader.caughtUp();
  }

  async stop(): Promise<void> {
    await this.reader?.stop();
    this.reader = undefined;
  }

  get(id: string): T | undefined {
    return this.states.get(id);
  }

  list(): T[] {
    return [...this.states.values()];
  }

  /** Told of every change read (this instance's and others'), after it is in force here. */
  onChange(listener: (id: string, state: T | null) => void): void {
    this.listeners.push(listener);
  }

  put(id: string, state: T): Promise<void> {
    return this.write(id, JSON.stringify(state));
  }

  remove(id: string): Promise<void> {
    return this.write(id, null);
  }

  private async write(id: string, value: string | null): Promise<void> {
    const changeId = randomUUID();
    const applied = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(changeId);
        reject(new StateChangeUnconfirmedError(`change of ${id} not read back within ${this.options.applyTimeoutMs} ms`));
      }, this.options.applyTimeoutMs);
      this.waiters.set(changeId, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    try {
      await this.log.append(this.options.topic, [{ key: id, value, headers: { [CHANGE_ID]: changeId } }]);
    } catch (error) {
      this.waiters.get(changeId)?.();
      this.waiters.delete(changeId);
      throw error;
    }
    await applied;
  }

  private async read(message: ConsumedMessage): Promise<void> {
    const state = message.value === null ? null : this.options.parse(message.value);
    if (message.value === null) this.states.delete(message.key);
    else if (state !== null) this.states.set(message.key, state);
    if (message.value === null || state !== null) for (const listener of this.listeners) listener(message.key, state);
    const changeId = message.headers?.[CHANGE_ID];
    if (changeId) {
      this.waiters.get(changeId)?.();
      this.waiters.delete(changeId);
    }
  }
}
