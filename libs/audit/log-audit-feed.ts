import { Logger } from '@nestjs/common';
import { Topics } from '@motlan/events/topics.js';
import type { EventLog } from '@motlan/event-log/event-log.port.js';
import { AuditFeed, type AuditFeedHandler, type RunningAuditFeed } from './audit-feed.port.js';
import { auditTrailCodec } from './audit-trail-codec.js';
import { toFeedDelivery } from './audit-trail-reader.js';
import { ensureAuditTopic } from './log-audit-sink.js';

export interface LogAuditFeedOptions {
  /** A log holding the audit topic. */
  log: EventLog;
  /** Default motlan.audit.v1. */
  topic?: string;
  /**
   * Every follow() reads the whole trail again, privately, and commits nothing: for projections
   * that live in memory and are rebuilt on every start (the embedded profile). Otherwise the
   * consumer name is a consumer group (a projection in Redis resumes where it left off; a new
   * group starts at the beginning).
   */
  rebuildOnStart?: boolean;
}

/**
 * The audit trail read back, in order, from the audit topic of the event log. Position =
 * "<partition>:<offset>". At least once, one partition (so one writer's chain) in order; a
 * throwing handler gets the same entry again (log semantics). Messages that are not JSON objects
 * are skipped with a warning (the verify command reports them).
 */
export class LogAuditFeed extends AuditFeed {
  private readonly logger = new Logger('AuditFeed');
  private readonly topic: string;
  private topicReady?: Promise<void>;

  constructor(private readonly options: LogAuditFeedOptions) {
    super();
    this.topic = options.topic ?? Topics.audit;
  }

  async follow(consumer: string, handler: AuditFeedHandler): Promise<RunningAuditFeed> {
    // Created as the sink creates it (kept forever), should the feed start first.
    this.topicReady ??= ensureAuditTopic(this.options.log, this.topic).catch((error: Error) => {
      this.topicReady = undefined;
      throw error;
    });
    await this.topicReady;
    const ephemeral = this.options.rebuildOnStart === true;
    const running = await this.options.log.consume({ group: consumer, topics: [this.topic], fromBeginning: true, ephemeral }, async (message) => {
      const decoded = auditTrailCodec.decode(message);
      if (!decoded.ok) {
        this.logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset, reason: decoded.reason }, 'audit message skipped');
        return;
      }
      const { entry, position } = toFeedDelivery(decoded.value.record, `${message.partition}:${message.offset}`);
      await handler(entry, position);
    });
    return { stop: () => running.stop(), caughtUp: () => running.caughtUp() };
  }
}
