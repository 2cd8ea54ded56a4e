/**
 * Real servers for integration suites. The Jest global setup (test/support/global-setup.mjs)
 * provides them: REDIS_URL / KAFKA_BROKERS as given, or a private redis-server and the dev Kafka
 * broker it started. A suite that cannot have them fails with a message saying how to start them.
 *
 * When the harness started the servers, stopRedis()/restartRedis()/stopKafka()/restartKafka() stop
 * them and bring them back on the same port (Kafka with the same data); this works from any Jest
 * worker: the pids and ports are in this run's state file (path in MOTLAN_TEST_SERVICES_STATE),
 * which the global teardown reads to stop whatever runs at the end.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { attachKafka, type KafkaHandle } from '../../deploy/kafka-dev/kafka-dev.mjs';
import { attachRedis, type RedisHandle } from '../../deploy/redis-dev/redis-dev.mjs';

export { CONSUMER_GROUP_COMMAND, runKafkaTool } from '../../deploy/kafka-dev/kafka-dev.mjs';

const STATE_ENV = 'MOTLAN_TEST_SERVICES_STATE';

const HOW_TO_REDIS =
  'Start one with `npm run services` (in another terminal; it prints a REDIS_URL=… line to export), or set REDIS_URL=redis://HOST:PORT to a Redis of your own. ' +
  'Without REDIS_URL the Jest global setup starts a private redis-server itself: install it with `apt-get install -y redis-server` (.ci/run does).';
const HOW_TO_KAFKA =
  'Start one with `npm run services` (in another terminal; it prints a KAFKA_BROKERS=… line to export), or set KAFKA_BROKERS=HOST:PORT to a Kafka 3.x broker of your own. ' +
  'Without KAFKA_BROKERS the Jest global setup starts the dev broker itself (deploy/kafka-dev: needs JDK 17 and Maven; `deploy/kafka-dev/kafka-dev.sh fetch` resolves it).';

interface OwnedRedis {
  port: number;
  pid: number;
}
interface OwnedKafka {
  port: number;
  dir: string;
  pid: number;
}
interface ServicesState {
  jestPid: number;
  redisUrl?: string;
  kafkaBrokers?: string;
  owned: { redis?: OwnedRedis; kafka?: OwnedKafka };
  errors: { redis?: string; kafka?: string };
}

function stateFile(): string | undefined {
  const file = process.env[STATE_ENV];
  return file && existsSync(file) ? file : undefined;
}

function readState(): ServicesState | undefined {
  const file = stateFile();
  return file ? (JSON.parse(readFileSync(file, 'utf8')) as ServicesState) : undefined;
}

function cause(error: string | undefined): string {
  return error ? ` The test harness could not start one:\n${error}\n` : ' ';
}

/** The Redis URL for this run; throws, saying how to get one, when there is none. */
export function requireRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error(`No Redis for this integration suite: REDIS_URL is not set.${cause(readState()?.errors.redis)}${HOW_TO_REDIS}`);
  return url;
}

/** The Kafka bootstrap brokers for this run; throws, saying how to get one, when there is none. */
export function requireKafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error(`No Kafka broker for this integration suite: KAFKA_BROKERS is not set.${cause(readState()?.errors.kafka)}${HOW_TO_KAFKA}`);
  return brokers
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

function ownedState(what: 'redis' | 'kafka'): { file: string; state: ServicesState } {
  const file = stateFile();
  const state = readState();
  if (!file || !state) {
    throw new Error(
      `Cannot stop or restart ${what}: this test run has no harness state (${STATE_ENV} is unset); run the suite through Jest (npm run -s test:jest -- <path>).`,
    );
  }
  if (!state.owned[what]) {
    const given = what === 'redis' ? 'REDIS_URL' : 'KAFKA_BROKERS';
    throw new Error(`Cannot stop or restart ${what}: it was not started by the test harness (${given} was given). Unset ${given} to let the harness own it.`);
  }
  return { file, state };
}

function redisHandle(): { file: string; state: ServicesState; handle: RedisHandle } {
  const { file, state } = ownedState('redis');
  return { file, state, handle: attachRedis({ ...(state.owned.redis as OwnedRedis), detached: false }) };
}

function kafkaHandle(): { file: string; state: ServicesState; handle: KafkaHandle } {
  const { file, state } = ownedState('kafka');
  return { file, state, handle: attachKafka({ ...(state.owned.kafka as OwnedKafka), detached: false }) };
}

/** Stops the harness's Redis; it stays down until restartRedis(). */
export async function stopRedis(): Promise<void> {
  await redisHandle().handle.stop();
}

/** Starts the harness's Redis again on the same port (empty: it keeps nothing on disk). */
export async function restartRedis(): Promise<void> {
  const { file, state, handle } = redisHandle();
  await handle.restart();
  state.owned.redis = { port: handle.port, pid: handle.pid };
  writeFileSync(file, JSON.stringify(state, null, 2));
}

/** Stops the harness's Kafka broker (SIGTERM, a clean shutdown); it stays down until restartKafka(). */
export async function stopKafka(): Promise<void> {
  await kafkaHandle().handle.stop();
}

/** Starts the harness's Kafka broker again on the same port with the same data; resolves when it serves. */
export async function restartKafka(): Promise<void> {
  const { file, state, handle } = kafkaHandle();
  await handle.restart();
  state.owned.kafka = { port: handle.port, dir: handle.dir, pid: handle.pid };
  writeFileSync(file, JSON.stringify(state, null, 2));
}
