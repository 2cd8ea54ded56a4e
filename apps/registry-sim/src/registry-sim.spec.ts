/**
 * The simulator as the gateway sees it: real grpc-js clients over loopback against the five
 * endpoints, and the HTTP control API over real HTTP.
 */
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { adapterContract, ADAPTER_CONTRACT_VERSION, healthContract } from '@motlan/contracts/grpc-contracts.js';
import { fromStruct } from '@motlan/contracts/struct-codec.js';
import type { RegistryAdapterClient } from '@motlan/contracts/generated/motlan/adapter/v1/RegistryAdapter.js';
import type { LookupRequest } from '@motlan/contracts/generated/motlan/adapter/v1/LookupRequest.js';
import type { LookupResponse__Output } from '@motlan/contracts/generated/motlan/adapter/v1/LookupResponse.js';
import type { DescribeResponse__Output } from '@motlan/contracts/generated/motlan/adapter/v1/DescribeResponse.js';
import type { HealthClient } from '@motlan/contracts/generated/grpc/health/v1/Health.js';
import type { HealthCheckResponse__Output } from '@motlan/contracts/generated/grpc/health/v1/HealthCheckResponse.js';
import { startRegistrySim, type RecordChange, type RegistryName, type RunningRegistrySim } from './registry-sim.js';

let sim: RunningRegistrySim;
const adapters = new Map<RegistryName, RegistryAdapterClient>();
const health = new Map<RegistryName, HealthClient>();

