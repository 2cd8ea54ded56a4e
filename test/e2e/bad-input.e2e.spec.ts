/**
 * The bad-input suite: more than 10,000 malformed or hostile requests at a running gateway (real
 * HTTP, the registry simulator over real gRPC): random and boundary values in every path, query,
 * header and body field, wrong types, unicode oddities, oversized bodies, path traversal, header
 * injection, forged, expired and wrongly signed tokens, `alg: none`. The gateway must answer
 * every one with problem+json (or a success), never a 5xx, never crash, and record every refused
 * attempt in the audit trail. Seeded: a failure reproduces with the same seed.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { simSamples } from '../support/sim-control.js';
import { readAuditRecords } from '../support/audit-trail.js';
import { e2eStack, privateDataDir } from '../support/e2e-harness.js';

const SEED = Number(process.env.BAD_INPUT_SEED ?? 20261123);
const REQUESTS = Number(process.env.BAD_INPUT_REQUESTS ?? 10_500);
const CONCURRENCY = 32;

let sim: RunningRegistrySim;
let base: string;
let dataDir: string;
const tokens: Record<string, string> = {};
let persons: string[] = [];

/** mulberry32: small, seedable, good enough to pick cases. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
/** Valid JSON nesting objects / arrays `depth` levels deep. */
const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
/** What the gateway must never echo or log as a request id: 9+ digits, separators or not. */
const LOOKS_PERSONAL = /\d(?:[._:-]*\d){8,}/;

interface Case {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  kind: string;
}

