// Real Apache Kafka (3.9.x, from Maven Central via Maven) as a single-node KRaft broker for
// development and tests. Used by kafka-dev.sh, deploy/services.mjs, the Jest harness and the bench.
// Plain ESM JavaScript so it runs without a build.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
const pomFile = path.join(here, 'pom.xml');

/** The main class of `kafka-consumer-groups.sh` in Kafka 3.9 (kafka.admin.ConsumerGroupCommand is gone since 3.7). */
export const CONSUMER_GROUP_COMMAND = 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand';

/**
 * Where the resolved classpath (classpath.txt) and default broker directories live:
 * $KAFKA_DEV_HOME, else <repo>/.data/kafka-dev. The Jest harness exports KAFKA_DEV_HOME to workers.
 */
export function kafkaDevHome() {
  return path.resolve(process.env.KAFKA_DEV_HOME || path.join(repoRoot, '.data', 'kafka-dev'));
}

/** Resolves the broker's jars with Maven (cached in ~/.m2) and returns the Java classpath. */
export function kafkaClasspath({ quiet = true } = {}) {
  const home = kafkaDevHome();
  const classpathFile = path.join(home, 'classpath.txt');
  if (existsSync(classpathFile) && statSync(classpathFile).mtimeMs >= statSync(pomFile).mtimeMs) {
    const cached = readFileSync(classpathFile, 'utf8').trim();
    if (cached && cached.split(path.delimiter).every((jar) => existsSync(jar))) return cached;
  }
  mkdirSync(home, { recursive: true });
  if (!quiet) process.stderr.write('kafka-dev: resolving Apache Kafka from Maven Central (cached in ~/.m2 after the first run)\n');
  // Written aside and renamed: several processes (tests, bench, kafka-dev.sh) may resolve at once.
  const partial = `${classpathFile}.${process.pid}.tmp`;
  try {
    execFileSync('mvn', ['-q', '-B', '-f', pomFile, 'dependency:build-classpath', `-Dmdep.outputFile=${partial}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    renameSync(partial, classpathFile);
  } catch (error) {
    rmSync(partial, { force: true });
    const output = `${error.stdout?.toString() ?? ''}${error.stderr?.toString() ?? ''}`.slice(-2000) || error.message;
    throw new Error(
      `kafka-dev: could not resolve Kafka with Maven (is 'mvn' installed and Maven Central reachable? try deploy/kafka-dev/kafka-dev.sh fetch):\n${output}`,
    );
  }
  return readFileSync(classpathFile, 'utf8').trim();
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A Kafka cluster id: 16 random bytes, base64url; like Kafka's own Uuid, never starting with '-'. */
function clusterUuid() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function render(template, values) {
  let text = readFileSync(path.join(here, template), 'utf8');
  for (const [key, value] of Object.entries(values)) text = text.replaceAll(`@${key}@`, value);
  return text;
}

/**
 * Runs a Kafka command-line tool from the broker's classpath and returns its stdout, e.g.
 * runKafkaTool(CONSUMER_GROUP_COMMAND, ['--bootstrap-server', brokers, '--describe', '--group', 'g']).
 * Throws with the tool's output when it exits non-zero or outlives `timeoutMs`.
 */
export function runKafkaTool(mainClass, args, { timeoutMs = 60_000 } = {}) {
  const jvm = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j.configuration=file:${path.join(here, 'tools-log4j.properties')}`];
  try {
    return execFileSync('java', [...jvm, '-cp', kafkaClasspath(), mainClass, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    });
  } catch (error) {
    const how = error.signal ? `was killed (${error.signal}; timeout ${timeoutMs} ms)` : `exited with ${error.status}`;
    throw new Error(`kafka-dev: ${mainClass} ${args.join(' ')} ${how}:\n${error.stdout ?? ''}${error.stderr ?? ''}`.trimEnd());
  }
}

function tail(file, lines) {
  if (!existsSync(file)) return `(no ${path.basename(file)})`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') || `(${path.basename(file)} is empty)`;
}

async function waitUntilReady(brokers, pid, logFile, timeoutMs) {
  const kafka = new kafkajs.Kafka({ clientId: 'kafka-dev-probe', brokers, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 0 } });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) break;
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      await admin.disconnect();
      return;
    } catch {
      await admin.disconnect().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  const dir = path.dirname(logFile);
  const state = alive(pid) ? `still not answering after ${timeoutMs / 1000}s` : 'exited before it was ready';
  throw new Error(
    `kafka-dev: broker on ${brokers[0]} ${state} (data and logs in ${dir}).\n` +
      `--- ${logFile} (tail) ---\n${tail(logFile, 30)}\n--- ${path.join(dir, 'stdout.log')} (tail) ---\n${tail(path.join(dir, 'stdout.log'), 15)}`,
  );
}

