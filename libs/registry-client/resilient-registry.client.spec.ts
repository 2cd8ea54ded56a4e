import {
  RegistryCallError,
  RegistryClient,
  type LookupContext,
  type RegistryDescription,
  type RegistryFailureKind,
  type RegistryHealth,
  type RegistryRecord,
} from './registry-client.port.js';
import { RegistryRejectedError, ResilientRegistryClient, type ResilienceOptions } from './resilient-registry.client.js';

const context: LookupContext = { requestId: 'r1', clientId: 'c', officerId: 'o', purpose: '1.004222' };
const record: RegistryRecord = { found: true, data: { a: 1 }, version: '1', asOf: '2025-01-01T00:00:00.000Z' };

/** A scripted registry: each lookup takes the next planned answer (an error kind, 'ok', or 'hang'). */
class ScriptedRegistryClient extends RegistryClient {
  plan: (RegistryFailureKind | 'ok' | 'hang')[] = [];
  fallback: RegistryFailureKind | 'ok' = 'ok';
  lookups = 0;
  describes = 0;
  healthChecks = 0;
  destroyed = false;
  private readonly hung: (() => void)[] = [];

  registries(): string[] {
    return ['population'];
  }
  async describe(): Promise<RegistryDescription> {
    this.describes++;
    return { registry: 'population', contractVersion: '1.0', adapterVersion: 'x', datasets: [] };
  }
  lookup(registry: string): Promise<RegistryRecord> {
    this.lookups++;
    const step = this.plan.shift() ?? this.fallback;
    if (step === 'hang') return new Promise((resolve) => this.hung.push(() => resolve(record)));
    if (step === 'ok') return Promise.resolve(record);
    return Promise.reject(new RegistryCallError(registry, step, `scripted ${step}`));
  }
  async health(): Promise<RegistryHealth> {
    this.healthChecks++;
    return 'SERVING';
  }
  finishHung(): void {
    for (const finish of this.hung.splice(0)) finish();
  }
  onModuleDestroy(): void {
    this.destroyed = true;
  }
}

function setup(overrides: Partial<ResilienceOptions> = {}, breaker: Partial<ResilienceOptions['breaker']> = {}) {
  const clock = { t: 1_000_000 };
  const inner = new ScriptedRegistryClient();
  const client = new ResilientRegistryClient(inner, {
    timeoutMs: 1000,
    maxConcurrency: 2,
    retry: { attempts: 2, backoffMs: 1 },
    breaker: { failureThreshold: 3, errorRate: 0.5, minCalls: 20, windowMs: 10_000, openMs: 5000, halfOpenProbes: 1, ...breaker },
    now: () => clock.t,
    random: () => 0,
    ...overrides,
  });
  const events: string[] = [];
  client.observe({
    callEnded: (registry, operation, outcome) => events.push(`${registry} ${operation} ${outcome}`),
    rejected: (registry, reason) => events.push(`${registry} rejected ${reason}`),
  });
  return { client, inner, clock, events };
}

const lookup = (client: RegistryClient) => client.lookup('population', 'person', '001099012345', context);