function buildGenerator(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const int = (max: number) => Math.floor(random() * max);
  const weird = [
    '',
    ' ',
    '0',
    '-1',
    '1e309',
    'NaN',
    'null',
    'undefined',
    'true',
    '[]',
    '{}',
    '%00',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..%2F..%2F..%2Fetc%2Fpasswd',
    '%252e%252e%252f',
    "' OR '1'='1",
    '"; DROP TABLE citizens; --',
    '<script>alert(1)</script>',
    '${jndi:ldap://x/a}',
    '{{7*7}}',
    '\u202e1234',
    '\u0000',
    '\ud83d\ude00',
    'Ｐｏｐｕｌａｔｉｏｎ',
    'populati\u00f6n',
    'a'.repeat(300),
    '9'.repeat(64),
    '0'.repeat(12),
    '001099012345',
    '999999999999',
    '0010990123456',
    '00109901234',
    'đăng-ký',
    'NGUYỄN VĂN A',
    '__proto__',
    'constructor',
    'prototype',
  ];
  const enc = (value: string) => encodeURIComponent(value);
  const segment = () =>
    random() < 0.5
      ? enc(pick(weird))
      : pick([
          'population',
          'residence',
          'land',
          'business',
          'civil-status',
          'person',
          'household',
          'parcel',
          'enterprise',
          'birth',
          'x',
          'POPULATION',
          '..',
          '.',
          '%2e%2e',
        ]);
  const token = () => pick(Object.values(tokens));
  const purpose = () => pick(['1.004222', '1.004194', '9.999999', '1.00422', '', 'x', '1.004222\t', '١.٠٠٤٢٢٢', '1.004222; drop', 'a'.repeat(100)]);
  const officer = () => pick(['officer-001', '', ' ', 'a'.repeat(65), 'o\u0000x', 'officer 001', '<b>', 'ô']);
  // Personal ids broken up by separators must be replaced like plain ones.
  const requestId = () =>
    pick([randomUUID(), '001099012345', 'req-ok', 'x'.repeat(200), 'a b', '\u00e9', '', '0200-9405-9352', '001.099.012.345', 'req:0010:9901:2345']);
  const jsonValue = (depth = 0): unknown => {
    const r = random();
    if (depth > 3 || r < 0.3) return pick<unknown>([null, true, false, 0, -1, 1e308, -0, 2 ** 53 + 1, '', 'x', pick(weird), [], {}]);
    if (r < 0.6) return Array.from({ length: int(5) }, () => jsonValue(depth + 1));
    return Object.fromEntries(
      Array.from({ length: int(5) }, () => [
        pick(['items', 'registry', 'dataset', 'subjectId', 'fields', '__proto__', 'constructor', pick(weird)]),
        jsonValue(depth + 1),
      ]),
    );
  };
  const body = (): string => {
    const r = random();
    if (r < 0.1) return '{"items": [' + '{"registry":"population","dataset":"person","subjectId":"001099012345"},'.repeat(60) + '{}]}';
    if (r < 0.15) return '{'.repeat(5000) + '}'.repeat(5000);
    // Valid JSON nested 20,000 deep (~120 KB): was a stack overflow in the validator (500).
    if (r < 0.175) return random() < 0.5 ? deepObject(20_000) : deepArray(20_000);
    if (r < 0.2) return 'x'.repeat(300 * 1024);
    if (r < 0.25) return '{"items":';
    if (r < 0.3) return '\u0000\u0001\u0002';
    if (r < 0.35)
      return JSON.stringify({
        items: Array.from({ length: int(60) }, () => ({
          registry: pick(['population', pick(weird)]),
          dataset: pick(['person', pick(weird)]),
          subjectId: pick(persons.concat(weird)),
          fields: pick([['fullName'], ['x'.repeat(70)], 'fullName', [pick(weird)]]),
        })),
      });
    return JSON.stringify(jsonValue());
  };
  const dossierBody = (): string => {
    if (random() < 0.3) return body();
    const valid: Record<string, unknown> = {
      procedureCode: '1.004222',
      communeCode: '00004',
      status: 2,
      subjectType: 'citizen',
      receivedAt: '2026-11-23T09:15:00+07:00',
      sequence: 1,
    };
    // Another commune than the dossier's binding (403 dossier_commune_mismatch); ISO 8601 dates that are not RFC 3339 (400).
    if (random() < 0.2) valid.communeCode = '10231';
    if (random() < 0.2) valid[pick(['receivedAt', 'dueAt'])] = pick(['2026-W49-1T10:00:00Z', '2026-340T10:00:00Z', '20261206T100000Z']);
    const field = pick(Object.keys(valid).concat(['resultDocuments', 'dueAt', 'extra', '__proto__']));
    valid[field] = jsonValue();
    if (random() < 0.3) valid[pick(Object.keys(valid))] = pick(weird);
    return JSON.stringify(valid);
  };

  return (): Case => {
    const headers: Record<string, string> = {};
    const r = random();
    // Authorization: valid most of the time (so validation past the guard is exercised), forged otherwise.
    const auth = random();
    if (auth < 0.6) headers.authorization = `Bearer ${tokens.valid}`;
    else if (auth < 0.9) headers.authorization = `Bearer ${token()}`;
    else if (auth < 0.95)
      headers.authorization = pick(['Bearer', 'Basic dXNlcjpwYXNz', 'bearer  ', `Bearer ${'a'.repeat(9000)}`, 'Bearer a.b.c', `Bearer ${tokens.valid}x`]);
    if (random() < 0.9) headers['x-purpose'] = purpose();
    if (random() < 0.9) headers['x-officer-id'] = officer();
    if (random() < 0.5) headers['x-request-id'] = requestId();
    if (random() < 0.3) headers['x-dossier-id'] = pick(['H01-1', '../../x', 'a'.repeat(100), '']);
    if (r < 0.4) {
      const subject = random() < 0.3 ? pick(persons) : segment();
      const query =
        random() < 0.5
          ? `?fields=${enc(pick(['fullName', 'fullName,dateOfBirth', '', ',', 'a'.repeat(80), pick(weird), 'fullName,'.repeat(150)]))}`
          : random() < 0.1
            ? '?fields=a&fields=b'
            : '';
      return {
        kind: 'lookup',
        method: pick(['GET', 'GET', 'GET', 'POST', 'DELETE', 'HEAD']),
        path: `/v1/registries/${segment()}/${segment()}/${subject}${query}`,
        headers,
      };
    }
    if (r < 0.55) {
      headers['content-type'] = pick([
        'application/json',
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
      ]);
      return { kind: 'batch', method: 'POST', path: '/v1/lookups', headers, body: body() };
    }
    if (r < 0.7) {
      headers['content-type'] = 'application/json';
      if (random() < 0.5) headers.authorization = `Bearer ${random() < 0.8 ? tokens.dossiers : tokens.dossiersOfCommune}`;
      return {
        kind: 'dossier',
        method: pick(['PUT', 'PUT', 'POST', 'GET']),
        path: `/v1/dossiers/${random() < 0.5 ? 'H01.01-261123-000001' : segment()}/status`,
        headers,
        body: dossierBody(),
      };
    }
    if (r < 0.74) {
      // The procedure catalog's operator API: fuzzed procedures, codes and If-Match values.
      headers['content-type'] = 'application/json';
      headers.authorization = `Bearer ${random() < 0.7 ? tokens.procedures : token()}`;
      if (random() < 0.5) headers['if-match'] = pick(['"0"', '"1"', 'W/"2"', '*', pick(weird), '9'.repeat(30)]);
      const procedure: Record<string, unknown> = { code: '9.000777', name: 'fuzz', access: [{ registry: 'fuzz-registry', dataset: 'fuzz', fields: ['a'] }] };
      procedure[pick(Object.keys(procedure).concat(['subjects', 'form', 'components', 'version', 'x']))] = jsonValue();
      const code = pick(['9.000777', '9.000778', segment()]);
      return {
        kind: 'procedures',
        method: pick(['PUT', 'PUT', 'DELETE', 'GET']),
        path: pick(['/v1/procedures', `/v1/procedures/${code}`]),
        headers,
        body: JSON.stringify(procedure),
      };
    }
    if (r < 0.78) {
      headers['content-type'] = 'application/json';
      headers.authorization = `Bearer ${random() < 0.7 ? tokens.operator : token()}`;
      const manifest: Record<string, unknown> = {
        id: 'fuzz',
        registry: 'population',
        endpoint: '127.0.0.1:1',
        tls: { insecure: true },
        timeoutMs: 100,
        maxConcurrency: 1,
        retry: { attempts: 1, backoffMs: 0 },
      };
      manifest[pick(Object.keys(manifest).concat(['routing', 'breaker', 'x']))] = jsonValue();
      return {
        kind: 'adapters',
        method: pick(['POST', 'PUT', 'DELETE', 'GET']),
        path: pick(['/v1/adapters', `/v1/adapters/${segment()}`, `/v1/adapters/${segment()}/health`]),
        headers,
        body: JSON.stringify(manifest),
      };
    }
    if (r < 0.86) {
      headers.authorization = `Bearer ${random() < 0.7 ? tokens.ops : token()}`;
      return {
        kind: 'ops',
        method: 'GET',
        path: pick([
          `/v1/ops/sync/communes?province=${enc(pick(weird))}`,
          '/v1/ops/sync/communes',
          `/v1/ops/sync/lag?${enc(pick(weird))}=1`,
          '/v1/ops/sync/provinces',
          `/v1/ops/indicators?province=${enc(pick(weird))}&granularity=${enc(pick(weird))}`,
          `/v1/ops/indicators?from=${enc(pick(weird))}&to=${enc(pick(weird))}&format=${enc(pick(weird))}&commune=${enc(pick(weird))}`,
        ]),
        headers,
      };
    }
    if (r < 0.89) {
      // Subscriptions and corrections (issue 17): fuzzed bodies, ids and queue queries.
      headers['content-type'] = 'application/json';
      headers.authorization = `Bearer ${random() < 0.7 ? tokens.registryEvents : token()}`;
      if (random() < 0.5) {
        const subscription: Record<string, unknown> = {
          subscriber: 'population',
          sourceRegistry: 'civil-status',
          dataset: 'death',
          eventTypes: ['record.created'],
          fields: ['personId'],
          procedure: '1.000656',
        };
        subscription[pick(Object.keys(subscription).concat(['x']))] = jsonValue();
        return {
          kind: 'subscriptions',
          method: pick(['POST', 'POST', 'GET', 'DELETE']),
          path: pick(['/v1/subscriptions', `/v1/subscriptions/${segment()}`, `/v1/subscriptions?subscriber=${enc(pick(weird))}`]),
          headers,
          body: JSON.stringify(subscription),
        };
      }
      const filing: Record<string, unknown> = {
        registry: pick(['population', 'land', segment()]),
        dataset: 'person',
        subjectId: random() < 0.5 ? pick(persons) : segment(),
        field: 'fullName',
        valueSeen: 'a',
        valueProposed: 'b',
        evidenceRef: 'HS-1',
        officerId: 'officer-001',
        purpose: '1.004222',
      };
      filing[pick(Object.keys(filing).concat(['x']))] = jsonValue();
      return {
        kind: 'corrections',
        method: pick(['POST', 'POST', 'GET']),
        path: pick([
          '/v1/corrections',
          `/v1/corrections/${segment()}`,
          `/v1/corrections/${segment()}/decision`,
          `/v1/corrections?registry=${enc(pick(['land', pick(weird)]))}&state=${enc(pick(['open', pick(weird)]))}`,
        ]),
        headers,
        body: JSON.stringify(filing),
      };
    }
    if (r < 0.92) {
      headers['content-type'] = 'application/json';
      return {
        kind: 'evidence',
        method: 'POST',
        path: '/v1/evidence/verify',
        headers,
        body: random() < 0.5 ? JSON.stringify({ evidence: pick([tokens.none, tokens.hmac, 'a.b.c', pick(weird), 'x'.repeat(5000)]) }) : body(),
      };
    }
    return {
      kind: 'paths',
      method: pick(['GET', 'POST', 'PUT', 'PATCH', 'OPTIONS', 'DELETE']),
      path: pick([
        '/',
        '/v1',
        '/v2/registries',
        '/.env',
        '/admin',
        `/v1/${segment()}`,
        '/v1/registries/../../../etc/passwd',
        '/v1/%2e%2e/%2e%2e/etc/passwd',
        '/metrics/../v1/adapters',
        '/v1/me/consents',
        `/v1/me/consents/${segment()}`,
        '/v1/consent-requests',
        `/v1/consent-requests/${segment()}`,
        `/v1/me/consent-requests/${segment()}/approve`,
        '/v1/me/archive',
        `/v1/me/archive/${segment()}`,
        `/v1/me/archive/${segment()}/share`,
        `/v1/archive/shares/${segment()}`,
        `/v1/archive/shares/shr1.${segment()}${segment()}${segment()}`,
        '/v1/registries?x=' + 'y'.repeat(5000),
        `/${enc(pick(weird))}`,
      ]),
      headers,
    };
  };
}

