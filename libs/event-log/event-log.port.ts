/**
 * A durable, ordered, partitioned log with consumer groups: what dossier sync needs from Kafka,
 * as a port. Production: Kafka topics (idempotent producer, acks=all; consumer groups with
 * committed offsets). Embedded profile: append-only files under the data directory with the
 * same guarantees (fsync before an append resolves; per-group committed offsets in files).
 */

/** A message to append. `key` decides the partition and keeps one key's messages in order. */
export interface LogMessage {
  key: string;
  /** JSON text; null is a tombstone. */
  value: string | null;
  headers?: Record<string, string>;
}

export interface ConsumedMessage extends LogMessage {
  topic: string;
  partition: number;
  /** Offset within the partition, as a decimal string (Kafka offsets exceed 2^53 in theory). */
  offset: string;
  /** Milliseconds since the epoch when the message was appended. */
  timestamp: number;
}

export interface ConsumeContext {
  /** Keeps the group membership alive while a handler waits (a long retry loop must call it). */
  heartbeat(): Promise<void>;
  /** Resolves true once the consumer is being stopped: a waiting handler should give up (its message is not committed). */
  readonly stopping: boolean;
}

export interface ConsumerOptions {
  group: string;
  topics: string[];
  /** Where a group without committed offsets starts. */
  fromBeginning: boolean;
  /**
   * A private reader (projections rebuilt on every start): reads every partition from the
   * beginning, commits nothing, leaves no group behind when stopped. `group` is then a prefix.
   */
  ephemeral?: boolean;
  /**
   * Ephemeral readers only: the offset to start at (the next one to read) per topic and partition,
   * instead of the beginning, for projections restored from a snapshot that covers the offsets
   * before it. Partitions not named start at the beginning; an offset below what the log still
   * holds (Kafka retention) starts at its first offset.
   */
  startAt?: Record<string, PartitionOffset[]>;
}

/** How a topic is kept, for ensureTopics. */
export interface TopicSettings {
  /**
   * Keep only the newest message per key (Kafka cleanup.policy=compact; a tombstone removes the
   * key): for topics that hold a current state, such as a catalog, rather than a history. The file
   * log keeps every line, which reads the same.
   */
  compacted?: boolean;
  /** Never delete messages for their age (Kafka retention.ms=-1): a trail kept for good. The file log deletes nothing anyway. */
  retainForever?: boolean;
}

export type MessageHandler = (message: ConsumedMessage, context: ConsumeContext) => Promise<void>;

export interface RunningConsumer {
  /** Stops fetching, waits for the handler in progress, commits what was handled. */
  stop(): Promise<void>;
  /** Ephemeral readers: resolves once every partition has been read up to its end as of the start. */
  caughtUp(): Promise<void>;
}

export interface PartitionOffset {
  partition: number;
  /** Decimal string; for committed offsets "-1" when the group has committed nothing there. */
  offset: string;
}

/**
 * Handler semantics, the same in both implementations: the messages of one partition are handled
 * one at a time, in order; a message's offset is committed only after its handler resolved (at
 * least once: after a crash, handled-but-uncommitted messages are handled again, so handlers must
 * be idempotent); if a handler throws, the same message is handled again after a pause (it is never
 * skipped: a handler that wants to give up on a message moves it to a dead-letter topic itself).
 */
export abstract class EventLog {
  /** Appends durably (acks=all / fsync) before resolving; messages of one call keep their order per key. */
  abstract append(topic: string, messages: LogMessage[]): Promise<void>;
  abstract consume(options: ConsumerOptions, handler: MessageHandler): Promise<RunningConsumer>;
  /** Log-end offset of each partition (the offset the next message will get). */
  abstract endOffsets(topic: string): Promise<PartitionOffset[]>;
  /** The group's committed offset per partition (the next offset it will read), "-1" where none. */
  abstract committedOffsets(group: string, topic: string): Promise<PartitionOffset[]>;
  /** Creates topics that do not exist yet (Kafka: with the given partitions and settings; files: no-op). */
  abstract ensureTopics(topics: string[], partitions: number, settings?: TopicSettings): Promise<void>;
  abstract close(): Promise<void>;
}
