/**
 * Adapters as registry operators use them, end to end on the embedded profile: the real gateway,
 * the real registry simulator serving extra adapters (province shards, replicas, a wrong contract
 * version) over real gRPC, the operator API and CLI over real HTTP. The record cache is switched
 * off (max age cap 0) so every lookup reaches an adapter and routing is observable.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { provinceOfSubject } from '@motlan/vn-admin/subject-province.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { runMotlanCli } from '../../apps/gateway/src/cli/motlan-command.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { httpCall, metricValue, officerHeaders, purposeFor } from '../support/http.js';
import { simControl, simSamples } from '../support/sim-control.js';
import { readAuditRecords } from '../support/audit-trail.js';
import { e2eStack } from '../support/e2e-harness.js';

let sim: RunningRegistrySim;
let gateway: NestFastifyApplication;
let base: string;
let dataDir: string;
let lookupToken: string;
let operatorToken: string;
let readOnlyToken: string;
/** Operators of other registries, a second population operator, a national administrator, a token of the old unscoped kind. */
const tokens: Record<'land' | 'population2' | 'admin' | 'legacy', string> = { land: '', population2: '', admin: '', legacy: '' };

const directory = VnAdminDirectory.load();

const call = (method: string, url: string, token: string, body?: unknown) =>
  httpCall(base, method, url, { token, headers: officerHeaders(undefined, purposeFor(url)), body });
const lookup = (url: string) => call('GET', url, lookupToken);
const admin = (method: string, url: string, body?: unknown) => call(method, url, operatorToken, body);

function manifest(id: string, registry: string, endpoint: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, registry, endpoint, tls: { insecure: true }, timeoutMs: 1500, maxConcurrency: 32, retry: { attempts: 2, backoffMs: 5 }, ...extra };
}

const control = (method: string, url: string, body?: unknown) => simControl(sim.controlUrl, method, url, body);
const samples = (registry: string, dataset: string, n: number) => simSamples(sim.controlUrl, registry, dataset, n);
const metric = (line: RegExp) => metricValue(base, line);

/** Runs `workers` loops of lookups until `stop` resolves; returns every status seen. */
async function load(workers: number, urls: string[], stop: Promise<unknown>): Promise<number[]> {
  let done = false;
  void stop.then(() => (done = true));
  const statuses: number[] = [];
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = w; !done; i += workers) statuses.push((await lookup(urls[i % urls.length])).status);
    }),
  );
  return statuses;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stack = e2eStack({
  dataDirPrefix: 'motlan-adapters-',
  sim: {
    seed: 5,
    persons: 50_000,
    extraAdapters: [
      { id: 'pop-north', registry: 'population', provinces: ['01'] },
      { id: 'pop-south', registry: 'population', provinces: ['79'] },
      { id: 'land-r1', registry: 'land' },
      { id: 'land-r2', registry: 'land' },
      { id: 'business-a', registry: 'business' },
      { id: 'business-b', registry: 'business' },
      { id: 'residence-v2', registry: 'residence', contractVersion: '2.0' },
    ],
  },
  env: ({ dataDir }) => ({
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    // Adapters are registered at run time by the tests, not configured.
    MOTLAN_ADAPTERS: 'none',
    MOTLAN_CACHE_MAX_AGE_CAP_SECONDS: '0',
    MOTLAN_DESCRIBE_RETRY_MS: '200',
    // Load loops and bursts from one client: rate limits have their own suites (abuse.*.spec.ts).
    MOTLAN_RATE_LIMIT_PER_SECOND: '0',
  }),
});

/** The gateway again over the same data directory (after gateway.close()). */
async function startGateway(): Promise<NestFastifyApplication> {
  let app: NestFastifyApplication;
  ({ app, base } = await stack.restartGateway());
  return app;
}

