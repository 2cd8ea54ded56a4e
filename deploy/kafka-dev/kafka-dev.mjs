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

async function waitUntilReady(brokers, pid, logFile, timeoutMs, client = {}) {
  // `client`: kafkajs ssl/sasl options of a secured listener (startKafkaCluster with saslSsl).
  const kafka = new kafkajs.Kafka({ clientId: 'kafka-dev-probe', brokers, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 0 }, ...client });
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
async function launch(dataDir, brokers, timeoutMs, detached, client = {}) {
  const out = openSync(path.join(dataDir, 'stdout.log'), 'a');
  const child = spawn('java', [...javaArgs(dataDir), 'kafka.Kafka', path.join(dataDir, 'server.properties')], { stdio: ['ignore', out, out], detached });
  closeSync(out);
  child.unref();
  writeFileSync(path.join(dataDir, 'broker.pid'), String(child.pid));
  try {
    await waitUntilReady(brokers, child.pid, path.join(dataDir, 'server.log'), timeoutMs, client);
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

/**
 * TLS material and SCRAM users for a SASL_SSL dev listener, made with openssl in `<dir>/tls` and
 * `<dir>/sasl`: a CA, one broker certificate for 127.0.0.1/localhost (every node of a loopback
 * cluster uses it), a client certificate, and random passwords for `admin` (between the brokers)
 * and `motlan` (the clients). PEM throughout: Kafka reads PEM key stores since 2.7, kafkajs and
 * Kubernetes secrets hold PEM too. Valid 30 days: a dev cluster is made again on every start.
 */
export function makeSaslSslMaterial(dir) {
  const tls = path.join(dir, 'tls');
  const sasl = path.join(dir, 'sasl');
  mkdirSync(tls, { recursive: true });
  mkdirSync(sasl, { recursive: true, mode: 0o700 });
  const openssl = (args) => {
    try {
      execFileSync('openssl', args, { cwd: tls, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      throw new Error(`kafka-dev: openssl ${args[0]} failed (is openssl installed?):\n${error.stderr ?? error.message}`);
    }
  };
  const ca = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '30', '-subj', '/CN=Motlan dev Kafka CA', ...ca]);
  const leaves = {
    // The brokers present it to clients and to each other (inter-broker TLS checks the host too).
    broker: {
      cn: 'localhost',
      ext: 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
    },
    client: { cn: 'motlan', ext: 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' },
  };
  for (const [name, { cn, ext }] of Object.entries(leaves)) {
    // OpenSSL 3 writes PKCS#8 keys ("BEGIN PRIVATE KEY"): what Kafka's PEM key store requires.
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    writeFileSync(path.join(tls, `${name}.ext`), ext);
    openssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '30',
      '-extfile',
      `${name}.ext`,
    ]);
  }
  // Kafka's PEM key store: the private key and its certificate in one file.
  writeFileSync(path.join(tls, 'broker.pem'), readFileSync(path.join(tls, 'broker.key'), 'utf8') + readFileSync(path.join(tls, 'broker.crt'), 'utf8'), {
    mode: 0o600,
  });
  const users = { admin: randomBytes(18).toString('base64url'), motlan: randomBytes(18).toString('base64url') };
  const passwordFile = path.join(sasl, 'motlan.password');
  writeFileSync(passwordFile, `${users.motlan}\n`, { mode: 0o600 });
  return {
    caFile: path.join(tls, 'ca.crt'),
    brokerPem: path.join(tls, 'broker.pem'),
    clientCertFile: path.join(tls, 'client.crt'),
    clientKeyFile: path.join(tls, 'client.key'),
    users,
    passwordFile,
  };
}

/** The broker settings of a SASL_SSL listener (SCRAM-SHA-512 over TLS, client certificates required) with `material`'s files. */
function saslSslProperties(material) {
  return [
    '# SASL_SSL: SCRAM-SHA-512 inside TLS; clients must also present a certificate of the dev CA.',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="${material.users.admin}";`,
    'ssl.keystore.type=PEM',
    `ssl.keystore.location=${material.brokerPem}`,
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${material.caFile}`,
    'ssl.client.auth=required',
    'ssl.endpoint.identification.algorithm=https',
  ].join('\n');
}

/** The environment that points Motlan at a cluster started by startKafkaCluster (docs/kafka-cluster.md). */
function clusterEnv(brokers, material) {
  const env = { KAFKA_BROKERS: brokers.join(',') };
  if (material) {
    Object.assign(env, {
      KAFKA_SSL_CA_FILE: material.caFile,
      KAFKA_SSL_CERT_FILE: material.clientCertFile,
      KAFKA_SSL_KEY_FILE: material.clientKeyFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'motlan',
      KAFKA_SASL_PASSWORD_FILE: material.passwordFile,
    });
  }
  return env;
}

/** kafkajs options of the `motlan` client of a SASL_SSL cluster (the dev tools' own probe and admin clients). */
function clusterClient(material) {
  if (!material) return {};
  return {
    ssl: {
      ca: [readFileSync(material.caFile, 'utf8')],
      cert: readFileSync(material.clientCertFile, 'utf8'),
      key: readFileSync(material.clientKeyFile, 'utf8'),
    },
    sasl: { mechanism: 'scram-sha-512', username: 'motlan', password: material.users.motlan },
  };
}

/**
 * Starts a KRaft cluster of `brokers` nodes on loopback (each a broker and a controller, all ports
 * free ones), optionally with a SASL_SSL listener (`saslSsl`: TLS material and SCRAM users made by
 * makeSaslSslMaterial, users added at format time with --add-scram). Replication of the internal
 * topics and the broker defaults: min(3, brokers), min.insync.replicas 2 from 3 replicas on, else 1
 * (the rule ensureTopics follows). Always a fresh cluster in `dir` (default
 * $KAFKA_DEV_HOME/cluster-<first port>): its data is not kept between starts.
 *
 * Resolves once every node serves and the cluster lists them all, to
 * { brokers, nodes: [{ nodeId, port, dir, pid, stop(), kill(), restart() }], dir, env, client, stop() }:
 * `env` the KAFKA_* variables for Motlan, `client` the kafkajs ssl/sasl options.
 */
export async function startKafkaCluster({ brokers: count = 3, dir, saslSsl = false, timeoutMs = 120_000, detached = true } = {}) {
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new Error(`kafka-dev: a cluster has 1 to 9 brokers, not ${count}`);
  kafkaClasspath({ quiet: false });
  const ports = await uniqueFreePorts(count * 2);
  const nodes = Array.from({ length: count }, (_, i) => ({ nodeId: i + 1, port: ports[i], controllerPort: ports[count + i] }));
  const clusterDir = path.resolve(dir ?? path.join(kafkaDevHome(), `cluster-${nodes[0].port}`));
  rmSync(clusterDir, { recursive: true, force: true });
  mkdirSync(clusterDir, { recursive: true });
  const material = saslSsl ? makeSaslSslMaterial(clusterDir) : undefined;
  const client = clusterClient(material);
  const listener = saslSsl ? 'SASL_SSL' : 'PLAINTEXT';
  const replicationFactor = Math.min(3, count);
  const minInsync = replicationFactor >= 3 ? 2 : 1;
  const voters = nodes.map((n) => `${n.nodeId}@127.0.0.1:${n.controllerPort}`).join(',');
  const clusterId = clusterUuid();
  writeFileSync(path.join(clusterDir, 'cluster-id'), clusterId);
  for (const node of nodes) {
    node.dir = path.join(clusterDir, `node-${node.nodeId}`);
    mkdirSync(node.dir, { recursive: true });
    const values = {
      NODE_ID: String(node.nodeId),
      VOTERS: voters,
      LISTENER: listener,
      BROKER_PORT: String(node.port),
      CONTROLLER_PORT: String(node.controllerPort),
      DATA_DIR: node.dir,
      LOG_DIR: node.dir,
      REPLICATION_FACTOR: String(replicationFactor),
      MIN_INSYNC: String(minInsync),
      SECURITY: material ? saslSslProperties(material) : '',
    };
    const config = path.join(node.dir, 'server.properties');
    writeFileSync(config, render('cluster.properties.template', values));
    writeFileSync(path.join(node.dir, 'log4j.properties'), render('log4j.properties.template', values));
    const scram = material
      ? Object.entries(material.users).flatMap(([name, password]) => ['--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`])
      : [];
    try {
      execFileSync(
        'java',
        [...javaArgs(node.dir), '-XX:TieredStopAtLevel=1', 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', config, ...scram],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    } catch (error) {
      throw new Error(`kafka-dev: formatting ${node.dir} failed:\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
    }
  }
  // All at once: a controller quorum forms only when a majority of the voters is up.
  const started = await Promise.allSettled(nodes.map((n) => launch(n.dir, [`127.0.0.1:${n.port}`], timeoutMs, detached, client)));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((r) => (r.status === 'fulfilled' ? terminate(r.value, 5000) : undefined)));
    throw failed.reason;
  }
  const handles = nodes.map((n, i) => attachClusterNode({ ...n, pid: started[i].value, timeoutMs, detached, client }));
  const bootstrap = nodes.map((n) => `127.0.0.1:${n.port}`);
  await waitForClusterSize(bootstrap, count, client, timeoutMs);
  return {
    brokers: bootstrap,
    nodes: handles,
    dir: clusterDir,
    env: clusterEnv(bootstrap, material),
    client,
    async stop() {
      await Promise.all(handles.map((h) => h.stop()));
    },
  };
}

/** A node of startKafkaCluster: stop() (SIGTERM, controlled shutdown), kill() (SIGKILL, a crash), restart() (same port, same data). */
export function attachClusterNode({ nodeId, port, dir, pid, timeoutMs = 120_000, detached = true, client = {} }) {
  const brokers = [`127.0.0.1:${port}`];
  const handle = {
    nodeId,
    port,
    dir,
    pid,
    brokers,
    async stop() {
      await terminate(handle.pid);
    },
    async kill() {
      if (!alive(handle.pid)) return;
      process.kill(handle.pid, 'SIGKILL');
      while (alive(handle.pid)) await new Promise((r) => setTimeout(r, 50));
    },
    async restart() {
      await terminate(handle.pid);
      handle.pid = await launch(dir, brokers, timeoutMs, detached, client);
    },
  };
  return handle;
}

async function waitForClusterSize(brokers, count, client, timeoutMs) {
  const kafka = new kafkajs.Kafka({ clientId: 'kafka-dev-probe', brokers, logLevel: kafkajs.logLevel.NOTHING, retry: { retries: 0 }, ...client });
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      seen = (await admin.describeCluster()).brokers.length;
      if (seen >= count) return;
    } catch {
      // not yet
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`kafka-dev: the cluster on ${brokers.join(',')} lists ${seen} of ${count} brokers after ${timeoutMs / 1000}s`);
}

/** `n` distinct free ports (freePort alone may hand out a port twice in a row once it is released). */
async function uniqueFreePorts(n) {
  const ports = new Set();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

// `node deploy/kafka-dev/kafka-dev.mjs fetch` resolves the jars (used by kafka-dev.sh and .ci/run).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2] === 'fetch') {
  kafkaClasspath({ quiet: false });
  process.stdout.write('kafka-dev: Kafka jars resolved\n');
}
