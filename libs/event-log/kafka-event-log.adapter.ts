import { Logger } from '@nestjs/common';
import { Partitioners, type Admin, type Consumer, type EachBatchPayload, type IHeaders, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { consumerRetry, createIdempotentProducer, createKafka } from '@motlan/events/kafka-client.adapter.js';
import { topicReplication, type KafkaSecurity, type KafkaTopicPlacement } from '@motlan/events/kafka-settings.js';
import { withDeadline } from '@motlan/resilience/deadline.js';
import { CatchUp, StopSignal, ephemeralGroupId, handleUntilResolved, requestedStarts, startKey } from './consume-support.js';
import {
  EventLog,
  type ConsumeContext,
  type ConsumedMessage,
  type ConsumerOptions,
  type LogMessage,
  type MessageHandler,
  type PartitionOffset,
  type RunningConsumer,
  type TopicSettings,
} from './event-log.port.js';

export interface KafkaEventLogOptions {
  brokers: string[];
  clientId: string;
  /** TLS and SASL (KafkaSettings.security); none = plaintext. */
  security?: KafkaSecurity;
  /** Partitions and replication of the topics ensureTopics creates (KafkaSettings.topics); none = follow the cluster. */
  topics?: KafkaTopicPlacement;
}

/** Batches of different partitions handled at the same time (order only matters within one). */
const PARTITIONS_IN_PARALLEL = 4;
/** Handled offsets are committed at the end of every batch, and at least this often within a long one. */
const COMMIT_INTERVAL_MS = 1_000;
/** Best-effort cleanup on stop must not hold a shutdown up when the broker is gone. */
const CLEANUP_MS = 5_000;

/**
 * Production EventLog on Kafka: idempotent producer with acks=all; consumer groups with committed
 * offsets. Topics must exist before consume() (ensureTopics).
 *
 * Why eachBatch and not eachMessage: in kafkajs 2.2.4 an error thrown by eachMessage leaves the
 * message unresolved (so it is fetched again), but only through the runner's retrier: it is logged
 * at error level with its stack, paused without heartbeats, and after the retries the consumer
 * "crashes" and restarts; a TypeError/RangeError/ReferenceError/SyntaxError counts as
 * unrecoverable and stops the consumer for good. The handler is therefore retried here, in place,
 * heartbeating through the pauses, and kafkajs only ever sees a batch end normally (or a kafkajs
 * error such as a rebalance, which it handles by rejoining). eachBatch, unlike eachMessage, lets
 * the consumer stop in the middle of a batch without resolving the message it gave up on (returning
 * from eachMessage always resolves its offset).
 */
/** How stale a consumer's partition leaders may get (see the consumer options). */
const CONSUMER_METADATA_MAX_AGE_MS = 5_000;
/** Appends sent in one request at most (bounded request size). */
const MAX_APPENDS_PER_BATCH = 500;
/** Bytes of keys and values per produce request at most (below the broker's default 1 MiB message limit). */
const MAX_REQUEST_BYTES = 512 * 1024;

export class KafkaEventLog extends EventLog {
  private readonly logger = new Logger('EventLog');
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private producerReady?: Promise<void>;
  private adminReady?: Promise<Admin>;
  private readonly consumers = new Set<KafkaRunningConsumer>();
  private readonly placement: KafkaTopicPlacement;

  constructor(options: KafkaEventLogOptions) {
    super();
    this.placement = options.topics ?? {};
    this.kafka = createKafka(options.clientId, options);
    this.producer = createIdempotentProducer(this.kafka, () => {
      const partition = Partitioners.DefaultPartitioner();
      return (args) => {
        this.partitionCounts.set(args.topic, args.partitionMetadata.length);
        return partition(args);
      };
    });
  }

  /** Partitions per topic as the producer last saw them (its partitioner is told), for sendAcknowledged. */
  private readonly partitionCounts = new Map<string, number>();
  /** The default partitioner for working out which partition a message went to (keys decide: murmur2, as kafkajs does). */
  private readonly partitionOf = Partitioners.DefaultPartitioner();

  /**
   * Appends wait in a queue and go out together: while one request is with the broker, the ones
   * that arrive meanwhile form the next batch (group commit). The idempotent producer keeps one
   * request in flight, so one send per append would cap throughput at one broker round trip per
   * message; batching keeps that round trip per batch. Batches leave in arrival order and each
   * topic's messages keep their order inside a batch, so per-key order holds across appends.
   */
  append(topic: string, messages: LogMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ topic, messages, resolve, reject });
      void this.flush();
    });
  }

  private readonly queued: { topic: string; messages: LogMessage[]; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private flushing = false;

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queued.length > 0) {
        const batch = this.queued.splice(0, MAX_APPENDS_PER_BATCH);
        try {
          this.producerReady ??= this.producer.connect().catch((error: Error) => {
            this.producerReady = undefined;
            throw error;
          });
          await this.producerReady;
          // Requests follow each other on the one connection, in order: each topic's order holds across them.
          for (const request of produceRequests(batch)) await this.sendAcknowledged(request);
          for (const append of batch) append.resolve();
        } catch (error) {
          // Some of the batch may be written: callers treat a failed append as "maybe written" (at least once).
          for (const append of batch) append.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Sends one request and makes sure every partition it wrote to was acknowledged, resending the
   * messages of any that were not. Why: kafkajs 2.2.4 (producer/sendMessages.js) keeps, across its
   * retries of one send, the answers of the brokers that already answered, keyed by broker; when a
   * broker dies in the middle, its partitions move to new leaders, and a partition that moved to a
   * broker that had already answered is never sent again: sendBatch resolves without it (an
   * acknowledged append that is not in the log; kafkajs issue 1303). With three brokers and a
   * request spanning them, a crash lost appends that way. The partitions of the lost messages had
   * their idempotence sequence rolled back by kafkajs, so the resend cannot duplicate them (a
   * message the dead leader had replicated is answered as a duplicate of its sequence).
   */
  private async sendAcknowledged(request: Map<string, LogMessage[]>): Promise<void> {
    let pending = request;
    for (let round = 1; pending.size > 0; round++) {
      const acks = await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...pending].map(([topic, list]) => ({ topic, messages: list.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) })),
      });
      const acknowledged = new Set(acks.map((a) => `${a.topicName}\u0000${a.partition}`));
      const missing = new Map<string, LogMessage[]>();
      for (const [topic, list] of pending) {
        const partitions = this.partitionCounts.get(topic);
        if (partitions === undefined) continue;
        const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
          partitionId,
          leader: 0,
          partitionErrorCode: 0,
          replicas: [],
          isr: [],
        }));
        // One hash per distinct key (an audit batch is one writer's key throughout).
        const partitionByKey = new Map<string, number>();
        const partitionOf = (m: LogMessage): number => {
          let partition = partitionByKey.get(m.key);
          if (partition === undefined) {
            partition = this.partitionOf({ topic, partitionMetadata, message: { key: m.key, value: m.value } });
            partitionByKey.set(m.key, partition);
          }
          return partition;
        };
        const lost = list.filter((m) => !acknowledged.has(`${topic}\u0000${partitionOf(m)}`));
        if (lost.length > 0) missing.set(topic, lost);
      }
      if (missing.size > 0) {
        const counts = [...missing].map(([topic, list]) => `${topic}: ${list.length}`).join(', ');
        this.logger.warn({ round, missing: counts }, 'kafka acknowledged a send without some of its partitions (a leader moved); sending those again');
      }
      pending = missing;
    }
  }

  async consume(options: ConsumerOptions, handler: MessageHandler): Promise<RunningConsumer> {
    const running = new KafkaRunningConsumer(this.kafka, options, handler, this.logger, () => this.admin());
    this.consumers.add(running);
    running.onStopped = () => this.consumers.delete(running);
    try {
      await running.start();
    } catch (error) {
      await running.stop();
      throw error;
    }
    return running;
  }

  async endOffsets(topic: string): Promise<PartitionOffset[]> {
    const offsets = await this.topicOffsets(topic);
    return offsets.map(({ partition, high }) => ({ partition, offset: high })).sort(byPartition);
  }

  /**
   * A topic's low and high offsets. On a cluster a partition's leader moves (a broker down, a topic
   * just created whose leader has not applied it yet): kafkajs gives up on NOT_LEADER_OR_FOLLOWER,
   * so this asks again a few times. And kafkajs keeps every topic a client was asked about in that
   * client's metadata requests, where a single topic the broker asked does not know (yet) fails the
   * whole request: a cluster that does not create topics on demand (production's
   * auto.create.topics.enable=false; the dev cluster's) left the shared admin failing every call
   * (seen on the three-broker dev cluster). After such an answer the admin client is replaced.
   */
  private async topicOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]> {
    for (let attempt = 1; ; attempt++) {
      const admin = await this.admin();
      try {
        return await admin.fetchTopicOffsets(topic);
      } catch (error) {
        // kafkajs 2.2.4 also throws a TypeError (low.pop() undefined) for a topic it has no partition metadata for.
        const unknownTopic = isUnknownTopicError(error) || error instanceof TypeError;
        if (unknownTopic) this.retireAdmin(admin);
        if (attempt >= COORDINATOR_ATTEMPTS || !(unknownTopic || isRetriableKafkaError(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  async committedOffsets(group: string, topic: string): Promise<PartitionOffset[]> {
    const admin = await this.admin();
    // kafkajs's fetchOffsets does not retry a coordinator that moved or is still loading (a fresh
    // broker answers NOT_COORDINATOR while it sets up __consumer_offsets): retry those few times.
    for (let attempt = 1; ; attempt++) {
      try {
        const [fetched] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        return (fetched?.partitions ?? []).map(({ partition, offset }) => ({ partition, offset })).sort(byPartition);
      } catch (error) {
        if (attempt >= COORDINATOR_ATTEMPTS || !isRetriableKafkaError(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  /**
   * Creates the missing topics with the configured placement (topicReplication: by default a
   * replication factor of min(3, live brokers) and min.insync.replicas 2 from 3 replicas on).
   * Producers write with acks=all, so min.insync.replicas is what makes an acknowledged append
   * survive the loss of a broker. Topics that exist are left alone: partitions cannot change
   * without moving keys to other partitions (per-key order), and replication is an operator's
   * reassignment.
   */
  async ensureTopics(topics: string[], partitions: number, settings: TopicSettings = {}): Promise<void> {
    const admin = await this.admin();
    const existing = new Set(await admin.listTopics());
    const wanted = [...new Set(topics)];
    const missing = wanted.filter((t) => !existing.has(t));
    // Another component (or instance) may have created a topic a moment ago: it must be usable too.
    if (missing.length === 0) return this.waitForLeaders(wanted);
    const { brokers } = await admin.describeCluster();
    const { replicationFactor, minInsyncReplicas } = topicReplication(this.placement, brokers.length);
    // One-partition topics keep one: their readers rely on the one order of every key (catalogs).
    const numPartitions = partitions > 1 && this.placement.partitions ? this.placement.partitions : partitions;
    const configEntries = [
      { name: 'min.insync.replicas', value: String(minInsyncReplicas) },
      ...(settings.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
      ...(settings.retainForever ? [{ name: 'retention.ms', value: '-1' }] : []),
    ];
    // createTopics answers false (no error) when another instance created them in between.
    await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor, configEntries })), waitForLeaders: false });
    await this.waitForLeaders(wanted);
    this.logger.log({ topics: missing, partitions: numPartitions, replicationFactor, minInsyncReplicas }, 'topics created');
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    if (this.producerReady) {
      this.producerReady = undefined;
      await this.producer.disconnect().catch(() => undefined);
    }
    const admin = this.adminReady;
    this.adminReady = undefined;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => undefined);
    await Promise.all([...this.retiredAdmins].map((a) => a.disconnect().catch(() => undefined)));
    this.retiredAdmins.clear();
  }

  private readonly retiredAdmins = new Set<Admin>();

  /**
   * Waits until every partition of `topics` has a leader that answers for it. Not kafkajs's
   * waitForLeaders: on a cluster the broker it asks may not know a topic the controller created a
   * moment ago (UNKNOWN_TOPIC_OR_PARTITION), and a leader named may not have applied that metadata
   * yet (NOT_LEADER_OR_FOLLOWER); kafkajs throws both instead of asking again (seen on the
   * three-broker dev cluster). topicOffsets asks again, with a fresh client where needed.
   */
  private async waitForLeaders(topics: string[]): Promise<void> {
    const deadline = Date.now() + LEADERS_TIMEOUT_MS;
    for (;;) {
      const failed = (
        await Promise.all(
          topics.map((topic) =>
            this.topicOffsets(topic).then(
              () => undefined,
              (error: Error) => `${topic}: ${error.message}`,
            ),
          ),
        )
      ).filter((f) => f !== undefined);
      if (failed.length === 0) return;
      if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} not usable after ${LEADERS_TIMEOUT_MS} ms: ${failed.join('; ')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /**
   * Replaces the shared admin client with a fresh one (see topicOffsets). The old one is
   * disconnected a little later: calls of other callers may still be running on it.
   */
  private retireAdmin(admin: Admin): void {
    const current = this.adminReady;
    void current?.then((a) => {
      if (a === admin && this.adminReady === current) this.adminReady = undefined;
    });
    if (this.retiredAdmins.has(admin)) return;
    this.retiredAdmins.add(admin);
    setTimeout(() => {
      this.retiredAdmins.delete(admin);
      void admin.disconnect().catch(() => undefined);
    }, RETIRED_ADMIN_GRACE_MS).unref();
  }

  /** One admin client for the offset calls, connected on first use and again after a failed connect. */
  private admin(): Promise<Admin> {
    this.adminReady ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: Error) => {
      this.adminReady = undefined;
      throw error;
    });
    return this.adminReady;
  }
}

class KafkaRunningConsumer implements RunningConsumer {
  onStopped?: () => void;
  private readonly signal = new StopSignal();
  private readonly catchUp = new CatchUp();
  /** Replaced by a new one when kafkajs gives up on it (see relaunch). */
  private consumer: Consumer;
  private readonly groupId: string;
  private readonly ephemeral: boolean;
  private joined = false;
  private stopped?: Promise<void>;
  /** Ephemeral readers given start offsets: where each named partition starts (see seekToStarts). */
  private readonly starts: Map<string, bigint>;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerOptions,
    private readonly handler: MessageHandler,
    private readonly logger: Logger,
    private readonly admin: () => Promise<Admin>,
  ) {
    this.ephemeral = options.ephemeral === true;
    this.groupId = this.ephemeral ? ephemeralGroupId(options.group) : options.group;
    this.starts = requestedStarts(options);
    this.consumer = this.newConsumer();
  }

  private newConsumer(): Consumer {
    return this.kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      // stop() waits for the fetch in flight: a short long-poll keeps shutdown quick.
      maxWaitTimeInMs: 1_000,
      // kafkajs does not refresh its metadata when the leader it fetches from is gone (connection
      // refused): it asks that broker again until its metadata is older than this (default 5 min).
      // Short, so partitions of a crashed broker are fetched from their new leaders within seconds.
      metadataMaxAge: CONSUMER_METADATA_MAX_AGE_MS,
      retry: consumerRetry(() => this.signal.stopping),
    });
  }

  async start(): Promise<void> {
    if (this.options.topics.length === 0) throw new Error('sync log consume: no topics');
    await this.noteEnds();
    await this.launch();
  }

  /** Connects the current kafkajs consumer and runs it. */
  private async launch(): Promise<void> {
    const { topics } = this.options;
    const consumer = this.consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.error({ groupId: this.groupId, reason: payload.error.message, restart: payload.restart }, 'sync log consumer crashed');
      if (!payload.restart && !this.signal.stopping && consumer === this.consumer) void this.relaunch();
    });
    // Batches made only of records the consumer never sees (transaction markers) are not handed
    // to eachBatch; their offsets still count as read.
    this.consumer.on(this.consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize === 0 && !this.signal.stopping) this.catchUp.advance(payload.topic, payload.partition, BigInt(payload.lastOffset) + 1n);
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: this.ephemeral || this.options.fromBeginning });
    await this.consumer.run({
      // An ephemeral reader commits nothing: its group is deleted on stop and every start reads from the beginning.
      autoCommit: !this.ephemeral,
      autoCommitInterval: COMMIT_INTERVAL_MS,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_IN_PARALLEL,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.seekToStarts();
  }

  /**
   * kafkajs restarts a crashed consumer only when the error counts as retriable; otherwise (a
   * TypeError inside kafkajs, a protocol error it marks non-retriable, a retriable one that its
   * own retrier wrapped as non-retriable) the consumer stays stopped for good and its partitions
   * are never read again by this process: a relay that stalls silently while the process looks
   * healthy. A long-lived reader must not depend on which error it was: it is started again here,
   * with a new kafkajs consumer (same group: it goes on from the committed offsets), after a pause,
   * until it runs or the owner stops it.
   */
  private async relaunch(): Promise<void> {
    for (let attempt = 1; !this.signal.stopping; attempt++) {
      await this.signal.sleep(RELAUNCH_PAUSE_MS);
      if (this.signal.stopping) return;
      try {
        await this.consumer.disconnect().catch(() => undefined);
        this.consumer = this.newConsumer();
        await this.launch();
        this.logger.warn({ groupId: this.groupId, attempt }, 'sync log consumer started again after kafkajs gave up on it');
        return;
      } catch (error) {
        this.logger.error({ groupId: this.groupId, attempt, reason: (error as Error).message }, 'sync log consumer could not be started again; retrying');
      }
    }
  }

  /**
   * kafkajs takes a seek only once run() has set the group up; it applies it before the next fetch
   * of that partition and drops a fetch answer that raced it. eachBatch skips anything below the
   * start all the same, so a reader restored from a snapshot never applies a message twice.
   */
  private seekToStarts(): void {
    for (const [key, offset] of this.starts) {
      const [topic, partition] = key.split('\u0000');
      this.consumer.seek({ topic, partition: Number(partition), offset: String(offset) });
    }
  }

  /** Where every partition ends now and where this reader starts on it, for caughtUp(). */
  private async noteEnds(): Promise<void> {
    const admin = await this.admin();
    for (const topic of this.options.topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const committed = new Map<number, bigint>();
      if (!this.ephemeral) {
        const [fetched] = await admin.fetchOffsets({ groupId: this.groupId, topics: [topic] });
        for (const { partition, offset } of fetched?.partitions ?? []) committed.set(partition, BigInt(offset));
      }
      for (const { partition, low, high } of ends) {
        const from = committed.get(partition) ?? -1n;
        const requested = this.starts.get(startKey(topic, partition));
        let start = from >= 0n ? max(from, BigInt(low)) : this.ephemeral || this.options.fromBeginning ? BigInt(low) : BigInt(high);
        if (requested !== undefined) {
          // Below the first offset still held (retention): what was deleted cannot be read anyway.
          start = max(requested, BigInt(low));
          if (requested < BigInt(low))
            this.logger.warn({ topic, partition, requested: String(requested), low }, 'sync log start offset no longer held; reading from the first one');
          this.starts.set(startKey(topic, partition), start);
        }
        this.catchUp.target(topic, partition, BigInt(high), start);
      }
    }
    this.catchUp.arm();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    // Called between messages, through retry pauses and by handlers that wait: heartbeats, and
    // commits what was handled so far (kafkajs does so when its interval is due) so a stuck handler
    // does not hold back the offsets before it. A failure means a rebalance or a lost membership:
    // the partition may be someone else's by now, so the batch is abandoned (kafkajs rejoins on
    // that error) instead of retried.
    let lost: unknown;
    const keepAlive = async () => {
      if (lost !== undefined) throw lost;
      try {
        if (!this.ephemeral) await commitOffsetsIfNecessary();
        await heartbeat();
      } catch (error) {
        lost = error;
        throw error;
      }
    };
    const signal = this.signal;
    const context: ConsumeContext = {
      heartbeat: keepAlive,
      get stopping() {
        return signal.stopping;
      },
    };
    const start = this.starts.get(startKey(batch.topic, batch.partition)) ?? -1n;
    for (const message of batch.messages) {
      if (signal.stopping || !isRunning() || isStale()) return;
      if (BigInt(message.offset) < start) continue;
      const consumed = toConsumed(batch.topic, batch.partition, message);
      const handled = await handleUntilResolved(consumed, { handler: this.handler, context, signal, logger: this.logger, keepAlive });
      if (!handled) return;
      // Resolved offsets are what kafkajs commits: at the end of this batch, on the interval, on a rebalance.
      resolveOffset(message.offset);
      this.catchUp.advance(batch.topic, batch.partition, BigInt(message.offset) + 1n);
      // Once stopping, kafkajs commits the resolved offsets itself when the batch returns.
      if (!signal.stopping) await keepAlive();
    }
    // Offsets the batch skipped (compacted away, transaction markers) count as read too.
    if (!batch.isEmpty()) this.catchUp.advance(batch.topic, batch.partition, BigInt(batch.lastOffset()) + 1n);
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.signal.stop();
      this.catchUp.stop();
      // Waits for the batch in progress: its handler finishes, then kafkajs commits what was resolved.
      await this.consumer
        .disconnect()
        .catch((error: Error) => this.logger.warn({ groupId: this.groupId, reason: error.message }, 'sync log consumer did not stop cleanly'));
      // The group is this reader's alone and holds nothing worth keeping.
      if (this.ephemeral && this.joined) await this.deleteGroup();
      this.onStopped?.();
    })();
    return this.stopped;
  }

  caughtUp(): Promise<void> {
    return this.catchUp.done();
  }

  private async deleteGroup(): Promise<void> {
    const attempt = async () => (await this.admin()).deleteGroups([this.groupId]);
    try {
      await withDeadline(
        attempt().catch(async () => {
          // The broker may not have processed the leave yet (NON_EMPTY_GROUP): once more, shortly after.
          await new Promise((r) => setTimeout(r, 500));
          return attempt();
        }),
        CLEANUP_MS,
        () => new Error(`no answer within ${CLEANUP_MS} ms`),
      );
    } catch (error) {
      this.logger.warn({ groupId: this.groupId, reason: (error as Error).message }, 'ephemeral sync log group not deleted');
    }
  }
}

