// A private redis-server (Debian package redis-server) for development and tests, on a free port,
// keeping nothing on disk. Plain ESM JavaScript so it runs without a build.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
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
async function launch(port, timeoutMs, detached) {
  const out = openSync(logFile(port), 'a');
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
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
export function attachRedis({ port, pid, timeoutMs = 10_000, detached = true }) {
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
      handle.pid = await launch(port, timeoutMs, detached);
    },
  };
  return handle;
}

/** Starts redis-server on `port` (0/undefined = a free port). */
export async function startRedis({ port, timeoutMs = 10_000, detached = true } = {}) {
  if (spawnSync('redis-server', ['--version']).error) {
    throw new Error('redis-dev: redis-server not found; install it with `apt-get install -y redis-server` (or set REDIS_URL)');
  }
  const redisPort = port || (await freePort());
  const pid = await launch(redisPort, timeoutMs, detached);
  return attachRedis({ port: redisPort, pid, timeoutMs, detached });
}
