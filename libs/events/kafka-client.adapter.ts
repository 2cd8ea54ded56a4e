import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { Kafka, logLevel, Partitioners, type ICustomPartitioner, type KafkaConfig, type LogEntry, type Producer, type RetryOptions } from 'kafkajs';
import type { KafkaSecurity } from './kafka-settings.js';

/** Where and how to connect: the brokers and, on a secured cluster, TLS and SASL (see kafka-settings.ts). */
export interface KafkaConnection {
  brokers: string[];
  security?: KafkaSecurity;
}

/**
 * The one way to build kafkajs clients, so the gateway, its workers, the CLI and the simulator all
 * connect with the same TLS and SASL settings: its logs go to the Nest/pino logger at warn and
 * above (kafkajs is chatty at info), and retries are long enough to ride out a broker restart.
 */
export function createKafka(clientId: string, connection: KafkaConnection): Kafka {
  const logger = new Logger(`kafka:${clientId}`);
  return new Kafka({
    clientId,
    brokers: connection.brokers,
    ...securityOptions(connection.security),
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

/** kafkajs's ssl and sasl options; the PEM files are read here, once per client (a rotated certificate is picked up by new clients). */
function securityOptions(security: KafkaSecurity | undefined): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const options: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  const tls = security?.tls;
  if (tls) {
    const read = (file: string | undefined) => (file ? readFileSync(file, 'utf8') : undefined);
    const ca = read(tls.caFile);
    const cert = read(tls.certFile);
    const key = read(tls.keyFile);
    // Host names are always checked (kafkajs passes the broker's host as the TLS servername).
    options.ssl = ca || cert ? { rejectUnauthorized: true, ...(ca ? { ca: [ca] } : {}), ...(cert && key ? { cert, key } : {}) } : true;
  }
  const sasl = security?.sasl;
  if (sasl) {
    const { username, password } = sasl;
    options.sasl =
      sasl.mechanism === 'plain'
        ? { mechanism: 'plain', username, password }
        : sasl.mechanism === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', username, password }
          : { mechanism: 'scram-sha-512', username, password };
  }
  return options;
}

/**
 * Idempotent producer with acks=all semantics at the call sites. Retries are not limited (kafkajs
 * warns that limiting them may break exactly-once): a send waits out a broker restart instead of failing.
 */
export function createIdempotentProducer(kafka: Kafka, createPartitioner: ICustomPartitioner = Partitioners.DefaultPartitioner): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // KafkaEventLog passes the default partitioner wrapped, to learn partition counts (sendAcknowledged there).
    createPartitioner,
    retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: Number.MAX_SAFE_INTEGER },
  });
}

/**
 * Retry settings of every long-lived consumer: a failure is retried in place for about 25 s, then
 * the consumer "crashes" and kafkajs restarts it, for ever (a broker restart is ridden out either
 * way), except once the owner is stopping. Not unlimited in-place retries: kafkajs keeps the group
 * coordinator it found at the last join for commits and heartbeats, and when that broker dies it
 * retries the dead broker for ever; only a restart looks the coordinator up again (a consumer
 * group stalled for good when a broker of the three-broker dev cluster was killed). No restart
 * after a crash once the owner is stopping: kafkajs sets its restart timer after its own
 * disconnect inside the crash handler, so a crash that overlaps the owner's disconnect would
 * otherwise start the consumer again after shutdown (seen as kafkajs requests after the Jest
 * environment was torn down).
 */
export function consumerRetry(stopping: () => boolean): RetryOptions {
  return {
    initialRetryTime: 300,
    maxRetryTime: 5000,
    retries: CONSUMER_RETRIES,
    restartOnFailure: () => Promise.resolve(!stopping()),
  };
}

/** In-place retries before a consumer restarts: 0.3 + 0.6 + 1.2 + 2.4 + 4.8 + 5 × 3 s ≈ 25 s (before jitter). */
const CONSUMER_RETRIES = 8;

/** Whether a topic exists, without creating it (the audit verify command must not). */
export async function kafkaTopicExists(connection: KafkaConnection, topic: string, clientId = 'motlan-admin'): Promise<boolean> {
  const admin = createKafka(clientId, connection).admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
