import type { OnApplicationBootstrap } from '@nestjs/common';
import { Topics } from '@motlan/events/topics.js';
import type { EventLog } from '@motlan/event-log/event-log.port.js';
import { AuditChain, chainWriterId, defaultInstanceId, type SealedBatch } from './audit-chain.js';
import { encodeAuditMessages } from './audit-trail-codec.js';
import { ChainedAuditSink } from './chained-audit-sink.js';

export interface LogAuditSinkOptions {
  /**
   * The sink's own log (closed with the sink): on Kafka its own idempotent producer, so a burst
   * of dossier statuses never queues in front of the audit records every lookup waits for.
   */
  log: EventLog;
  /** Default motlan.audit.v1. */
  topic?: string;
  /** Writer id of this sink's chain (default: a new one for a default instance id). */
  writer?: string;
  /**
   * An append not written within this time rejects (the lookup answers 503): Kafka, 5000 in
   * production. Undefined on files: a local write fails rather than hangs.
   */
  timeoutMs?: number;
}

/** Partitions of the audit topic when it is created on Kafka (one writer's chain stays on one). */
export const AUDIT_TOPIC_PARTITIONS = 3;

/**
 * Creates the audit topic when it does not exist, kept forever (Kafka retention.ms=-1: an audit
 * trail is not deleted after the broker's default 7 days; a producer must not auto-create it with
 * that default, hence before the first write).
 */
export function ensureAuditTopic(log: EventLog, topic: string): Promise<void> {
  return log.ensureTopics([topic], AUDIT_TOPIC_PARTITIONS, { retainForever: true });
}

/**
 * The audit trail on the event log: chained records (audit-chain.ts) on the audit topic, key =
 * writer id, one message per group-committed batch holding its records one per line, in chain
 * order (a batch above AUDIT_MESSAGE_MAX_BYTES is split into a few; audit-trail-codec.ts): the
 * log's per-message work (Kafka: encoding, partitioner, CRC) is paid per batch, not per lookup.
 * Group commit, chaining, timeouts and notices are the ChainedAuditSink's; the log makes a batch
 * durable before the callers are released (Kafka: acks=all from every in-sync replica, for every
 * message of the batch; files: one O_APPEND write, fsynced when asked).
 *
 * Kafka down: the producer retries a write until the broker is back, but the appends waiting for
 * it reject after `timeoutMs`, and later ones at once while it is still pending: lookups answer
 * 503 audit_unavailable within the timeout, none is answered unrecorded. Once the broker is back
 * the pending write lands (its records then named `late` by a notice) and appends succeed again.
 */
export class LogAuditSink extends ChainedAuditSink implements OnApplicationBootstrap {
  private readonly log: EventLog;
  private readonly topic: string;
  private topicReady?: Promise<void>;

  constructor(options: LogAuditSinkOptions) {
    super({ chain: new AuditChain(options.writer ?? chainWriterId(defaultInstanceId())), timeoutMs: options.timeoutMs });
    this.log = options.log;
    this.topic = options.topic ?? Topics.audit;
  }

  /**
   * Reaches the log at start-up, in the background: the first lookup should not pay for it, and a
   * gateway started while Kafka is down still starts (its lookups answer 503 until Kafka is back).
   */
  onApplicationBootstrap(): void {
    this.prepare().catch((error: Error) =>
      this.logger.warn({ topic: this.topic, reason: error.message }, 'audit trail not reachable at start-up; lookups are refused until it is'),
    );
  }

  /** Makes sure the topic exists (with its retention), once; again after a failure. */
  protected override prepare(): Promise<void> {
    this.topicReady ??= ensureAuditTopic(this.log, this.topic).catch((error: Error) => {
      this.topicReady = undefined;
      throw error;
    });
    return this.topicReady;
  }

  protected async write(batch: SealedBatch): Promise<void> {
    // One append of one message (a few for a large batch): the log keeps them in order on the
    // writer's partition, and the lines of each in chain order. It resolves once all are durable.
    await this.log.append(this.topic, encodeAuditMessages(this.writer, batch.lines));
  }

  protected async release(): Promise<void> {
    this.topicReady = undefined;
    await this.log.close().catch(() => undefined);
  }
}