beforeAll(async () => {
  ({ dataDir, sim, app: gateway, base } = stack);
  const issuer = stack.clients;
  lookupToken = await issuer.issue({ sub: 'commune-00004', scope: 'population:read land:read business:read residence:read civil-status:read' });
  // One operator running adapters of every registry it is given; the owner rules have their own test below.
  operatorToken = await issuer.issue({
    sub: 'registry-operator-1',
    scope: `adapters:read ${['population', 'land', 'business', 'civil-status', 'residence'].map((r) => `adapters:write:${r}`).join(' ')}`,
  });
  readOnlyToken = await issuer.issue({ sub: 'ops-viewer', scope: 'adapters:read' });
  tokens.land = await issuer.issue({ sub: 'land-operator', scope: 'adapters:read adapters:write:land' });
  tokens.population2 = await issuer.issue({ sub: 'population-operator-2', scope: 'adapters:read adapters:write:population' });
  tokens.admin = await issuer.issue({ sub: 'national-admin', scope: 'adapters:read adapters:admin' });
  tokens.legacy = await issuer.issue({ sub: 'legacy-operator', scope: 'adapters:read adapters:write' });
});

describe('registering adapters', () => {
  it('refuses what cannot work: unreachable (422), wrong contract (422), bad fields (400 naming them), missing scope (403)', async () => {
    const unreachable = await admin('POST', '/v1/adapters', manifest('nowhere', 'population', '127.0.0.1:1'));
    expect(unreachable.status).toBe(422);
    expect(unreachable.headers.get('content-type')).toContain('application/problem+json');
    expect(unreachable.body).toMatchObject({ code: 'adapter_unreachable', failure: 'unreachable' });
    expect(unreachable.body.detail).toContain('127.0.0.1:1');
    expect(unreachable.body.detail).not.toMatch(/ECONNREFUSED|UNAVAILABLE|No connection established|Last error/);

    const v2 = await admin('POST', '/v1/adapters', manifest('residence-new', 'residence', sim.extraEndpoints['residence-v2']));
    expect(v2.status).toBe(422);
    expect(v2.body).toMatchObject({ code: 'adapter_contract_mismatch' });
    expect(v2.body.detail).toContain('2.0');

    const wrongRegistry = await admin('POST', '/v1/adapters', manifest('land-as-pop', 'population', sim.extraEndpoints['land-r1']));
    expect(wrongRegistry.body).toMatchObject({ code: 'adapter_registry_mismatch' });

    const bad = await admin('POST', '/v1/adapters', { ...manifest('Bad Id', 'population', 'localhost:70000'), timeoutMs: 'soon', colour: 'blue' });
    expect(bad.status).toBe(400);
    const names = (bad.body.invalidParams as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['id', 'endpoint', 'timeoutMs', 'colour']));

    const inlineKey = await admin(
      'POST',
      '/v1/adapters',
      manifest('x', 'population', '127.0.0.1:5000', { tls: { ca: 'file:/ca.pem', cert: 'file:/c.pem', key: '-----BEGIN PRIVATE KEY-----' } }),
    );
    expect(inlineKey.status).toBe(400);
    expect(inlineKey.body.invalidParams).toEqual([{ name: 'tls.key', reason: expect.stringContaining('never stored') }]);

    const remotePlaintext = await admin('POST', '/v1/adapters', manifest('x', 'population', 'registry.example.vn:443'));
    expect(remotePlaintext.status).toBe(400);
    expect(remotePlaintext.body).toMatchObject({ code: 'insecure_transport_not_allowed', invalidParams: [{ name: 'tls.insecure' }] });

    const readOnly = await call('POST', '/v1/adapters', readOnlyToken, manifest('pop-x', 'population', sim.extraEndpoints['pop-north']));
    expect(readOnly.status).toBe(403);
    expect(readOnly.body).toMatchObject({ code: 'missing_scope', requiredScope: 'adapters:write:<registry>' });
    expect((await call('GET', '/v1/adapters', lookupToken)).status).toBe(403);

    expect((await admin('GET', '/v1/adapters')).body).toEqual({ adapters: [] });
  });

  it('routes lookups to the shard of the subject province; two shards of one registry', async () => {
    const north = await admin('POST', '/v1/adapters', manifest('pop-north', 'population', sim.extraEndpoints['pop-north'], { routing: { provinces: ['01'] } }));
    expect(north.status).toBe(201);
    expect(north.headers.get('location')).toBe('/v1/adapters/pop-north');
    expect(north.body).toMatchObject({
      id: 'pop-north',
      state: 'described',
      datasets: ['person'],
      routing: { provinces: ['01'] },
      source: 'catalog',
      revision: 1,
    });
    expect(
      (await admin('POST', '/v1/adapters', manifest('pop-south', 'population', sim.extraEndpoints['pop-south'], { routing: { provinces: ['79'] } }))).status,
    ).toBe(201);
    expect((await admin('POST', '/v1/adapters', manifest('pop-north', 'population', sim.extraEndpoints['pop-north']))).body).toMatchObject({
      code: 'adapter_exists',
    });

    const people = await samples('population', 'person', 1000);
    const of = (province: string) => people.filter((id) => provinceOfSubject(directory, 'cccd', id) === province).slice(0, 10);
    const [hanoi, hcmc] = [of('01'), of('79')];
    expect(hanoi.length).toBeGreaterThan(2);
    expect(hcmc.length).toBeGreaterThan(2);
    const before = { north: sim.adapterStats('pop-north').lookups, south: sim.adapterStats('pop-south').lookups };
    for (const id of hanoi) expect((await lookup(`/v1/registries/population/person/${id}`)).status).toBe(200);
    for (const id of hcmc) expect((await lookup(`/v1/registries/population/person/${id}`)).status).toBe(200);
    expect(sim.adapterStats('pop-north')).toMatchObject({ lookups: before.north + hanoi.length, outOfShard: 0 });
    expect(sim.adapterStats('pop-south')).toMatchObject({ lookups: before.south + hcmc.length, outOfShard: 0 });

    // A province no shard serves: 503, not a wrong "not found".
    const elsewhere = people.find((id) => !['01', '79'].includes(provinceOfSubject(directory, 'cccd', id) ?? ''))!;
    const unserved = await lookup(`/v1/registries/population/person/${elsewhere}`);
    expect(unserved.status).toBe(503);
    expect(unserved.body.code).toBe('registry_unavailable');
  });

  it('updates an adapter to a new endpoint under load without failing a request, and removes it with a drain', async () => {
    expect((await admin('POST', '/v1/adapters', manifest('business', 'business', sim.extraEndpoints['business-a']))).status).toBe(201);
    const taxCodes = await samples('business', 'enterprise', 50);
    const urls = taxCodes.map((code) => `/v1/registries/business/enterprise/${code}`);
    const a0 = sim.adapterStats('business-a').lookups;
    const update = (async () => {
      await sleep(300);
      const answer = await admin('PUT', '/v1/adapters/business', manifest('business', 'business', sim.extraEndpoints['business-b'], { maxConcurrency: 64 }));
      await sleep(300);
      return answer;
    })();
    const statuses = await load(8, urls, update);
    const updated = await update;
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ endpoint: sim.extraEndpoints['business-b'], revision: 2, maxConcurrency: 64 });
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(sim.adapterStats('business-a').lookups).toBeGreaterThan(a0);
    const [a1, b1] = [sim.adapterStats('business-a').lookups, sim.adapterStats('business-b').lookups];
    expect(b1).toBeGreaterThan(0);
    for (const url of urls.slice(0, 5)) expect((await lookup(url)).status).toBe(200);
    expect(sim.adapterStats('business-a').lookups).toBe(a1);
    expect(sim.adapterStats('business-b').lookups).toBe(b1 + 5);

    const removed = await admin('DELETE', '/v1/adapters/business');
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ id: 'business', drained: true });
    const gone = await lookup(urls[0]);
    expect(gone.status).toBe(503);
    expect(gone.body).toMatchObject({ code: 'registry_not_connected', registry: 'business' });
    expect((await admin('GET', '/v1/adapters/business')).status).toBe(404);
  });

  it('fails over between replicas: killing one loses no request', async () => {
    for (const id of ['land-r1', 'land-r2']) expect((await admin('POST', '/v1/adapters', manifest(id, 'land', sim.extraEndpoints[id]))).status).toBe(201);
    const parcels = await samples('land', 'parcel', 40);
    const urls = parcels.map((p) => `/v1/registries/land/parcel/${p}`);
    const kill = (async () => {
      await sleep(300);
      await sim.stopAdapter('land-r1');
      await sleep(700);
    })();
    const statuses = await load(6, urls, kill);
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const r2 = sim.adapterStats('land-r2').lookups;
    for (const url of urls.slice(0, 6)) expect((await lookup(url)).status).toBe(200);
    expect(sim.adapterStats('land-r2').lookups).toBe(r2 + 6);
    const health = await admin('GET', '/v1/adapters/land-r1/health');
    expect(health.body).toMatchObject({ id: 'land-r1', grpcHealth: 'UNKNOWN' });
    await sim.startAdapter('land-r1');
  });

  it('bulkhead per adapter: beyond maxConcurrency the excess gets 503 + Retry-After at once', async () => {
    expect(
      (
        await admin(
          'POST',
          '/v1/adapters',
          manifest('civil-1', 'civil-status', sim.endpoints['civil-status'], { maxConcurrency: 2, retry: { attempts: 1, backoffMs: 0 } }),
        )
      ).status,
    ).toBe(201);
    const births = await samples('civil-status', 'birth', 6);
    await control('PUT', '/sim/registries/civil-status/faults', { latencyMs: 400 });
    try {
      const answers = await Promise.all(births.map((id) => lookup(`/v1/registries/civil-status/birth/${id}`)));
      const busy = answers.filter((a) => a.status === 503);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
      expect(busy).toHaveLength(4);
      for (const answer of busy) {
        expect(answer.body.code).toBe('registry_busy');
        expect(answer.headers.get('retry-after')).toBe('1');
        expect(answer.ms).toBeLessThan(300);
      }
      expect(await metric(/^motlan_adapter_rejected_total\{registry="civil-status",adapter="civil-1",reason="busy"\}/)).toBe(4);
    } finally {
      await control('DELETE', '/sim/registries/civil-status/faults');
    }
  });

  it('breaker per adapter from its manifest: opens at the threshold, fails fast, half-opens and closes; figures in /metrics and health', async () => {
    const settings = { retry: { attempts: 1, backoffMs: 0 }, breaker: { failureThreshold: 3, openMs: 800 } };
    expect((await admin('POST', '/v1/adapters', manifest('residence-1', 'residence', sim.endpoints.residence, settings))).status).toBe(201);
    const households = await samples('residence', 'household', 8);
    await control('PUT', '/sim/registries/residence/faults', { errorRate: 1 });
    try {
      for (const id of households.slice(0, 3)) expect((await lookup(`/v1/registries/residence/household/${id}`)).status).toBe(503);
      const fast = await lookup(`/v1/registries/residence/household/${households[3]}`);
      expect(fast.body.code).toBe('registry_circuit_open');
      expect(fast.ms).toBeLessThan(200);
      expect(await metric(/^motlan_adapter_breaker_state\{registry="residence",adapter="residence-1"\}/)).toBe(2);
      expect(await metric(/^motlan_adapter_errors_total\{registry="residence",adapter="residence-1",kind="unavailable"\}/)).toBe(3);
      const health = await call('GET', '/v1/adapters/residence-1/health', readOnlyToken);
      expect(health.body).toMatchObject({
        grpcHealth: 'SERVING',
        resilience: { breaker: { state: 'open' }, recent: { calls: 4, errors: 3, errorRate: 0.75 } },
      });
      // 4 calls: the Describe made at registration, then the 3 failed lookups; the refused one never reached the adapter.
    } finally {
      await control('DELETE', '/sim/registries/residence/faults');
    }
    await sleep(900);
    expect((await lookup(`/v1/registries/residence/household/${households[4]}`)).status).toBe(200);
    expect(await metric(/^motlan_adapter_breaker_state\{registry="residence",adapter="residence-1"\}/)).toBe(0);
  });
});

