// Jest global setup: integration suites talk to a real Redis and a real Kafka. When REDIS_URL /
// KAFKA_BROKERS are set they are used as they are; otherwise a private redis-server and the dev
// Kafka broker are started on free ports (and stopped by global-teardown.mjs). Test files reach
// them through test/support/services.ts (environment + the state file written here).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startKafka, repoRoot } from '../../deploy/kafka-dev/kafka-dev.mjs';
import { startRedis } from '../../deploy/redis-dev/redis-dev.mjs';

export const STATE_FILE = path.join(repoRoot, '.data', 'test-services.json');

/** Whether the selected tests include integration suites (a run of only unit specs needs no servers). */
function needsServices(globalConfig) {
  const patterns = globalConfig.testPathPatterns?.patterns ?? globalConfig.testPathPattern ?? [];
  const list = Array.isArray(patterns) ? patterns : [patterns].filter(Boolean);
  if (list.length === 0) return true;
  const sample = path.join(repoRoot, 'test', 'integration', 'x.int.spec.ts');
  return list.some((p) => {
    try {
      return new RegExp(p).test(sample);
    } catch {
      return true;
    }
  });
}

export default async function globalSetup(globalConfig) {
  if (!needsServices(globalConfig)) return;
  const state = { owned: {} };
  const started = Date.now();
  const [redis, kafka] = await Promise.all([
    process.env.REDIS_URL ? undefined : startRedis({}),
    process.env.KAFKA_BROKERS ? undefined : startKafka({ dir: path.join(repoRoot, '.data', 'kafka-dev', `test-${process.pid}`) }),
  ]);
  if (redis) {
    process.env.REDIS_URL = redis.url;
    state.owned.redis = { port: redis.port, pid: redis.pid };
  }
  if (kafka) {
    process.env.KAFKA_BROKERS = kafka.brokers.join(',');
    state.owned.kafka = { port: kafka.port, dir: kafka.dir, pid: kafka.pid };
  }
  state.redisUrl = process.env.REDIS_URL;
  state.kafkaBrokers = process.env.KAFKA_BROKERS;
  mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
  if (redis || kafka) {
    process.stderr.write(`\ntest services: REDIS_URL=${state.redisUrl} KAFKA_BROKERS=${state.kafkaBrokers} (started in ${Date.now() - started} ms)\n`);
  }
}
