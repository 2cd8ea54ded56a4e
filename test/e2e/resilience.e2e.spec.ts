/**
 * Resilience per adapter end to end: the real gateway against the real registry simulator, faults
 * injected through the simulator's control API, driven over real HTTP. Gateway A has small breaker
 * and bulkhead settings; gateway B (same simulator) has a breaker that cannot trip, so its retry
 * figures are not cut short by it.
 */
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RegistryClient } from '@motlan/registry-client/registry-client.port.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { httpCall, metricValue, officerHeaders, purposeFor, type HttpAnswer } from '../support/http.js';
import { simCalls, simControl, simSamples } from '../support/sim-control.js';
import { e2eStack, startGateway as startStackGateway } from '../support/e2e-harness.js';

/**
 * Gateway A's breakers read a clock the test moves: the open pause is far longer than any run, so
 * checks made while the breaker is open cannot race its half-opening, and the test ends the pause
 * by moving the clock past it instead of sleeping.
 */
const OPEN_MS = 600_000;
let clockOffsetMs = 0;
const breakerClock = () => Date.now() + clockOffsetMs;
const FAILURE_THRESHOLD = 3;

let sim: RunningRegistrySim;
let gatewayA: NestFastifyApplication;
let gatewayB: NestFastifyApplication;
let baseA: string;
let baseB: string;
let token: string;

const get = (base: string, url: string) => httpCall(base, 'GET', url, { token, headers: officerHeaders(undefined, purposeFor(url)) });
const control = (method: string, url: string, body?: unknown) => simControl(sim.controlUrl, method, url, body);
const samples = (registry: string, dataset: string, n: number) => simSamples(sim.controlUrl, registry, dataset, n);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stack = e2eStack({ dataDirPrefix: 'motlan-resilience-', sim: { seed: 11, persons: 100_000 }, gateway: false });

/** A gateway of its own (data directory `dataDir`) over the stack's simulator and token issuer. */
async function startGateway(dataDir: string, extra: Record<string, string>, now?: () => number): Promise<NestFastifyApplication> {
  const env = stack.gatewayEnv({
    MOTLAN_DATA_DIR: dataDir,
    MOTLAN_TOKEN_JWKS_FILE: path.join(stack.dataDir, 'dev-issuer', 'jwks.json'),
    MOTLAN_REGISTRY_TIMEOUT_MS: '1500',
    MOTLAN_CACHE_MAX_AGE_CAP_SECONDS: '1',
    MOTLAN_ADAPTER_RETRY_BACKOFF_MS: '5',
    ...extra,
  });
  const { app } = await startStackGateway(env, {
    configure: (config) => {
      if (now) config.resilience.now = now;
    },
  });
  return app;
}

beforeAll(async () => {
  sim = stack.sim;
  token = await stack.token({ sub: 'commune-00004', scope: 'population:read land:read business:read' });
  gatewayA = await startGateway(
    path.join(stack.dataDir, 'a'),
    {
      MOTLAN_ADAPTER_MAX_CONCURRENCY: '2',
      MOTLAN_BREAKER_FAILURE_THRESHOLD: String(FAILURE_THRESHOLD),
      MOTLAN_BREAKER_OPEN_MS: String(OPEN_MS),
    },
    breakerClock,
  );
  gatewayB = await startGateway(path.join(stack.dataDir, 'b'), {
    MOTLAN_BREAKER_FAILURE_THRESHOLD: '100000',
    MOTLAN_BREAKER_MIN_CALLS: '1000000',
  });
  baseA = await gatewayA.getUrl();
  baseB = await gatewayB.getUrl();
});

