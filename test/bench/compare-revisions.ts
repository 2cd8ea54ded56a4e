/**
 * `npm run bench:compare [-- <base revision>]`: is the current checkout slower than a base
 * revision? Measured in one run on this machine, on the embedded profile (as `npm start` runs the
 * gateway: no Redis, no Kafka, both roles in one process), with the same load generator and
 * settings for both:
 *
 *  - cached lookups: 200 person records warmed into the cache, then 50 connections cycling through
 *    them (`?fields=fullName,dateOfBirth,sex,permanentAddress`), as lookup.bench's embedded phase;
 *  - dossier intake: `PUT /v1/dossiers/{id}/status` (202 after the durable append to the embedded
 *    sync log; the worker in the same process delivers to the simulated portal meanwhile), every
 *    request a new dossier, as dossier-sync.bench's intake.
 *
 * The base revision (argument, or BENCH_COMPARE_BASE; default 4370962^, the parent of the first
 * commit of the issue 14 refactor) is taken with `git archive <rev> | tar -x` into a temporary
 * directory (the checkout and the repository's state are not touched), given node_modules (a
 * symlink to this checkout's when the lockfiles are identical, else `npm ci --prefer-offline`) and
 * built there. The current side is this checkout's working tree as `npm run build` left it in
 * dist/, uncommitted changes included.
 *
 * Rounds alternate, base then current (A B A B …, BENCH_COMPARE_ROUNDS, at least 2), each on a
 * freshly started gateway with a fresh data directory: start, warm the cache, 2 s of lookup load,
 * BENCH_DURATION_S (default 10 s) measured, 2 s of intake load, BENCH_DURATION_S measured, stop.
 * A gateway is stopped before the other starts, so neither's background work (the portal delivery
 * of the statuses just accepted, projections) runs during the other's measurement.
 *
 * One registry simulator, the current checkout's, serves both gateways (BENCH_COMPARE_SIM=own:
 * each revision its own, both running throughout). Every response of every load run is counted by
 * status code; anything but 200 (lookups) or 202 (intake), a connection error or a timeout makes
 * the run end with exit code 1 after the table, which shows the counts. Latency percentiles are
 * computed from every response time autocannon reports (sub-millisecond, pooled over the rounds of
 * a revision); requests/s is autocannon's per-second average, the mean over the rounds.
 *
 * Prints the table and writes .data/bench/compare-revisions-<time>.json. The temporary directory
 * is removed at the end (also on failure or Ctrl-C) unless BENCH_COMPARE_BASE_DIR names a
 * directory to prepare the base in and keep (reused when it already holds that revision's build).
 * Not a test.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import {
  benchLog,
  CONNECTIONS,
  DURATION_S,
  freePort,
  freePortRange,
  machine,
  onCleanup,
  report,
  repoRoot,
  runBench,
  start,
  stop,
  waitFor,
  newDossierStatuses,
  sequentialRequests,
  type NextRequest,
} from './bench-support.js';

const log = benchLog('compare');
const DEFAULT_BASE = '4370962^';
const ROUNDS = Number(process.env.BENCH_COMPARE_ROUNDS ?? 2);
const WARM_UP_S = 2;
/** Person records warmed into the cache and cycled through (as lookup.bench). */
const CACHED = 200;
/** The rate limit is lifted for the load client (sub "bench"): every request still pays the check. */
const RATE_LIMIT_OVERRIDES = 'bench=1000000:10000000';
const BASE_MARKER = '.bench-compare-base';

type Key = 'base' | 'current';
type Phase = 'lookups' | 'intake';

interface Sim {
  url: string;
  grpcBasePort: number;
}

interface Revision {
  key: Key;
  /** e.g. "6b1435e (4370962^)" or "3516b80 + uncommitted changes". */
  label: string;
  sha: string;
  /** The tree whose dist/ runs: the temporary base tree, or this checkout. */
  root: string;
  sim: Sim;
}

