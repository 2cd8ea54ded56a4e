import { Logger } from '@nestjs/common';
import { Kafka, logLevel, type LogEntry } from 'kafkajs';

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
        const { message, ...extra } = log;
        const fields = { broker: extra.broker, error: extra.error, groupId: extra.groupId };
        if (level <= logLevel.ERROR) logger.error(fields, message);
        else logger.warn(fields, message);
      },
  });
}
