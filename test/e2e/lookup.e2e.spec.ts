/**
 * The whole lookup path end to end on the embedded profile: the real gateway application against
 * the real registry simulator over loopback gRPC, driven over real HTTP.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, importJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { EvidenceKeyStore } from '@motlan/evidence/evidence-key-store.js';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import { isValidTaxCode, parseCccd, taxCodeCheckDigit } from '@motlan/identifiers/subject-id.js';
import { ChangeEventRelay } from '../../apps/registry-sim/src/events/change-event-relay.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { ChangeEventPublisher } from '@motlan/events/change-event-publisher.service.js';
import { embeddedChangeEventLog } from '@motlan/events/embedded-change-event-log.js';
import { httpCall, officerHeaders, purposeFor } from '../support/http.js';
import { simControl, simSamples } from '../support/sim-control.js';
import { readAuditRecords } from '../support/audit-trail.js';
import { e2eStack, onCleanup, privateDataDir, startGateway } from '../support/e2e-harness.js';

const ALL_SCOPES = 'population:read residence:read land:read business:read civil-status:read';

let sim: RunningRegistrySim;
let app: NestFastifyApplication;
let base: string;
let dataDir: string;
let issuer: DevTokenIssuer;
let token: string;

const lookupHeaders = (extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  ...officerHeaders(),
  ...extra,
});

const get = (url: string, headers: Record<string, string> = lookupHeaders()) => httpCall(base, 'GET', url, { headers });

async function post(url: string, body: string, headers: Record<string, string> = lookupHeaders()) {
  const response = await fetch(base + url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

async function samples(registry: string, dataset: string, n: number, extra = ''): Promise<string[]> {
  const ids = await simSamples(sim.controlUrl, registry, dataset, n, extra);
  for (const id of ids) subjectsUsed.add(id);
  return ids;
}

/** Every subject id the tests looked up, and every line the gateway logged (at debug level). */
const subjectsUsed = new Set<string>();
const gatewayLogLines: string[] = [];
const capturedLogger = () => pino({ level: 'debug' }, { write: (line: string) => void gatewayLogLines.push(line) });