interface Measured {
  requestsPerSecond: number;
  responses: number;
  /** Responses by status code. */
  statusCodes: Record<string, number>;
  /** Responses with another status than the expected one (200 or 202). */
  unexpected: number;
  errors: number;
  timeouts: number;
  p50Ms: number;
  p99Ms: number;
  durationS: number;
}

interface Round {
  round: number;
  revision: Key;
  startedInMs: number;
  lookupAnswerBytes: number;
  lookupWarmUp: Measured;
  lookups: Measured;
  intakeWarmUp: Measured;
  intake: Measured;
  /** Response times (ms) of the measured runs, pooled per revision for the percentiles; not in the JSON. */
  times: Record<Phase, Float64Array>;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const thousands = (x: number) => Math.round(x).toLocaleString('en-US');
const started = Date.now();
const progress = (message: string) => log(`[${Math.round((Date.now() - started) / 1000)} s] ${message}`);

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
}

/** Runs a command to its end with its output shown; fails on a non-zero exit. */
function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? code}) in ${cwd}`))));
  });
}

/** `git archive <sha> | tar -x -C <dir>`: the revision's files, without touching the repository. */
function extract(sha: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', sha], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
    const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'inherit', 'inherit'] });
    archive.stdout.pipe(tar.stdin);
    let pending = 2;
    const done = (what: string) => (code: number | null) => {
      if (code !== 0) return reject(new Error(`${what} failed (exit code ${code})`));
      if (--pending === 0) resolve();
    };
    archive.once('error', reject).once('exit', done('git archive'));
    tar.once('error', reject).once('exit', done('tar -x'));
  });
}

/**
 * The base revision extracted into `dir`, with node_modules and built. Returns what was done, for
 * the report. A directory already holding this revision's build (the marker file) is reused.
 */
async function prepareBase(sha: string, dir: string): Promise<string[]> {
  const marker = path.join(dir, BASE_MARKER);
  if (existsSync(marker) && readFileSync(marker, 'utf8').trim() === sha) {
    progress(`base: reusing the build of ${sha.slice(0, 7)} in ${dir}`);
    return [`reused the build in ${dir}`];
  }
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new Error(`${dir} is not empty and holds no build of ${sha.slice(0, 7)}: give an empty or new directory`);
  mkdirSync(dir, { recursive: true });
  const steps: string[] = [];
  progress(`base: git archive ${sha.slice(0, 7)} | tar -x -C ${dir}`);
  await extract(sha, dir);
  steps.push('git archive | tar -x');
  const sameLockfile = readFileSync(path.join(dir, 'package-lock.json')).equals(readFileSync(path.join(repoRoot, 'package-lock.json')));
  if (sameLockfile) {
    progress("base: package-lock.json identical to this checkout's: node_modules symlinked");
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    steps.push('node_modules symlinked (identical lockfile)');
  } else {
    progress("base: package-lock.json differs from this checkout's: npm ci --prefer-offline");
    await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], dir);
    steps.push('npm ci --prefer-offline (lockfile differs)');
  }
  // The base's own build script, unless it names a file the revision does not hold (at 4370962^ the
  // script already ran build:ops-page, whose tsconfig.ops-page.json came with 4370962; the ops page
  // of that revision is compiled into the gateway, so its first two steps are the whole build).
  const scripts = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  const buildScript = scripts.build ?? '';
  // The tsconfig files the build and the build:* scripts it runs name.
  const buildScripts = Object.entries(scripts)
    .filter(([name]) => name === 'build' || name.startsWith('build:'))
    .map(([, script]) => script)
    .join(' ');
  const named = [...buildScripts.matchAll(/-p (\S+\.json)/g)].map((m) => m[1]);
  const missing = named.filter((file) => !existsSync(path.join(dir, file)));
  if (missing.length === 0) {
    progress(`base: npm run build (${buildScript})`);
    await run('npm', ['run', '-s', 'build'], dir);
    steps.push('npm run build');
  } else {
    progress(
      `base: its build script names ${missing.join(', ')}, which the revision does not hold: tsc -p tsconfig.build.json && tsc-alias -p tsconfig.build.json`,
    );
    const bin = (name: string) => path.join(dir, 'node_modules', '.bin', name);
    await run(bin('tsc'), ['-p', 'tsconfig.build.json'], dir);
    await run(bin('tsc-alias'), ['-p', 'tsconfig.build.json'], dir);
    steps.push(`tsc -p tsconfig.build.json && tsc-alias -p tsconfig.build.json (its build script names ${missing.join(', ')}, absent at that revision)`);
  }
  writeFileSync(marker, `${sha}\n`);
  return steps;
}

/** Newest modification time under the current checkout's dist/apps and dist/libs (a rebuild during the run shows). */
function distStamp(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.js')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['apps', 'libs']) walk(path.join(repoRoot, 'dist', d));
  return newest;
}

async function startSim(name: string, root: string, dataDir: string): Promise<Sim> {
  const port = await freePort();
  // Registries at +0…+4 (and +6 in later revisions), the portal at +5.
  const grpcBasePort = await freePortRange(7);
  start(
    name,
    path.join(root, 'dist/apps/registry-sim/src/main.js'),
    { MOTLAN_DATA_DIR: dataDir, LOG_LEVEL: 'warn', SIM_PORT: String(port), SIM_GRPC_BASE_PORT: String(grpcBasePort) },
    root,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/sim/health`);
  return { url, grpcBasePort };
}

