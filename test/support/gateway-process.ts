/**
 * The gateway as a real OS process (the built `dist/apps/gateway/src/main.js`), for tests that
 * must kill it the hard way (SIGKILL) and start it again. Builds once per Jest worker when the
 * build is missing or older than the sources (tsc is incremental: a few seconds).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../deploy/kafka-dev/kafka-dev.mjs';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'apps', 'gateway', 'src', 'main.js');
let built = false;

export function ensureGatewayBuilt(): void {
  if (built) return;
  const result = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(MAIN)) throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
  built = true;
}

export interface GatewayProcess {
  url: string;
  process: ChildProcess;
  /** Output so far (pino JSON lines and anything on stderr), for failure messages. */
  output(): string;
  /** SIGKILL: no shutdown hook runs, nothing is flushed or committed. */
  kill(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

export async function startGatewayProcess(env: Record<string, string>, port?: number): Promise<GatewayProcess> {
  ensureGatewayBuilt();
  const listenPort = port ?? (await freePort());
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env, PORT: String(listenPort), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${listenPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway process exited with ${child.exitCode} before answering:\n${output}`);
    const live = await fetch(`${url}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (live) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway process did not answer within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    process: child,
    output: () => output,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