async function jwks(): Promise<JSONWebKeySet> {
  return (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
}

function expectProblem(result: { status: number; headers: Headers; body: Record<string, unknown> }, status: number, code: string) {
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(result.body).toMatchObject({ status, code, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
}

const stack = e2eStack({
  dataDirPrefix: 'motlan-e2e-',
  sim: { seed: 7, persons: 1_000_000 },
  env: { MOTLAN_REGISTRY_TIMEOUT_MS: '1500', MOTLAN_BODY_LIMIT_BYTES: String(64 * 1024) },
  logger: capturedLogger,
});

beforeAll(async () => {
  ({ sim, dataDir, app, base, clients: issuer } = stack);
  token = await issuer.issue({ sub: 'commune-00004', scope: ALL_SCOPES });
});

describe('lookup of persons', () => {
  it('answers persons born in several provinces, MISS then HIT, with the request id echoed', async () => {
    const ids = await samples('population', 'person', 40);
    const provinces = new Set(ids.map((id) => parseCccd(id)?.birthProvinceCode));
    expect(provinces.size).toBeGreaterThanOrEqual(5);
    for (const [index, id] of ids.slice(0, 10).entries()) {
      const first = await get(`/v1/registries/population/person/${id}`, lookupHeaders({ 'x-request-id': `req-${index}` }));
      expect(first.status).toBe(200);
      expect(first.headers.get('x-request-id')).toBe(`req-${index}`);
      expect(first.headers.get('x-cache')).toBe('MISS');
      expect(first.body).toMatchObject({ registry: 'population', dataset: 'person', subjectId: id, meta: { cache: 'MISS', version: expect.any(String) } });
      const data = first.body.data as Record<string, unknown>;
      expect(data.personId).toBe(id);
      expect(typeof data.fullName).toBe('string');
      expect(String(data.dateOfBirth).slice(0, 4)).toBe(String(parseCccd(id)?.birthYear));
      const second = await get(`/v1/registries/population/person/${id}`);
      expect(second.headers.get('x-cache')).toBe('HIT');
      expect(second.body.data).toEqual(first.body.data);
      expect(second.body.evidence).toBe(first.body.evidence);
    }
  });

  it('returns only the requested fields', async () => {
    const [id] = await samples('population', 'person', 1);
    const result = await get(`/v1/registries/population/person/${id}?fields=fullName,dateOfBirth`);
    expect(result.status).toBe(200);
    expect(Object.keys(result.body.data as object).sort()).toEqual(['dateOfBirth', 'fullName']);
  });

  it('answers the other registries with their real identifier formats', async () => {
    const [person] = await samples('population', 'person', 1);
    const [taxCode] = await samples('business', 'enterprise', 1);
    const [parcel] = await samples('land', 'parcel', 1);
    expect(isValidTaxCode(taxCode)).toBe(true);
    for (const url of [
      `/v1/registries/residence/household/${person}`,
      `/v1/registries/business/enterprise/${taxCode}`,
      `/v1/registries/land/parcel/${parcel}`,
      `/v1/registries/civil-status/birth/${person}`,
    ]) {
      const result = await get(url, lookupHeaders({ 'x-purpose': purposeFor(url) }));
      expect({ url, status: result.status }).toEqual({ url, status: 200 });
    }
  });
});

describe('batch', () => {
  it('answers each item on its own', async () => {
    const [a, b] = await samples('population', 'person', 2);
    const result = await post(
      '/v1/lookups',
      JSON.stringify({
        items: [
          { registry: 'population', dataset: 'person', subjectId: a, fields: ['fullName'] },
          { registry: 'population', dataset: 'person', subjectId: b },
          { registry: 'population', dataset: 'person', subjectId: '12345' },
          { registry: 'population', dataset: 'pets', subjectId: a },
        ],
      }),
    );
    expect(result.status).toBe(200);
    const results = result.body.results as Array<{ status: number; answer?: { data: object; subjectId: string }; problem?: { code: string } }>;
    expect(results.map((r) => r.status)).toEqual([200, 200, 400, 400]);
    expect(Object.keys(results[0].answer!.data)).toEqual(['fullName']);
    expect(results[1].answer!.subjectId).toBe(b);
    expect(results[2].problem!.code).toBe('invalid_subject_id');
    expect(results[3].problem!.code).toBe('unknown_dataset');
  });

  it('refuses more than 50 items', async () => {
    const items = Array.from({ length: 51 }, () => ({ registry: 'population', dataset: 'person', subjectId: '001099012345' }));
    expectProblem(await post('/v1/lookups', JSON.stringify({ items })), 400, 'validation_failed');
  });
});

describe('evidence', () => {
  it('verifies against the served key set, with data deep-equal to the answer', async () => {
    const [id] = await samples('population', 'person', 1, '&province=79');
    const result = await get(`/v1/registries/population/person/${id}?fields=fullName,permanentAddress`);
    const { payload } = await compactVerify(result.body.evidence as string, createLocalJWKSet(await jwks()));
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    expect(claims).toMatchObject({ registry: 'population', dataset: 'person', subjectId: id, version: (result.body.meta as { version: string }).version });
    expect(claims.iss).toEqual(expect.any(String));
    expect(claims.iat).toEqual(expect.any(Number));
    expect(claims.asOf).toBe((result.body.meta as { asOf: string }).asOf);
    expect(claims.data).toEqual(result.body.data);
  });

  it('still verifies evidence signed before a key rotation', async () => {
    const [id] = await samples('population', 'person', 1, '&province=01');
    const before = await get(`/v1/registries/population/person/${id}?fields=fullName`);
    const oldKid = decodeProtectedHeader(before.body.evidence as string).kid;
    const { kid: newKid } = await app.get(EvidenceKeyStore).rotate();
    expect(newKid).not.toBe(oldKid);
    const keySet = await jwks();
    expect(keySet.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    await expect(compactVerify(before.body.evidence as string, createLocalJWKSet(keySet))).resolves.toBeDefined();
    const after = await get(`/v1/registries/population/person/${id}?fields=fullName,sex`);
    expect(decodeProtectedHeader(after.body.evidence as string).kid).toBe(newKid);
    await expect(compactVerify(after.body.evidence as string, createLocalJWKSet(keySet))).resolves.toBeDefined();
  });
});

describe('errors are problem+json with a stable code', () => {
  let person: string;
  beforeAll(async () => {
    [person] = await samples('population', 'person', 1);
  });

  it('400 for malformed input', async () => {
    expectProblem(await get('/v1/registries/population/person/12345'), 400, 'invalid_subject_id');
    expectProblem(await get('/v1/registries/population/person/00109901234X'), 400, 'invalid_subject_id');
    const first9 = '010023348';
    const wrongDigit = (taxCodeCheckDigit(first9)! + 1) % 10;
    expectProblem(await get(`/v1/registries/business/enterprise/${first9}${wrongDigit}`), 400, 'invalid_subject_id');
    expectProblem(await get(`/v1/registries/population/person/${person}?fields=fullName,shoeSize`), 400, 'unknown_field');
    expectProblem(await get(`/v1/registries/population/pets/${person}`), 400, 'unknown_dataset');
    expectProblem(await get(`/v1/registries/cadastre/person/${person}`), 400, 'unknown_registry');
    expectProblem(await get(`/v1/registries/population/person/${person}`, lookupHeaders({ 'x-purpose': 'residence' })), 400, 'invalid_purpose');
    expectProblem(await get(`/v1/registries/population/person/${person}?fields=a;b`), 400, 'validation_failed');
    const noOfficer = lookupHeaders();
    delete (noOfficer as Record<string, string>)['x-officer-id'];
    expectProblem(await get(`/v1/registries/population/person/${person}`, noOfficer), 400, 'validation_failed');
    expectProblem(await post('/v1/lookups', '{"items": ['), 400, 'malformed_body');
    expectProblem(await post('/v1/lookups', JSON.stringify({ items: [], extra: 1 })), 400, 'validation_failed');
  });

  it('413 for an oversized body', async () => {
    const big = JSON.stringify({ items: [{ registry: 'population', dataset: 'person', subjectId: 'x'.repeat(70 * 1024) }] });
    expectProblem(await post('/v1/lookups', big), 413, 'body_too_large');
  });

  it('401 for a missing, malformed, foreign or expired token', async () => {
    const url = `/v1/registries/population/person/${person}`;
    const without = lookupHeaders();
    delete (without as Record<string, string>).authorization;
    expectProblem(await get(url, without), 401, 'token_missing');
    expectProblem(await get(url, lookupHeaders({ authorization: 'Bearer not.a.jwt' })), 401, 'token_invalid');
    const foreign = new DevTokenIssuer({ dataDir: privateDataDir('motlan-foreign-') });
    const foreignToken = await foreign.issue({ sub: 'intruder', scope: ALL_SCOPES });
    const foreignResult = await get(url, lookupHeaders({ authorization: `Bearer ${foreignToken}` }));
    expect(foreignResult.status).toBe(401);
    // Expired an hour ago, signed with the trusted development key: refused beyond the clock tolerance.
    const privateJwk = JSON.parse(readFileSync(path.join(dataDir, 'dev-issuer', 'private-key.jwk.json'), 'utf8')) as JWK;
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ scope: ALL_SCOPES })
      .setProtectedHeader({ alg: 'EdDSA', kid: privateJwk.kid })
      .setIssuer('urn:motlan:dev-issuer')
      .setAudience('motlan-gateway')
      .setSubject('commune-00004')
      .setIssuedAt(now - 7200)
      .setExpirationTime(now - 3600)
      .sign(await importJWK(privateJwk, 'EdDSA'));
    expectProblem(await get(url, lookupHeaders({ authorization: `Bearer ${expired}` })), 401, 'token_expired');
  });

  it('403 for a missing scope', async () => {
    const landOnly = await issuer.issue({ sub: 'commune-00004', scope: 'land:read' });
    expectProblem(await get(`/v1/registries/population/person/${person}`, lookupHeaders({ authorization: `Bearer ${landOnly}` })), 403, 'missing_scope');
  });

  it('404 for an unknown subject and an unknown route', async () => {
    // A valid CCCD structure the simulator does not hold: serial block beyond the population.
    const unknown = await findUnknownPerson();
    expectProblem(await get(`/v1/registries/population/person/${unknown}`), 404, 'subject_not_found');
    expectProblem(await get('/v1/nothing-here'), 404, 'route_not_found');
  });

  it('503 with Retry-After when the registry cannot answer, never a 500', async () => {
    const [fresh] = await samples('residence', 'household', 1, '&province=48');
    await simControl(sim.controlUrl, 'PUT', '/sim/registries/residence/faults', { down: true });
    try {
      const result = await get(`/v1/registries/residence/household/${fresh}`);
      expectProblem(result, 503, 'registry_unavailable');
      expect(Number(result.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await simControl(sim.controlUrl, 'DELETE', '/sim/registries/residence/faults');
    }
  });
});

describe('answers carrying personal data, and /docs (issue 13)', () => {
  it('sends Cache-Control: no-store with lookups, batches and evidence checks (answered and refused)', async () => {
    const [id] = await samples('population', 'person', 1);
    const lookup = await get(`/v1/registries/population/person/${id}?fields=fullName`);
    expect(lookup.status).toBe(200);
    expect(lookup.headers.get('cache-control')).toBe('no-store');
    expect(lookup.headers.get('x-content-type-options')).toBe('nosniff');
    const batch = await post('/v1/lookups', JSON.stringify({ items: [{ registry: 'population', dataset: 'person', subjectId: id, fields: ['fullName'] }] }));
    expect(batch.status).toBe(200);
    expect(batch.headers.get('cache-control')).toBe('no-store');
    const verify = await post('/v1/evidence/verify', JSON.stringify({ evidence: lookup.body.evidence }));
    expect(verify.status).toBeLessThan(300);
    expect(verify.headers.get('cache-control')).toBe('no-store');
    const refused = await get(`/v1/registries/population/person/${id}`, { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    // Routes that chose their own caching keep it.
    expect((await fetch(`${base}/.well-known/jwks.json`)).headers.get('cache-control')).toBe('public, max-age=60');
  });

  it('serves /docs with a CSP, frame-ancestors none and nosniff', async () => {
    for (const url of ['/docs', '/docs/', '/docs/swagger-ui-init.js', '/docs/swagger-ui-bundle.js']) {
      const response = await fetch(base + url);
      expect({ url, status: response.status }).toEqual({ url, status: 200 });
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain('unsafe-eval');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      await response.arrayBuffer();
    }
    const page = await (await fetch(`${base}/docs`)).text();
    expect(await (await fetch(`${base}/docs?url=https%3A%2F%2Fevil.example%2Fspec.json`)).text()).toBe(page);
  });

  it('never loads a spec named by ?url= : the page runs with our own document only', async () => {
    const script = await (await fetch(`${base}/docs/swagger-ui-init.js`)).text();
    // Run the init script as the page would, at /docs?url=<foreign spec>, and see what it hands Swagger UI.
    const handed: Array<Record<string, unknown>> = [];
    const window: { location: { search: string; origin: string }; onload?: () => void } = {
      location: { search: '?url=https%3A%2F%2Fevil.example%2Fspec.json&configUrl=https%3A%2F%2Fevil.example%2Fconfig.json', origin: base },
    };
    const SwaggerUIBundle = Object.assign((options: Record<string, unknown>) => (handed.push(options), { initOAuth: () => undefined }), {
      presets: { apis: {} },
      plugins: { DownloadUrl: {} },
    });
    vm.runInNewContext(script, { window, SwaggerUIBundle, SwaggerUIStandalonePreset: {} });
    window.onload?.();
    expect(handed).toHaveLength(1);
    expect(handed[0]).toMatchObject({ url: '/openapi.json', queryConfigEnabled: false });
    expect(JSON.stringify(handed[0])).not.toContain('evil.example');
    expect((handed[0].spec as { info?: { title?: string } }).info?.title).toBe('Motlan gateway');
  });
});

describe('change events on the embedded bus', () => {
  it('a record changed in the registry is looked up in its new version, not the cached one', async () => {
    const relay = new ChangeEventRelay(
      sim.registries,
      new ChangeEventPublisher({ log: embeddedChangeEventLog(dataDir), ownsLog: true }),
      pino({ level: 'silent' }),
    );
    const closeRelay = onCleanup('change event relay', () => relay.close());
    // The simulated change is to the occupation, which domestic adoption registration may read (1.004222 may not).
    const adoption = (url: string) => httpCall(base, 'GET', url, { headers: lookupHeaders({ 'x-purpose': '1.003005' }) });
    try {
      const [id] = await samples('population', 'person', 1, '&province=31');
      const before = await adoption(`/v1/registries/population/person/${id}?fields=occupation`);
      expect((await adoption(`/v1/registries/population/person/${id}?fields=occupation`)).headers.get('x-cache')).toBe('HIT');
      const change = sim.registries.changeRecord('population', 'person', id);
      const deadline = Date.now() + 3000;
      let after = await adoption(`/v1/registries/population/person/${id}?fields=occupation`);
      while ((after.body.meta as { version: string }).version !== String(change.version) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        after = await adoption(`/v1/registries/population/person/${id}?fields=occupation`);
      }
      expect((after.body.meta as { version: string }).version).toBe(String(change.version));
      expect((before.body.meta as { version: string }).version).not.toBe(String(change.version));
      expect(after.headers.get('x-cache')).toBe('MISS');
    } finally {
      await closeRelay();
    }
  });
});

describe('logs', () => {
  it('carry the request id and no personal data: no subject id that was looked up, no name returned', async () => {
    const [id] = await samples('population', 'person', 1, '&province=01');
    const answer = await get(`/v1/registries/population/person/${id}`, lookupHeaders({ 'x-request-id': 'log-check-1' }));
    const name = String((answer.body.data as { fullName: string }).fullName);
    await get('/v1/registries/population/person/12345', lookupHeaders({ 'x-request-id': 'log-check-2' }));
    // A request id that could carry a personal id is replaced, not echoed or logged.
    const personalRequestId = await get(`/v1/registries/population/person/${id}?fields=sex`, lookupHeaders({ 'x-request-id': `dossier-${id}` }));
    expect(personalRequestId.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const logs = gatewayLogLines.join('');
    expect(logs).toContain('"reqId":"log-check-1"');
    expect(subjectsUsed.size).toBeGreaterThan(20);
    for (const subject of subjectsUsed)
      expect({ subject, loggedIn: gatewayLogLines.find((line) => line.includes(subject)) }).toEqual({ subject, loggedIn: undefined });
    expect(logs.includes(name)).toBe(false);
    expect(logs.includes('12345')).toBe(false);
  });
});

/** The private members (`d`) of every private JWK file under `dir`: the keys that sign tokens and evidence. */
function privateKeyMaterial(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.jwk.json'))
    .map((name) => (JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as JWK).d)
    .filter((d): d is string => typeof d === 'string');
}

describe('logs and secrets', () => {
  it('carry no secret: no bearer token (accepted, forged or malformed) and no private key, also on refusals', async () => {
    const [id] = await samples('population', 'person', 1);
    expect((await get(`/v1/registries/population/person/${id}`, lookupHeaders({ 'x-request-id': 'secret-check-1' }))).status).toBe(200);
    // A token whose signature was tampered with, a token that is not a JWT, an unknown scheme.
    const [head, payload, signature] = token.split('.');
    const forged = `${head}.${payload}.${signature.slice(0, -4)}${signature.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const refusals = [`Bearer ${forged}`, 'Bearer not-a-jwt-but-a-secret-s3cr3t', `Basic ${Buffer.from('commune:hunter2-password').toString('base64')}`];
    for (const authorization of refusals) {
      const answer = await get(`/v1/registries/population/person/${id}`, { ...lookupHeaders(), authorization, 'x-request-id': 'secret-check-2' });
      expect(answer.status).toBe(401);
    }
    const logs = gatewayLogLines.join('');
    expect(logs).toContain('"reqId":"secret-check-2"');
    const keys = privateKeyMaterial(dataDir);
    // The dev token issuer's key and the evidence signing key, at least.
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const secrets = [
      token,
      signature,
      forged.split('.')[2],
      'not-a-jwt-but-a-secret-s3cr3t',
      'hunter2-password',
      Buffer.from('commune:hunter2-password').toString('base64'),
      ...keys,
    ];
    for (const secret of secrets)
      expect({ secret: secret.slice(0, 12), loggedIn: gatewayLogLines.find((line) => line.includes(secret)) }).toEqual({
        secret: secret.slice(0, 12),
        loggedIn: undefined,
      });
  });
});

describe('audit', () => {
  it('refuses with 503 and releases no data when the audit trail cannot be written', async () => {
    const blocker = path.join(dataDir, 'not-a-directory');
    writeFileSync(blocker, 'a file where the audit directory should be');
    const { app: unaudited } = await startGateway({ MOTLAN_DATA_DIR: dataDir, MOTLAN_AUDIT_DIR: path.join(blocker, 'audit'), MOTLAN_ADAPTERS: stack.adapters });
    try {
      const [id] = await samples('population', 'person', 1);
      const response = await fetch(`${await unaudited.getUrl()}/v1/registries/population/person/${id}`, { headers: lookupHeaders() });
      const body = (await response.json()) as Record<string, unknown>;
      expect(response.status).toBe(503);
      expect(body.code).toBe('audit_unavailable');
      // A problem document and nothing else: no data, no evidence.
      expect(Object.keys(body).sort()).toEqual(['code', 'detail', 'instance', 'requestId', 'status', 'title', 'type']);
    } finally {
      await unaudited.close();
    }
  });

  it('recorded every lookup, answered and refused, with who, why and what', async () => {
    const records = readAuditRecords<AuditRecord>(path.join(dataDir, 'audit'));
    expect(records.some((r) => r.outcome === 'answered' && r.clientId === 'commune-00004' && r.officerId === 'officer-001' && r.purpose === '1.004222')).toBe(
      true,
    );
    const refusedCodes = new Set(records.filter((r) => r.outcome === 'refused').map((r) => r.code));
    for (const code of [
      'invalid_subject_id',
      'unknown_field',
      'token_missing',
      'missing_scope',
      'subject_not_found',
      'registry_unavailable',
      'invalid_purpose',
    ]) {
      expect({ code, audited: refusedCodes.has(code) }).toEqual({ code, audited: true });
    }
  });
});

async function findUnknownPerson(): Promise<string> {
  for (let serial = 999999; serial > 0; serial -= 7) {
    const id = `001099${String(serial).padStart(6, '0')}`;
    const response = await get(`/v1/registries/population/person/${id}?fields=fullName`);
    if (response.status === 404) return id;
  }
  throw new Error('no unknown person id found');
}
