import {
  RegistryCallError,
  type AdapterConnection,
  type LookupContext,
  type RegistryDescription,
  type RegistryFailureKind,
  type RegistryHealth,
  type RegistryRecord,
} from './registry-client.port.js';
import { GuardedAdapter, RegistryRejectedError, type ResilienceOptions } from './guarded-adapter.js';

const context: LookupContext = { requestId: 'r1', clientId: 'c', officerId: 'o', purpose: '1.004222' };
const record: RegistryRecord = { found: true, data: { a: 1 }, version: '1', asOf: '2025-01-01T00:00:00.000Z' };

/** A scripted registry: each lookup takes the next planned answer (an error kind, 'ok', or 'hang'). */
class ScriptedConnection implements AdapterConnection {
  plan: (RegistryFailureKind | 'ok' | 'hang')[] = [];
  fallback: RegistryFailureKind | 'ok' = 'ok';
  lookups = 0;
  describes = 0;
  healthChecks = 0;
  closed = false;
  private readonly hung: (() => void)[] = [];

  async describe(): Promise<RegistryDescription> {
    this.describes++;
    return { registry: 'population', contractVersion: '1.0', adapterVersion: 'x', datasets: [] };
  }
  lookup(): Promise<RegistryRecord> {
    const registry = 'population';
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
  close(): void {
    this.closed = true;
  }
}

function setup(overrides: Partial<ResilienceOptions> = {}, breaker: Partial<ResilienceOptions['breaker']> = {}) {
  const clock = { t: 1_000_000 };
  const inner = new ScriptedConnection();
  const events: string[] = [];
  const client = new GuardedAdapter(
    { id: 'population-1', registry: 'population' },
    inner,
    {
      timeoutMs: 1000,
      maxConcurrency: 2,
      retry: { attempts: 2, backoffMs: 1 },
      breaker: { failureThreshold: 3, errorRate: 0.5, minCalls: 20, windowMs: 10_000, openMs: 5000, halfOpenProbes: 1, ...breaker },
      now: () => clock.t,
      random: () => 0,
      ...overrides,
    },
    {
      callEnded: (adapter, operation, outcome) => events.push(`${adapter.registry} ${operation} ${outcome}`),
      rejected: (adapter, reason) => events.push(`${adapter.registry} rejected ${reason}`),
    },
  );
  return { client, inner, clock, events };
}

const lookup = (client: GuardedAdapter) => client.lookup('person', '001099012345', context);

describe('GuardedAdapter', () => {
  it('passes answers through and reports each call', async () => {
    const { client, events } = setup();
    await expect(lookup(client)).resolves.toEqual(record);
    await expect(client.describe()).resolves.toMatchObject({ registry: 'population' });
    expect(events).toEqual(['population lookup success', 'population describe success']);
    expect(client.state()).toMatchObject({ calls: 2, retries: 0, inFlight: 0, breaker: { state: 'closed' } });
  });

  it('retries a transient lookup failure once by default, then succeeds', async () => {
    const { client, inner, events } = setup();
    inner.plan = ['unavailable', 'ok'];
    await expect(lookup(client)).resolves.toEqual(record);
    expect(inner.lookups).toBe(2);
    expect(events).toEqual(['population lookup unavailable', 'population lookup success']);
    expect(client.state()).toMatchObject({ retries: 1, errors: { unavailable: 1 } });
  });

  it('never retries invalid_argument or internal, and invalid_argument does not count against the breaker', async () => {
    const { client, inner } = setup({}, { failureThreshold: 1 });
    inner.plan = ['invalid_argument'];
    await expect(lookup(client)).rejects.toMatchObject({ kind: 'invalid_argument' });
    expect(inner.lookups).toBe(1);
    expect(client.state().breaker.state).toBe('closed');
    inner.plan = ['internal'];
    await expect(lookup(client)).rejects.toMatchObject({ kind: 'internal' });
    expect(inner.lookups).toBe(2);
    expect(client.state().breaker.state).toBe('open');
  });

  it('does not retry describe', async () => {
    const { client, inner } = setup();
    const failing = failDescribes(inner);
    await expect(client.describe()).rejects.toMatchObject({ kind: 'unavailable' });
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
    await expect(client.health()).resolves.toBe('SERVING');
    expect(client.state()).toMatchObject({ breaker: { state: 'open' }, rejected: { circuit_open: 1, busy: 0 } });
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
    expect(client.state().breaker.state).toBe('half_open');
    await expect(lookup(client)).rejects.toMatchObject({ kind: 'timeout' });
    expect(client.state().breaker).toMatchObject({ state: 'open', opened: 2 });
    clock.t += 5000;
    inner.fallback = 'ok';
    await expect(lookup(client)).resolves.toEqual(record);
    expect(client.state().breaker.state).toBe('closed');
  });

  it('refuses calls beyond maxConcurrency at once as busy, and admits again when a slot frees', async () => {
    const { client, inner, events } = setup();
    inner.plan = ['hang', 'hang'];
    const first = lookup(client);
    const second = lookup(client);
    expect(client.state().inFlight).toBe(2);
    const refusal = await lookup(client).catch((e: unknown) => e);
    expect(refusal).toMatchObject({ kind: 'busy', retryAfterMs: 1000 });
    expect(inner.lookups).toBe(2);
    expect(events).toEqual(['population rejected busy']);
    inner.finishHung();
    await Promise.all([first, second]);
    expect(client.state().inFlight).toBe(0);
    await expect(lookup(client)).resolves.toEqual(record);
    // A refusal is not the adapter's fault: the breaker did not move.
    expect(client.state().breaker).toMatchObject({ state: 'closed', windowFailures: 0 });
  });

  it('stops waiting at the deadline with a timeout but keeps the slot until the adapter call ends', async () => {
    const { client, inner } = setup({ timeoutMs: 20, retry: { attempts: 1, backoffMs: 1 } });
    inner.plan = ['hang'];
    const started = performance.now();
    await expect(lookup(client)).rejects.toMatchObject({ kind: 'timeout' });
    expect(performance.now() - started).toBeLessThan(500);
    expect(client.state()).toMatchObject({ inFlight: 1, errors: { timeout: 1 } });
    inner.finishHung();
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.state().inFlight).toBe(0);
  });

  it('drain waits for calls in flight, then close reaches the connection', async () => {
    const { client, inner } = setup({ timeoutMs: 5000 });
    inner.plan = ['hang'];
    const pending = lookup(client);
    const drained = client.drain(2000);
    setTimeout(() => inner.finishHung(), 30);
    await expect(drained).resolves.toMatchObject({ drained: true });
    await expect(pending).resolves.toEqual(record);
    client.close();
    expect(inner.closed).toBe(true);
  });

  it('drain gives up after its limit when a call hangs', async () => {
    const { client, inner } = setup({ timeoutMs: 5000 });
    inner.plan = ['hang'];
    void lookup(client).catch(() => undefined);
    await expect(client.drain(20)).resolves.toMatchObject({ drained: false });
    inner.finishHung();
  });

  it('reports recent latency and error figures', async () => {
    const { client, inner } = setup({ retry: { attempts: 1, backoffMs: 1 } }, { failureThreshold: 100 });
    inner.plan = ['ok', 'ok', 'unavailable', 'ok'];
    for (let i = 0; i < 4; i++) await lookup(client).catch(() => undefined);
    const { recent } = client.state();
    expect(recent).toMatchObject({ calls: 4, errors: 1, errorRate: 0.25 });
    expect(recent.latencyMs?.p50).toBeGreaterThanOrEqual(0);
  });
});

function failDescribes(inner: ScriptedConnection): { count: number } {
  const counter = { count: 0 };
  inner.describe = async () => {
    counter.count++;
    throw new RegistryCallError('population', 'unavailable', 'down');
  };
  return counter;
}
