import { Logger } from '@nestjs/common';
import type { Admin, Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { consumerRetry, createIdempotentProducer, createKafka } from '@motlan/events/kafka-client.adapter.js';
import { Topics } from '@motlan/events/topics.js';
import { AdapterCatalogStore, type CatalogChangeListener } from './adapter-catalog-store.port.js';
import type { AdapterCatalogChange, AdapterCatalogEntry } from './adapter-manifest.js';
import { decodeCatalogEntry, encodeCatalogEntry } from './catalog-entry-codec.js';

export interface KafkaAdapterCatalogStoreOptions {
  brokers: string[];
  clientId?: string;
  /** Overridable for tests; production uses motlan.adapters.v1. */
  topic?: string;
  /** How long start() may take to reach the broker and replay the catalog. */
  startTimeoutMs?: number;
}

/** A put waits this long at most for its own change to come back through the consumer. */
const OWN_WRITE_ECHO_MS = 10_000;
/** Best-effort cleanup on stop must not hold a shutdown up when the broker is gone. */
const CLEANUP_MS = 5_000;

interface OffsetWaiter {
  partition: number;
  /** Resolved once the consumer's next offset on `partition` is at least this. */
  next: bigint;
  resolve: () => void;
}

/**
 * Production profile: the compacted topic motlan.adapters.v1, key = adapter id, value = entry
 * JSON, null value = removal. Every instance reads it whole with a consumer group of its own (so
 * each one sees every message, and nothing is committed: the next start replays from the
 * beginning again), and deletes that group on stop.
 */
export class KafkaAdapterCatalogStore extends AdapterCatalogStore {
  readonly location: string;
  private readonly logger = new Logger('AdapterCatalog');
  private readonly kafka: Kafka;
  private readonly topic: string;
  private readonly brokers: string[];
  private readonly startTimeoutMs: number;
  private readonly producer: Producer;
  private producerReady?: Promise<void>;
  private topicReady?: Promise<void>;
  private consumer?: Consumer;
  private groupId?: string;
  private joined = false;
  /** Bumped by every start and stop, so a replay that outlived its start (timed out) gives up. */
  private run = 0;
  private listener?: CatalogChangeListener;
  /** Next offset to consume per partition, as reported after each processed batch. */
  private readonly positions = new Map<number, bigint>();
  private waiters: OffsetWaiter[] = [];

  constructor(options: KafkaAdapterCatalogStoreOptions) {
    super();
    this.brokers = options.brokers;
    this.topic = options.topic ?? Topics.adapterCatalog;
    this.startTimeoutMs = options.startTimeoutMs ?? 15_000;
    this.location = `kafka topic ${this.topic}`;
    this.kafka = createKafka(options.clientId ?? 'motlan-adapter-catalog', options.brokers);
    this.producer = createIdempotentProducer(this.kafka);
  }

  async start(listener: CatalogChangeListener): Promise<void> {
    if (this.listener) throw new Error(`adapter catalog (${this.location}): already started`);
    this.listener = listener;
    const replay = this.replay(++this.run);
    try {
      await withDeadline(replay, this.startTimeoutMs);
    } catch (error) {
      // kafkajs keeps retrying in the background: make it stop and swallow its late failure.
      replay.catch(() => undefined);
      await this.stop();
      const reason = error instanceof DeadlineExceeded ? `no answer within ${Math.round(this.startTimeoutMs / 1000)} s` : (error as Error).message;
      throw new Error(`adapter catalog (${this.location}): cannot read it from Kafka at ${this.brokers.join(',')}: ${reason}`, { cause: error });
    }
  }

  async put(entry: AdapterCatalogEntry): Promise<void> {
    await this.send(entry.manifest.id, encodeCatalogEntry(entry));
  }

  async remove(id: string): Promise<void> {
    if (!id) throw new Error('adapter catalog: remove needs an adapter id');
    await this.send(id, null);
  }

  async stop(): Promise<void> {
    this.run++;
    this.listener = undefined;
    const consumer = this.consumer;
    const groupId = this.groupId;
    const joined = this.joined;
    this.consumer = undefined;
    this.groupId = undefined;
    this.joined = false;
    for (const waiter of this.waiters.splice(0)) waiter.resolve();
    this.positions.clear();
    await consumer?.disconnect().catch(() => undefined);
    if (this.producerReady) {
      this.producerReady = undefined;
      await this.producer.disconnect().catch(() => undefined);
    }
    // The group is this instance's alone and holds no offsets worth keeping.
    if (groupId && joined) await withDeadline(this.withAdmin((admin) => admin.deleteGroups([groupId])), CLEANUP_MS).catch(() => undefined);
  }

  /** Ensures the topic, notes where it ends, then consumes it from the beginning up to there. */
  private async replay(run: number): Promise<void> {
    await this.ensureTopic();
    const ends = await this.withAdmin((admin) => admin.fetchTopicOffsets(this.topic));
    if (run !== this.run) return;
    const groupId = `motlan-adapter-catalog-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const consumer = this.kafka.consumer({
      groupId,
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      // stop() waits for the fetch in flight: a short long-poll keeps shutdown quick (the topic is nearly idle).
      maxWaitTimeInMs: 1000,
      // Stopping = no longer this store's consumer (stop() or a new replay replaced it).
      retry: consumerRetry(() => this.consumer !== consumer),
    });
    this.consumer = consumer;
    this.groupId = groupId;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.consumer === consumer) this.joined = true;
    });
    // Emitted after each batch, also for batches whose records were all compacted away or filtered.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (this.consumer !== consumer || payload.topic !== this.topic) return;
      this.advance(payload.partition, BigInt(payload.lastOffset) + 1n);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (this.consumer === consumer) this.deliver(partition, message);
      },
    });
    await Promise.all(ends.filter((end) => BigInt(end.high) > BigInt(end.low)).map((end) => this.reach(end.partition, BigInt(end.high))));
  }

  private deliver(partition: number, message: KafkaMessage): void {
    let change: AdapterCatalogChange;
    try {
      change = decodeMessage(message);
    } catch (error) {
      this.logger.warn({ topic: this.topic, partition, offset: message.offset, reason: (error as Error).message }, 'adapter catalog message skipped');
      return;
    }
    try {
      this.listener?.(change);
    } catch (error) {
      this.logger.warn({ topic: this.topic, partition, offset: message.offset, reason: (error as Error).message }, 'adapter catalog listener failed');
    }
  }

  private async send(key: string, value: string | null): Promise<void> {
    await this.ensureTopic();
    this.producerReady ??= this.producer.connect().catch((error: Error) => {
      this.producerReady = undefined;
      throw error;
    });
    await this.producerReady;
    const [sent] = await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key, value }] });
    // Read-your-writes: once put/remove resolves, the listener of this instance has seen the change.
    if (this.consumer && sent?.baseOffset !== undefined) {
      const seen = await withDeadline(this.reach(sent.partition, BigInt(sent.baseOffset) + 1n), OWN_WRITE_ECHO_MS).then(
        () => true,
        () => false,
      );
      if (!seen) this.logger.warn({ topic: this.topic, partition: sent.partition }, 'adapter catalog write stored but not yet seen by this instance');
    }
  }

  /** Compacted, one partition: one total order of changes, and only the latest per adapter is kept. */
  private ensureTopic(): Promise<void> {
    this.topicReady ??= this.withAdmin(async (admin) => {
      if (!(await admin.listTopics()).includes(this.topic)) {
        // false (not an error) when another instance created it first.
        await admin.createTopics({
          topics: [{ topic: this.topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
          waitForLeaders: true,
        });
      }
    }).catch((error: Error) => {
      this.topicReady = undefined;
      throw error;
    });
    return this.topicReady;
  }

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private reach(partition: number, next: bigint): Promise<void> {
    if ((this.positions.get(partition) ?? -1n) >= next) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ partition, next, resolve }));
  }

  private advance(partition: number, next: bigint): void {
    if ((this.positions.get(partition) ?? -1n) >= next) return;
    this.positions.set(partition, next);
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.partition !== partition || waiter.next > next) return true;
      waiter.resolve();
      return false;
    });
  }
}

function decodeMessage(message: KafkaMessage): AdapterCatalogChange {
  const id = message.key?.toString('utf8');
  if (!id) throw new Error('message has no key');
  if (message.value === null) return { id, entry: null };
  return { id, entry: decodeCatalogEntry(message.value.toString('utf8'), id) };
}

class DeadlineExceeded extends Error {}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
