import { Logger } from '@nestjs/common';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { ChangeEventPublisher, ChangeEventSubscriber, type ChangeEventHandler } from './change-event-bus.port.js';
import { consumerRetry, createIdempotentProducer, createKafka } from './kafka-client.adapter.js';
import { parseRegistryChangeEvent, type RegistryChangeEvent } from './registry-change-event.js';
import { ConsumerGroups, DlqHeaders, Topics } from './topics.js';

/** Creates the topics if missing (idempotent); partitions by subject id keep one record's events in order. */
export async function ensureTopics(kafka: Kafka, topics: string[], numPartitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length) await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Registry side on Kafka: idempotent producer, acks=all, key = subject id. */
export class KafkaChangeEventPublisher extends ChangeEventPublisher {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private connected?: Promise<void>;

  constructor(brokers: string[], clientId = 'motlan-registry-sim') {
    super();
    this.kafka = createKafka(clientId, brokers);
    this.producer = createIdempotentProducer(this.kafka);
  }

  async publish(registry: string, event: RegistryChangeEvent): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: Error) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    await this.producer.send({
      topic: Topics.registryChanges(registry),
      acks: -1,
      messages: [{ key: event.data.subjectId, value: JSON.stringify(event), headers: { 'content-type': 'application/cloudevents+json' } }],
    });
  }

  async close(): Promise<void> {
    await this.producer.disconnect();
  }
}

/**
 * Gateway side on Kafka: consumer group motlan-cache-sync over every registry's change topic.
 * Invalid messages go to motlan.registry.changes.dlq.v1 with the reason in a header and are
 * counted; the consumer keeps going. kafkajs restarts the consumer by itself after a broker
 * outage; the first connection is retried here until the broker is reachable.
 */
export class KafkaChangeEventSubscriber extends ChangeEventSubscriber {
  private readonly logger = new Logger(KafkaChangeEventSubscriber.name);
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly dlqProducer: Producer;
  private closed = false;

  constructor(
    brokers: string[],
    private readonly groupId: string = ConsumerGroups.cacheSync,
    clientId = 'motlan-gateway',
  ) {
    super();
    this.kafka = createKafka(clientId, brokers);
    this.consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      retry: consumerRetry(() => this.closed),
    });
    this.dlqProducer = createIdempotentProducer(this.kafka);
  }

  /** Resolves once subscribed, or keeps trying in the background if Kafka is not reachable yet. */
  async start(registries: string[], handler: ChangeEventHandler): Promise<void> {
    const topics = new Map(registries.map((r) => [Topics.registryChanges(r), r]));
    const run = async () => {
      await ensureTopics(this.kafka, [...topics.keys(), Topics.registryChangesDlq]);
      await this.dlqProducer.connect();
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...topics.keys()], fromBeginning: false });
      await this.consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const registry = topics.get(topic);
          const key = message.key?.toString('utf8') ?? null;
          const parsed = parseRegistryChangeEvent(message.value, key);
          if (!registry || !parsed.ok) {
            await this.deadLetter(topic, partition, message.offset, key, message.value, registry ? (parsed as { reason: string }).reason : 'unexpected topic');
            return;
          }
          try {
            await handler(registry, parsed.event);
            this.stats.processed++;
          } catch (error) {
            // The cache being unreachable must not stall the stream: entries expire by TTL anyway.
            this.stats.handlerErrors++;
            this.logger.warn({ reason: (error as Error).message, topic, partition }, 'change event handler failed');
          }
        },
      });
    };
    for (let attempt = 1; !this.closed; attempt++) {
      try {
        await run();
        this.logger.log({ groupId: this.groupId, topics: [...topics.keys()] }, 'consuming registry change events');
        return;
      } catch (error) {
        this.logger.warn({ attempt, reason: (error as Error).message }, 'kafka not reachable for change events; retrying');
        await this.consumer.disconnect().catch(() => undefined);
        await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 5000)));
      }
    }
  }

  private async deadLetter(topic: string, partition: number, offset: string, key: string | null, value: Buffer | null, reason: string): Promise<void> {
    this.stats.deadLettered++;
    this.logger.warn({ topic, partition, offset, reason }, 'change event dead-lettered');
    await this.dlqProducer.send({
      topic: Topics.registryChangesDlq,
      acks: -1,
      messages: [
        {
          key,
          value,
          headers: {
            [DlqHeaders.reason]: reason,
            [DlqHeaders.sourceTopic]: topic,
            [DlqHeaders.sourcePartition]: String(partition),
            [DlqHeaders.sourceOffset]: offset,
          },
        },
      ],
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.consumer.disconnect().catch(() => undefined);
    await this.dlqProducer.disconnect().catch(() => undefined);
  }
}