function toConsumed(topic: string, partition: number, message: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? '',
    value: message.value === null ? null : message.value.toString('utf8'),
    headers: toHeaders(message.headers),
    timestamp: Number(message.timestamp),
  };
}

/** kafkajs hands header values over as buffers (arrays when a name repeats: the last one wins). */
function toHeaders(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) result[name] = value.toString();
  }
  return result;
}

/**
 * The queued appends as produce requests of at most MAX_REQUEST_BYTES (a larger message goes
 * alone), messages grouped by topic and kept in append order.
 */
function produceRequests(appends: { topic: string; messages: LogMessage[] }[]): Map<string, LogMessage[]>[] {
  const requests: Map<string, LogMessage[]>[] = [];
  let request = new Map<string, LogMessage[]>();
  let bytes = 0;
  for (const { topic, messages } of appends) {
    for (const message of messages) {
      const size = Buffer.byteLength(message.key) + (message.value === null ? 0 : Buffer.byteLength(message.value));
      if (bytes > 0 && bytes + size > MAX_REQUEST_BYTES) {
        requests.push(request);
        request = new Map();
        bytes = 0;
      }
      let list = request.get(topic);
      if (!list) request.set(topic, (list = []));
      list.push(message);
      bytes += size;
    }
  }
  if (bytes > 0 || request.size > 0) requests.push(request);
  return requests;
}

function byPartition(a: PartitionOffset, b: PartitionOffset): number {
  return a.partition - b.partition;
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Pause before a consumer kafkajs gave up on is started again (relaunch). */
const RELAUNCH_PAUSE_MS = 5_000;
/** How long new topics may take to have a leader for every partition on every broker asked. */
const LEADERS_TIMEOUT_MS = 30_000;
/** A replaced admin client is disconnected this long after: calls other callers started on it finish first. */
const RETIRED_ADMIN_GRACE_MS = 30_000;

/** The broker does not know the topic (yet): UNKNOWN_TOPIC_OR_PARTITION, also when kafkajs wrapped it after its retries. */
function isUnknownTopicError(error: unknown): boolean {
  for (let e = error as { type?: unknown; cause?: unknown; originalError?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION') return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/** Attempts at an offset fetch whose group coordinator moved or is loading (about 5 s in all). */
const COORDINATOR_ATTEMPTS = 10;

/** kafkajs marks transient broker answers (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, …) retriable. */
function isRetriableKafkaError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}