describe('registry operators own their adapters', () => {
  type View = { id: string; owner: string | null; updatedBy: string | null; revision: number; maxConcurrency: number };
  const northShard = (extra: Record<string, unknown> = {}) =>
    manifest('pop-north', 'population', sim.extraEndpoints['pop-north'], { routing: { provinces: ['01'] }, ...extra });

  it('a land operator can neither register a population adapter nor replace or remove one (403), and population routing is untouched', async () => {
    const people = await samples('population', 'person', 1000);
    const hanoi = people.filter((id) => provinceOfSubject(directory, 'cccd', id) === '01').slice(0, 4);
    const north = sim.adapterStats('pop-north').lookups;

    const hostile = await call(
      'POST',
      '/v1/adapters',
      tokens.land,
      manifest('land-op-pop', 'population', sim.extraEndpoints['pop-north'], { routing: { provinces: ['01'] } }),
    );
    expect(hostile.status).toBe(403);
    expect(hostile.body).toMatchObject({ code: 'registry_not_permitted', registry: 'population', requiredScope: 'adapters:write:population' });
    // Also for an id that is taken: the answer does not depend on what the catalog holds.
    expect((await call('POST', '/v1/adapters', tokens.land, northShard())).body).toMatchObject({ code: 'registry_not_permitted' });
    expect((await call('PUT', '/v1/adapters/pop-north', tokens.land, northShard({ maxConcurrency: 1 }))).body).toMatchObject({
      code: 'registry_not_permitted',
    });
    const removal = await call('DELETE', '/v1/adapters/pop-north', tokens.land);
    expect(removal).toMatchObject({ status: 403, body: { code: 'registry_not_permitted' } });
    // A token of the old kind (plain adapters:write) no longer grants any registry.
    expect(await call('POST', '/v1/adapters', tokens.legacy, manifest('legacy-pop', 'population', sim.extraEndpoints['pop-north']))).toMatchObject({
      status: 403,
      body: { code: 'missing_scope' },
    });
    expect((await call('DELETE', '/v1/adapters/pop-north', tokens.legacy)).status).toBe(403);

    expect((await admin('GET', '/v1/adapters/land-op-pop')).status).toBe(404);
    expect((await admin('GET', '/v1/adapters/legacy-pop')).status).toBe(404);
    expect((await admin('GET', '/v1/adapters/pop-north')).body).toMatchObject({ owner: 'registry-operator-1', maxConcurrency: 32 });
    for (const id of hanoi) expect((await lookup(`/v1/registries/population/person/${id}`)).status).toBe(200);
    expect(sim.adapterStats('pop-north').lookups).toBe(north + hanoi.length);
  });

  it('another operator of the same registry cannot change or remove an adapter it does not own (403 adapter_owner_mismatch), but runs its own', async () => {
    const put = await call('PUT', '/v1/adapters/pop-north', tokens.population2, northShard({ maxConcurrency: 1 }));
    expect(put).toMatchObject({ status: 403, body: { code: 'adapter_owner_mismatch', adapter: 'pop-north' } });
    expect((await call('DELETE', '/v1/adapters/pop-north', tokens.population2)).body).toMatchObject({ code: 'adapter_owner_mismatch' });

    // Its own replica of the north shard: registered, changed and removed by itself.
    const own = await call(
      'POST',
      '/v1/adapters',
      tokens.population2,
      manifest('pop-north-2', 'population', sim.extraEndpoints['pop-north'], { routing: { provinces: ['01'] } }),
    );
    expect(own.status).toBe(201);
    expect(own.body).toMatchObject({ id: 'pop-north-2', owner: 'population-operator-2', updatedBy: 'population-operator-2' });
    const changed = await call(
      'PUT',
      '/v1/adapters/pop-north-2',
      tokens.population2,
      manifest('pop-north-2', 'population', sim.extraEndpoints['pop-north'], { routing: { provinces: ['01'] }, maxConcurrency: 8 }),
    );
    expect(changed).toMatchObject({ status: 200, body: { revision: 2, maxConcurrency: 8, owner: 'population-operator-2' } });
    // ...which the first operator cannot touch either.
    expect((await admin('DELETE', '/v1/adapters/pop-north-2')).body).toMatchObject({ code: 'adapter_owner_mismatch' });
    expect((await call('DELETE', '/v1/adapters/pop-north-2', tokens.population2)).status).toBe(200);
  });

  it('the owner changes its own adapter; an administrator may change any, and the owner stays; the listing shows it', async () => {
    const own = await admin('PUT', '/v1/adapters/pop-north', northShard({ maxConcurrency: 24 }));
    expect(own).toMatchObject({ status: 200, body: { owner: 'registry-operator-1', updatedBy: 'registry-operator-1', maxConcurrency: 24 } });
    const byAdmin = await call('PUT', '/v1/adapters/pop-north', tokens.admin, northShard({ maxConcurrency: 32 }));
    expect(byAdmin).toMatchObject({ status: 200, body: { owner: 'registry-operator-1', updatedBy: 'national-admin', maxConcurrency: 32 } });
    const listed = ((await call('GET', '/v1/adapters', readOnlyToken)).body.adapters as View[]).find((a) => a.id === 'pop-north');
    expect(listed).toMatchObject({ owner: 'registry-operator-1', updatedBy: 'national-admin' });
    // Durable: the catalog file carries the owner with the entry.
    const lines = readFileSync(path.join(dataDir, 'adapters', 'motlan.adapters.v1', '0.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect((JSON.parse(lines.at(-1) ?? '{}') as { v?: string }).v).toContain('"owner":"registry-operator-1"');
  });
});

describe('operator CLI and the catalog file', () => {
  function sink() {
    const chunks: string[] = [];
    return { write: (text: string) => chunks.push(text), text: () => chunks.join('') };
  }
  const cli = async (...argv: string[]) => {
    const [out, err] = [sink(), sink()];
    const code = await runMotlanCli(argv, { MOTLAN_URL: base, MOTLAN_DATA_DIR: dataDir }, out, err);
    return { code, out: out.text(), err: err.text() };
  };

  it('registers, lists, shows, checks health and removes through the CLI, exiting non-zero on refusal', async () => {
    const file = path.join(dataDir, 'business-b.json');
    writeFileSync(file, JSON.stringify(manifest('business-b', 'business', sim.extraEndpoints['business-b'])));
    const registered = await cli('adapters', 'register', file);
    expect(registered).toMatchObject({ code: 0, err: '' });
    expect(registered.out).toContain('registered business-b → business at');
    const list = await cli('adapters', 'list');
    expect(list.code).toBe(0);
    expect(list.out.split('\n')[0]).toMatch(/^ID\s+REGISTRY\s+ENDPOINT/);
    expect(list.out).toMatch(/business-b\s+business\s+127\.0\.0\.1:\d+\s+insecure\s+all\s+described\s+catalog\s+1\s+operator-cli/);
    expect(list.out).toMatch(/pop-north\s+population\s+\S+\s+insecure\s+01\s+described/);
    expect((await cli('adapters', 'show', 'business-b')).out).toMatch(/datasets:\s+enterprise/);
    expect((await cli('adapters', 'health', 'business-b')).out).toMatch(/grpc health:\s+SERVING/);

    writeFileSync(file, JSON.stringify({ ...manifest('business-b', 'business', sim.extraEndpoints['business-b']), maxConcurrency: 0 }));
    const refused = await cli('adapters', 'update', file);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('400 validation_failed');
    expect(refused.err).toContain('- maxConcurrency:');
    expect(await cli('adapters', 'show', 'no-such-adapter')).toMatchObject({ code: 1, err: expect.stringContaining('404 adapter_not_found') });
    expect((await cli('adapters', 'frobnicate')).code).toBe(2);

    const removed = await cli('adapters', 'remove', 'business-b');
    expect(removed).toMatchObject({ code: 0, out: expect.stringMatching(/^removed business-b \(drained/) });
  });

  it('audits every catalog change with who, what, before and after', () => {
    const records = readAuditRecords(path.join(dataDir, 'audit')).filter((r) => r.type === 'adapter_catalog');
    const update = records.find((r) => r.action === 'update' && r.adapterId === 'business')!;
    expect(update).toMatchObject({
      clientId: 'registry-operator-1',
      registry: 'business',
      before: { endpoint: sim.extraEndpoints['business-a'] },
      after: { endpoint: sim.extraEndpoints['business-b'] },
    });
    expect(records.find((r) => r.action === 'remove' && r.adapterId === 'business-b')).toMatchObject({
      clientId: 'operator-cli',
      after: null,
      before: { id: 'business-b' },
    });
    expect(records.filter((r) => r.action === 'register').map((r) => r.adapterId)).toEqual(
      expect.arrayContaining(['pop-north', 'pop-south', 'business', 'land-r1', 'land-r2', 'civil-1', 'residence-1', 'business-b']),
    );
  });

  it('a restarted gateway has the same catalog (append-only file) and routes to it', async () => {
    const before = ((await admin('GET', '/v1/adapters')).body.adapters as { id: string }[]).map((a) => a.id).sort();
    await gateway.close();
    gateway = await startGateway();
    const after = (await admin('GET', '/v1/adapters')).body.adapters as { id: string; state: string; revision: number; owner: string | null }[];
    expect(after.map((a) => a.id).sort()).toEqual(before);
    // Owners survive the restart: the owner rule holds for entries read back from the store.
    expect(after.find((a) => a.id === 'pop-north')?.owner).toBe('registry-operator-1');
    expect((await call('DELETE', '/v1/adapters/pop-north', tokens.population2)).body).toMatchObject({ code: 'adapter_owner_mismatch' });
    expect(before).not.toContain('business');
    const [parcel] = await samples('land', 'parcel', 1);
    expect((await lookup(`/v1/registries/land/parcel/${parcel}`)).status).toBe(200);
  });
});
