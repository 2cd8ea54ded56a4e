/**
 * What the benchmarks share: ports, the backing services (your own via REDIS_URL and
 * KAFKA_BROKERS, else a private Redis and the dev Kafka broker), child processes, an autocannon
 * load step, and writing the results. Not a test: the test line never runs it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = path.dirname(fileURLToPath(import.meta.url));
/** dist/test/bench → the repository. */
export const repoRoot = path.resolve(here, '..', '..', '..');
export const dist = path.join(repoRoot, 'dist');
export const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
export const CONNECTIONS = 50;

const children: ChildProcess[] = [];
/** Children that died before the bench stopped them (see start). */
const exited: string[] = [];
/** Children stopped on purpose before the end of the bench (see stop). */
const stoppedOnPurpose = new WeakSet<ChildProcess>();
let stopping = false;
const stops: Array<() => Promise<void>> = [];

/** Runs `fn` when the bench ends (after its child processes are stopped), also when it fails. */
export function onCleanup(fn: () => Promise<void> | void): void {
  stops.push(async () => {
    await fn();
  });
}

export function benchLog(bench: string): (message: string) => void {
  return (message) => process.stdout.write(`bench ${bench}: ${message}\n`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether `port` can be listened on now on loopback. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A base port with `count` free ports from it, for the simulator's registries and portal (they
 * listen at fixed offsets from SIM_GRPC_BASE_PORT). Random bases can hit a port other processes
 * use (seen: a simulator that could not listen, and a bench that waited for it), so each is checked.
 */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 20000);
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found between 20000 and 40000`);
}

export interface Services {
  redisUrl: string;
  kafkaBrokers: string;
}

export async function services(log: (message: string) => void): Promise<Services> {
  if (process.env.REDIS_URL && process.env.KAFKA_BROKERS) return { redisUrl: process.env.REDIS_URL, kafkaBrokers: process.env.KAFKA_BROKERS };
  log('starting a private Redis and the dev Kafka broker (set REDIS_URL and KAFKA_BROKERS to use your own)');
  const redisModule = (await import(path.join(repoRoot, 'deploy', 'redis-dev', 'redis-dev.mjs'))) as {
    startRedis: (o?: object) => Promise<{ url: string; stop: () => Promise<void> }>;
  };
  const kafkaModule = (await import(path.join(repoRoot, 'deploy', 'kafka-dev', 'kafka-dev.mjs'))) as {
    startKafka: (o?: object) => Promise<{ brokers: string; stop: () => Promise<void> }>;
  };
  const redis = await redisModule.startRedis({});
  stops.push(() => redis.stop());
  // A fresh broker directory per run: a topic left full by an earlier run (the dossier-sync bench
  // writes tens of thousands of statuses) would be read again by every gateway that starts, and
  // that catch-up would be measured as lookup time.
  const kafkaDir = mkdtempSync(path.join(tmpdir(), 'motlan-bench-kafka-'));
  const kafka = await kafkaModule.startKafka({ dir: kafkaDir });
  stops.push(async () => {
    await kafka.stop();
    rmSync(kafkaDir, { recursive: true, force: true });
  });
  return { redisUrl: redis.url, kafkaBrokers: Array.isArray(kafka.brokers) ? kafka.brokers.join(',') : kafka.brokers };
}

/**
 * Starts a child process. BENCH_CPU_PROF=<name>[,<name>…] writes a V8 CPU profile of those
 * children to .data/bench/profiles/ when they exit (open it in Chrome DevTools).
 */
export function start(name: string, script: string, env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  const profiled = (process.env.BENCH_CPU_PROF ?? '').split(',').includes(name);
  const flags = profiled
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(repoRoot, '.data', 'bench', 'profiles')}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`]
    : [];
  const child = spawn(process.execPath, [...flags, script], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`));
  // A child that dies before the bench stops it fails the bench at the next wait, not after a timeout.
  child.once('exit', (code, signal) => {
    if (!stopping && !stoppedOnPurpose.has(child)) exited.push(`${name} exited (${signal ?? code}) before the bench stopped it; its stderr is above`);
  });
  children.push(child);
  return child;
}

/** Stops one child before the end of the bench: SIGTERM, SIGKILL after 10 s; resolves when it has exited. */
export async function stop(child: ChildProcess): Promise<void> {
  stoppedOnPurpose.add(child);
  const at = children.indexOf(child);
  if (at >= 0) children.splice(at, 1);
  await stopChild(child);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Polls `done` until it is true; fails with `what` after `timeoutMs`. */
export async function until(what: string, done: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (exited.length > 0) throw new Error(exited.join('; '));
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Generous: a bench starts several gateways at once, and each one's start is CPU-bound. */
export function waitFor(url: string, timeoutMs = 180_000): Promise<void> {
  return until(
    `an answer from ${url}`,
    () =>
      fetch(url).then(
        (r) => r.ok,
        () => false,
      ),
    timeoutMs,
    200,
  );
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

/**
 * One autocannon run; `next(i)` gives the i-th request (path, and body for a write). A figure made
 * of refusals (429 from a rate limit the client was not lifted from, 503, …) measures nothing, so
 * any non-2xx answer or connection error fails the bench here, with the status codes seen.
 */
export type NextRequest = (i: number) => { method?: 'GET' | 'PUT' | 'POST'; path: string; body?: string };

/** autocannon's request list for `next`: the i-th request it sends is next(i). */
export function sequentialRequests(next: NextRequest): autocannon.Request[] {
  let i = 0;
  return [
    {
      setupRequest: (request: autocannon.Request) => {
        const { method = 'GET', path: p, body } = next(i++);
        request.method = method;
        request.path = p;
        if (body !== undefined) request.body = body;
        return request;
      },
    },
  ];
}

/** A new dossier per request (`<prefix>-<i>`), its first status (received), spread over `communes`. */
export function newDossierStatuses(prefix: string, communes: readonly string[]): NextRequest {
  return (i) => ({
    method: 'PUT',
    path: `/v1/dossiers/${prefix}-${i}/status`,
    body: JSON.stringify({
      procedureCode: '1.004222',
      communeCode: communes[i % communes.length],
      status: 2,
      subjectType: 'citizen',
      receivedAt: '2026-11-23T09:15:00+07:00',
      sequence: 1,
    }),
  });
}

export async function load(url: string, headers: Record<string, string>, next: NextRequest, durationS: number, connections = CONNECTIONS): Promise<LoadResult> {
  const result = await autocannon({ url, connections, duration: durationS, headers, requests: sequentialRequests(next) });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    const codes = Object.entries(result.statusCodeStats ?? {})
      .map(([code, { count }]) => `${code}: ${count}`)
      .join(', ');
    throw new Error(
      `load against ${url} had ${result.non2xx} non-2xx answers, ${result.errors} errors and ${result.timeouts} timeouts (status codes ${codes}): the figure would measure refusals, not the work`,
    );
  }
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/**
 * The same load generator spread over several processes: CONNECTIONS split evenly, one autocannon
 * per target, all at once; requests/s and counts summed, p50/p99 the worst of the targets (the
 * instances' histograms are not merged). Given one target n times, it is the same generator
 * against one process, for a like-for-like scale-out ratio.
 */
export async function loadSpread(
  urls: string[],
  headers: Record<string, string>,
  next: (i: number) => { method?: 'GET' | 'PUT' | 'POST'; path: string; body?: string },
  durationS: number,
): Promise<LoadResult & { perTarget: LoadResult[] }> {
  const each = Math.floor(CONNECTIONS / urls.length);
  const perTarget = await Promise.all(urls.map((url) => load(url, headers, next, durationS, each)));
  const sum = (f: (r: LoadResult) => number) => perTarget.reduce((t, r) => t + f(r), 0);
  return {
    requestsPerSecond: sum((r) => r.requestsPerSecond),
    p50Ms: Math.max(...perTarget.map((r) => r.p50Ms)),
    p99Ms: Math.max(...perTarget.map((r) => r.p99Ms)),
    requests: sum((r) => r.requests),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    perTarget,
  };
}

let clockTicks: number | undefined;

/** CPU time (user + system) a process has used so far, in µs, from /proc/<pid>/stat (Linux). */
export function cpuMicros(pid: number): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  // Fields after the command name (which is in parentheses and may hold spaces): utime and
  // stime are fields 14 and 15 of the line, 12 and 13 after the ')'.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
}

/**
 * Runs a measured load and adds the CPU the process `pid` used over that window, per request
 * answered (µs). /proc counts in clock ticks (10 ms at the usual 100 Hz): over a measured run of
 * thousands of requests that is well under 1 %.
 */
export async function withCpu<R extends LoadResult>(pid: number | undefined, run: () => Promise<R>): Promise<R & { cpuUsPerRequest: number }> {
  if (pid === undefined) throw new Error('no pid for the CPU measurement');
  const before = cpuMicros(pid);
  const result = await run();
  const used = cpuMicros(pid) - before;
  return { ...result, cpuUsPerRequest: Math.round(used / Math.max(1, result.requests)) };
}

/**
 * The clock of V8 CPU profiles (CLOCK_MONOTONIC in µs, the same in every process of the machine):
 * a phase recorded with it can be cut out of a profile (profile-stages.ts --from-us/--to-us).
 */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** One line of the summary `npm run bench` prints at the end (run-all.ts). */
export interface SummaryRow {
  figure: string;
  value: string;
  baseline: string;
  target: string;
  /** undefined: no target for this figure. */
  met?: boolean;
}

export function summaryTable(rows: SummaryRow[]): string[] {
  return [
    '| figure | value | baseline (same run) | target | |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.baseline} | ${r.target} | ${r.met === undefined ? '' : r.met ? 'met' : 'MISSED'} |`),
  ];
}

