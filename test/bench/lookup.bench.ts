/**
 * `npm run bench` (first part), `npm run bench:lookup` alone: the lookup path, measured in one run
 * on this machine against a baseline measured in the same run. Two `api`-role gateways and one
 * `worker` on the production profile (real Redis, real Kafka, audit on Kafka with acks=all), and
 * one gateway on the embedded profile as `npm start` runs it (no Redis, no Kafka, roles api,worker):
 *
 *  1. cached lookups, api role, production profile: the gateway (all cache HITs) against a bare
 *     Fastify server returning the same JSON payload on the same route, 50 connections: requests/s
 *     ratio, p50/p99, and the gateway's CPU per request (/proc utime+stime over the measured run);
 *  2. the same on the embedded gateway (its own baseline run just before);
 *  3. prefill of procedure 1.004222 with every record it reads cached: forms/s, against the bare
 *     server answering the same POST with the same JSON;
 *  4. scale-out: the same load generator (two autocannon instances of 25 connections) against one
 *     api process, then spread over the two: requests/s ratio;
 *  5. uncached lookups with 20 ms of registry latency: registry calls per request;
 *  6. 1,000 concurrent misses for one record, through one gateway and through two gateways sharing
 *     Redis: registry calls (target: exactly 1).
 *
 * The gateways, the simulator and the baseline run as separate processes; the load generator
 * (autocannon) runs here. Every load client's rate limit is lifted; any non-2xx answer fails the
 * bench. Results are printed as a table and written as JSON; with BENCH_CPU_PROF=gateway the JSON
 * names the monotonic window of each phase for profile-stages.ts. Not a test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import {
  benchLog,
  CONNECTIONS,
  dist,
  DURATION_S,
  freePort,
  freePortRange,
  load,
  loadSpread,
  machine,
  monotonicUs,
  report,
  runBench,
  services,
  start,
  summaryTable,
  waitFor,
  withCpu,
  type LoadResult,
  type SummaryRow,
} from './bench-support.js';

const log = benchLog('lookup');
const get = (paths: string[]) => (i: number) => ({ path: paths[i % paths.length] });
const post = (p: string, bodies: string[]) => (i: number) => ({ method: 'POST' as const, path: p, body: bodies[i % bodies.length] });
const round3 = (x: number) => Math.round(x * 1000) / 1000;
const latency = (r: LoadResult) => `${r.p50Ms} / ${r.p99Ms} ms`;
/** The 200 cached person records, the fields a commune system asks for. */
const CACHED = 200;
/** Forms of the prefill phase: an applicant and a parcel each, all read once before the measure. */
const FORMS = 50;

async function simCalls(simUrl: string, registry: string): Promise<number> {
  const body = (await (await fetch(`${simUrl}/sim/registries`)).json()) as { registries: Array<{ name: string; calls: { lookups: number } }> };
  return body.registries.find((r) => r.name === registry)?.calls.lookups ?? NaN;
}

