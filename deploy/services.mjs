// `npm run services`: a private Redis and the dev Kafka broker for local work, in the foreground.
// Prints the REDIS_URL=… and KAFKA_BROKERS=… lines to export; Ctrl-C stops both.
import path from 'node:path';
import { repoRoot, startKafka, startKafkaCluster } from './kafka-dev/kafka-dev.mjs';
import { startRedis, startRedisSentinel } from './redis-dev/redis-dev.mjs';

const redisPort = Number(process.env.REDIS_PORT ?? 0);
// --sentinel: a primary, a replica and three sentinels instead of one redis-server (docs/redis-sentinel.md).
const sentinel = process.argv.slice(2).includes('--sentinel');
const kafkaPort = Number(process.env.KAFKA_PORT ?? 0);
// --brokers N: a KRaft cluster of N nodes instead of the single broker; --sasl-ssl: a SASL_SSL
// listener (SCRAM-SHA-512 over TLS, generated CA, certificates and users; prints the KAFKA_SSL_* and
// KAFKA_SASL_* lines too). Both are made fresh on every start (docs/kafka-cluster.md); the plain
// single broker keeps its data in .data/kafka-dev/local.
const args = process.argv.slice(2);
const brokersArg =
  args.find((a) => a.startsWith('--brokers=')) ?? (args.includes('--brokers') ? `--brokers=${args[args.indexOf('--brokers') + 1]}` : '--brokers=1');
const brokerCount = Number(brokersArg.slice('--brokers='.length));
if (!Number.isInteger(brokerCount) || brokerCount < 1 || brokerCount > 9) {
  process.stderr.write(`services: --brokers must be a whole number from 1 to 9, got "${brokersArg.slice('--brokers='.length)}"\n`);
  process.exit(2);
}
const saslSsl = args.includes('--sasl-ssl');
const singleKafka = brokerCount === 1 && !saslSsl;
const kafkaKind = singleKafka ? 'single node' : `${brokerCount} node${brokerCount === 1 ? '' : 's'}${saslSsl ? ', SASL_SSL' : ''}`;
process.stderr.write(`services: starting redis-server and Apache Kafka (KRaft, ${kafkaKind})…\n`);
const results = await Promise.allSettled([
  sentinel ? startRedisSentinel() : startRedis({ port: redisPort }),
  singleKafka
    ? startKafka({ port: kafkaPort, dir: path.join(repoRoot, '.data', 'kafka-dev', 'local') })
    : startKafkaCluster({
        brokers: brokerCount,
        saslSsl,
        dir: path.join(repoRoot, '.data', 'kafka-dev', `${saslSsl ? 'sasl-ssl' : 'cluster'}-${brokerCount}`),
      }),
]);
const failed = results.filter((r) => r.status === 'rejected');
if (failed.length > 0) {
  // Leave nothing running behind a failed start.
  await Promise.all(results.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  for (const r of failed) process.stderr.write(`services: ${r.reason instanceof Error ? r.reason.message : r.reason}\n`);
  process.exit(1);
}
const [redis, kafka] = results.map((r) => r.value);
const redisEnv = sentinel ? redis.env : { REDIS_URL: redis.url };
const redisAssignments = Object.entries(redisEnv).map(([k, v]) => `${k}=${v}`);
// A cluster started here names its own variables (KAFKA_BROKERS, and the TLS/SASL ones with --sasl-ssl).
const kafkaAssignments = Object.entries(kafka.env ?? { KAFKA_BROKERS: kafka.brokers.join(',') }).map(([k, v]) => `${k}=${v}`);
process.stdout.write(`${[...redisAssignments, ...kafkaAssignments].join('\n')}\n`);
process.stderr.write(`services: running (Kafka data and logs in ${kafka.dir}). Start Motlan on them with:\n`);
process.stderr.write(`  ${[...redisAssignments, ...kafkaAssignments].join(' ')} npm start\nCtrl-C stops both.\n`);

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