describe('ResilientRegistryClient', () => {
  it('passes answers through and reports each call', async () => {
    const { client, events } = setup();
    await expect(lookup(client)).resolves.toEqual(record);
    await expect(client.describe('population')).resolves.toMatchObject({ registry: 'population' });
    expect(events).toEqual(['population lookup success', 'population describe success']);
    expect(client.state('population')).toMatchObject({ calls: 2, retries: 0, inFlight: 0, breaker: { state: 'closed' } });
  });

  it('retries a transient lookup failure once by default, then succeeds', async () => {
    const { client, inner, events } = setup();
    inner.plan = ['unavailable', 'ok'];
    await expect(lookup(client)).resolves.toEqual(record);
    expect(inner.lookups).toBe(2);
    expect(events).toEqual(['population lookup unavailable', 'population lookup success']);
    expect(client.state('population')).toMatchObject({ retries: 1, errors: { unavailable: 1 } });
  });

  it('never retries invalid_argument or internal, and invalid_argument does not count against the breaker', async () => {
    const { client, inner } = setup({}, { failureThreshold: 1 });
    inner.plan = ['invalid_argument'];
    await expect(lookup(client)).rejects.toMatchObject({ kind: 'invalid_argument' });
    expect(inner.lookups).toBe(1);
    expect(client.state('population')?.breaker.state).toBe('closed');
    inner.plan = ['internal'];
    await expect(lookup(client)).rejects.toMatchObject({ kind: 'internal' });
    expect(inner.lookups).toBe(2);
    expect(client.state('population')?.breaker.state).toBe('open');
  });

  it('does not retry describe', async () => {
    const { client, inner } = setup();
    const failing = failDescribes(inner);
    await expect(client.describe('population')).rejects.toMatchObject({ kind: 'unavailable' });
    expect(failing.count).toBe(1);
  });

  it('opens the breaker after consecutive failures and then refuses at once with the remaining open time', async () => {
    const { client, inner, clock, events } = setup({ retry: { attempts: 1, backoffMs: 1 } });
    inner.fallback = 'unavailable';
    for (let i = 0; i < 3; i++) await expect(lookup(client)).rejects.toMatchObject({ kind: 'unavailable' });
    clock.t += 1000;
    const refusal = await lookup(client).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(RegistryRejectedError);
    expect(refusal).toMatchObject({ kind: 'circuit_open', retryAfterMs: 4000 });
    expect(inner.lookups).toBe(3);
    expect(events.at(-1)).toBe('population rejected circuit_open');
    // Health is not gated by the breaker: readiness must see what the adapter says.
    await expect(client.health('population')).resolves.toBe('SERVING');
    expect(client.state('population')).toMatchObject({ breaker: { state: 'open' }, rejected: { circuit_open: 1, busy: 0 } });
  });

  it('a retry stops at an open breaker instead of calling again', async () => {
    const { client, inner } = setup({ retry: { attempts: 5, backoffMs: 1 } }, { failureThreshold: 2 });
    inner.fallback = 'unavailable';
    await expect(lookup(client)).rejects.toMatchObject({ kind: 'circuit_open' });
    expect(inner.lookups).toBe(2);
  });

  it('half-opens after openMs: a successful probe closes it, a failed one re-opens it', async () => {
    const { client, inner, clock } = setup({ retry: { attempts: 1, backoffMs: 1 } });
    inner.fallback = 'timeout';
    for (let i = 0; i < 3; i++) await lookup(client).catch(() => undefined);
    clock.t += 5000;
    expect(client.state('population')?.breaker.state).toBe('half_open');
    await expect(lookup(client)).rejects.toMatchObject({ kind: 'timeout' });
    expect(client.state('population')?.breaker).toMatchObject({ state: 'open', opened: 2 });
    clock.t += 5000;
    inner.fallback = 'ok';
    await expect(lookup(client)).resolves.toEqual(record);
    expect(client.state('population')?.breaker.state).toBe('closed');
  });

  it('refuses calls beyond maxConcurrency at once as busy, and admits again when a slot frees', async () => {
    const { client, inner, events } = setup();
    inner.plan = ['hang', 'hang'];
    const first = lookup(client);
    const second = lookup(client);
    expect(client.state('population')?.inFlight).toBe(2);
    const refusal = await lookup(client).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ kind: 'busy', retryAfterMs: 1000 });
    expect(inner.lookups).toBe(2);
    expect(events).toEqual(['population rejected busy']);
    inner.finishHung();
    await Promise.all([first, second]);
    expect(client.state('population')?.inFlight).toBe(0);
    await expect(lookup(client)).resolves.toEqual(record);
    // A refusal is not the adapter's fault: the breaker did not move.
    expect(client.state('population')?.breaker).toMatchObject({ state: 'closed', windowFailures: 0 });
  });

  it('stops waiting at the deadline with a timeout but keeps the slot until the adapter call ends', async () => {
    const { client, inner } = setup({ timeoutMs: 20, retry: { attempts: 1, backoffMs: 1 } });
    inner.plan = ['hang'];
    const started = performance.now();
    await expect(lookup(client)).rejects.toMatchObject({ kind: 'timeout' });
    expect(performance.now() - started).toBeLessThan(500);
    expect(client.state('population')).toMatchObject({ inFlight: 1, errors: { timeout: 1 } });
    inner.finishHung();
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.state('population')?.inFlight).toBe(0);
  });

  it('passes unknown registries through and forwards shutdown', async () => {
    const { client, inner } = setup();
    expect(client.state('cadastre')).toBeUndefined();
    await expect(client.health('population')).resolves.toBe('SERVING');
    expect(inner.healthChecks).toBe(1);
    await client.onModuleDestroy();
    expect(inner.destroyed).toBe(true);
  });
});

function failDescribes(inner: ScriptedRegistryClient): { count: number } {
  const counter = { count: 0 };
  inner.describe = async () => {
    counter.count++;
    throw new RegistryCallError('population', 'unavailable', 'down');
  };
  return counter;
}