/** Requests answered 2xx (for a write: accepted). */
export const answered2xx = (r: LoadResult) => r.requests - r.non2xx - r.errors;

export const machine = () => ({ cpus: cpus().length, node: process.version });

/** Prints the table and the JSON, and keeps the JSON in .data/bench/<name>-<time>.json. */
export function report(name: string, table: string[], results: object, startedAt: number, log: (message: string) => void): void {
  process.stdout.write(['', ...table, ''].join('\n') + '\n');
  const out = path.join(repoRoot, '.data', 'bench');
  mkdirSync(out, { recursive: true });
  const file = path.join(out, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  process.stdout.write(JSON.stringify(results) + '\n');
  log(`results written to ${file} (${Math.round((Date.now() - startedAt) / 1000)} s)`);
}

async function cleanup(): Promise<void> {
  stopping = true;
  // Waits for the children to exit (a profile is written on exit), at most 10 s each.
  await Promise.all(children.splice(0).map(stopChild));
  for (const fn of stops.splice(0).reverse()) await fn().catch(() => undefined);
}

/** Runs a bench, always stopping what it started (also on SIGINT / SIGTERM); exit code 1 on failure. */
export function runBench(main: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping what the bench started\n`);
      void cleanup().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  main()
    .then(cleanup, async (error: unknown) => {
      process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
      await cleanup();
      process.exit(1);
    })
    .then(() => process.exit(0));
}
