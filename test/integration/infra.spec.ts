/**
 * The test harness itself, against the real servers: Redis answers, Kafka takes and gives back a
 * message through an idempotent producer, and the outage helpers really take each server down and
 * bring it back on the same address (Kafka with its data).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import { requireKafkaBrokers, requireRedisUrl, restartKafka, restartRedis, stopKafka, stopRedis } from '../support/services.js';

const RUN = randomUUID().slice(0, 8);
const TOPIC = `infra-it-${RUN}`;

let brokers: string[];

/** Rejects when `promise` has not settled within `ms`. */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function kafka(clientId: string, fast = false): Kafka {
  return new Kafka({
    clientId: `${clientId}-${RUN}`,
    brokers,
    logLevel: logLevel.NOTHING,
    // fast: give up within seconds (an idempotent producer needs at least one retry)
    ...(fast ? { connectionTimeout: 1000, requestTimeout: 2000, retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 300 } } : {}),
  });
}

async function produce(producer: Producer, value: string): Promise<void> {
  const [record] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: 'k', value }] });
  expect(record?.errorCode).toBe(0);
}

/** Consumes TOPIC from the beginning in a fresh group until `value` arrives; returns every value seen. */
async function consumeUntil(value: string): Promise<string[]> {
  const consumer: Consumer = kafka('infra-consumer').consumer({ groupId: `infra-it-${RUN}-${randomUUID().slice(0, 6)}` });
  const seen: string[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await within(
      20_000,
      `consuming "${value}" from ${TOPIC}`,
      new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              const text = message.value?.toString() ?? '';
              seen.push(text);
              if (text === value) resolve();
            },
          })
          .catch(reject);
      }),
    );
    return seen;
  } finally {
    await consumer.disconnect();
  }
}

describe('Redis (test harness)', () => {
  let redisUrl: string;
  let client: Redis;

  beforeAll(() => {
    redisUrl = requireRedisUrl();
    // Few retries and a command timeout: commands fail fast while the server is down, and the
    // same client reconnects by itself once it is back.
    client = new Redis(redisUrl, {
      maxRetriesPerRequest: 1,
      commandTimeout: 1500,
      retryStrategy: () => 100,
      lazyConnect: true,
    });
  });

  afterAll(() => {
    client?.disconnect();
  });

  it('sets and gets a value', async () => {
    await client.set(`infra:${RUN}`, 'hello', 'EX', 60);
    await expect(client.get(`infra:${RUN}`)).resolves.toBe('hello');
  });

  it('is down after stopRedis() and serves again, empty, after restartRedis()', async () => {
    await client.set(`infra:${RUN}:before`, 'x');
    await stopRedis();
    const started = Date.now();
    await expect(client.get(`infra:${RUN}:before`)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
    const fresh = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    await expect(fresh.connect()).rejects.toThrow();
    fresh.disconnect();

    await restartRedis();
    // Same URL, and the old client recovers by itself; nothing is kept across a restart.
    await within(
      10_000,
      'redis after restart',
      (async () => {
        for (;;) {
          try {
            return await client.ping();
          } catch {
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      })(),
    );
    await expect(client.get(`infra:${RUN}:before`)).resolves.toBeNull();
    await client.set(`infra:${RUN}:after`, 'y');
    await expect(client.get(`infra:${RUN}:after`)).resolves.toBe('y');
  });
});

describe('Kafka (test harness)', () => {
  beforeAll(async () => {
    brokers = requireKafkaBrokers();
    const admin = kafka('infra-admin').admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  });

  it('takes a message from an idempotent producer (acks=-1) and gives it to a consumer group', async () => {
    const producer = kafka('infra-producer').producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await produce(producer, 'first');
    } finally {
      await producer.disconnect();
    }
    await expect(consumeUntil('first')).resolves.toEqual(['first']);
  });

  it('refuses producers after stopKafka() and serves again, with its data, after restartKafka()', async () => {
    await stopKafka();
    const started = Date.now();
    const down = kafka('infra-producer-down', true).producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await expect(
      within(
        8000,
        'producing while Kafka is stopped',
        (async () => {
          await down.connect();
          await produce(down, 'lost');
        })(),
      ),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(8000);
    await down.disconnect().catch(() => undefined);

    await restartKafka();
    const producer = kafka('infra-producer-again').producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      await produce(producer, 'second');
    } finally {
      await producer.disconnect();
    }
    // The topic and the message from before the outage are still there.
    await expect(consumeUntil('second')).resolves.toEqual(['first', 'second']);
  });
});
