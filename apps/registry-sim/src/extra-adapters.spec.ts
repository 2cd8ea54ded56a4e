/**
 * Extra adapters of the simulated registries as the gateway sees them: real grpc-js clients over
 * loopback against shards, a replica and an adapter of another contract version.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { adapterContract, ADAPTER_CONTRACT_VERSION, healthContract } from '@motlan/contracts/grpc-contracts.js';
import { fromStruct } from '@motlan/contracts/struct-codec.js';
import type { RegistryAdapterClient } from '@motlan/contracts/generated/motlan/adapter/v1/RegistryAdapter.js';
import type { LookupRequest } from '@motlan/contracts/generated/motlan/adapter/v1/LookupRequest.js';
import type { LookupResponse__Output } from '@motlan/contracts/generated/motlan/adapter/v1/LookupResponse.js';
import type { DescribeResponse__Output } from '@motlan/contracts/generated/motlan/adapter/v1/DescribeResponse.js';
import type { HealthCheckResponse__Output } from '@motlan/contracts/generated/grpc/health/v1/HealthCheckResponse.js';
import { provinceOfSubject } from '@motlan/vn-admin/subject-province.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { startRegistrySim, type RunningRegistrySim } from './registry-sim.js';

const directory = VnAdminDirectory.load({ env: {} });
const silent = pino({ level: 'silent' });
let sim: RunningRegistrySim;
const clients: grpc.Client[] = [];

beforeAll(async () => {
  sim = await startRegistrySim({
    seed: 3,
    persons: 200_000,
    grpcBasePort: 0,
    controlPort: 0,
    logger: silent,
    vnAdmin: directory,
    extraAdapters: [
      { id: 'population-north', registry: 'population', provinces: ['01', '04'] },
      { id: 'population-south', registry: 'population', provinces: ['79'] },
      { id: 'business-south', registry: 'business', provinces: ['79'] },
      { id: 'land-2', registry: 'land' },
      { id: 'population-next', registry: 'population', contractVersion: '2.0' },
    ],
  });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await sim?.stop();
});

/** Reconnects quickly after a restart instead of grpc-js's default backoff of about a second. */
const FAST_RECONNECT: grpc.ChannelOptions = { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 100 };

function adapter(endpoint: string, options: grpc.ChannelOptions = {}): RegistryAdapterClient {
  const client = new (adapterContract().RegistryAdapter)(endpoint, grpc.credentials.createInsecure(), options);
  clients.push(client);
  return client;
}

function lookup(client: RegistryAdapterClient, request: LookupRequest): Promise<LookupResponse__Output> {
  return new Promise((resolve, reject) =>
    client.Lookup(request, { deadline: Date.now() + 5000 }, (error, response) => (error ? reject(error) : resolve(response!))),
  );
}

function describeAdapter(client: RegistryAdapterClient): Promise<DescribeResponse__Output> {
  return new Promise((resolve, reject) =>
    client.Describe({}, { deadline: Date.now() + 5000 }, (error, response) => (error ? reject(error) : resolve(response!))),
  );
}

async function check(endpoint: string, { reconnect = false } = {}): Promise<HealthCheckResponse__Output> {
  const client = new (healthContract().Health)(endpoint, grpc.credentials.createInsecure(), FAST_RECONNECT);
  clients.push(client);
  if (reconnect) await reconnected(client);
  return new Promise((resolve, reject) =>
    client.Check({ service: '' }, { deadline: Date.now() + 5000 }, (error, response) => (error ? reject(error) : resolve(response!))),
  );
}

/**
 * After a restart, clients (which share grpc-js's subchannels per address) reconnect only once their
 * backoff from the failed attempts ends, as the gateway's would: wait for that before calling.
 */
function reconnected<T extends grpc.Client>(client: T): Promise<T> {
  return new Promise((resolve, reject) => client.waitForReady(Date.now() + 5000, (error) => (error ? reject(error) : resolve(client))));
}

