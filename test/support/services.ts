/**
 * Real servers for integration suites. The Jest global setup (test/support/global-setup.mjs)
 * provides them; a suite that cannot reach them fails with a message saying how to start them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { attachKafka } from '../../deploy/kafka-dev/kafka-dev.mjs';
import { attachRedis } from '../../deploy/redis-dev/redis-dev.mjs';

const STATE_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '.data', 'test-services.json');

const HOW_TO =
  'Run the tests with `npm test` (the harness starts a private Redis and Kafka itself; needs redis-server, JDK 17 and Maven: see .ci/run), ' +
  'or start them with `npm run services` and export the REDIS_URL and KAFKA_BROKERS lines it prints.';

interface ServicesState {
  redisUrl?: string;
  kafkaBrokers?: string;
  owned: { redis?: { port: number; pid: number }; kafka?: { port: number; dir: string; pid: number } };
}

function state(): ServicesState | undefined {
  return existsSync(STATE_FILE) ? (JSON.parse(readFileSync(STATE_FILE, 'utf8')) as ServicesState) : undefined;
}

export function requireRedisUrl(): string {
  const url = process.env.REDIS_URL ?? state()?.redisUrl;
  if (!url) throw new Error(`No Redis for this integration suite: REDIS_URL is not set. ${HOW_TO}`);
  return url;
}

export function requireKafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS ?? state()?.kafkaBrokers;
  if (!brokers) throw new Error(`No Kafka broker for this integration suite: KAFKA_BROKERS is not set. ${HOW_TO}`);
  return brokers.split(',').map((b) => b.trim());
}

function owned(): ServicesState & { owned: NonNullable<ServicesState['owned']> } {
  const current = state();
  if (!current) throw new Error(`The test harness state (${STATE_FILE}) is missing: run through \`npm test\`. ${HOW_TO}`);
  return current;
}

function save(next: ServicesState): void {
  writeFileSync(STATE_FILE, JSON.stringify(next, null, 2));
}

function redisHandle() {
  const current = owned();
  if (!current.owned.redis) throw new Error('This Redis was not started by the test harness (REDIS_URL was given): it cannot be stopped by a test.');
  return { current, handle: attachRedis(current.owned.redis) };
}

function kafkaHandle() {
  const current = owned();
  if (!current.owned.kafka) throw new Error('This Kafka was not started by the test harness (KAFKA_BROKERS was given): it cannot be stopped by a test.');
  return { current, handle: attachKafka(current.owned.kafka) };
}

/** Stops the harness's Redis (kept stopped until restartRedis). */
export async function stopRedis(): Promise<void> {
  await redisHandle().handle.stop();
}

export async function restartRedis(): Promise<void> {
  const { current, handle } = redisHandle();
  await handle.restart();
  current.owned.redis = { port: handle.port, pid: handle.pid };
  save(current);
}

/** Stops the harness's Kafka broker (kept stopped until restartKafka). */
export async function stopKafka(): Promise<void> {
  await kafkaHandle().handle.stop();
}

export async function restartKafka(): Promise<void> {
  const { current, handle } = kafkaHandle();
  await handle.restart();
  current.owned.kafka = { port: handle.port, dir: handle.dir, pid: handle.pid };
  save(current);
}
