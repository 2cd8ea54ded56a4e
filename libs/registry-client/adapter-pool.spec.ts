import { AdapterPool, AdapterVerificationError, type AdapterSpec } from './adapter-pool.js';
import {
  RegistryCallError,
  type AdapterConnection,
  type DatasetDescriptor,
  type LookupContext,
  type RegistryDescription,
  type RegistryFailureKind,
  type RegistryRecord,
} from './registry-client.port.js';

const context: LookupContext = { requestId: 'r1', clientId: 'c', officerId: 'o', purpose: '1.004222' };

function dataset(name: string, keyName = 'cccd'): DatasetDescriptor {
  return {
    registry: 'population',
    name,
    subjectKey: { name: keyName, pattern: '^\\d{12}$', description: '' },
    fields: [],
    fieldNames: new Set(),
    maxAgeSeconds: 60,
    sensitivity: 'normal',
    description: '',
  };
}

/** A scripted adapter endpoint: holds some subjects, can be made to fail, counts its lookups. */
class FakeEndpoint implements AdapterConnection {
  lookups = 0;
  failWith?: RegistryFailureKind;
  unreachable = false;
  closed = false;
  description: RegistryDescription = { registry: 'population', contractVersion: '1.0', adapterVersion: 'fake', datasets: [dataset('person')] };

  constructor(
    readonly name: string,
    private readonly holds: (subjectId: string) => boolean = () => true,
  ) {}

  async describe(): Promise<RegistryDescription> {
    if (this.unreachable) throw new RegistryCallError('population', 'unavailable', 'connect ECONNREFUSED');
    return this.description;
  }
  async lookup(_dataset: string, subjectId: string): Promise<RegistryRecord> {
    this.lookups++;
    if (this.failWith) throw new RegistryCallError('population', this.failWith, `scripted ${this.failWith}`);
    return this.holds(subjectId)
      ? { found: true, data: { answeredBy: this.name }, version: '1', asOf: '2025-01-01T00:00:00.000Z' }
      : { found: false, data: null, version: '0', asOf: '2025-01-01T00:00:00.000Z' };
  }
  async health(): Promise<'SERVING'> {
    return 'SERVING';
  }
  close(): void {
    this.closed = true;
  }
}

/** Province = first two digits of the subject id, for these tests. */
function setup(endpoints: FakeEndpoint[]) {
  const byEndpoint = new Map(endpoints.map((e) => [e.name, e]));
  const pool = new AdapterPool({
    connect: (spec) => byEndpoint.get(spec.endpoint)!,
    describeRetryMs: 60_000,
    provinceOf: (keyName, subjectId) => (keyName === 'cccd' ? subjectId.slice(0, 2) : null),
    knownRegistries: ['population', 'land'],
  });
  return pool;
}

function spec(id: string, endpoint: string, provinces?: string[]): AdapterSpec {
  return {
    id,
    registry: 'population',
    endpoint,
    provinces,
    resilience: {
      timeoutMs: 500,
      maxConcurrency: 10,
      retry: { attempts: 1, backoffMs: 1 },
      breaker: { failureThreshold: 3, errorRate: 0.5, minCalls: 100, windowMs: 10_000, openMs: 60_000, halfOpenProbes: 1 },
    },
  };
}

const answeredBy = async (pool: AdapterPool, subjectId: string) => (await pool.lookup('population', 'person', subjectId, context)).data?.answeredBy;

