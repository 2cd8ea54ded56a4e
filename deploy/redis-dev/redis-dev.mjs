// A private redis-server (Debian package redis-server) for development and tests, on a free port,
// keeping nothing on disk; or a Sentinel-managed pair (a primary, a replica, three sentinels) with
// startRedisSentinel(). Plain ESM JavaScript so it runs without a build.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import path from 'node:path';
import { alive, freePort, repoRoot, terminate } from '../kafka-dev/kafka-dev.mjs';

/** redis-server's own output (start-up, shutdown, errors), one file per port. */
function logFile(port) {
  const dir = path.join(repoRoot, '.data', 'redis-dev');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `redis-${port}.log`);
}

function logTail(port) {
  const file = logFile(port);
  const text = existsSync(file) ? readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15).join('\n') : '';
  return `\n--- ${file} (tail) ---\n${text || '(empty)'}`;
}

function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/** `detached`: own session (outlives a terminal); otherwise in the caller's process group (Ctrl-C reaches it). */
async function launch(port, timeoutMs, detached, extraArgs = []) {
  const out = openSync(logFile(port), 'a');
  const args = extraArgs[0]?.endsWith('.conf') ? [extraArgs[0], '--port', String(port), ...extraArgs.slice(1)] : ['--port', String(port), ...extraArgs];
  // Working directory under .data: a replica writes the primary's snapshot (dump.rdb) there on a full
  // resync whatever --save says, and it must not land in the caller's directory (the checkout).
  const child = spawn('redis-server', [...args, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
    cwd: path.dirname(logFile(port)),
    stdio: ['ignore', out, out],
    detached,
  });
  closeSync(out);
  child.unref();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive(child.pid)) throw new Error(`redis-dev: redis-server exited at start on port ${port}${logTail(port)}`);
    if (await ping(port)) return child.pid;
    await new Promise((r) => setTimeout(r, 50));
  }
  await terminate(child.pid, 2000);
  throw new Error(`redis-dev: redis-server not answering on port ${port} within ${timeoutMs / 1000}s${logTail(port)}`);
}

/** A handle { url, port, pid, stop(), restart() }; re-creatable in another process from { port, pid }. */
export function attachRedis({ port, pid, timeoutMs = 10_000, detached = true, args = [] }) {
  const handle = {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid,
    async stop() {
      await terminate(handle.pid, 5000);
      rmSync(logFile(port), { force: true });
    },
    async restart() {
      await terminate(handle.pid, 5000);
      handle.pid = await launch(port, timeoutMs, detached, args);
    },
  };
  return handle;
}

/** Starts redis-server on `port` (0/undefined = a free port). */
export async function startRedis({ port, timeoutMs = 10_000, detached = true } = {}) {
  requireRedisServer();
  const redisPort = port || (await freePort());
  const pid = await launch(redisPort, timeoutMs, detached);
  return attachRedis({ port: redisPort, pid, timeoutMs, detached });
}

function requireRedisServer() {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-dev: redis-server not found; install it with `apt-get install -y redis-server` (or set REDIS_URL)');
  }
}

/** One command through redis-cli (Debian's redis-tools, installed with redis-server); its raw reply, or '' when the server does not answer. */
export function redisCli(port, ...args) {
  return new Promise((resolve) => {
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), '--raw', ...args], { timeout: 5000 }, (error, stdout) => resolve(error ? '' : stdout));
  });
}

/** `field:value` lines of an INFO reply. */
function infoFields(text) {
  return Object.fromEntries(
    text
      .split(/\r?\n/)
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

/** Polls `probe` until it returns true; throws with `what` and the logs of `ports` after `timeoutMs`. */
async function until(what, probe, timeoutMs, ports) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`redis-dev: ${what} within ${timeoutMs / 1000}s${ports.map(logTail).join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A primary, a replica and three sentinels on loopback (free ports unless given), with `name` as
 * the master name. Resolves once the replica is in sync and every sentinel sees the primary, the
 * replica and the two other sentinels, so a fail-over can happen from the first second.
 *
 * `downAfterMs` is Sentinel's `down-after-milliseconds` (how long the primary must be unreachable
 * before a sentinel calls it down; a quorum of 2 then elects a leader, which promotes the replica).
 * Redis' own default is 30 s; 1 s here keeps development fail-overs short (production: see
 * docs/redis-sentinel.md).
 *
 * The handle: { url (redis-sentinel://…), env (REDIS_SENTINELS / REDIS_SENTINEL_NAME), name,
 * sentinels, nodes (the two data nodes' handles), primaryPort() (asks a sentinel), stop() }.
 */
export async function startRedisSentinel({ name = 'motlan', downAfterMs = 1000, failoverTimeoutMs = 10_000, timeoutMs = 20_000, detached = true } = {}) {
  requireRedisServer();
  const dir = path.join(repoRoot, '.data', 'redis-dev', `sentinel-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const started = [];
  const stopAll = async () => {
    await Promise.all(started.map((h) => h.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const primaryPort = await freePort();
    const primary = attachRedis({ port: primaryPort, pid: await launch(primaryPort, timeoutMs, detached), timeoutMs, detached });
    started.push(primary);
    const replicaPort = await freePort();
    const replicaArgs = ['--replicaof', '127.0.0.1', String(primaryPort)];
    const replica = attachRedis({
      port: replicaPort,
      pid: await launch(replicaPort, timeoutMs, detached, replicaArgs),
      timeoutMs,
      detached,
      args: replicaArgs,
    });
    started.push(replica);
    const sentinels = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      // Sentinel rewrites its configuration file (discovered replicas, sentinels, epochs): one each.
      const conf = path.join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
          `sentinel failover-timeout ${name} ${failoverTimeoutMs}`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      const handle = attachRedis({ port, pid: await launch(port, timeoutMs, detached, [conf, '--sentinel']), timeoutMs, detached, args: [conf, '--sentinel'] });
      started.push(handle);
      sentinels.push(handle);
    }
    const ports = [primaryPort, replicaPort, ...sentinels.map((s) => s.port)];
    await until(
      'replica in sync with the primary',
      async () => infoFields(await redisCli(replicaPort, 'INFO', 'replication')).master_link_status === 'up',
      timeoutMs,
      ports,
    );
    for (const sentinel of sentinels) {
      await until(
        `sentinel ${sentinel.port} seeing the replica and the other two sentinels`,
        async () => {
          const fields = infoFields(await redisCli(sentinel.port, 'INFO', 'sentinel'));
          const line = fields.master0 ?? '';
          return line.includes(`name=${name},status=ok`) && line.includes('slaves=1') && line.includes('sentinels=3');
        },
        timeoutMs,
        ports,
      );
    }
    const sentinelList = sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
    return {
      name,
      url: `redis-sentinel://${sentinelList}/${name}`,
      env: { REDIS_SENTINELS: sentinelList, REDIS_SENTINEL_NAME: name },
      sentinels,
      nodes: [primary, replica],
      /** The data node the sentinels call primary now (asks the first sentinel that answers). */
      async primaryPort() {
        for (const sentinel of sentinels) {
          const reply = (await redisCli(sentinel.port, 'SENTINEL', 'get-master-addr-by-name', name)).trim().split(/\s+/);
          if (reply.length === 2) return Number(reply[1]);
        }
        throw new Error('redis-dev: no sentinel answers get-master-addr-by-name');
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