beforeAll(async () => {
  sim = await startRegistrySim({ seed: 2, persons: 1_000_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  for (const [registry, endpoint] of Object.entries(sim.endpoints) as [RegistryName, string][]) {
    adapters.set(registry, new (adapterContract().RegistryAdapter)(endpoint, grpc.credentials.createInsecure()));
    health.set(registry, new (healthContract().Health)(endpoint, grpc.credentials.createInsecure()));
  }
});

afterAll(async () => {
  for (const client of [...adapters.values(), ...health.values()]) client.close();
  await sim?.stop();
});

function lookup(registry: RegistryName, request: LookupRequest): Promise<LookupResponse__Output> {
  return new Promise((resolve, reject) =>
    adapters.get(registry)!.Lookup(request, { deadline: Date.now() + 5000 }, (error, response) => (error ? reject(error) : resolve(response!))),
  );
}

function describeRegistry(registry: RegistryName): Promise<DescribeResponse__Output> {
  return new Promise((resolve, reject) => adapters.get(registry)!.Describe({}, (error, response) => (error ? reject(error) : resolve(response!))));
}

function check(registry: RegistryName, service = ''): Promise<HealthCheckResponse__Output> {
  return new Promise((resolve, reject) => health.get(registry)!.Check({ service }, (error, response) => (error ? reject(error) : resolve(response!))));
}

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const response = await fetch(sim.controlUrl + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function samples(registry: string, dataset: string, n: number, extra = ''): Promise<string[]> {
  const response = await control('GET', `/sim/samples?registry=${registry}&dataset=${dataset}&n=${n}${extra}`);
  expect(response.status).toBe(200);
  return response.body.samples as string[];
}

async function lookupCalls(registry: RegistryName): Promise<{ lookups: number; lookupsByDataset: Record<string, number>; failedLookups: number }> {
  const { body } = await control('GET', '/sim/registries');
  const entry = (body.registries as { name: string; calls: { lookups: number; lookupsByDataset: Record<string, number>; failedLookups: number } }[]).find(
    (r) => r.name === registry,
  );
  return entry!.calls;
}

describe('gRPC endpoints', () => {
  it('listen on six distinct loopback ports and describe their datasets', async () => {
    expect(new Set(Object.values(sim.endpoints)).size).toBe(6);
    const expected: Record<RegistryName, string[]> = {
      population: ['person'],
      residence: ['household'],
      land: ['parcel'],
      business: ['enterprise'],
      'civil-status': ['birth', 'marriage', 'death'],
      'judicial-records': ['criminal-record'],
    };
    for (const registry of Object.keys(expected) as RegistryName[]) {
      expect(sim.endpoints[registry]).toMatch(/^127\.0\.0\.1:\d+$/);
      const described = await describeRegistry(registry);
      expect(described).toMatchObject({ registry, contractVersion: ADAPTER_CONTRACT_VERSION, adapterVersion: 'registry-sim-0.1.0' });
      expect(described.datasets.map((d) => d.name)).toEqual(expected[registry]);
      for (const dataset of described.datasets) {
        expect(dataset.maxAgeSeconds).toBeGreaterThan(0);
        expect(dataset.fields.length).toBeGreaterThan(3);
        expect(dataset.fields.every((f) => f.type !== 'FIELD_TYPE_UNSPECIFIED')).toBe(true);
        expect(() => new RegExp(dataset.subjectKey!.pattern)).not.toThrow();
        const sensitive = ['parcel', 'birth', 'marriage', 'death', 'criminal-record'].includes(dataset.name);
        expect(dataset.sensitivity).toBe(sensitive ? 'SENSITIVITY_SENSITIVE' : 'SENSITIVITY_NORMAL');
      }
    }
    const person = (await describeRegistry('population')).datasets[0];
    expect(person.subjectKey).toMatchObject({ name: 'cccd', pattern: '^\\d{12}$' });
    expect(person.fields.find((f) => f.name === 'fullName')).toMatchObject({ type: 'FIELD_TYPE_STRING', personal: true });
    expect(person.fields.find((f) => f.name === 'sex')?.personal).toBe(false);
  });

  it('look up a person with all fields, or only the requested ones', async () => {
    const [id] = await samples('population', 'person', 1);
    const full = await lookup('population', { dataset: 'person', subjectId: id, context: { requestId: 'r-1', purpose: '1.004222' } });
    expect(full.found).toBe(true);
    expect(full.recordVersion).toBe('1');
    expect(Number(full.asOf!.seconds)).toBeGreaterThan(1_600_000_000);
    const record = fromStruct(full.record);
    expect(record).toMatchObject({ personId: id, alive: true, nationality: 'VN', birthProvinceCode: id.slice(0, 3) });
    expect(String(record.dateOfBirth).slice(2, 4)).toBe(id.slice(4, 6));
    expect(record.fullName).toMatch(/^\p{L}+( \p{L}+){2,}$/u);
    const some = await lookup('population', { dataset: 'person', subjectId: id, fields: ['fullName', 'permanentAddress'] });
    expect(fromStruct(some.record)).toEqual({ fullName: record.fullName, permanentAddress: record.permanentAddress });
  });

  it('answer every dataset for its sample subjects', async () => {
    for (const [registry, dataset] of [
      ['residence', 'household'],
      ['land', 'parcel'],
      ['business', 'enterprise'],
      ['civil-status', 'birth'],
      ['civil-status', 'marriage'],
      ['civil-status', 'death'],
    ] as const) {
      const [subjectId] = await samples(registry, dataset, 1);
      const response = await lookup(registry, { dataset, subjectId });
      expect({ dataset, found: response.found }).toEqual({ dataset, found: true });
    }
  });

  it('answer found = false for subjects that do not exist', async () => {
    const response = await lookup('population', { dataset: 'person', subjectId: '001099999999' });
    expect(response).toMatchObject({ found: false, record: null, recordVersion: '0' });
    expect((await lookup('land', { dataset: 'parcel', subjectId: '99999-1-1' })).found).toBe(false);
  });

  it('refuse malformed ids, unknown fields and unknown datasets with INVALID_ARGUMENT', async () => {
    const [id] = await samples('population', 'person', 1);
    await expect(lookup('population', { dataset: 'person', subjectId: '12345' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(lookup('population', { dataset: 'person', subjectId: id, fields: ['fullName', 'shoeSize'] })).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('"shoeSize"'),
    });
    await expect(lookup('population', { dataset: 'pets', subjectId: id })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(lookup('business', { dataset: 'enterprise', subjectId: '0100233489' })).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });

  it('report health, and NOT_FOUND for an unknown service', async () => {
    expect(await check('land')).toEqual({ status: 'SERVING' });
    expect(await check('land', 'motlan.adapter.v1.RegistryAdapter')).toEqual({ status: 'SERVING' });
    await expect(check('land', 'nope')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });
});

describe('control API', () => {
  it('lists registries with endpoints, datasets, faults and call counts, and resets the counts', async () => {
    const [id] = await samples('population', 'person', 1);
    expect((await control('POST', '/sim/stats/reset')).status).toBe(204);
    await lookup('population', { dataset: 'person', subjectId: id });
    await lookup('population', { dataset: 'person', subjectId: id, fields: ['sex'] });
    await lookup('population', { dataset: 'pets', subjectId: id }).catch(() => undefined);
    const { body } = await control('GET', '/sim/registries');
    const population = (body.registries as Record<string, unknown>[]).find((r) => r.name === 'population');
    expect(population).toMatchObject({
      endpoint: sim.endpoints.population,
      datasets: ['person'],
      faults: { latencyMs: 0, errorRate: 0, down: false },
      calls: { lookups: 3, lookupsByDataset: { person: 2, pets: 1 }, failedLookups: 1 },
    });
    expect(body).toMatchObject({ seed: 2, persons: 1_000_000 });
    expect(await lookupCalls('residence')).toMatchObject({ lookups: 0 });
    await control('POST', '/sim/stats/reset');
    expect((await lookupCalls('population')).lookups).toBe(0);
  });

  it('serves deterministic samples, by province, that exist', async () => {
    const first = await samples('population', 'person', 25);
    expect(first).toHaveLength(25);
    expect(await samples('population', 'person', 25)).toEqual(first);
    expect(new Set(first.map((id) => id.slice(0, 3))).size).toBeGreaterThanOrEqual(5);
    for (const id of await samples('population', 'person', 5, '&province=79')) {
      const record = fromStruct((await lookup('population', { dataset: 'person', subjectId: id, fields: ['permanentAddress'] })).record);
      expect((record.permanentAddress as { provinceCode: string }).provinceCode).toBe('79');
    }
    for (const [query, status] of [
      ['registry=population&dataset=person&n=0', 400],
      ['registry=population&dataset=person&n=5000', 400],
      ['registry=population&dataset=pets', 400],
      ['registry=population&dataset=person&province=7', 400],
      ['registry=cadastre&dataset=person', 404],
      ['dataset=person', 400],
    ] as const) {
      const response = await control('GET', `/sim/samples?${query}`);
      expect({ query, status: response.status }).toEqual({ query, status });
      expect(response.type).toMatch(/^application\/problem\+json/);
    }
  });

  it('adds latency to a registry, then removes it', async () => {
    const [id] = await samples('population', 'person', 1);
    expect((await control('PUT', '/sim/registries/population/faults', { latencyMs: 150 })).body).toEqual({
      registry: 'population',
      faults: { latencyMs: 150, errorRate: 0, down: false },
    });
    let started = performance.now();
    await lookup('population', { dataset: 'person', subjectId: id });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await control('DELETE', '/sim/registries/population/faults');
    started = performance.now();
    await lookup('population', { dataset: 'person', subjectId: id });
    expect(performance.now() - started).toBeLessThan(140);
  });

  it('fails every lookup with UNAVAILABLE at errorRate 1, and counts them', async () => {
    const [parcel] = await samples('land', 'parcel', 1);
    await control('POST', '/sim/stats/reset');
    await control('PUT', '/sim/registries/land/faults', { errorRate: 1 });
    try {
      for (let i = 0; i < 3; i++)
        await expect(lookup('land', { dataset: 'parcel', subjectId: parcel })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      expect(await check('land')).toEqual({ status: 'SERVING' });
      expect(await lookupCalls('land')).toMatchObject({ lookups: 3, failedLookups: 3 });
    } finally {
      await control('DELETE', '/sim/registries/land/faults');
    }
    expect((await lookup('land', { dataset: 'parcel', subjectId: parcel })).found).toBe(true);
  });

  it('takes a registry down: UNAVAILABLE, health NOT_SERVING (also on Watch), and back up', async () => {
    const [id] = await samples('residence', 'household', 1);
    const watched: string[] = [];
    const watch = health.get('residence')!.Watch({ service: '' });
    watch.on('data', (message: HealthCheckResponse__Output) => watched.push(message.status));
    watch.on('error', () => undefined); // cancelled below
    await waitFor(() => watched.length === 1);
    await control('PUT', '/sim/registries/residence/faults', { down: true });
    await expect(lookup('residence', { dataset: 'household', subjectId: id })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(describeRegistry('residence')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    expect(await check('residence')).toEqual({ status: 'NOT_SERVING' });
    expect((await control('GET', '/sim/health')).body).toMatchObject({ registries: { residence: 'NOT_SERVING', land: 'SERVING' } });
    await control('DELETE', '/sim/registries/residence/faults');
    expect(await check('residence')).toEqual({ status: 'SERVING' });
    expect((await lookup('residence', { dataset: 'household', subjectId: id })).found).toBe(true);
    await waitFor(() => watched.length === 3);
    expect(watched).toEqual(['SERVING', 'NOT_SERVING', 'SERVING']);
    watch.cancel();
  });

  it('refuses bad fault settings with 400 problem+json, and unknown registries with 404', async () => {
    for (const body of [{ errorRate: 2 }, { latencyMs: -5 }, { down: 'yes' }, { slow: 1 }, '{not json', '[1]']) {
      const response = await control('PUT', '/sim/registries/land/faults', body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(response.type).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 400, code: expect.any(String), detail: expect.any(String) });
    }
    expect((await control('PUT', '/sim/registries/cadastre/faults', { down: true })).status).toBe(404);
    expect((await control('DELETE', '/sim/registries/cadastre/faults')).status).toBe(404);
    expect((await control('GET', '/sim/nothing')).status).toBe(404);
    expect((await control('GET', '/sim/registries')).body.registries).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'land', faults: { latencyMs: 0, errorRate: 0, down: false } })]),
    );
  });

  it('changes a record: the next lookup has version 2 and the change hook fires', async () => {
    const [id] = await samples('population', 'person', 1);
    const events: RecordChange[] = [];
    const unsubscribe = sim.registries.onChange((event) => events.push(event));
    try {
      const response = await control('POST', '/sim/changes', { registry: 'population', dataset: 'person', subjectId: id });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        registry: 'population',
        dataset: 'person',
        subjectId: id,
        subjectIds: [id],
        version: 2,
        changedFields: ['occupation'],
      });
      const after = await lookup('population', { dataset: 'person', subjectId: id, fields: ['occupation'] });
      expect(after.recordVersion).toBe('2');
      expect(new Date(Number(after.asOf!.seconds) * 1000).toISOString().slice(0, 16)).toBe(String(response.body.asOf).slice(0, 16));
      expect(events.map((e) => e.version)).toEqual([2]);
      expect(sim.registries.changeRecord('population', 'person', id).version).toBe(3);
    } finally {
      unsubscribe();
    }
    expect((await control('POST', '/sim/changes', { registry: 'civil-status', dataset: 'death', subjectId: id })).status).toBe(404);
    expect((await control('POST', '/sim/changes', { registry: 'population', dataset: 'person', subjectId: '123' })).status).toBe(400);
    expect((await control('POST', '/sim/changes', { registry: 'population' })).status).toBe(400);
  });

  it('sets the background change rate', async () => {
    expect((await control('PUT', '/sim/change-rate', { changesPerSecond: 0.5 })).body).toEqual({ changesPerSecond: 0.5 });
    expect((await control('GET', '/sim/registries')).body.changesPerSecond).toBe(0.5);
    expect((await control('PUT', '/sim/change-rate', { changesPerSecond: -1 })).status).toBe(400);
    expect((await control('PUT', '/sim/change-rate', { changesPerSecond: '5' })).status).toBe(400);
    await control('PUT', '/sim/change-rate', { changesPerSecond: 0 });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