describe('AdapterPool', () => {
  it('balances replicas round-robin and fails over when one cannot answer', async () => {
    const a = new FakeEndpoint('a');
    const b = new FakeEndpoint('b');
    const pool = setup([a, b]);
    pool.install(await pool.verify(spec('pop-a', 'a'), 'catalog'));
    pool.install(await pool.verify(spec('pop-b', 'b'), 'catalog'));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await answeredBy(pool, '010000000001'));
    expect(answers.sort()).toEqual(['a', 'a', 'b', 'b']);
    a.failWith = 'unavailable';
    for (let i = 0; i < 6; i++) expect(await answeredBy(pool, '010000000001')).toBe('b');
    // After 3 failures a's breaker is open: it is tried last, so it is no longer called at all.
    const callsToA = a.lookups;
    for (let i = 0; i < 4; i++) await answeredBy(pool, '010000000001');
    expect(a.lookups).toBe(callsToA);
  });

  it("does not fail over on the caller's fault", async () => {
    const a = new FakeEndpoint('a');
    const b = new FakeEndpoint('b');
    const pool = setup([a, b]);
    pool.install(await pool.verify(spec('pop-a', 'a'), 'catalog'));
    pool.install(await pool.verify(spec('pop-b', 'b'), 'catalog'));
    a.failWith = b.failWith = 'invalid_argument';
    await expect(pool.lookup('population', 'person', '010000000001', context)).rejects.toMatchObject({ kind: 'invalid_argument' });
    expect(a.lookups + b.lookups).toBe(1);
  });

  it('routes by the province of the subject to its shard, and asks each shard in turn when the id reveals none', async () => {
    const north = new FakeEndpoint('north', (id) => id.startsWith('01'));
    const south = new FakeEndpoint('south', (id) => id.startsWith('79'));
    const pool = setup([north, south]);
    pool.install(await pool.verify(spec('pop-north', 'north', ['01', '04']), 'catalog'));
    pool.install(await pool.verify(spec('pop-south', 'south', ['79']), 'catalog'));
    expect(await answeredBy(pool, '010000000001')).toBe('north');
    expect(await answeredBy(pool, '790000000001')).toBe('south');
    expect(north.lookups).toBe(1);
    expect(south.lookups).toBe(1);
    await expect(pool.lookup('population', 'person', '480000000001', context)).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringContaining('province 48'),
    });
    // A dataset keyed by something without a province: every shard is asked until one has it.
    const taxKeyed = { ...north.description, datasets: [dataset('person'), dataset('household', 'tax-code')] };
    north.description = taxKeyed;
    south.description = taxKeyed;
    await pool.remove('pop-north');
    await pool.remove('pop-south');
    pool.install(await pool.verify(spec('pop-north', 'north', ['01']), 'catalog'));
    pool.install(await pool.verify(spec('pop-south', 'south', ['79']), 'catalog'));
    const record = await pool.lookup('population', 'household', '7900000001', context);
    expect(record.data?.answeredBy).toBe('south');
    const missing = await pool.lookup('population', 'household', '4800000001', context);
    expect(missing.found).toBe(false);
  });

  it('refuses at verification what cannot work, naming the failure', async () => {
    const good = new FakeEndpoint('good');
    const down = new FakeEndpoint('down');
    down.unreachable = true;
    const v2 = new FakeEndpoint('v2');
    v2.description = { ...v2.description, contractVersion: '2.0' };
    const land = new FakeEndpoint('land');
    land.description = { ...land.description, registry: 'land' };
    const other = new FakeEndpoint('other');
    other.description = { ...other.description, datasets: [dataset('people')] };
    const pool = setup([good, down, v2, land, other]);
    pool.install(await pool.verify(spec('pop-good', 'good', ['01', '04']), 'catalog'));
    const failure = (s: AdapterSpec) =>
      pool.verify(s, 'catalog').then(
        () => 'accepted',
        (e: AdapterVerificationError) => e.failure,
      );
    expect(await failure(spec('x', 'down'))).toBe('unreachable');
    expect(await failure(spec('x', 'v2'))).toBe('contract_mismatch');
    expect(await failure(spec('x', 'land'))).toBe('registry_mismatch');
    expect(await failure(spec('x', 'other'))).toBe('dataset_mismatch');
    expect(await failure(spec('x', 'good', ['04', '79']))).toBe('routing_conflict');
    expect(down.closed && v2.closed && land.closed && other.closed).toBe(true);
    expect(pool.list().map((a) => a.id)).toEqual(['pop-good']);
  });

  it('replacing an adapter lets calls in flight finish on the old one and closes it afterwards', async () => {
    const old = new FakeEndpoint('old');
    const fresh = new FakeEndpoint('fresh');
    const pool = setup([old, fresh]);
    pool.install(await pool.verify(spec('pop', 'old'), 'catalog'));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowLookup = old.lookup.bind(old);
    old.lookup = async (...args) => {
      await gate;
      return slowLookup(...args);
    };
    const inFlight = answeredBy(pool, '010000000001');
    pool.install(await pool.verify(spec('pop', 'fresh'), 'catalog', 'pop'));
    expect(await answeredBy(pool, '010000000001')).toBe('fresh');
    expect(old.closed).toBe(false);
    release();
    expect(await inFlight).toBe('old');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(old.closed).toBe(true);
  });

  it('answers a removed registry with 503 registry_not_connected, an unknown one with 400', async () => {
    const a = new FakeEndpoint('a');
    const pool = setup([a]);
    pool.install(await pool.verify(spec('pop', 'a'), 'catalog'));
    expect(pool.resolve('population', 'person').name).toBe('person');
    await pool.remove('pop');
    expect(() => pool.resolve('population', 'person')).toThrow(expect.objectContaining({ status: 503, code: 'registry_not_connected' }));
    expect(() => pool.resolve('cadastre', 'person')).toThrow(expect.objectContaining({ status: 400, code: 'unknown_registry' }));
    expect(a.closed).toBe(true);
  });

  it('keeps an adapter that cannot be described yet out of routing and retries it', async () => {
    const late = new FakeEndpoint('late');
    late.unreachable = true;
    const pool = setup([late]);
    pool.add(spec('pop', 'late'), 'catalog');
    await pool.refresh();
    expect(pool.get('pop')?.state).toBe('pending');
    expect(() => pool.resolve('population', 'person')).toThrow(expect.objectContaining({ code: 'registry_unavailable' }));
    late.unreachable = false;
    await pool.refresh();
    expect(pool.get('pop')?.state).toBe('described');
    expect(await answeredBy(pool, '010000000001')).toBe('late');
    await pool.close();
  });
});
