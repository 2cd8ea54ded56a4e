import { Logger } from '@nestjs/common';
import { Kafka, logLevel, Partitioners, type LogEntry, type Producer, type RetryOptions } from 'kafkajs';

/**
 * One way to build kafkajs clients: its logs go to the Nest/pino logger at warn and above (kafkajs
 * is chatty at info), and retries are long enough to ride out a broker restart.
 */
export function createKafka(clientId: string, brokers: string[]): Kafka {
  const logger = new Logger(`kafka:${clientId}`);
  return new Kafka({
    clientId,
    brokers,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 10 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const { message, broker, error, groupId } = log as { message: string; broker?: string; error?: string; groupId?: string };
        const context = Object.entries({ broker, error, groupId })
          .filter(([, value]) => value !== undefined)
          .map(([key, value]) => `${key}=${value}`)
          .join(' ');
        const line = context ? `${message} (${context})` : message;
        if (level <= logLevel.ERROR) logger.error(line);
        else logger.warn(line);
      },
  });
}

/**
 * Idempotent producer with acks=all semantics at the call sites. Retries are not limited (kafkajs
 * warns that limiting them may break exactly-once): a send waits out a broker restart instead of failing.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: Number.MAX_SAFE_INTEGER },
  });
}

/**
 * Retry settings of every long-lived consumer: retries without limit (a broker restart is ridden
 * out), and no restart after a crash once the owner is stopping. kafkajs sets its restart timer
 * after its own disconnect inside the crash handler, so a crash that overlaps the owner's
 * disconnect would otherwise start the consumer again after shutdown (seen as kafkajs requests
 * after the Jest environment was torn down).
 */
export function consumerRetry(stopping: () => boolean): RetryOptions {
  return {
    initialRetryTime: 300,
    maxRetryTime: 5000,
    retries: Number.MAX_SAFE_INTEGER,
    restartOnFailure: () => Promise.resolve(!stopping()),
  };
}

/** Whether a topic exists, without creating it (the audit verify command must not). */
export async function kafkaTopicExists(brokers: string[], topic: string, clientId = 'motlan-admin'): Promise<boolean> {
  const admin = createKafka(clientId, brokers).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