interface TokenIssuer {
  ensureKeys(): Promise<unknown>;
  issue(request: { sub: string; scope: string; ttlSec?: number }): Promise<string>;
}

/** A revision's own compiled module (its token issuers, its commune directory). */
const importFrom = <T>(root: string, file: string): Promise<T> => import(pathToFileURL(path.join(root, 'dist', file)).href) as Promise<T>;

/** As the revision's launcher: its development issuers' keys in the data directory before the gateway starts. */
async function tokensFor(rev: Revision, dataDir: string): Promise<{ lookup: string; write: string }> {
  const { DevTokenIssuer } = await importFrom<{ DevTokenIssuer: new (o: { dataDir: string }) => TokenIssuer }>(rev.root, 'libs/auth/dev-token-issuer.js');
  const { DevCitizenTokenIssuer } = await importFrom<{ DevCitizenTokenIssuer: new (o: { dataDir: string }) => { ensureKeys(): Promise<unknown> } }>(
    rev.root,
    'libs/auth/citizen-token.js',
  );
  const issuer = new DevTokenIssuer({ dataDir });
  await issuer.ensureKeys();
  await new DevCitizenTokenIssuer({ dataDir }).ensureKeys();
  return {
    lookup: await issuer.issue({ sub: 'bench', scope: 'population:read residence:read', ttlSec: 3600 }),
    write: await issuer.issue({ sub: 'bench', scope: 'dossiers:write', ttlSec: 3600 }),
  };
}

/** Commune codes both revisions know: every 33rd of the common ones, 100 (as dossier-sync.bench). */
async function communesOfBoth(revisions: Revision[]): Promise<string[]> {
  const sets = await Promise.all(
    revisions.map(async (rev) => {
      const { VnAdminDirectory } = await importFrom<{ VnAdminDirectory: { load(): { communes(): readonly { code: string }[] } } }>(
        rev.root,
        'libs/vn-admin/vn-admin-directory.js',
      );
      return VnAdminDirectory.load()
        .communes()
        .map((c) => c.code);
    }),
  );
  const common = sets[0].filter((code) => sets.every((codes) => codes.includes(code)));
  return common.filter((_, i) => i % 33 === 0).slice(0, 100);
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * One autocannon run (the settings of every bench: 50 connections, one request at a time each),
 * counting every response by status code and keeping every response time.
 */
async function measure(
  url: string,
  headers: Record<string, string>,
  next: NextRequest,
  durationS: number,
  expected: number,
): Promise<{ result: Measured; times: Float64Array }> {
  const times: number[] = [];
  // Without a callback autocannon returns its tracker (an EventEmitter) made thenable; its types say only Promise.
  const instance = autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    headers,
    requests: sequentialRequests(next),
  }) as Promise<autocannon.Result> & NodeJS.EventEmitter;
  instance.on('response', (_client: unknown, _statusCode: number, _bytes: number, responseTime: number) => {
    times.push(responseTime);
  });
  const result = await instance;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count = 0 }]) => [code, count]));
  const responses = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  const sorted = Float64Array.from(times).sort();
  return {
    result: {
      requestsPerSecond: Math.round(result.requests.average),
      responses,
      statusCodes,
      unexpected: responses - (statusCodes[String(expected)] ?? 0),
      errors: result.errors,
      timeouts: result.timeouts,
      p50Ms: round2(percentile(sorted, 0.5)),
      p99Ms: round2(percentile(sorted, 0.99)),
      durationS: result.duration,
    },
    times: sorted,
  };
}

