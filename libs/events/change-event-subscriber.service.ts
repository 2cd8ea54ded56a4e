import { Logger } from '@nestjs/common';
import { deadLetterOf } from '@motlan/event-log/dead-letter.js';
import type { ConsumedMessage, ConsumerOptions, RunningConsumer, EventLog } from '@motlan/event-log/event-log.port.js';
import { changeEventCodec } from './change-event-codec.js';
import type { RegistryChangeEvent } from './registry-change-event.js';
import { Topics } from './topics.js';

/** Called for every valid change event; invalid ones never reach it (they are dead-lettered). */
export type ChangeEventHandler = (registry: string, event: RegistryChangeEvent) => Promise<void>;

export interface ChangeEventStats {
  processed: number;
  deadLettered: number;
  handlerErrors: number;
}

export interface ChangeEventSubscriberOptions {
  log: EventLog;
  /**
   * A cache shared by every instance (Redis): one consumer group for all of them, resuming at its
   * committed offsets, so each change is applied once. Undefined for a cache of this process alone
   * (memory): it reads, privately, every event appended after its start (older ones cannot matter
   * to a cache that starts empty), and every instance sees every event.
   */
  group?: string;
  /** close() closes the log too: set when the log was made for this subscriber alone. */
  ownsLog?: boolean;
  /** Partitions of the change topics when they are created (Kafka); by subject id, one record's events keep their order. */
  partitions?: number;
}

/** Prefix of a private reader's group (the log makes it unique per process and start). */
const PRIVATE_READER = 'motlan-cache-sync-private';

/**
 * Gateway side: delivers the change events of the given registries to a handler. Invalid
 * messages go to motlan.registry.changes.dlq.v1 with the reason in a header and are counted; a
 * handler that fails is counted and the event is not retried (the cache being unreachable must
 * not stall the stream: entries expire by their maximum age anyway). Until the log is reachable,
 * start() keeps trying.
 */
export class ChangeEventSubscriber {
  readonly stats: ChangeEventStats = { processed: 0, deadLettered: 0, handlerErrors: 0 };
  private readonly logger = new Logger('ChangeEventSubscriber');
  private running?: RunningConsumer;
  private closed = false;

  constructor(private readonly options: ChangeEventSubscriberOptions) {}

  /** Resolves once consuming, or once closed while the log was still unreachable. */
  async start(registries: string[], handler: ChangeEventHandler): Promise<void> {
    const topics = new Map(registries.map((r) => [Topics.registryChanges(r), r]));
    const { log } = this.options;
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await log.ensureTopics([...topics.keys(), Topics.registryChangesDlq], this.options.partitions ?? 3);
        const running = await log.consume(await this.consumerOptions([...topics.keys()]), (message) => this.deliver(message, topics, handler));
        if (this.closed) return await running.stop();
        this.running = running;
        this.logger.log({ group: this.options.group ?? PRIVATE_READER, topics: [...topics.keys()] }, 'consuming registry change events');
        return;
      } catch (error) {
        this.logger.warn({ attempt, reason: (error as Error).message }, 'event log not reachable for change events; retrying');
        await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5000)));
      }
    }
  }

  private async consumerOptions(topics: string[]): Promise<ConsumerOptions> {
    const { group } = this.options;
    if (group) return { group, topics, fromBeginning: false };
    const startAt = Object.fromEntries(await Promise.all(topics.map(async (topic) => [topic, await this.options.log.endOffsets(topic)] as const)));
    return { group: PRIVATE_READER, topics, fromBeginning: false, ephemeral: true, startAt };
  }

  private async deliver(message: ConsumedMessage, topics: Map<string, string>, handler: ChangeEventHandler): Promise<void> {
    const registry = topics.get(message.topic);
    const decoded = changeEventCodec.decode(message);
    if (!registry) return this.deadLetter(message, 'unexpected topic');
    if (!decoded.ok) return this.deadLetter(message, decoded.reason);
    try {
      await handler(registry, decoded.value);
      this.stats.processed++;
    } catch (error) {
      this.stats.handlerErrors++;
      this.logger.warn({ reason: (error as Error).message, topic: message.topic, partition: message.partition }, 'change event handler failed');
    }
  }

  /** A failed dead-letter append throws: the log then hands the same message over again. */
  private async deadLetter(message: ConsumedMessage, reason: string): Promise<void> {
    this.logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset, reason }, 'change event dead-lettered');
    await this.options.log.append(Topics.registryChangesDlq, [deadLetterOf(message, reason)]);
    this.stats.deadLettered++;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running?.stop();
    this.running = undefined;
    if (this.options.ownsLog) await this.options.log.close();
  }
}