export function alive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. Works from any process. */
export async function terminate(pid, graceMs = 20_000) {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function javaArgs(dataDir) {
  return ['-Xms256m', '-Xmx512m', '-XX:+UseSerialGC', `-Dlog4j.configuration=file:${path.join(dataDir, 'log4j.properties')}`, '-cp', kafkaClasspath()];
}

/**
 * Launches the broker of an already prepared data directory; the child does not keep the caller
 * alive. `detached`: in its own session (outlives the terminal, as kafka-dev.sh start needs);
 * otherwise in the caller's process group, so a Ctrl-C on the test run reaches it too.
 */
async function launch(dataDir, brokers, timeoutMs, detached) {
  const out = openSync(path.join(dataDir, 'stdout.log'), 'a');
  const child = spawn('java', [...javaArgs(dataDir), 'kafka.Kafka', path.join(dataDir, 'server.properties')], { stdio: ['ignore', out, out], detached });
  closeSync(out);
  child.unref();
  writeFileSync(path.join(dataDir, 'broker.pid'), String(child.pid));
  try {
    await waitUntilReady(brokers, child.pid, path.join(dataDir, 'server.log'), timeoutMs);
  } catch (error) {
    await terminate(child.pid, 5000);
    throw error;
  }
  return child.pid;
}

/**
 * A handle on a running broker: { brokers, port, dir, pid, stop(), restart() }. restart() brings
 * the same broker back on the same port with its data. The handle can be re-created in another
 * process from { port, dir, pid } (the test harness passes it to test files that way).
 */
export function attachKafka({ port, dir, pid, timeoutMs = 60_000, detached = true }) {
  const brokers = [`127.0.0.1:${port}`];
  const handle = {
    brokers,
    port,
    dir,
    pid,
    async stop() {
      await terminate(handle.pid);
    },
    async restart() {
      await terminate(handle.pid);
      handle.pid = await launch(dir, brokers, timeoutMs, detached);
    },
  };
  return handle;
}

/**
 * Starts a broker. `port` 0/undefined = a free port; `dir` = its own data directory (formatted on
 * first use, reused after; default $KAFKA_DEV_HOME/broker-<port>). Resolves once kafkajs can list
 * topics, or rejects after `timeoutMs` with the tail of the broker's log.
 */
export async function startKafka({ port, dir, timeoutMs = 60_000, detached = true } = {}) {
  kafkaClasspath({ quiet: false });
  const brokerPort = port || (await freePort());
  const controllerPort = await freePort();
  const dataDir = path.resolve(dir ?? path.join(kafkaDevHome(), `broker-${brokerPort}`));
  mkdirSync(dataDir, { recursive: true });
  const config = path.join(dataDir, 'server.properties');
  const values = { BROKER_PORT: String(brokerPort), CONTROLLER_PORT: String(controllerPort), DATA_DIR: dataDir, LOG_DIR: dataDir };
  writeFileSync(config, render('server.properties.template', values));
  writeFileSync(path.join(dataDir, 'log4j.properties'), render('log4j.properties.template', values));
  const clusterIdFile = path.join(dataDir, 'cluster-id');
  if (!existsSync(clusterIdFile)) writeFileSync(clusterIdFile, clusterUuid());
  const clusterId = readFileSync(clusterIdFile, 'utf8').trim();
  if (!existsSync(path.join(dataDir, 'kraft-logs', 'meta.properties'))) {
    try {
      execFileSync(
        'java',
        [...javaArgs(dataDir), '-XX:TieredStopAtLevel=1', 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', config, '--ignore-formatted'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    } catch (error) {
      throw new Error(`kafka-dev: formatting ${dataDir} failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
    }
  }
  const brokers = [`127.0.0.1:${brokerPort}`];
  const pid = await launch(dataDir, brokers, timeoutMs, detached);
  return attachKafka({ port: brokerPort, dir: dataDir, pid, timeoutMs, detached });
}

// `node deploy/kafka-dev/kafka-dev.mjs fetch` resolves the jars (used by kafka-dev.sh and .ci/run).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2] === 'fetch') {
  kafkaClasspath({ quiet: false });
  process.stdout.write('kafka-dev: Kafka jars resolved\n');
}