const oneLine = (m: Measured) =>
  `${thousands(m.requestsPerSecond)} req/s, p50 ${m.p50Ms} ms, p99 ${m.p99Ms} ms, ${thousands(m.responses)} responses (${Object.entries(m.statusCodes)
    .map(([code, n]) => `${code}: ${n}`)
    .join(', ')}), ${m.errors} errors, ${m.timeouts} timeouts`;

/** One round of one revision: a fresh gateway on a fresh data directory, lookups then intake, stopped. */
async function measureRound(rev: Revision, round: number, tempRoot: string, samples: Record<Key, string[]>, communes: string[], runId: string): Promise<Round> {
  const dataDir = mkdtempSync(path.join(tempRoot, `data-${rev.key}-${round}-`));
  const tokens = await tokensFor(rev, dataDir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  progress(`round ${round}/${ROUNDS}, ${rev.key} ${rev.label}: starting its gateway (embedded profile) on ${url}`);
  const startAt = Date.now();
  // The environment of the revision's launcher (npm start) on the embedded profile: no Redis, no
  // Kafka, default roles (unset even if this shell has them), and the load client's rate limit lifted.
  const gateway: ChildProcess = start(
    `gateway-${rev.key}`,
    path.join(rev.root, 'dist/apps/gateway/src/main.js'),
    {
      MOTLAN_DATA_DIR: dataDir,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      PORT: String(port),
      SIM_PORT: new URL(rev.sim.url).port,
      SIM_GRPC_BASE_PORT: String(rev.sim.grpcBasePort),
      MOTLAN_RATE_LIMIT_OVERRIDES: RATE_LIMIT_OVERRIDES,
      REDIS_URL: undefined,
      REDIS_SENTINELS: undefined,
      KAFKA_BROKERS: undefined,
      MOTLAN_ROLES: undefined,
    },
    rev.root,
  );
  try {
    await waitFor(`${url}/health/live`);
    const startedInMs = Date.now() - startAt;

    const lookupHeaders = { authorization: `Bearer ${tokens.lookup}`, 'x-purpose': '1.004222', 'x-officer-id': 'officer-bench' };
    const paths = samples[rev.key].map((id) => `/v1/registries/population/person/${id}?fields=fullName,dateOfBirth,sex,permanentAddress`);
    let answer = '';
    for (const p of paths) {
      const response = await fetch(url + p, { headers: lookupHeaders });
      answer = await response.text();
      if (response.status !== 200) throw new Error(`warm-up lookup at ${rev.key} answered ${response.status}: ${answer}`);
    }
    // Read again: the load must be of cached records only.
    for (const p of paths) {
      const body = (await (await fetch(url + p, { headers: lookupHeaders })).json()) as { meta?: { cache?: string } };
      if (body.meta?.cache !== 'HIT') throw new Error(`a warmed record at ${rev.key} was not a cache HIT (${body.meta?.cache}): ${p}`);
    }
    const get: NextRequest = (i) => ({ path: paths[i % paths.length] });
    progress(`round ${round}/${ROUNDS}, ${rev.key}: cached lookups, ${WARM_UP_S} s warm-up, ${DURATION_S} s measured`);
    const lookupWarmUp = (await measure(url, lookupHeaders, get, WARM_UP_S, 200)).result;
    const lookups = await measure(url, lookupHeaders, get, DURATION_S, 200);
    progress(`  lookups: ${oneLine(lookups.result)}`);

    const writeHeaders = { authorization: `Bearer ${tokens.write}`, 'content-type': 'application/json' };
    // Every request a new dossier (sequence 1), ids unique over the whole run (one simulator).
    const statuses = (prefix: string) => newDossierStatuses(prefix, communes);
    progress(`round ${round}/${ROUNDS}, ${rev.key}: dossier intake, ${WARM_UP_S} s warm-up, ${DURATION_S} s measured`);
    const intakeWarmUp = (await measure(url, writeHeaders, statuses(`CMP-${runId}-${rev.key[0]}${round}w`), WARM_UP_S, 202)).result;
    const intake = await measure(url, writeHeaders, statuses(`CMP-${runId}-${rev.key[0]}${round}m`), DURATION_S, 202);
    progress(`  intake: ${oneLine(intake.result)}`);
    return {
      round,
      revision: rev.key,
      startedInMs,
      lookupAnswerBytes: Buffer.byteLength(answer),
      lookupWarmUp,
      lookups: lookups.result,
      intakeWarmUp,
      intake: intake.result,
      times: { lookups: lookups.times, intake: intake.times },
    };
  } finally {
    await stop(gateway);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface Aggregate {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  responses: number;
  unexpected: number;
  errors: number;
  timeouts: number;
  perRoundRequestsPerSecond: number[];
}

function aggregate(rounds: Round[], phase: Phase): Aggregate {
  const runs = rounds.map((r) => r[phase]);
  const pooled = Float64Array.from(rounds.flatMap((r) => Array.from(r.times[phase]))).sort();
  const sum = (f: (m: Measured) => number) => runs.reduce((t, m) => t + f(m), 0);
  return {
    requestsPerSecond: Math.round(sum((m) => m.requestsPerSecond) / runs.length),
    p50Ms: round2(percentile(pooled, 0.5)),
    p99Ms: round2(percentile(pooled, 0.99)),
    responses: sum((m) => m.responses),
    unexpected: sum((m) => m.unexpected),
    errors: sum((m) => m.errors),
    timeouts: sum((m) => m.timeouts),
    perRoundRequestsPerSecond: runs.map((m) => m.requestsPerSecond),
  };
}

/** (max − min) / mean of a revision's per-round requests/s, in %. */
const spread = (values: number[]) => round1(((Math.max(...values) - Math.min(...values)) / (values.reduce((a, b) => a + b, 0) / values.length)) * 100);

async function main(): Promise<void> {
  if (!Number.isInteger(ROUNDS) || ROUNDS < 2)
    throw new Error(`BENCH_COMPARE_ROUNDS must be an integer of at least 2, got ${process.env.BENCH_COMPARE_ROUNDS}`);
  const simMode = process.env.BENCH_COMPARE_SIM ?? 'current';
  if (simMode !== 'current' && simMode !== 'own') throw new Error(`BENCH_COMPARE_SIM must be "current" or "own", got ${simMode}`);
  const loadBefore = loadavg();
  progress(`load average before the run: ${loadBefore.map(round2).join(' ')} (${machine().cpus} CPUs)`);

  const baseArg = process.argv[2] ?? process.env.BENCH_COMPARE_BASE ?? DEFAULT_BASE;
  let baseSha: string;
  try {
    baseSha = git(['rev-parse', '--verify', '--quiet', `${baseArg}^{commit}`]);
  } catch {
    throw new Error(`${baseArg} is not a revision of this repository`);
  }
  const headSha = git(['rev-parse', 'HEAD']);
  // --no-optional-locks: reading the status must not refresh (write) the index.
  const changed = git(['--no-optional-locks', 'status', '--porcelain']).split('\n').filter(Boolean).length;

  const tempRoot = mkdtempSync(path.join(tmpdir(), 'motlan-bench-compare-'));
  onCleanup(() => rmSync(tempRoot, { recursive: true, force: true }));
  const baseDir = process.env.BENCH_COMPARE_BASE_DIR ? path.resolve(process.env.BENCH_COMPARE_BASE_DIR) : path.join(tempRoot, 'base');
  const baseSteps = await prepareBase(baseSha, baseDir);
  const stampBefore = distStamp();

  progress(`starting the registry simulator${simMode === 'own' ? 's (each revision its own)' : " (the current checkout's, for both)"}`);
  const currentSim = await startSim('registry-sim', repoRoot, mkdtempSync(path.join(tempRoot, 'sim-')));
  const baseSim = simMode === 'own' ? await startSim('registry-sim-base', baseDir, mkdtempSync(path.join(tempRoot, 'sim-base-'))) : currentSim;
  const base: Revision = {
    key: 'base',
    label: `${baseSha.slice(0, 7)}${baseArg !== baseSha && !baseSha.startsWith(baseArg) ? ` (${baseArg})` : ''}`,
    sha: baseSha,
    root: baseDir,
    sim: baseSim,
  };
  const current: Revision = {
    key: 'current',
    label: `${headSha.slice(0, 7)}${changed > 0 ? ` + uncommitted changes (${changed} files)` : ''}`,
    sha: headSha,
    root: repoRoot,
    sim: currentSim,
  };

  const sampleIds = async (sim: Sim) =>
    ((await (await fetch(`${sim.url}/sim/samples?registry=population&dataset=person&n=${CACHED}`)).json()) as { samples: string[] }).samples;
  const currentSamples = await sampleIds(currentSim);
  const samples: Record<Key, string[]> = { current: currentSamples, base: simMode === 'own' ? await sampleIds(baseSim) : currentSamples };
  const communes = await communesOfBoth([base, current]);
  if (communes.length < 100) throw new Error(`only ${communes.length} commune codes common to both revisions`);
  const runId = started.toString(36);

  const rounds: Round[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const rev of [base, current]) rounds.push(await measureRound(rev, round, tempRoot, samples, communes, runId));
  }
  const loadAfter = loadavg();
  const distRebuilt = distStamp() !== stampBefore;

  const of = (key: Key) => rounds.filter((r) => r.revision === key);
  const figures = {
    base: { lookups: aggregate(of('base'), 'lookups'), intake: aggregate(of('base'), 'intake') },
    current: { lookups: aggregate(of('current'), 'lookups'), intake: aggregate(of('current'), 'intake') },
  };
  const ratio = (phase: Phase, f: 'requestsPerSecond' | 'p50Ms' | 'p99Ms') => round3(figures.current[phase][f] / figures.base[phase][f]);
  const bad = (key: Key) => {
    const r = of(key);
    const all = r.flatMap((x) => [x.lookupWarmUp, x.lookups, x.intakeWarmUp, x.intake]);
    return {
      unexpected: all.reduce((t, m) => t + m.unexpected, 0),
      errors: all.reduce((t, m) => t + m.errors, 0),
      timeouts: all.reduce((t, m) => t + m.timeouts, 0),
    };
  };
  const invalid = (['base', 'current'] as const).some((key) => {
    const b = bad(key);
    return b.unexpected + b.errors + b.timeouts > 0;
  });

  const row = (figure: string, phase: Phase, f: 'requestsPerSecond' | 'p50Ms' | 'p99Ms', unit: string) => {
    const show = (x: number) => (unit === 'req/s' ? thousands(x) : String(x));
    return `| ${figure} | ${show(figures.base[phase][f])} ${unit} | ${show(figures.current[phase][f])} ${unit} | ${ratio(phase, f).toFixed(2)}x |`;
  };
  const counts = (key: Key, phase: Phase) => {
    const a = figures[key][phase];
    return `${a.unexpected} / ${a.errors} / ${a.timeouts} of ${thousands(a.responses)}`;
  };
  const table = [
    `Base ${base.label} against current ${current.label}, embedded profile, ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION_S} s each per revision and figure (A B A B …), one simulator ${simMode === 'own' ? 'per revision' : "(the current checkout's) for both"}.`,
    `Load average before / after: ${loadBefore.map(round2).join(' ')} / ${loadAfter.map(round2).join(' ')} (${machine().cpus} CPUs).`,
    '',
    `| figure | base ${base.sha.slice(0, 7)} | current ${current.sha.slice(0, 7)}${changed > 0 ? '+' : ''} | current / base |`,
    '| --- | --- | --- | --- |',
    row('cached lookup: throughput', 'lookups', 'requestsPerSecond', 'req/s'),
    row('cached lookup: p50', 'lookups', 'p50Ms', 'ms'),
    row('cached lookup: p99', 'lookups', 'p99Ms', 'ms'),
    row('dossier intake: throughput', 'intake', 'requestsPerSecond', 'req/s'),
    row('dossier intake: p50', 'intake', 'p50Ms', 'ms'),
    row('dossier intake: p99', 'intake', 'p99Ms', 'ms'),
    `| lookups: not 200 / errors / timeouts | ${counts('base', 'lookups')} | ${counts('current', 'lookups')} | |`,
    `| intake: not 202 / errors / timeouts | ${counts('base', 'intake')} | ${counts('current', 'intake')} | |`,
    '',
    '| round | revision | lookups req/s | p50 / p99 ms | intake req/s | p50 / p99 ms | gateway ready in |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rounds.map(
      (r) =>
        `| ${r.round} | ${r.revision} | ${thousands(r.lookups.requestsPerSecond)} | ${r.lookups.p50Ms} / ${r.lookups.p99Ms} | ${thousands(r.intake.requestsPerSecond)} | ${r.intake.p50Ms} / ${r.intake.p99Ms} | ${round1(r.startedInMs / 1000)} s |`,
    ),
    '',
    `Round-to-round spread of req/s within a revision (max − min over the mean): lookups base ${spread(figures.base.lookups.perRoundRequestsPerSecond)} %, current ${spread(figures.current.lookups.perRoundRequestsPerSecond)} %; intake base ${spread(figures.base.intake.perRoundRequestsPerSecond)} %, current ${spread(figures.current.intake.perRoundRequestsPerSecond)} %.`,
    `Lookup answer: base ${of('base')[0].lookupAnswerBytes} bytes, current ${of('current')[0].lookupAnswerBytes} bytes (the last of the warm-up lookups).`,
    ...(distRebuilt
      ? ["WARNING: the current checkout's dist/ changed during the run (a build by someone else?): later current rounds may run another build."]
      : []),
    ...(invalid
      ? ['INVALID: some responses were not 200/202, or failed (the counts above, warm-ups included in the JSON): these figures measure refusals too.']
      : ['Every response of every load run (warm-ups included) was 200 (lookups) or 202 (intake).']),
  ];
  const results = {
    machine: machine(),
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadAfter,
    base: { revision: baseArg, sha: base.sha, dir: process.env.BENCH_COMPARE_BASE_DIR ? baseDir : '(temporary, removed)', prepared: baseSteps },
    current: { sha: current.sha, uncommittedFiles: changed, distRebuiltDuringRun: distRebuilt },
    simulator: simMode === 'own' ? 'each revision its own' : "the current checkout's, for both",
    settings: {
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      warmUpSeconds: WARM_UP_S,
      rounds: ROUNDS,
      cachedRecords: CACHED,
      rateLimitOverrides: RATE_LIMIT_OVERRIDES,
    },
    figures,
    ratios: {
      lookups: { requestsPerSecond: ratio('lookups', 'requestsPerSecond'), p50: ratio('lookups', 'p50Ms'), p99: ratio('lookups', 'p99Ms') },
      intake: { requestsPerSecond: ratio('intake', 'requestsPerSecond'), p50: ratio('intake', 'p50Ms'), p99: ratio('intake', 'p99Ms') },
    },
    rounds: rounds.map(({ times: _times, ...r }) => r),
    valid: !invalid,
  };
  report('compare-revisions', table, results, started, log);
  if (invalid) throw new Error('some responses of the load runs were not 200/202 or failed (see the table)');
}

runBench(main);
