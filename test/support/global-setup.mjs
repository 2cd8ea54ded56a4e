// Jest global setup: integration suites talk to a real Redis and a real Kafka. When REDIS_URL /
// KAFKA_BROKERS are set they are used as they are; otherwise a private redis-server and the dev
// Kafka broker are started on free ports (and stopped by global-teardown.mjs).
//
// How test files reach them: variables set on process.env here are inherited by the test files,
// whether they run in band or in worker processes (checked with Jest 30): REDIS_URL,
// KAFKA_BROKERS, KAFKA_DEV_HOME (the Kafka classpath for runKafkaTool) and
// MOTLAN_TEST_SERVICES_STATE, the path of this run's state file (pids, ports, start errors), which
// test/support/services.ts reads for requireRedisUrl()/requireKafkaBrokers() and stop/restart.
// Every run has its own directory, .data/test-services/run-<jest pid>/, so concurrent runs don't
// meet; directories left by runs that died without their teardown are cleaned up here.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { alive, kafkaDevHome, repoRoot, startKafka, terminate } from '../../deploy/kafka-dev/kafka-dev.mjs';
import { startRedis } from '../../deploy/redis-dev/redis-dev.mjs';

export const STATE_ENV = 'MOTLAN_TEST_SERVICES_STATE';
const RUNS_DIR = path.join(repoRoot, '.data', 'test-services');
const SKIP_DIRS = new Set(['node_modules', 'dist', 'coverage', '.data', '.git', '.tmp']);

/** Spec files that need the servers: under test/integration, *.int.spec.ts, or using test/support/services. */
function serviceSpecs(dir = repoRoot, found = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(entry.name)) continue;
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) serviceSpecs(file, found);
    else if (entry.name.endsWith('.spec.ts')) {
      const rel = path.relative(repoRoot, file).split(path.sep).join('/');
      if (rel.startsWith('test/integration/') || rel.endsWith('.int.spec.ts') || /support\/services(\.js)?['"]/.test(readFileSync(file, 'utf8'))) {
        found.push(file);
      }
    }
  }
  return found;
}

/** Whether the selected tests may include a suite that needs the servers (only unit specs: no servers). */
function needsServices(globalConfig) {
  const projects = globalConfig.selectProjects ?? [];
  if (projects.length > 0 && !projects.includes('integration') && !projects.includes('cluster')) return false;
  if (globalConfig.findRelatedTests || globalConfig.onlyChanged || globalConfig.changedSince || globalConfig.lastCommit) return true;
  const raw = globalConfig.testPathPatterns?.patterns ?? globalConfig.testPathPattern ?? [];
  const patterns = (Array.isArray(raw) ? raw : [raw]).filter(Boolean);
  if (patterns.length === 0) return true;
  let regexes;
  try {
    regexes = patterns.map((p) => new RegExp(p, 'i'));
  } catch {
    return true;
  }
  return serviceSpecs().some((file) => regexes.some((re) => re.test(file) || re.test(path.relative(repoRoot, file))));
}

/** The process still runs the command we started (guards against a recycled pid). */
function runs(pid, needle) {
  if (!alive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(needle);
  } catch {
    return false;
  }
}

/** Stops what a state file says its run owned (only processes whose command line still matches). */
export async function stopOwned(state) {
  const redis = state.owned?.redis;
  const kafka = state.owned?.kafka;
  await Promise.all([
    redis && runs(redis.pid, `redis-server 127.0.0.1:${redis.port}`) ? terminate(redis.pid, 5000) : undefined,
    kafka && runs(kafka.pid, kafka.dir) ? terminate(kafka.pid, 20_000) : undefined,
  ]);
}

/** Runs whose Jest process is gone left their servers and data behind: stop and remove them. */
async function reapDeadRuns() {
  if (!existsSync(RUNS_DIR)) return;
  for (const name of readdirSync(RUNS_DIR)) {
    const owner = Number(/^run-(\d+)$/.exec(name)?.[1]);
    if (!owner || (owner !== process.pid && alive(owner))) continue;
    const dir = path.join(RUNS_DIR, name);
    const stateFile = path.join(dir, 'state.json');
    try {
      if (existsSync(stateFile)) await stopOwned(JSON.parse(readFileSync(stateFile, 'utf8')));
    } catch {
      // unreadable state: nothing we can safely stop
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function message(error) {
  return error instanceof Error ? error.message : String(error);
}

export default async function globalSetup(globalConfig) {
  // Workers resolve the same Kafka classpath (runKafkaTool) as this process.
  process.env.KAFKA_DEV_HOME = kafkaDevHome();
  if (!needsServices(globalConfig)) return;
  await reapDeadRuns();
  const runDir = path.join(RUNS_DIR, `run-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  const stateFile = path.join(runDir, 'state.json');
  const state = { jestPid: process.pid, owned: {}, errors: {} };
  const started = Date.now();
  // Not detached: a Ctrl-C on the test run reaches the servers too.
  const [redis, kafka] = await Promise.allSettled([
    process.env.REDIS_URL ? undefined : startRedis({ detached: false }),
    process.env.KAFKA_BROKERS ? undefined : startKafka({ dir: path.join(runDir, 'kafka'), detached: false }),
  ]);
  if (redis.status === 'rejected') state.errors.redis = message(redis.reason);
  else if (redis.value) {
    process.env.REDIS_URL = redis.value.url;
    state.owned.redis = { port: redis.value.port, pid: redis.value.pid };
  }
  if (kafka.status === 'rejected') state.errors.kafka = message(kafka.reason);
  else if (kafka.value) {
    process.env.KAFKA_BROKERS = kafka.value.brokers.join(',');
    state.owned.kafka = { port: kafka.value.port, dir: kafka.value.dir, pid: kafka.value.pid };
  }
  state.redisUrl = process.env.REDIS_URL;
  state.kafkaBrokers = process.env.KAFKA_BROKERS;
  writeFileSync(stateFile, JSON.stringify(state, null, 2));
  process.env[STATE_ENV] = stateFile;
  if (state.owned.redis || state.owned.kafka) {
    const show = (value) => value ?? '(none)';
    process.stderr.write(
      `\ntest services: REDIS_URL=${show(state.redisUrl)} KAFKA_BROKERS=${show(state.kafkaBrokers)} (started in ${Date.now() - started} ms)\n`,
    );
  }
  for (const [name, error] of Object.entries(state.errors)) {
    process.stderr.write(`\ntest services: could not start ${name}; suites that need it will fail:\n${error}\n`);
  }
}
