import { Logger } from '@nestjs/common';
import { Topics } from '@motlan/events/topics.js';
import type { SyncLog } from '@motlan/sync-log/sync-log.port.js';
import { AuditFeed, type AuditFeedHandler, type RunningAuditFeed } from './audit-feed.port.js';
import { parseTrailText, toFeedDelivery } from './audit-trail-reader.js';

export interface KafkaAuditFeedOptions {
  /** A SyncLog on the Kafka cluster holding the audit topic. */
  log: SyncLog;
  /** Default motlan.audit.v1. */
  topic?: string;
  /** Makes sure the topic exists before the first follow (ensureAuditTopicOn: created with the sink's retention). */
  ensureTopic?: () => Promise<void>;
}

/**
 * Production AuditFeed: the topic motlan.audit.v1 through a SyncLog consumer group named by the
 * consumer (committed offsets: a projection resumes where it left off; a new group starts at the
 * beginning). Position = "<partition>:<offset>". At least once, one partition (so one writer's
 * chain) in order; a throwing handler gets the same entry again (SyncLog semantics). Messages that
 * are not JSON objects are skipped with a warning (the verify command reports them).
 */
export class KafkaAuditFeed extends AuditFeed {
  private readonly logger = new Logger('AuditFeed');
  private readonly topic: string;
  private topicReady?: Promise<void>;

  constructor(private readonly options: KafkaAuditFeedOptions) {
    super();
    this.topic = options.topic ?? Topics.audit;
  }

  async follow(consumer: string, handler: AuditFeedHandler): Promise<RunningAuditFeed> {
    const ensure = this.options.ensureTopic;
    if (ensure) {
      this.topicReady ??= ensure().catch((error: Error) => {
        this.topicReady = undefined;
        throw error;
      });
      await this.topicReady;
    }
    const running = await this.options.log.consume({ group: consumer, topics: [this.topic], fromBeginning: true }, async (message) => {
      const value = message.value === null ? undefined : parseTrailText(message.value);
      if (!value) {
        this.logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset }, 'audit message is not a JSON object; skipped');
        return;
      }
      const { entry, position } = toFeedDelivery(value, `${message.partition}:${message.offset}`);
      await handler(entry, position);
    });
    return { stop: () => running.stop(), caughtUp: () => running.caughtUp() };
  }
}