/**
 * Header values as bytes on the wire: non-Latin-1 text goes as raw UTF-8 bytes (what a hostile
 * client sends; fetch only takes ByteStrings). CR, LF and NUL cannot be sent through fetch at all:
 * the raw-socket cases below cover header injection.
 */
function wireHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Buffer.from(value.replace(/[\r\n\0]/g, '?'), 'utf8').toString('latin1')]));
}

async function send(c: Case): Promise<{ status: number; type: string; requestId: string | null; body: string }> {
  const response = await fetch(base + c.path, {
    method: c.method,
    headers: wireHeaders(c.headers),
    body: c.method === 'GET' || c.method === 'HEAD' ? undefined : c.body,
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', requestId: response.headers.get('x-request-id'), body: text };
}

/** One raw HTTP request over a socket (what fetch refuses to send: header injection, broken framing). */
function raw(payload: string): Promise<string> {
  return new Promise((resolve) => {
    const { hostname, port } = new URL(base);
    const socket = net.connect(Number(port), hostname);
    let answer = '';
    socket.setTimeout(3000, () => socket.destroy());
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
    socket.write(payload, 'latin1');
    setTimeout(() => socket.end(), 200);
  });
}

const stack = e2eStack({
  dataDirPrefix: 'motlan-bad-input-',
  sim: { seed: 8, persons: 5_000 },
  env: ({ dataDir, sim }) => ({
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    MOTLAN_PORTAL_ENDPOINT: sim!.portalEndpoint,
    // This suite is about input handling, not throttling: one client sends all of it, and every
    // refusal, anonymous ones included, is to be found in the trail by its request id.
    MOTLAN_RATE_LIMIT_PER_SECOND: '1000000',
    MOTLAN_RATE_LIMIT_BURST: '1000000',
    MOTLAN_ANON_RATE_LIMIT_PER_SECOND: '0',
    MOTLAN_ANON_AUDIT_FULL_PER_ADDRESS: '100000000',
    MOTLAN_ANON_AUDIT_FULL_TOTAL: '100000000',
  }),
});

beforeAll(async () => {
  ({ dataDir, sim, base } = stack);
  persons = await simSamples(sim.controlUrl, 'population', 'person', 20);
  const issuer = stack.clients;
  const all = 'population:read residence:read land:read business:read civil-status:read';
  tokens.valid = await issuer.issue({ sub: 'commune-00004', scope: all });
  tokens.dossiers = await issuer.issue({ sub: 'one-stop', scope: 'dossiers:write' });
  tokens.dossiersOfCommune = await issuer.issue({ sub: 'commune-10231', scope: 'dossiers:write', commune: '10231' });
  tokens.operator = await issuer.issue({ sub: 'operator', scope: 'adapters:read adapters:admin' });
  tokens.procedures = await issuer.issue({ sub: 'catalog-operator', scope: 'procedures:read procedures:write' });
  tokens.ops = await issuer.issue({ sub: 'ops', scope: 'ops:read' });
  tokens.registryEvents = await issuer.issue({
    sub: 'registry-events-operator',
    commune: '00004',
    scope: 'subscriptions:read subscriptions:write corrections:write corrections:review:land',
  });
  tokens.expired = await issuer.issue({ sub: 'commune-00004', scope: all, ttlSec: 1 });
  tokens.wrongAudience = await issuer.issue({ sub: 'commune-00004', scope: all, audience: 'someone-else' });
  tokens.wrongIssuer = await issuer.issue({ sub: 'commune-00004', scope: all, issuer: 'urn:evil' });
  tokens.otherKey = await new DevTokenIssuer({ dataDir: privateDataDir('motlan-other-issuer-') }).issue({ sub: 'commune-00004', scope: all });
  const [header, payload] = tokens.valid.split('.');
  tokens.none = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
  // HMAC "signed" with the issuer's public key: the classic algorithm-confusion forgery.
  const publicJwks = readFileSync(path.join(dataDir, 'dev-issuer', 'jwks.json'), 'utf8');
  const hmacHeader = b64url(JSON.stringify({ ...JSON.parse(Buffer.from(header, 'base64url').toString()), alg: 'HS256' }));
  tokens.hmac = `${hmacHeader}.${payload}.${createHmac('sha256', publicJwks).update(`${hmacHeader}.${payload}`).digest('base64url')}`;
  tokens.tampered = `${header}.${b64url(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), scope: 'population:read adapters:write' }))}.${tokens.valid.split('.')[2]}`;
  await new Promise((resolve) => setTimeout(resolve, 1100)); // let the 1-second token expire
});

describe('bad-input suite', () => {
  it(`answers ${REQUESTS} malformed and hostile requests with problem+json, no 5xx, and audits every refusal`, async () => {
    const next = buildGenerator(rng(SEED));
    const cases = Array.from({ length: REQUESTS }, next);
    const results: Array<{ c: Case; status: number; type: string; requestId: string | null; body: string }> = [];
    let index = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (index < cases.length) {
          const c = cases[index++];
          results.push({ c, ...(await send(c)) });
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;

    const serverErrors = results.filter((r) => r.status >= 500);
    expect(serverErrors.map((r) => `${r.status} ${r.c.method} ${r.c.path.slice(0, 80)} (${r.c.kind}) ${r.body.slice(0, 160)}`).slice(0, 10)).toEqual([]);
    const notProblem = results.filter((r) => r.status >= 400 && r.c.method !== 'HEAD' && !r.type.startsWith('application/problem+json'));
    expect(notProblem.map((r) => `${r.status} ${r.type} ${r.c.method} ${r.c.path.slice(0, 80)}`).slice(0, 10)).toEqual([]);
    const badProblem = results.filter((r) => r.status >= 400 && r.c.method !== 'HEAD' && !/"code":"[a-z0-9_]+"/.test(r.body));
    expect(badProblem.map((r) => r.body.slice(0, 200)).slice(0, 5)).toEqual([]);
    const refusals = results.filter((r) => r.status >= 400);
    expect(refusals.length).toBeGreaterThan(REQUESTS * 0.9);
    // No request id that could be a personal id is echoed (and so logged), separators or not.
    expect(results.filter((r) => r.requestId !== null && LOOKS_PERSONAL.test(r.requestId)).map((r) => r.requestId)).toEqual([]);

    // Raw requests fetch would refuse to send: header injection, broken framing, a huge header.
    const rawAnswers = await Promise.all([
      raw('GET /v1/registries HTTP/1.1\r\nHost: x\r\nX-Purpose: 1.004222\r\nX-Injected: a\r\n\r\nGET /admin HTTP/1.1\r\n\r\n'),
      raw('GET /v1/registries HTTP/1.1\r\nHost: x\r\nX-Request-Id: a\rb\r\n\r\n'),
      raw('GET /v1/registries HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
      raw(`GET /v1/registries HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`),
      raw('BREW /coffee HTCPCP/1.0\r\n\r\n'),
      raw('TRACE /v1/registries HTTP/1.1\r\nHost: x\r\n\r\n'),
      raw('\u0000\u0001\u0002\r\n\r\n'),
    ]);
    for (const answer of rawAnswers) {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      // Either a 4xx (problem+json when the request got as far as the application) or the connection closed.
      expect(status === 0 || (status >= 400 && status < 500)).toBe(true);
    }

    // Still alive and well.
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const lookup = await fetch(`${base}/v1/registries/population/person/${persons[0]}?fields=fullName`, {
      headers: { authorization: `Bearer ${tokens.valid}`, 'x-purpose': '1.004222', 'x-officer-id': 'officer-001' },
    });
    expect(lookup.status).toBe(200);

    // Every refused attempt is in the audit trail, under the request id the gateway answered with.
    // Refusal records may land just after their answer: wait until they are there, not for a set time.
    const unaudited = () => {
      const audited = new Set(
        readAuditRecords<{ requestId: string; outcome?: string; type: string }>(path.join(dataDir, 'audit'))
          .filter((r) => r.type === 'refusal' || r.outcome === 'refused')
          .map((r) => r.requestId),
      );
      return refusals.filter((r) => !r.requestId || !audited.has(r.requestId));
    };
    let missing = unaudited();
    await eventually('every refusal in the audit trail', async () => ((missing = unaudited()).length === 0 ? true : undefined)).catch(() => undefined);
    expect(missing.map((r) => `${r.status} ${r.c.kind} ${r.c.method} ${r.c.path.slice(0, 60)}`).slice(0, 10)).toEqual([]);

    const byStatus: Record<number, number> = {};
    for (const r of results) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    console.log(`bad-input suite: ${results.length} requests in ${seconds.toFixed(1)} s (seed ${SEED}); statuses ${JSON.stringify(byStatus)}`);
  }, 240_000);
});

describe('hostile shapes of issue 13', () => {
  const nested = [
    { what: 'objects', body: deepObject(20_000) },
    { what: 'arrays', body: deepArray(20_000) },
  ];
  const routes = () => [
    { path: '/v1/evidence/verify', method: 'POST', token: tokens.valid },
    { path: '/v1/lookups', method: 'POST', token: tokens.valid, headers: { 'x-purpose': '1.004222', 'x-officer-id': 'officer-001' } },
    { path: '/v1/dossiers/H01.01-261123-000001/status', method: 'PUT', token: tokens.dossiers },
    { path: '/v1/consent-requests', method: 'POST', token: tokens.valid },
    { path: '/v1/me/consents', method: 'POST', token: tokens.valid },
    { path: '/v1/me/archive/arc_AAAAAAAAAAAAAAAAAAAAAA/share', method: 'POST', token: tokens.valid },
  ];

  it('answers JSON nested 20,000 deep with 400 body_too_deep on every route that takes a body, and keeps answering', async () => {
    for (const route of routes()) {
      for (const { what, body } of nested) {
        const response = await fetch(base + route.path, {
          method: route.method,
          headers: { authorization: `Bearer ${route.token}`, 'content-type': 'application/json', ...route.headers },
          body,
        });
        const problem = (await response.json()) as { code?: string; status?: number };
        expect({ route: route.path, what, status: response.status, code: problem.code, type: response.headers.get('content-type') }).toEqual({
          route: route.path,
          what,
          status: 400,
          code: 'body_too_deep',
          type: expect.stringMatching(/^application\/problem\+json/),
        });
      }
      // Nesting within the limit still reaches validation (a 400 of another kind, or an answer).
      const shallow = await fetch(base + route.path, {
        method: route.method,
        headers: { authorization: `Bearer ${route.token}`, 'content-type': 'application/json', ...route.headers },
        body: deepObject(10),
      });
      expect(shallow.status).toBeLessThan(500);
      expect(((await shallow.json()) as { code?: string }).code).not.toBe('body_too_deep');
    }
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const lookup = await fetch(`${base}/v1/registries/population/person/${persons[0]}?fields=fullName`, {
      headers: { authorization: `Bearer ${tokens.valid}`, 'x-purpose': '1.004222', 'x-officer-id': 'officer-001' },
    });
    expect(lookup.status).toBe(200);
  });

  it('replaces request ids holding 9+ digits across separators with a generated one', async () => {
    for (const id of ['0200-9405-9352', '001.099.012.345', '001_099_012_345', 'ref-001:099-012:345', '123-456-789']) {
      const response = await fetch(`${base}/health/live`, { headers: { 'x-request-id': id } });
      const echoed = response.headers.get('x-request-id');
      expect({ id, replaced: echoed !== id, personal: LOOKS_PERSONAL.test(echoed ?? '') }).toEqual({ id, replaced: true, personal: false });
    }
    // Short digit groups and ordinary ids are kept.
    for (const id of ['req-2026-11', 'H01.01-2611', 'abc-12345678']) {
      expect((await fetch(`${base}/health/live`, { headers: { 'x-request-id': id } })).headers.get('x-request-id')).toBe(id);
    }
  });
});