async function main(): Promise<void> {
  const started = Date.now();
  const { redisUrl, kafkaBrokers } = await services(log);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-bench-'));
  const embeddedDir = mkdtempSync(path.join(tmpdir(), 'motlan-bench-embedded-'));
  const [simPort, gatewayPort, gateway2Port, workerPort, embeddedPort, barePort] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  // Registries at +0…+4 and +6, the portal at +5 (libs/contracts/simulator-ports.ts).
  const grpcBasePort = await freePortRange(7);
  const common = { MOTLAN_DATA_DIR: dataDir, LOG_LEVEL: 'warn', REDIS_URL: redisUrl, KAFKA_BROKERS: kafkaBrokers };
  // The bench clients get a bucket they cannot empty: every request still pays the rate-limit check.
  const rateLimits = { MOTLAN_RATE_LIMIT_OVERRIDES: 'bench=1000000:10000000' };

  log('starting the registry simulator, two api gateways and a worker (production profile), an embedded gateway');
  start('registry-sim', path.join(dist, 'apps/registry-sim/src/main.js'), { ...common, SIM_PORT: String(simPort), SIM_GRPC_BASE_PORT: String(grpcBasePort) });
  const simUrl = `http://127.0.0.1:${simPort}`;
  await waitFor(`${simUrl}/sim/health`);
  const gatewayEnv = {
    ...common,
    ...rateLimits,
    SIM_GRPC_BASE_PORT: String(grpcBasePort),
    MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-bench-${started}`,
  };
  // The api processes answer; the worker runs the consumers (access-log projection, cache
  // invalidation, …) that complete the system, as in the README's "two api processes and one worker".
  const api1 = start('gateway', path.join(dist, 'apps/gateway/src/main.js'), { ...gatewayEnv, MOTLAN_ROLES: 'api', PORT: String(gatewayPort) });
  start('gateway-2', path.join(dist, 'apps/gateway/src/main.js'), { ...gatewayEnv, MOTLAN_ROLES: 'api', PORT: String(gateway2Port) });
  start('worker', path.join(dist, 'apps/gateway/src/main.js'), { ...gatewayEnv, MOTLAN_ROLES: 'worker', PORT: String(workerPort) });
  // The embedded profile as `npm start` runs it: no Redis, no Kafka (unset even if this shell has
  // them), both roles in one process, its own data directory (its own token issuer).
  const embeddedToken = await new DevTokenIssuer({ dataDir: embeddedDir }).issue({ sub: 'bench', scope: 'population:read', ttlSec: 3600 });
  const embeddedProcess = start('gateway-embedded', path.join(dist, 'apps/gateway/src/main.js'), {
    ...rateLimits,
    MOTLAN_DATA_DIR: embeddedDir,
    LOG_LEVEL: 'warn',
    SIM_GRPC_BASE_PORT: String(grpcBasePort),
    PORT: String(embeddedPort),
    MOTLAN_ROLES: 'api,worker',
    REDIS_URL: undefined,
    REDIS_SENTINELS: undefined,
    KAFKA_BROKERS: undefined,
  });
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  const gateway2 = `http://127.0.0.1:${gateway2Port}`;
  const embedded = `http://127.0.0.1:${embeddedPort}`;
  await waitFor(`${gateway}/health/live`);
  await waitFor(`${gateway2}/health/live`);
  await waitFor(`http://127.0.0.1:${workerPort}/health/ready`);
  await waitFor(`${embedded}/health/live`);

  const issuer = new DevTokenIssuer({ dataDir });
  const token = await issuer.issue({ sub: 'bench', scope: 'population:read residence:read', ttlSec: 3600 });
  // A prefill reads every registry the procedure's form and components name.
  const prefillToken = await issuer.issue({ sub: 'bench', scope: 'population:read residence:read land:read business:read civil-status:read', ttlSec: 3600 });
  const headers = { authorization: `Bearer ${token}`, 'x-purpose': '1.004222', 'x-officer-id': 'officer-bench' };
  const embeddedHeaders = { ...headers, authorization: `Bearer ${embeddedToken}` };
  const prefillHeaders = { authorization: `Bearer ${prefillToken}`, 'x-officer-id': 'officer-bench', 'content-type': 'application/json' };
  const samples = ((await (await fetch(`${simUrl}/sim/samples?registry=population&dataset=person&n=1000`)).json()) as { samples: string[] }).samples;
  const parcels = ((await (await fetch(`${simUrl}/sim/samples?registry=land&dataset=parcel&n=${FORMS}`)).json()) as { samples: string[] }).samples;
  const cachedIds = samples.slice(0, CACHED);
  const cachedPaths = cachedIds.map((id) => `/v1/registries/population/person/${id}?fields=fullName,dateOfBirth,sex,permanentAddress`);

  const warm = async (target: string, h: Record<string, string>) => {
    let last = '';
    for (const p of cachedPaths) {
      const response = await fetch(target + p, { headers: h });
      if (response.status !== 200) throw new Error(`warm-up lookup at ${target} answered ${response.status}: ${await response.text()}`);
      last = await response.text();
    }
    return last;
  };
  log(`warming the caches with ${cachedIds.length} records (production and embedded)`);
  const payload = await warm(gateway, headers);
  await warm(embedded, embeddedHeaders);

  // Prefill: each form read once to fill the cache (relations included), then read again to check
  // that nothing is left to fetch: the measure is of forms whose every record is cached.
  const forms = cachedIds
    .slice(0, FORMS)
    .map((applicant, k) => JSON.stringify({ procedureCode: '1.004222', subjects: { applicant, parcel: parcels[k % parcels.length] } }));
  const prefillOnce = async (body: string) => {
    const response = await fetch(`${gateway}/v1/prefill`, { method: 'POST', headers: prefillHeaders, body });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`prefill answered ${response.status}: ${text}`);
    return text;
  };
  log(`warming the cache for ${FORMS} prefill forms of procedure 1.004222`);
  for (const body of forms) await prefillOnce(body);
  let prefillPayload = '';
  for (const body of forms) {
    prefillPayload = await prefillOnce(body);
    const misses = prefillPayload.match(/"cache":"(MISS|STALE)"/g)?.length ?? 0;
    if (misses > 0) throw new Error(`a warmed prefill form still read ${misses} records not fresh in the cache: ${body}`);
  }

  const bareProcess = start('bare-fastify', path.join(dist, 'test/bench/bare-fastify.server.js'), {
    PORT: String(barePort),
    BENCH_PAYLOAD: payload,
    BENCH_PREFILL_PAYLOAD: prefillPayload,
  });
  const bare = `http://127.0.0.1:${barePort}`;
  await waitFor(`${bare}${cachedPaths[0]}`);
  const phases: Record<string, { process: string; fromUs: number; toUs: number; requests: number }> = {};
  /** A measured run whose monotonic window is kept (profile-stages.ts cuts a CPU profile to it). */
  const phase = async <R extends LoadResult>(name: string, processName: string, run: () => Promise<R>): Promise<R> => {
    const fromUs = monotonicUs();
    const result = await run();
    phases[name] = { process: processName, fromUs, toUs: monotonicUs(), requests: result.requests };
    return result;
  };

  log(`cached lookups, api role, production profile: ${CONNECTIONS} connections, ${DURATION_S}s each (a 2 s warm-up first)`);
  await load(bare, headers, get(cachedPaths), 2);
  const baseline = await withCpu(bareProcess.pid, () => load(bare, headers, get(cachedPaths), DURATION_S));
  await load(gateway, headers, get(cachedPaths), 2);
  const cached = await phase('cachedProduction', 'gateway', () => withCpu(api1.pid, () => load(gateway, headers, get(cachedPaths), DURATION_S)));

  log(`cached lookups, embedded profile (roles api,worker): ${DURATION_S}s each`);
  const embeddedBaseline = await withCpu(bareProcess.pid, () => load(bare, headers, get(cachedPaths), DURATION_S));
  await load(embedded, embeddedHeaders, get(cachedPaths), 2);
  const embeddedCached = await phase('cachedEmbedded', 'gateway-embedded', () =>
    withCpu(embeddedProcess.pid, () => load(embedded, embeddedHeaders, get(cachedPaths), DURATION_S)),
  );

  log(`prefill of 1.004222, every record cached: ${DURATION_S}s each`);
  await load(bare, prefillHeaders, post('/v1/prefill', forms), 2);
  const prefillBaseline = await load(bare, prefillHeaders, post('/v1/prefill', forms), DURATION_S);
  await load(gateway, prefillHeaders, post('/v1/prefill', forms), 2);
  const prefill = await phase('prefill', 'gateway', () => withCpu(api1.pid, () => load(gateway, prefillHeaders, post('/v1/prefill', forms), DURATION_S)));

  log(`scale-out: ${CONNECTIONS} connections as two autocannon instances, against one api process, then one per api process`);
  await loadSpread([gateway2], headers, get(cachedPaths), 2);
  const oneProcess = await loadSpread([gateway, gateway], headers, get(cachedPaths), DURATION_S);
  const twoProcesses = await loadSpread([gateway, gateway2], headers, get(cachedPaths), DURATION_S);

  log('uncached lookups with 20 ms registry latency');
  await fetch(`${simUrl}/sim/registries/residence/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ latencyMs: 20 }),
  });
  // The last two ids are kept for the coalescing bursts: they must not be cached before them.
  const uncachedIds = samples.slice(CACHED, samples.length - 2);
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
  const embeddedRatio = embeddedCached.requestsPerSecond / embeddedBaseline.requestsPerSecond;
  const scaleOut = twoProcesses.requestsPerSecond / oneProcess.requestsPerSecond;
  const results = {
    machine: machine(),
    cachedLookups: {
      roles: 'api (plus one worker process)',
      profile: 'production (Redis, audit on Kafka with acks=all)',
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      bareFastify: baseline,
      gateway: cached,
      ratio: round3(ratio),
      target: 'ratio >= 0.5 and gateway p99 <= 15 ms',
      met: ratio >= 0.5 && cached.p99Ms <= 15,
    },
    cachedLookupsEmbedded: {
      roles: 'api,worker',
      profile: 'embedded (npm start: no REDIS_URL, no KAFKA_BROKERS)',
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      bareFastify: embeddedBaseline,
      gateway: embeddedCached,
      ratio: round3(embeddedRatio),
      target: 'ratio >= 0.4',
      met: embeddedRatio >= 0.4,
    },
    prefill: {
      procedure: '1.004222',
      forms: FORMS,
      connections: CONNECTIONS,
      durationSeconds: DURATION_S,
      bareFastify: prefillBaseline,
      gateway: prefill,
      formsPerSecond: prefill.requestsPerSecond,
      target: 'forms/s >= 1000',
      met: prefill.requestsPerSecond >= 1000,
    },
    scaleOut: {
      connections: CONNECTIONS,
      loadGenerator: `two autocannon instances of ${CONNECTIONS / 2} connections, run at once`,
      oneApiProcess: oneProcess,
      twoApiProcesses: twoProcesses,
      ratio: round3(scaleOut),
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
    // Monotonic µs (the clock of V8 CPU profiles): node dist/test/bench/profile-stages.js --bench <this file> --phase <name> <profile>
    phases,
    summary: [] as SummaryRow[],
  };
  results.summary = [
    {
      figure: 'cached lookup, api role, production: throughput',
      value: `${round3(ratio)}x (${cached.requestsPerSecond} req/s)`,
      baseline: `bare Fastify ${baseline.requestsPerSecond} req/s`,
      target: '>= 0.5x',
      met: ratio >= 0.5,
    },
    {
      figure: 'cached lookup, api role, production: p50 / p99',
      value: latency(cached),
      baseline: latency(baseline),
      target: 'p99 <= 15 ms',
      met: cached.p99Ms <= 15,
    },
    {
      figure: 'cached lookup, api role, production: CPU per request',
      value: `${cached.cpuUsPerRequest} µs`,
      baseline: `${baseline.cpuUsPerRequest} µs`,
      target: '',
    },
    {
      figure: 'cached lookup, embedded (api,worker): throughput',
      value: `${round3(embeddedRatio)}x (${embeddedCached.requestsPerSecond} req/s)`,
      baseline: `bare Fastify ${embeddedBaseline.requestsPerSecond} req/s`,
      target: '>= 0.4x',
      met: embeddedRatio >= 0.4,
    },
    { figure: 'cached lookup, embedded: p50 / p99', value: latency(embeddedCached), baseline: latency(embeddedBaseline), target: '' },
    {
      figure: 'cached lookup, embedded: CPU per request',
      value: `${embeddedCached.cpuUsPerRequest} µs`,
      baseline: `${embeddedBaseline.cpuUsPerRequest} µs`,
      target: '',
    },
    {
      figure: 'prefill 1.004222, every record cached',
      value: `${prefill.requestsPerSecond} forms/s (p99 ${prefill.p99Ms} ms, ${prefill.cpuUsPerRequest} µs CPU/form)`,
      baseline: `bare Fastify ${prefillBaseline.requestsPerSecond} req/s`,
      target: '>= 1,000 forms/s',
      met: prefill.requestsPerSecond >= 1000,
    },
    {
      figure: 'scale-out: two api processes / one (cached lookups)',
      value: `${round3(scaleOut)}x (${twoProcesses.requestsPerSecond} req/s)`,
      baseline: `one api process ${oneProcess.requestsPerSecond} req/s`,
      target: '',
    },
  ];

  const table = [
    '| measure | baseline | gateway | ratio / figure | target |',
    '| --- | --- | --- | --- | --- |',
    `| cached, api role, production: requests/s (${CONNECTIONS} conn.) | ${baseline.requestsPerSecond} | ${cached.requestsPerSecond} | ${results.cachedLookups.ratio} | >= 0.5 |`,
    `| cached, api role, production: p50 / p99 ms | ${baseline.p50Ms} / ${baseline.p99Ms} | ${cached.p50Ms} / ${cached.p99Ms} | | p99 <= 15 |`,
    `| cached, api role, production: CPU µs per request | ${baseline.cpuUsPerRequest} | ${cached.cpuUsPerRequest} | | |`,
    `| cached, embedded: requests/s | ${embeddedBaseline.requestsPerSecond} | ${embeddedCached.requestsPerSecond} | ${results.cachedLookupsEmbedded.ratio} | >= 0.4 |`,
    `| cached, embedded: p50 / p99 ms | ${embeddedBaseline.p50Ms} / ${embeddedBaseline.p99Ms} | ${embeddedCached.p50Ms} / ${embeddedCached.p99Ms} | | |`,
    `| cached, embedded: CPU µs per request | ${embeddedBaseline.cpuUsPerRequest} | ${embeddedCached.cpuUsPerRequest} | | |`,
    `| prefill 1.004222, all cached: forms/s | ${prefillBaseline.requestsPerSecond} | ${prefill.requestsPerSecond} | | >= 1000 |`,
    `| prefill: p50 / p99 ms, CPU µs per form | ${prefillBaseline.p50Ms} / ${prefillBaseline.p99Ms} | ${prefill.p50Ms} / ${prefill.p99Ms}, ${prefill.cpuUsPerRequest} | | |`,
    `| scale-out: requests/s, one api process → two | ${oneProcess.requestsPerSecond} | ${twoProcesses.requestsPerSecond} | ${results.scaleOut.ratio} | |`,
    `| non-2xx / errors | 0 / 0 | 0 / 0 | (any would have failed the bench) | 0 |`,
    `| uncached, 20 ms registry: registry calls per request | | | ${results.uncachedLookups.registryCallsPerRequest} (${uncachedCalls} calls / ${statuses.length} requests) | <= 1 |`,
    `| 1,000 concurrent misses, one instance: registry calls | | | ${oneInstance.calls} (${oneInstance.ok} answered 200) | 1 |`,
    `| 1,000 concurrent misses, two instances: registry calls | | | ${twoInstances.calls} (${twoInstances.ok} answered 200) | 1 |`,
    '',
    ...summaryTable(results.summary),
  ];
  report('lookup-bench', table, results, started, log);
}

runBench(main);
