// `npm run services`: a private Redis and the dev Kafka broker for local work, in the foreground.
// Prints the REDIS_URL=… and KAFKA_BROKERS=… lines to export; Ctrl-C stops both.
import path from 'node:path';
import { repoRoot, startKafka } from './kafka-dev/kafka-dev.mjs';
import { startRedis } from './redis-dev/redis-dev.mjs';

const redisPort = Number(process.env.REDIS_PORT ?? 0);
const kafkaPort = Number(process.env.KAFKA_PORT ?? 0);
process.stderr.write('services: starting redis-server and Apache Kafka (KRaft, single node)…\n');
const results = await Promise.allSettled([
  startRedis({ port: redisPort }),
  startKafka({ port: kafkaPort, dir: path.join(repoRoot, '.data', 'kafka-dev', 'local') }),
]);
const failed = results.filter((r) => r.status === 'rejected');
if (failed.length > 0) {
  // Leave nothing running behind a failed start.
  await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  for (const r of failed) process.stderr.write(`services: ${r.reason instanceof Error ? r.reason.message : r.reason}\n`);
  process.exit(1);
}
const [redis, kafka] = results.map((r) => r.value);
process.stdout.write(`REDIS_URL=${redis.url}\nKAFKA_BROKERS=${kafka.brokers.join(',')}\n`);
process.stderr.write(`services: running (Kafka data and logs in ${kafka.dir}). Start Motlan on them with:\n`);
process.stderr.write(`  REDIS_URL=${redis.url} KAFKA_BROKERS=${kafka.brokers.join(',')} npm start\nCtrl-C stops both.\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  process.stderr.write('services: stopping…\n');
  await Promise.all([redis.stop(), kafka.stop()]);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => undefined, 1 << 30);
