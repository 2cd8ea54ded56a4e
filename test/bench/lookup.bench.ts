/**
 * `npm run bench`: the lookup path on the production profile (real Redis, real Kafka), measured in
 * one run on this machine against a baseline measured in the same run:
 *
 *  1. cached lookups: the gateway (all cache HITs) against a bare Fastify server returning the same
 *     JSON payload on the same route, 50 connections: requests/s ratio and p99 latency;
 *  2. uncached lookups with 20 ms of registry latency: registry calls per request;
 *  3. 1,000 concurrent misses for one record, through one gateway and through two gateways sharing
 *     Redis: registry calls (target: exactly 1).
 *
 * The gateway, the simulator and the baseline run as separate processes; the load generator
 * (autocannon) runs here. Results are printed as a table and written as JSON.
 * Not a test: the test line never runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');
const dist = path.join(repoRoot, 'dist');
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = 50;
const children: ChildProcess[] = [];
const stops: Array<() => Promise<void>> = [];

interface Services {
  redisUrl: string;
  kafkaBrokers: string;
}

function log(message: string): void {
  process.stdout.write(`bench: ${message}\n`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function services(): Promise<Services> {
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
  const kafka = await kafkaModule.startKafka({ dir: path.join(repoRoot, '.data', 'bench-kafka') });
  stops.push(() => kafka.stop());
  return { redisUrl: redis.url, kafkaBrokers: Array.isArray(kafka.brokers) ? kafka.brokers.join(',') : kafka.brokers };
}

function start(name: string, script: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${name}] ${chunk}`));
  children.push(child);
  return child;
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
}

interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

async function load(url: string, headers: Record<string, string>, paths: string[], durationS: number): Promise<LoadResult> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    headers,
    requests: [
      {
        method: 'GET',
        setupRequest: (request: autocannon.Request) => {
          request.path = paths[next++ % paths.length];
          return request;
        },
      },
    ],
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function simCalls(simUrl: string, registry: string): Promise<number> {
  const body = (await (await fetch(`${simUrl}/sim/registries`)).json()) as { registries: Array<{ name: string; calls: { lookups: number } }> };
  return body.registries.find((r) => r.name === registry)?.calls.lookups ?? NaN;
}

async function main(): Promise<void> {
  const started = Date.now();
  const { redisUrl, kafkaBrokers } = await services();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-bench-'));
  const [simPort, grpcBase, gatewayPort, gateway2Port, barePort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const grpcBasePort = 20000 + (grpcBase % 20000);
  const common = { MOTLAN_DATA_DIR: dataDir, LOG_LEVEL: 'warn', REDIS_URL: redisUrl, KAFKA_BROKERS: kafkaBrokers };

  log('starting the registry simulator, two gateways and the bare Fastify baseline');
  start('registry-sim', path.join(dist, 'apps/registry-sim/src/main.js'), { ...common, SIM_PORT: String(simPort), SIM_GRPC_BASE_PORT: String(grpcBasePort) });
  const simUrl = `http://127.0.0.1:${simPort}`;
  await waitFor(`${simUrl}/sim/health`);
  // The bench client gets a bucket it cannot empty: every request still pays the rate-limit check.
  const gatewayEnv = {
    ...common,
    SIM_GRPC_BASE_PORT: String(grpcBasePort),
    MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-bench-${started}`,
    MOTLAN_RATE_LIMIT_OVERRIDES: 'bench=1000000:10000000',
  };
  start('gateway', path.join(dist, 'apps/gateway/src/main.js'), { ...gatewayEnv, PORT: String(gatewayPort) });
  start('gateway-2', path.join(dist, 'apps/gateway/src/main.js'), { ...gatewayEnv, PORT: String(gateway2Port) });
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  const gateway2 = `http://127.0.0.1:${gateway2Port}`;
  await waitFor(`${gateway}/health/live`);
  await waitFor(`${gateway2}/health/live`);

  const token = await new DevTokenIssuer({ dataDir }).issue({ sub: 'bench', scope: 'population:read residence:read', ttlSec: 3600 });
  const headers = { authorization: `Bearer ${token}`, 'x-purpose': '1.004222', 'x-officer-id': 'officer-bench' };
  const samples = ((await (await fetch(`${simUrl}/sim/samples?registry=population&dataset=person&n=1000`)).json()) as { samples: string[] }).samples;
  const cachedIds = samples.slice(0, 200);
  const cachedPaths = cachedIds.map((id) => `/v1/registries/population/person/${id}?fields=fullName,dateOfBirth,sex,permanentAddress`);

  log(`warming the cache with ${cachedIds.length} records`);
  let payload = '';
  for (const p of cachedPaths) {
    const response = await fetch(gateway + p, { headers });
    if (response.status !== 200) throw new Error(`warm-up lookup answered ${response.status}: ${await response.text()}`);
    payload = await response.text();
  }
  start('bare-fastify', path.join(dist, 'test/bench/bare-fastify.server.js'), { PORT: String(barePort), BENCH_PAYLOAD: payload });
  const bare = `http://127.0.0.1:${barePort}`;
  await waitFor(`${bare}${cachedPaths[0]}`);

  log(`cached lookups: ${CONNECTIONS} connections, ${DURATION_S}s each (a 2 s warm-up first)`);
  await load(bare, headers, cachedPaths, 2);
  const baseline = await load(bare, headers, cachedPaths, DURATION_S);
  await load(gateway, headers, cachedPaths, 2);
  const cached = await load(gateway, headers, cachedPaths, DURATION_S);

  log('uncached lookups with 20 ms registry latency');
  await fetch(`${simUrl}/sim/registries/residence/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 20 }) });
  // The last two ids are kept for the coalescing bursts: they must not be cached before them.
  const uncachedIds = samples.slice(200, samples.length - 2);
  const uncachedPaths = uncachedIds.map((id) => `/v1/registries/residence/household/${id}`);
  const callsBefore = await simCalls(simUrl, 'residence');
  // Each path once, 50 at a time: every request is a miss for a record no one asked for before.
  let index = 0;
  const uncachedStarted = Date.now();
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (index < uncachedPaths.length) {
        const response = await fetch(gateway + uncachedPaths[index++], { headers });
        statuses.push(response.status);
        await response.arrayBuffer();
      }
    }),
  );
  const uncachedSeconds = (Date.now() - uncachedStarted) / 1000;
  const uncachedCalls = (await simCalls(simUrl, 'residence')) - callsBefore;

  log('1,000 concurrent misses for one record');
  const [one, two] = samples.slice(-2);
  const burst = async (targets: string[], id: string) => {
    const before = await simCalls(simUrl, 'residence');
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        fetch(`${targets[i % targets.length]}/v1/registries/residence/household/${id}`, { headers }).then(async (r) => {
          await r.arrayBuffer();
          return r.status;
        }),
      ),
    );
    return { calls: (await simCalls(simUrl, 'residence')) - before, ok: results.filter((s) => s === 200).length };
  };
  const oneInstance = await burst([gateway], one);
  const twoInstances = await burst([gateway, gateway2], two);

  const ratio = cached.requestsPerSecond / baseline.requestsPerSecond;
  const results = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    cachedLookups: {
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      bareFastify: baseline,
      gateway: cached,
      ratio: Math.round(ratio * 1000) / 1000,
      target: 'ratio >= 0.5 and gateway p99 < 15 ms',
      met: ratio >= 0.5 && cached.p99Ms < 15,
    },
    uncachedLookups: {
      registryLatencyMs: 20,
      requests: statuses.length,
      answered200: statuses.filter((s) => s === 200).length,
      registryCalls: uncachedCalls,
      registryCallsPerRequest: Math.round((uncachedCalls / statuses.length) * 1000) / 1000,
      requestsPerSecond: Math.round(statuses.length / uncachedSeconds),
    },
    coalescing: {
      oneInstance: { concurrentRequests: 1000, answered200: oneInstance.ok, registryCalls: oneInstance.calls },
      twoInstances: { concurrentRequests: 1000, answered200: twoInstances.ok, registryCalls: twoInstances.calls },
      target: 'exactly 1 registry call',
      met: oneInstance.calls === 1 && twoInstances.calls === 1,
    },
  };

  const table = [
    '',
    '| measure | bare Fastify | gateway (cached) | ratio / figure | target |',
    '| --- | --- | --- | --- | --- |',
    `| requests/s (${CONNECTIONS} conn.) | ${baseline.requestsPerSecond} | ${cached.requestsPerSecond} | ${results.cachedLookups.ratio} | >= 0.5 |`,
    `| p50 latency ms | ${baseline.p50Ms} | ${cached.p50Ms} | | |`,
    `| p99 latency ms | ${baseline.p99Ms} | ${cached.p99Ms} | | < 15 |`,
    `| non-2xx / errors | ${baseline.non2xx} / ${baseline.errors} | ${cached.non2xx} / ${cached.errors} | | 0 |`,
    `| uncached, 20 ms registry: registry calls per request | | | ${results.uncachedLookups.registryCallsPerRequest} (${uncachedCalls} calls / ${statuses.length} requests) | <= 1 |`,
    `| 1,000 concurrent misses, one instance: registry calls | | | ${oneInstance.calls} (${oneInstance.ok} answered 200) | 1 |`,
    `| 1,000 concurrent misses, two instances: registry calls | | | ${twoInstances.calls} (${twoInstances.ok} answered 200) | 1 |`,
    '',
  ].join('\n');
  process.stdout.write(table + '\n');
  const out = path.join(repoRoot, '.data', 'bench');
  mkdirSync(out, { recursive: true });
  const file = path.join(out, `lookup-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  process.stdout.write(JSON.stringify(results) + '\n');
  log(`results written to ${file} (${Math.round((Date.now() - started) / 1000)} s)`);
}

async function cleanup(): Promise<void> {
  for (const child of children) child.kill('SIGTERM');
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
}

main()
  .then(cleanup, async (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    await cleanup();
    process.exit(1);
  })
  .then(() => process.exit(0));