async function control(method: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(sim.controlUrl + path, { method });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('a province shard', () => {
  it('answers only the subjects of its provinces, and counts them by province', async () => {
    const north = adapter(sim.extraEndpoints['population-north']);
    const south = adapter(sim.extraEndpoints['population-south']);
    const ids = [
      ...sim.registries.samples('population', 'person', 6, { province: '01' }),
      ...sim.registries.samples('population', 'person', 6, { province: '79' }),
      ...sim.registries.samples('population', 'person', 6, { province: '92' }),
    ];
    const provinces = ids.map((id) => provinceOfSubject(directory, 'cccd', id)!);
    expect(new Set(provinces)).toEqual(new Set(['01', '79', '92']));
    const before = { north: sim.adapterStats('population-north'), south: sim.adapterStats('population-south') };
    const registryBefore = sim.registries.stats.snapshot('population').lookups;

    for (const [i, subjectId] of ids.entries()) {
      const inNorth = ['01', '04'].includes(provinces[i]);
      const inSouth = provinces[i] === '79';
      const fromNorth = await lookup(north, { dataset: 'person', subjectId, fields: ['personId'] });
      const fromSouth = await lookup(south, { dataset: 'person', subjectId, fields: ['personId'] });
      expect({ subjectId, north: fromNorth.found, south: fromSouth.found }).toEqual({ subjectId, north: inNorth, south: inSouth });
      const served = inNorth ? fromNorth : inSouth ? fromSouth : null;
      if (served) expect(fromStruct(served.record)).toEqual({ personId: subjectId });
      // Outside the shard, exactly what a registry without the record answers.
      if (!inSouth) expect(fromSouth).toMatchObject({ found: false, record: null, recordVersion: '0', asOf: null });
    }

    const north1 = sim.adapterStats('population-north');
    const south1 = sim.adapterStats('population-south');
    const count = (province: string): number => provinces.filter((p) => p === province).length;
    expect(north1.lookups - before.north.lookups).toBe(ids.length);
    expect((north1.lookupsByProvince['01'] ?? 0) - (before.north.lookupsByProvince['01'] ?? 0)).toBe(count('01'));
    expect(Object.keys(north1.lookupsByProvince).every((p) => ['01', '04'].includes(p))).toBe(true);
    expect(north1.outOfShard - before.north.outOfShard).toBe(ids.length - count('01') - count('04'));
    expect(Object.keys(south1.lookupsByProvince)).toEqual(['79']);
    expect(south1.lookupsByProvince['79'] - (before.south.lookupsByProvince['79'] ?? 0)).toBe(count('79'));
    expect(south1.outOfShard - before.south.outOfShard).toBe(ids.length - count('79'));
    // The registry as a whole counts every call made to any of its adapters.
    expect(sim.registries.stats.snapshot('population').lookups - registryBefore).toBe(2 * ids.length);
  });

  it('refuses a malformed id with INVALID_ARGUMENT like the registry, wherever it belongs', async () => {
    const south = adapter(sim.extraEndpoints['population-south']);
    const before = sim.adapterStats('population-south');
    await expect(lookup(south, { dataset: 'person', subjectId: '12345' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(lookup(south, { dataset: 'pets', subjectId: '001090123456' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    const after = sim.adapterStats('population-south');
    expect(after.failedLookups - before.failedLookups).toBe(2);
    expect(after.outOfShard).toBe(before.outOfShard);
  });

  it("places a tax code by the enterprise's registered office", async () => {
    const shard = adapter(sim.extraEndpoints['business-south']);
    const ids = [
      ...sim.registries.samples('business', 'enterprise', 4, { province: '79' }),
      ...sim.registries.samples('business', 'enterprise', 4, { province: '01' }),
    ];
    const before = sim.adapterStats('business-south');
    let inShard = 0;
    for (const subjectId of ids) {
      const office = sim.registries.lookup('business', { dataset: 'enterprise', subjectId, fields: ['registeredAddress'] }).record!;
      const expected = (office.registeredAddress as { provinceCode: string }).provinceCode === '79';
      if (expected) inShard++;
      const response = await lookup(shard, { dataset: 'enterprise', subjectId, fields: ['taxCode'] });
      expect({ subjectId, found: response.found }).toEqual({ subjectId, found: expected });
    }
    expect(inShard).toBeGreaterThan(0);
    expect(inShard).toBeLessThan(ids.length);
    const after = sim.adapterStats('business-south');
    expect((after.lookupsByProvince['79'] ?? 0) - (before.lookupsByProvince['79'] ?? 0)).toBe(inShard);
    expect(after.outOfShard - before.outOfShard).toBe(ids.length - inShard);
  });
});

describe('a replica', () => {
  it('answers every subject of its registry and counts them by the province the id reveals', async () => {
    const replica = adapter(sim.extraEndpoints['land-2']);
    const parcels = [...sim.registries.samples('land', 'parcel', 3, { province: '01' }), ...sim.registries.samples('land', 'parcel', 2, { province: '79' })];
    const before = sim.adapterStats('land-2');
    for (const subjectId of parcels) expect((await lookup(replica, { dataset: 'parcel', subjectId })).found).toBe(true);
    const after = sim.adapterStats('land-2');
    expect(after.lookups - before.lookups).toBe(5);
    expect(after.outOfShard).toBe(0);
    for (const province of ['01', '79']) {
      const expected = parcels.filter((id) => provinceOfSubject(directory, 'parcel-id', id) === province).length;
      expect((after.lookupsByProvince[province] ?? 0) - (before.lookupsByProvince[province] ?? 0)).toBe(expected);
    }
  });
});

describe('the contract version override', () => {
  it('is what Describe reports, the rest of the description unchanged', async () => {
    const next = await describeAdapter(adapter(sim.extraEndpoints['population-next']));
    const current = await describeAdapter(adapter(sim.endpoints.population));
    expect(next.contractVersion).toBe('2.0');
    expect(current.contractVersion).toBe(ADAPTER_CONTRACT_VERSION);
    expect({ ...next, contractVersion: current.contractVersion }).toEqual(current);
    expect(sim.adapterStats('population-next').describes).toBeGreaterThanOrEqual(1);
    const shard = await describeAdapter(adapter(sim.extraEndpoints['population-north']));
    expect(shard).toMatchObject({ registry: 'population', contractVersion: ADAPTER_CONTRACT_VERSION });
  });
});

describe('stopping and starting an extra adapter', () => {
  it('fails calls in flight and new ones, keeps the counts, and comes back on the same port', async () => {
    const endpoint = sim.extraEndpoints['land-2'];
    const [parcel] = sim.registries.samples('land', 'parcel', 1);
    const client = adapter(endpoint, FAST_RECONNECT);
    expect((await lookup(client, { dataset: 'parcel', subjectId: parcel })).found).toBe(true);
    const counted = sim.adapterStats('land-2').lookups;
    const served = (): number => Object.values(sim.adapterStats('land-2').lookupsByProvince).reduce((a, b) => a + b, 0);
    const servedBefore = served();

    // Latency is the registry's, shared with this adapter: the call is still in flight when it dies.
    sim.registries.setFaults('land', { latencyMs: 200 });
    try {
      const inFlight = lookup(client, { dataset: 'parcel', subjectId: parcel });
      await waitFor(() => sim.adapterStats('land-2').lookups === counted + 1);
      await sim.stopAdapter('land-2');
      // grpc-js's forceShutdown resets the streams it had: the caller sees CANCELLED, not a reply.
      await expect(inFlight).rejects.toMatchObject({ code: grpc.status.CANCELLED });
      await new Promise((resolve) => setTimeout(resolve, 250)); // the latency ends: still not counted as served
      expect(served()).toBe(servedBefore);
    } finally {
      sim.registries.clearFaults('land');
    }
    await expect(lookup(adapter(endpoint), { dataset: 'parcel', subjectId: parcel })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(check(endpoint)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await sim.stopAdapter('land-2'); // already down: nothing to do
    expect((await control('GET', '/sim/adapters/land-2')).body).toMatchObject({ id: 'land-2', running: false, endpoint });
    // The registry itself and its other adapters are not affected.
    expect((await lookup(adapter(sim.endpoints.land), { dataset: 'parcel', subjectId: parcel })).found).toBe(true);

    expect(await sim.startAdapter('land-2')).toBe(endpoint);
    expect(sim.extraEndpoints['land-2']).toBe(endpoint);
    expect(await sim.startAdapter('land-2')).toBe(endpoint); // already up
    expect((await lookup(await reconnected(client), { dataset: 'parcel', subjectId: parcel })).found).toBe(true);
    expect(await check(endpoint, { reconnect: true })).toEqual({ status: 'SERVING' });
    expect(sim.adapterStats('land-2').lookups).toBe(counted + 2);
    expect(served()).toBe(servedBefore + 1);
  });

  it('refuses unknown adapter ids', async () => {
    await expect(sim.stopAdapter('land-9')).rejects.toThrow(/unknown adapter "land-9"/);
    await expect(sim.startAdapter('land-9')).rejects.toThrow(/unknown adapter "land-9"/);
    expect(() => sim.adapterStats('land-9')).toThrow(/unknown adapter/);
  });
});

describe('control API', () => {
  it('lists the extra adapters with their counts, and per registry', async () => {
    const { status, body } = await control('GET', '/sim/adapters');
    expect(status).toBe(200);
    const adapters = body.adapters as { id: string }[];
    expect(adapters.map((a) => a.id)).toEqual(['population-north', 'population-south', 'business-south', 'land-2', 'population-next']);
    expect(adapters[1]).toEqual({
      id: 'population-south',
      registry: 'population',
      provinces: ['79'],
      contractVersion: ADAPTER_CONTRACT_VERSION,
      endpoint: sim.extraEndpoints['population-south'],
      running: true,
      stats: sim.adapterStats('population-south'),
    });
    expect(adapters[4]).toMatchObject({ provinces: null, contractVersion: '2.0' });
    const registries = (await control('GET', '/sim/registries')).body.registries as { name: string; extraAdapters: string[] }[];
    expect(registries.find((r) => r.name === 'population')?.extraAdapters).toEqual(['population-north', 'population-south', 'population-next']);
    expect(registries.find((r) => r.name === 'residence')?.extraAdapters).toEqual([]);
  });

  it('stops and starts an adapter, resets its counts, and answers 404 for an unknown one', async () => {
    const endpoint = sim.extraEndpoints['population-next'];
    expect((await control('POST', '/sim/adapters/population-next/stop')).body).toMatchObject({ running: false, endpoint });
    await expect(describeAdapter(adapter(endpoint, FAST_RECONNECT))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect((await control('POST', '/sim/adapters/population-next/start')).body).toMatchObject({ running: true, endpoint });
    expect((await describeAdapter(await reconnected(adapter(endpoint, FAST_RECONNECT)))).contractVersion).toBe('2.0');

    expect(sim.adapterStats('population-next').describes).toBeGreaterThan(0);
    expect((await control('POST', '/sim/stats/reset')).status).toBe(204);
    expect(sim.adapterStats('population-next')).toEqual({ lookups: 0, lookupsByProvince: {}, outOfShard: 0, failedLookups: 0, describes: 0 });

    for (const path of ['/sim/adapters/nope', '/sim/adapters/nope/stop', '/sim/adapters/nope/start']) {
      const response = await control(path === '/sim/adapters/nope' ? 'GET' : 'POST', path);
      expect({ path, status: response.status, code: response.body.code }).toEqual({ path, status: 404, code: 'unknown_adapter' });
    }
  });
});

describe('startRegistrySim with extra adapters', () => {
  it('refuses a shard of an unknown province or a bad spec before listening anywhere', async () => {
    const base = { persons: 1000, grpcBasePort: 0, controlPort: 0, logger: silent, vnAdmin: directory };
    await expect(startRegistrySim({ ...base, extraAdapters: [{ id: 'p-x', registry: 'population', provinces: ['99'] }] })).rejects.toThrow(
      /extra adapter "p-x": unknown province code 99/,
    );
    await expect(
      startRegistrySim({
        ...base,
        extraAdapters: [
          { id: 'p', registry: 'population' },
          { id: 'p', registry: 'land' },
        ],
      }),
    ).rejects.toThrow(/adapter "p" is named twice/);
    const garbled = { ca: '-----BEGIN CERTIFICATE-----\nnot base64', cert: '-----BEGIN CERTIFICATE-----\nx', key: '-----BEGIN PRIVATE KEY-----\nx' };
    await expect(startRegistrySim({ ...base, extraAdapters: [{ id: 'p-tls', registry: 'population', tls: garbled }] })).rejects.toThrow(
      /p-tls: unusable TLS material/,
    );
  });

  it('runs without extra adapters: none listed', async () => {
    const plain = await startRegistrySim({ persons: 1000, grpcBasePort: 0, controlPort: 0, logger: silent, vnAdmin: directory });
    try {
      expect(plain.extraEndpoints).toEqual({});
      expect((await fetch(`${plain.controlUrl}/sim/adapters`).then((r) => r.json())) as unknown).toEqual({ adapters: [] });
      expect((await fetch(`${plain.controlUrl}/sim/adapters/x/stop`, { method: 'POST' })).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
