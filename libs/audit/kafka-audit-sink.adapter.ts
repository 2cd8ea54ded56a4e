import type { OnApplicationBootstrap } from '@nestjs/common';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { createIdempotentProducer, createKafka } from '@motlan/events/kafka-client.adapter.js';
import { Topics } from '@motlan/events/topics.js';
import { AuditChain, chainWriterId, defaultInstanceId, type SealedBatch } from './audit-chain.js';
import { ChainedAuditSink } from './chained-audit-sink.js';

export interface KafkaAuditSinkOptions {
  brokers: string[];
  /** Default motlan.audit.v1. */
  topic?: string;
  /** Writer id of this sink's chain (default: a new one for a default instance id). */
  writer?: string;
  /** An append not acknowledged within this time rejects (the lookup answers 503). Default 5000. */
  timeoutMs?: number;
  clientId?: string;
}

/** Partitions of the audit topic when this sink creates it (one writer's chain stays on one). */
export const AUDIT_TOPIC_PARTITIONS = 3;
/** Bytes of record values per produce request at most (below the broker's default 1 MiB message limit). */
const MAX_REQUEST_BYTES = 512 * 1024;

/**
 * Production audit trail: chained records (audit-chain.ts) on the Kafka topic motlan.audit.v1,
 * key = writer id, so one writer's chain lands on one partition in chain order. Its own
 * idempotent producer (max one request in flight) with acks=all: a record counts as written once
 * every in-sync replica has it. Not the SyncLog's producer: a burst of dossier statuses must not
 * queue in front of the audit records every lookup waits for.
 *
 * Kafka down: the producer retries a write until the broker is back, but the appends waiting for
 * it reject after `timeoutMs`, and later ones at once while it is still pending (ChainedAuditSink):
 * lookups answer 503 audit_unavailable within the timeout, none is answered unrecorded. Once the
 * broker is back the pending write lands (its records then named `late` by a notice) and appends
 * succeed again.
 */
export class KafkaAuditSink extends ChainedAuditSink implements OnApplicationBootstrap {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly topic: string;
  private ready?: Promise<void>;

  constructor(private readonly options: KafkaAuditSinkOptions) {
    super({ chain: new AuditChain(options.writer ?? chainWriterId(defaultInstanceId())), timeoutMs: options.timeoutMs ?? 5000 });
    this.topic = options.topic ?? Topics.audit;
    this.kafka = createKafka(options.clientId ?? 'motlan-audit', options.brokers);
    this.producer = createIdempotentProducer(this.kafka);
  }

  /**
   * Connects at start-up, in the background: the first lookup should not pay for it, and a
   * gateway started while Kafka is down still starts (its lookups answer 503 until Kafka is back).
   */
  onApplicationBootstrap(): void {
    this.prepare().catch((error: Error) => this.logger.warn({ topic: this.topic, reason: error.message }, 'audit trail not reachable at start-up; lookups are refused until it is'));
  }

  /** Connects and makes sure the topic exists (with its retention), once; again after a failure. */
  protected override prepare(): Promise<void> {
    this.ready ??= (async () => {
      await ensureAuditTopic(this.kafka, this.topic);
      await this.producer.connect();
    })().catch((error: Error) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  protected async write(batch: SealedBatch): Promise<void> {
    // Requests follow each other on the one connection, in order: the chain's order on the partition.
    let chunk: { key: string; value: string }[] = [];
    let bytes = 0;
    const send = async () => {
      if (chunk.length === 0) return;
      await this.producer.send({ topic: this.topic, acks: -1, messages: chunk });
      chunk = [];
      bytes = 0;
    };
    for (const line of batch.lines) {
      if (bytes + line.length > MAX_REQUEST_BYTES) await send();
      chunk.push({ key: this.writer, value: line });
      bytes += line.length;
    }
    await send();
  }

  protected async release(): Promise<void> {
    if (this.ready) await this.producer.disconnect().catch(() => undefined);
    this.ready = undefined;
  }
}

/**
 * Creates the audit topic when it does not exist: AUDIT_TOPIC_PARTITIONS partitions, kept forever
 * (retention.ms=-1: an audit trail is not deleted after the broker's default 7 days; the
 * producer must not auto-create it with that default, hence before the first write).
 */
export async function ensureAuditTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) return;
    // createTopics answers false (no error) when another instance created it in between.
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: AUDIT_TOPIC_PARTITIONS, configEntries: [{ name: 'retention.ms', value: '-1' }] }],
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** ensureAuditTopic for callers without a kafkajs client of their own (the audit feed, the verify command). */
export async function ensureAuditTopicOn(brokers: string[], topic: string): Promise<void> {
  await ensureAuditTopic(createKafka('motlan-audit-admin', brokers), topic);
}

/** Whether the audit topic exists (the verify command reads it, and must not create it). */
export async function auditTopicExists(brokers: string[], topic: string): Promise<boolean> {
  const admin = createKafka('motlan-audit-admin', brokers).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