describe('circuit breaker', () => {
  it('opens within the threshold, fails fast or serves STALE while open, and closes after a successful probe', async () => {
    const [cachedParcel, ...parcels] = await samples('land', 'parcel', 12);
    expect((await get(baseA, `/v1/registries/land/parcel/${cachedParcel}`)).body).toMatchObject({ meta: { cache: 'MISS' } });
    // Let the cached record pass its (capped, 1 s) max age, so that later it can only be served STALE.
    await sleep(1100);

    await control('PUT', '/sim/registries/land/faults', { errorRate: 1, latencyMs: 300 });
    try {
      // Failing lookups (each retried once) until the breaker refuses: that must happen within the threshold.
      let refusal: HttpAnswer | undefined;
      for (const parcel of parcels.slice(0, FAILURE_THRESHOLD)) {
        const answer = await get(baseA, `/v1/registries/land/parcel/${parcel}`);
        expect(answer.status).toBe(503);
        if (answer.body.code === 'registry_circuit_open') {
          refusal = answer;
          break;
        }
        expect(answer.body.code).toBe('registry_unavailable');
      }
      expect(refusal).toBeDefined();
      expect(refusal!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((await simCalls(sim.controlUrl, 'land')).failedLookups).toBe(FAILURE_THRESHOLD);

      // While open: no call reaches the registry, the answer comes at once despite its 300 ms latency.
      const callsWhenOpened = (await simCalls(sim.controlUrl, 'land')).lookups;
      for (const parcel of parcels.slice(FAILURE_THRESHOLD, FAILURE_THRESHOLD + 3)) {
        const answer = await get(baseA, `/v1/registries/land/parcel/${parcel}`);
        expect({ status: answer.status, code: answer.body.code }).toEqual({ status: 503, code: 'registry_circuit_open' });
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      }
      // No call reached the registry (so none waited for its 300 ms latency).
      expect((await simCalls(sim.controlUrl, 'land')).lookups).toBe(callsWhenOpened);

      // The cached record is past its max age and the registry is refused: served STALE instead of a 503.
      const stale = await get(baseA, `/v1/registries/land/parcel/${cachedParcel}`);
      expect(stale.status).toBe(200);
      expect(stale.headers.get('x-cache')).toBe('STALE');

      expect(await metricValue(baseA, /^motlan_adapter_breaker_state\{registry="land",adapter="land"\}/)).toBe(2);
      expect(await metricValue(baseA, /^motlan_adapter_breaker_state\{registry="population",adapter="population"\}/)).toBe(0);
      expect(await metricValue(baseA, /^motlan_adapter_rejected_total\{registry="land",adapter="land",reason="circuit_open"\}/)).toBeGreaterThanOrEqual(4);
      expect(await metricValue(baseA, /^motlan_adapter_errors_total\{registry="land",adapter="land",kind="unavailable"\}/)).toBe(FAILURE_THRESHOLD);
      expect(await metricValue(baseA, /^motlan_adapter_call_duration_seconds_count\{registry="land",adapter="land",outcome="unavailable"\}/)).toBe(
        FAILURE_THRESHOLD,
      );
      const ready = (await (await fetch(`${baseA}/health/ready`)).json()) as { details: Record<string, { breakers?: Record<string, { state: string }> }> };
      expect(ready.details['registry:land'].breakers?.land?.state).toBe('open');
      expect(ready.details['registry:population'].breakers?.population?.state).toBe('closed');
    } finally {
      await control('DELETE', '/sim/registries/land/faults');
    }

    // Faults gone: once the open pause is over one probe goes through, succeeds, and closes the breaker.
    clockOffsetMs += OPEN_MS + 1;
    expect(await metricValue(baseA, /^motlan_adapter_breaker_state\{registry="land",adapter="land"\}/)).toBe(1);
    const probe = await get(baseA, `/v1/registries/land/parcel/${parcels[parcels.length - 1]}`);
    expect(probe.status).toBe(200);
    expect(probe.headers.get('x-cache')).toBe('MISS');
    expect(await metricValue(baseA, /^motlan_adapter_breaker_state\{registry="land",adapter="land"\}/)).toBe(0);
    expect((await get(baseA, `/v1/registries/land/parcel/${parcels[0]}`)).status).toBe(200);
  });
});

describe('bulkhead', () => {
  it('answers the calls beyond maxConcurrency with 503 registry_busy at once, without tripping the breaker', async () => {
    const ids = await samples('population', 'person', 10);
    await control('PUT', '/sim/registries/population/faults', { latencyMs: 300 });
    let answers: HttpAnswer[];
    try {
      answers = await Promise.all(ids.map((id) => get(baseA, `/v1/registries/population/person/${id}`)));
    } finally {
      await control('DELETE', '/sim/registries/population/faults');
    }
    const answered = answers.filter((a) => a.status === 200);
    const busy = answers.filter((a) => a.body.code === 'registry_busy');
    expect(answered).toHaveLength(2);
    expect(busy).toHaveLength(8);
    for (const a of answered) expect(a.ms).toBeGreaterThanOrEqual(290);
    // Refused at once, not after the registry's 300 ms: each refusal came back before any answer did
    // (compared with each other, not with a fixed bound a loaded machine could overrun).
    const firstAnswer = Math.min(...answered.map((a) => a.ms));
    for (const a of busy) {
      expect(a.status).toBe(503);
      expect(a.ms).toBeLessThan(firstAnswer);
      expect(a.headers.get('retry-after')).toBe('1');
    }
    expect(await metricValue(baseA, /^motlan_adapter_rejected_total\{registry="population",adapter="population",reason="busy"\}/)).toBe(8);
    expect(await metricValue(baseA, /^motlan_adapter_in_flight\{registry="population",adapter="population"\}/)).toBe(0);
    expect(await metricValue(baseA, /^motlan_adapter_breaker_state\{registry="population",adapter="population"\}/)).toBe(0);
  });
});

describe('retries', () => {
  it('at a 50 % registry error rate, most lookups still succeed thanks to one jittered retry', async () => {
    // 100 lookups: with retries the successes are Binomial(100, 0.75) (mean 75, sd 4.3); without,
    // Binomial(100, 0.5) (mean 50, sd 5). A floor of 60 separates them: a correct gateway falls
    // below it with a probability near 0.03 %, one without retries passes it with about 2 %, and the
    // exact call-count identity below catches that case anyway. (With 40 lookups and a floor of 24,
    // a correct gateway failed about one run in 70, and did once in CI.)
    const taxCodes = await samples('business', 'enterprise', 100);
    await control('POST', '/sim/stats/reset');
    await control('PUT', '/sim/registries/business/faults', { errorRate: 0.5 });
    const answers: HttpAnswer[] = [];
    try {
      for (const taxCode of taxCodes) answers.push(await get(baseB, `/v1/registries/business/enterprise/${taxCode}`));
    } finally {
      await control('DELETE', '/sim/registries/business/faults');
    }
    const ok = answers.filter((a) => a.status === 200).length;
    // Each lookup succeeds with probability 0.75 (two tries at 0.5); without retries it would be 0.5.
    expect(ok).toBeGreaterThanOrEqual(60);
    for (const a of answers.filter((x) => x.status !== 200)) expect(a.body.code).toBe('registry_unavailable');
    const calls = await simCalls(sim.controlUrl, 'business');
    // Calls = one per lookup + one retry per failed first attempt; a failed retry is the lookup's final failure.
    expect(calls.lookups).toBeGreaterThan(taxCodes.length);
    expect(calls.lookups).toBe(taxCodes.length + (calls.failedLookups - (taxCodes.length - ok)));
    expect(await metricValue(baseB, /^motlan_adapter_errors_total\{registry="business",adapter="business",kind="unavailable"\}/)).toBe(calls.failedLookups);
  });

  it('never retries a lookup the registry refuses as invalid_argument', async () => {
    // The HTTP edge validates subject ids and datasets before any registry call, so the registry's
    // own refusal is reached through the gateway's registry client (the real one, over gRPC).
    const client = gatewayB.get(RegistryClient);
    const [id] = await samples('population', 'person', 1);
    await control('POST', '/sim/stats/reset');
    await expect(client.lookup('population', 'pets', id, { requestId: 'r', clientId: 'c', officerId: 'o', purpose: '1.004222' })).rejects.toMatchObject({
      kind: 'invalid_argument',
    });
    expect((await simCalls(sim.controlUrl, 'population')).lookupsByDataset).toEqual({ pets: 1 });
  });
});
