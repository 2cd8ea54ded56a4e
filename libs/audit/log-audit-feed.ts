import { Logger } from '@nestjs/common';
import { Topics } from '@motlan/events/topics.js';
import type { EventLog } from '@motlan/event-log/event-log.port.js';
import { AuditFeed, type AuditFeedHandler, type RunningAuditFeed } from './audit-feed.port.js';
import { feedPosition, readAuditMessage } from './audit-trail-reader.js';
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
 * The audit trail read back, in order, from the audit topic of the event log, record by record
 * (a message holds one write batch of a writer, one record per line: audit-trail-codec.ts).
 * Position = "<partition>:<offset>" for a message of one record, "<partition>:<offset>:<line>" for
 * the records of a message of several. At least once, one partition (so one writer's chain) in
 * order; a throwing handler gets the same entry again (log semantics: the message is handled
 * again, from the entry that failed; after a restart, from the message's first entry). Lines that
 * are not JSON objects are skipped with a warning (the verify command reports them).
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
    // Per partition: the message being handled and how many of its lines the handler has taken, so
    // a message handled again after a throwing handler resumes at the entry that failed.
    const progress = new Map<number, { offset: string; done: number }>();
    const running = await this.options.log.consume({ group: consumer, topics: [this.topic], fromBeginning: true, ephemeral }, async (message) => {
      const read = readAuditMessage(message);
      if (!read.ok) {
        this.logger.warn({ topic: message.topic, partition: message.partition, offset: message.offset, reason: read.reason }, 'audit message skipped');
        return;
      }
      const { lines, lineCount } = read;
      let mark = progress.get(message.partition);
      if (mark?.offset !== message.offset) progress.set(message.partition, (mark = { offset: message.offset, done: 0 }));
      for (let i = mark.done; i < lines.length; i++) {
        const line = lines[i];
        if (line.entry === undefined) {
          this.logger.warn(
            { topic: message.topic, partition: message.partition, offset: message.offset, line: line.line, reason: 'not a JSON object' },
            'audit record skipped',
          );
        } else {
          await handler(line.entry, feedPosition(message, line, lineCount));
        }
        mark.done = i + 1;
      }
      progress.delete(message.partition);
    });
    return { stop: () => running.stop(), caughtUp: () => running.caughtUp() };
  }
}
