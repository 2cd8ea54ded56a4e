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
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { benchLog, CONNECTIONS, dist, DURATION_S, freePort, load, machine, report, runBench, services, start, waitFor } from './bench-support.js';

const log = benchLog('lookup');
const get = (paths: string[]) => (i: number) => ({ path: paths[i % paths.length] });

async function simCalls(simUrl: string, registry: string): Promise<number> {
  const body = (await (await fetch(`${simUrl}/sim/registries`)).json()) as { registries: Array<{ name: string; calls: { lookups: number } }> };
  return body.registries.find((r) => r.name === registry)?.calls.lookups ?? NaN;
}

async function main(): Promise<void> {
  const started = Date.now();
  const { redisUrl, kafkaBrokers } = await services(log);
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
  await load(bare, headers, get(cachedPaths), 2);
  const baseline = await load(bare, headers, get(cachedPaths), DURATION_S);
  await load(gateway, headers, get(cachedPaths), 2);
  const cached = await load(gateway, headers, get(cachedPaths), DURATION_S);

  log('uncached lookups with 20 ms registry latency');
  await fetch(`${simUrl}/sim/registries/residence/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ latencyMs: 20 }),
  });
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
    machine: machine(),
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
    '| measure | bare Fastify | gateway (cached) | ratio / figure | target |',
    '| --- | --- | --- | --- | --- |',
    `| requests/s (${CONNECTIONS} conn.) | ${baseline.requestsPerSecond} | ${cached.requestsPerSecond} | ${results.cachedLookups.ratio} | >= 0.5 |`,
    `| p50 latency ms | ${baseline.p50Ms} | ${cached.p50Ms} | | |`,
    `| p99 latency ms | ${baseline.p99Ms} | ${cached.p99Ms} | | < 15 |`,
    `| non-2xx / errors | ${baseline.non2xx} / ${baseline.errors} | ${cached.non2xx} / ${cached.errors} | | 0 |`,
    `| uncached, 20 ms registry: registry calls per request | | | ${results.uncachedLookups.registryCallsPerRequest} (${uncachedCalls} calls / ${statuses.length} requests) | <= 1 |`,
    `| 1,000 concurrent misses, one instance: registry calls | | | ${oneInstance.calls} (${oneInstance.ok} answered 200) | 1 |`,
    `| 1,000 concurrent misses, two instances: registry calls | | | ${twoInstances.calls} (${twoInstances.ok} answered 200) | 1 |`,
  ];
  report('lookup-bench', table, results, started, log);
}

runBench(main);
