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
import type { RegistryName } from '../../apps/registry-sim/src/registries/sim-dataset.js';
import { eventually } from '../support/eventually.js';
import { httpCall } from '../support/http.js';
import { simSamples } from '../support/sim-control.js';
import { readAuditRecords } from '../support/audit-trail.js';
import { e2eStack, privateDataDir } from '../support/e2e-harness.js';

/**
 * The token or reference with its second-to-last base64url character changed. Not the last one: it
 * may carry padding bits only, which decoders ignore (a "changed" signature that still verifies).
 */
function alterSignature(value: string): string {
  const at = value.length - 2;
  return `${value.slice(0, at)}${value[at] === 'A' ? 'B' : 'A'}${value.slice(at + 1)}`;
}

const SEED = Number(process.env.BAD_INPUT_SEED ?? 20261123);
const REQUESTS = Number(process.env.BAD_INPUT_REQUESTS ?? 10_500);
const CONCURRENCY = 32;

let sim: RunningRegistrySim;
let base: string;
let dataDir: string;
const tokens: Record<string, string> = {};
let persons: string[] = [];
/** What the citizen routes and consent lookups are fuzzed around: real ids, codes and references of this run. */
const fixtures = {
  /** A person with a birth record: the citizen of tokens.citizen. */
  subject: '',
  /** A consent of that citizen for commune 00004 (tokens.counter's) to read births under procedure 2.000815. */
  consentId: '',
  /** A pending counter request for that citizen (used up once a fuzzed approval hits it), and its signed form. */
  requestCode: '',
  signedRequest: '',
  /** Evidence the gateway signed (with the keys that sign counter requests too). */
  evidence: '',
  /** An item of that citizen's archive, and a share reference of it for commune 00004 and dossier {@link SHARE_DOSSIER}. */
  itemId: '',
  shareReference: '',
};
const SHARE_DOSSIER = 'H01.22-BADINPUT-0001';
const CONSENT_PROCEDURE = '2.000815';
const DAY = 86_400_000;

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
  /** Date-times a strict RFC 3339 reader refuses, or that name no real instant, or one too far or already past. */
  const badDate = () =>
    pick<unknown>([
      '2026-02-30T10:00:00Z',
      '2026-13-01T10:00:00Z',
      '2026-12-01T25:00:00Z',
      '2026-12-01T10:61:00Z',
      '2026-12-01T10:00:00+25:00',
      '2026-W49-1T10:00:00Z',
      '2026-340T10:00:00Z',
      '20261206T100000Z',
      '2026-12-06',
      '2026-12-06 10:00:00Z',
      '2026-12-06T10:00:00',
      '2026-12-06T10:00:00.1234567890Z',
      '+275760-09-13T00:00:00Z',
      '9999-12-31T23:59:59Z',
      '1970-01-01T00:00:00Z',
      '0000-01-01T00:00:00Z',
      new Date(Date.now() - DAY).toISOString(),
      new Date(Date.now() + 400 * DAY).toISOString(),
      new Date(Date.now() + 3 * DAY).toISOString().replace('Z', '+07:00'),
      1_900_000_000_000,
      'x'.repeat(5000),
    ]);
  const datasetsValue = () =>
    pick<unknown>([
      [],
      [{ registry: 'civil-status' }],
      [{ dataset: 'birth' }],
      [{ registry: 'CIVIL-STATUS', dataset: 'birth' }],
      [{ registry: 'civil-status', dataset: 'birth', extra: 1 }],
      [{ registry: 'a'.repeat(300), dataset: 'birth' }],
      [{ registry: 'population', dataset: 'person' }],
      [
        { registry: 'civil-status', dataset: 'birth' },
        { registry: 'civil-status', dataset: 'birth' },
      ],
      Array.from({ length: 21 }, () => ({ registry: 'civil-status', dataset: 'birth' })),
      Array.from({ length: 2000 }, () => ({ registry: 'civil-status', dataset: 'birth' })),
      [null],
      ['civil-status/birth'],
      [[]],
      { registry: 'civil-status', dataset: 'birth' },
      'civil-status',
    ]);
  /** Field-specific bad values of the consent, counter request and share bodies. */
  const badField: Record<string, () => unknown> = {
    validUntil: badDate,
    datasets: datasetsValue,
    procedure: () => pick<unknown>(['9.999999', '2.000815 ', '2.00081', '', 2.000815, '1.004222', null, 'a'.repeat(300)]),
    dossierId: () => pick<unknown>(['a'.repeat(65), '../x', '', 'H01 1', 'H01\u00001', 42, null, 'đ']),
    communeCode: () => pick<unknown>(['99999', '0004', '000044', 4, '00004\n', '10231', '', null]),
    subjectId: () => pick<unknown>(['000000000000', '001999012345', '999999999999', '0010990123456', '00109901234', 1099012345, '', null]),
    officerId: () => pick<unknown>(['a'.repeat(65), '', 'o\u0000x', 'officer 001', 5, null, '<b>']),
  };
  /** A valid body with one or two members removed, retyped, given a bad value, or an unknown member added; sometimes no JSON object at all. */
  const mutated = (template: Record<string, unknown>): string => {
    if (random() < 0.15) return body();
    const value: Record<string, unknown> = { ...template };
    for (let i = 1 + int(2); i > 0; i--) {
      const key = pick(Object.keys(template));
      const m = random();
      if (m < 0.2) delete value[key];
      else if (m < 0.35)
        value[pick(['extra', 'id', 'status', 'origin', 'revokedAt', 'clientId', 'subjectId', '__proto__', 'constructor', pick(weird)])] = jsonValue();
      else if (m < 0.5) value[key] = jsonValue();
      else if (m < 0.6) value[key] = pick(weird);
      else value[key] = (badField[key] ?? (() => pick(weird)))();
    }
    return JSON.stringify(value);
  };
  const future = (days: number) => new Date(Date.now() + days * DAY).toISOString();
  const consentBody = () =>
    mutated({ procedure: CONSENT_PROCEDURE, communeCode: '00004', datasets: [{ registry: 'civil-status', dataset: 'birth' }], validUntil: future(30) });
  const counterBody = () =>
    mutated({
      subjectId: fixtures.subject,
      procedure: CONSENT_PROCEDURE,
      datasets: [{ registry: 'civil-status', dataset: 'birth' }],
      validUntil: future(7),
      officerId: 'officer-001',
    });
  const shareBody = () => mutated({ communeCode: '00004', dossierId: SHARE_DOSSIER, validUntil: future(7) });
  const signedBody = () => (random() < 0.6 ? JSON.stringify({ request: signedRequest() }) : mutated({ request: fixtures.signedRequest }));
  /** A base64url string of `n` random characters. */
  const randomB64 = (n: number) => Array.from({ length: n }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[int(64)]).join('');
  /** One character changed in the middle (still well-formed). */
  const flip = (text: string) => {
    const i = Math.floor(text.length / 2);
    return text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
  };
  const consentId = () =>
    pick([
      fixtures.consentId,
      `cns_${randomB64(22)}`,
      flip(fixtures.consentId),
      fixtures.consentId.slice(0, -1),
      `${fixtures.consentId}x`,
      fixtures.consentId.toUpperCase(),
      'cns_',
      `cns_${randomB64(21)}=`,
      segment(),
    ]);
  const requestCode = () =>
    pick([fixtures.requestCode, fixtures.requestCode.toLowerCase(), 'K7M4QX2P', 'K7M4QX2', 'K7M4QX2PP', 'O0I1L0O0', 'k7m4qx2p', '........', segment()]);
  const itemId = () => pick([fixtures.itemId, `arc_${randomB64(22)}`, flip(fixtures.itemId), fixtures.itemId.slice(0, -1), 'arc_', segment()]);
  const shareReference = () =>
    pick([
      fixtures.shareReference,
      flip(fixtures.shareReference),
      fixtures.shareReference.slice(0, -1),
      `${fixtures.shareReference}A`,
      fixtures.shareReference.replace('shr1.', 'shr2.'),
      `shr1.${randomB64(74)}`,
      `shr1.${randomB64(5000)}`,
      'shr1.',
      `shr1.${enc(pick(weird))}`,
      fixtures.consentId,
      segment(),
    ]);
  /** The signed form of a counter request: the real one, altered, or another kind of token altogether. */
  const signedRequest = () => {
    const [header, payload, signature] = fixtures.signedRequest.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const reclaimed = (name: string, value: unknown) => `${header}.${b64url(JSON.stringify({ ...claims, [name]: value }))}.${signature}`;
    return pick<unknown>([
      fixtures.signedRequest,
      flip(fixtures.signedRequest),
      reclaimed(pick(['sub', 'code', 'jti', 'datasets', 'communeCode', 'validUntil', 'exp', 'iss', 'clientId']), jsonValue()),
      reclaimed('datasets', [{ registry: 'judicial-records', dataset: 'criminal-record' }]),
      `${header}.${payload}.`,
      `${b64url(JSON.stringify({ alg: 'none', typ: 'motlan-consent-request+jwt' }))}.${payload}.`,
      `${b64url('{"alg":')}.${payload}.${signature}`,
      `${fixtures.signedRequest}.x`,
      fixtures.signedRequest.slice(0, -1),
      fixtures.evidence,
      tokens.valid,
      tokens.citizen,
      tokens.none,
      tokens.hmac,
      'a.b.c',
      `${'A'.repeat(3000)}.${'A'.repeat(3000)}.A`,
      fixtures.requestCode,
      pick(weird),
    ]);
  };
  /** What a clerk's software might put in X-Consent-Ref: the real consent, near misses, and junk. */
  const consentRef = () =>
    pick([
      fixtures.consentId,
      fixtures.consentId,
      consentId(),
      ` ${fixtures.consentId}`,
      `${fixtures.consentId}, ${fixtures.consentId}`,
      `${fixtures.consentId};x`,
      `../${fixtures.consentId}`,
      'a'.repeat(128),
      'a'.repeat(129),
      'x'.repeat(5000),
      fixtures.requestCode,
      fixtures.shareReference,
      tokens.valid,
      pick(weird),
      '',
    ]);
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
    if (r < 0.32) {
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
    if (r < 0.45) {
      headers['content-type'] = pick([
        'application/json',
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
      ]);
      return { kind: 'batch', method: 'POST', path: '/v1/lookups', headers, body: body() };
    }
    if (r < 0.58) {
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
    if (r < 0.62) {
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
    if (r < 0.66) {
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
    if (r < 0.72) {
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
    if (r < 0.75) {
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
    if (r < 0.78) {
      headers['content-type'] = 'application/json';
      return {
        kind: 'evidence',
        method: 'POST',
        path: '/v1/evidence/verify',
        headers,
        body: random() < 0.5 ? JSON.stringify({ evidence: pick([tokens.none, tokens.hmac, 'a.b.c', pick(weird), 'x'.repeat(5000)]) }) : body(),
      };
    }
    if (r < 0.82) {
      // Sensitive lookups (births under a procedure with no legal basis): X-Consent-Ref decides, so fuzz it.
      headers.authorization = `Bearer ${random() < 0.8 ? tokens.counter : token()}`;
      headers['x-purpose'] = random() < 0.8 ? CONSENT_PROCEDURE : purpose();
      headers['x-officer-id'] = random() < 0.9 ? 'officer-001' : officer();
      if (random() < 0.9) headers['x-consent-ref'] = consentRef();
      if (random() < 0.2) headers['x-dossier-id'] = pick(['H01.22-0001', '../x', 'a'.repeat(65)]);
      const subject = random() < 0.6 ? fixtures.subject : random() < 0.5 ? pick(persons) : segment();
      const dataset = pick(['birth', 'birth', 'birth', 'marriage', 'death']);
      if (random() < 0.7) {
        const query = random() < 0.3 ? `?fields=${enc(pick(['fullName', 'a'.repeat(80), pick(weird)]))}` : '';
        return { kind: 'consent-lookup', method: 'GET', path: `/v1/registries/civil-status/${dataset}/${subject}${query}`, headers };
      }
      headers['content-type'] = 'application/json';
      const items = Array.from({ length: 1 + int(3) }, () => ({
        registry: 'civil-status',
        dataset,
        subjectId: random() < 0.7 ? fixtures.subject : pick(weird),
      }));
      return { kind: 'consent-lookup', method: 'POST', path: '/v1/lookups', headers, body: JSON.stringify({ items }) };
    }
    if (r < 0.9) {
      // The citizen's own routes, with a citizen token (so they get past authentication to the validation).
      headers.authorization = `Bearer ${random() < 0.85 ? tokens.citizen : token()}`;
      const junkQuery = random() < 0.2 ? `?${enc(pick(weird))}=${enc(pick(weird))}` : '';
      const c = pick<() => Omit<Case, 'kind' | 'headers'>>([
        () => ({ method: 'POST', path: '/v1/me/consents', body: consentBody() }),
        () => ({ method: 'POST', path: '/v1/me/consents', body: consentBody() }),
        () => ({ method: 'GET', path: `/v1/me/consents${junkQuery}` }),
        () => ({ method: 'DELETE', path: `/v1/me/consents/${enc(consentId())}` }),
        () => ({ method: 'GET', path: `/v1/me/consent-requests/${enc(requestCode())}${junkQuery}` }),
        () => ({ method: 'POST', path: `/v1/me/consent-requests/${enc(requestCode())}/approve`, body: random() < 0.5 ? body() : undefined }),
        () => ({ method: 'POST', path: pick(['/v1/me/consent-requests/signed', '/v1/me/consent-requests/signed/approve']), body: signedBody() }),
        () => ({ method: 'POST', path: pick(['/v1/me/consent-requests/signed', '/v1/me/consent-requests/signed/approve']), body: signedBody() }),
        () => ({ method: pick(['GET', 'DELETE', 'PUT']), path: pick(['/v1/me/consent-requests/signed', '/v1/me/consent-requests/signed/approve']) }),
        () => ({ method: 'GET', path: `/v1/me/archive${junkQuery}` }),
        () => ({ method: 'POST', path: `/v1/me/archive/${enc(itemId())}/share`, body: shareBody() }),
        () => ({ method: 'POST', path: `/v1/me/archive/${enc(fixtures.itemId)}/share`, body: shareBody() }),
        // Never the real item: deleting it would end the share every redemption below is fuzzed around.
        () => ({ method: 'DELETE', path: `/v1/me/archive/${enc(pick([`arc_${randomB64(22)}`, flip(fixtures.itemId), 'arc_', segment()]))}` }),
        () => ({ method: pick(['PUT', 'PATCH']), path: pick(['/v1/me/consents', `/v1/me/archive/${enc(fixtures.itemId)}`]), body: consentBody() }),
      ])();
      // A content type only with a body (else the empty body is what is refused, before the route's own checks).
      if (c.body !== undefined) headers['content-type'] = random() < 0.9 ? 'application/json' : pick(['text/plain', 'application/x-www-form-urlencoded']);
      return { kind: 'citizen', ...c, headers };
    }
    if (r < 0.94) {
      // The clerk's side of consents and shares: a commune-bound token with consents:request and archive:redeem.
      headers.authorization = `Bearer ${random() < 0.85 ? tokens.counter : token()}`;
      // Mostly the headers a redemption needs, so the reference itself is what is checked.
      if (random() < 0.7) headers['x-dossier-id'] = SHARE_DOSSIER;
      if (random() < 0.7) headers['x-officer-id'] = 'officer-001';
      if (random() < 0.5) headers['x-purpose'] = '1.004222';
      const c = pick<() => Omit<Case, 'kind' | 'headers'>>([
        () => ({ method: 'POST', path: '/v1/consent-requests', body: counterBody() }),
        () => ({ method: 'POST', path: '/v1/consent-requests', body: counterBody() }),
        () => ({ method: 'GET', path: `/v1/consent-requests/${enc(requestCode())}` }),
        () => ({ method: 'GET', path: `/v1/archive/shares/${enc(shareReference())}` }),
        () => ({ method: pick(['POST', 'DELETE']), path: `/v1/archive/shares/${enc(fixtures.shareReference)}`, body: body() }),
      ])();
      if (c.body !== undefined) headers['content-type'] = 'application/json';
      return { kind: 'counter', ...c, headers };
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
  // The clerk's software of commune 00004 at the counter: asks consents, redeems shares, reads births on a consent.
  tokens.counter = await issuer.issue({
    sub: 'one-stop-00004',
    commune: '00004',
    scope: 'population:read civil-status:read consents:request archive:redeem',
  });
  const [withBirth] = (await simSamples(sim.controlUrl, 'population', 'person', 50)).filter(
    (id) => sim.registries.lookup('civil-status' as RegistryName, { dataset: 'birth', subjectId: id, fields: [] }).found,
  );
  fixtures.subject = withBirth;
  tokens.citizen = await stack.citizens.issue({ subjectId: withBirth });
  await makeFixtures();
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

/** A consent, a pending counter request, an archive item and a share of it, made the way a citizen and a clerk make them. */
async function makeFixtures(): Promise<void> {
  const validUntil = new Date(Date.now() + 30 * DAY).toISOString();
  const datasets = [{ registry: 'civil-status', dataset: 'birth' }];
  const consent = await httpCall<{ id: string }>(base, 'POST', '/v1/me/consents', {
    token: tokens.citizen,
    body: { procedure: CONSENT_PROCEDURE, communeCode: '00004', datasets, validUntil },
  });
  expect(consent.status).toBe(201);
  fixtures.consentId = consent.body.id;
  const asked = await httpCall<{ code: string; signedRequest: string }>(base, 'POST', '/v1/consent-requests', {
    token: tokens.counter,
    body: { subjectId: fixtures.subject, procedure: CONSENT_PROCEDURE, datasets, validUntil },
  });
  expect(asked.status).toBe(201);
  fixtures.requestCode = asked.body.code;
  fixtures.signedRequest = asked.body.signedRequest;
  // A lookup for a dossier puts its evidence into the citizen's archive.
  const looked = await httpCall<{ evidence: string }>(base, 'GET', `/v1/registries/population/person/${fixtures.subject}`, {
    token: tokens.counter,
    headers: { 'x-purpose': '1.004222', 'x-officer-id': 'officer-001', 'x-dossier-id': SHARE_DOSSIER },
  });
  expect(looked.status).toBe(200);
  fixtures.evidence = looked.body.evidence;
  const item = await eventually('the evidence in the archive', async () => {
    const archive = await httpCall<{ items: Array<{ id: string; evidence?: { jws: string } }> }>(base, 'GET', '/v1/me/archive', { token: tokens.citizen });
    return archive.body.items.find((i) => i.evidence?.jws === looked.body.evidence);
  });
  fixtures.itemId = item.id;
  const shared = await httpCall<{ reference: string }>(base, 'POST', `/v1/me/archive/${item.id}/share`, {
    token: tokens.citizen,
    body: { communeCode: '00004', dossierId: SHARE_DOSSIER, validUntil: new Date(Date.now() + 7 * DAY).toISOString() },
  });
  expect(shared.status).toBe(201);
  fixtures.shareReference = shared.body.reference;
}

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

    // The citizen's and the counter's routes were reached past authentication: their own validation and checks answered.
    const codesOf = (kind: string) => {
      const codes: Record<string, number> = {};
      for (const r of results.filter((x) => x.c.kind === kind)) {
        const code = r.status < 400 ? String(r.status) : `${r.status} ${/"code":"([a-z0-9_]+)"/.exec(r.body)?.[1] ?? '?'}`;
        codes[code] = (codes[code] ?? 0) + 1;
      }
      return codes;
    };
    const reached = { citizen: codesOf('citizen'), counter: codesOf('counter'), consentLookup: codesOf('consent-lookup') };
    console.log(`bad-input suite, issue 19 routes: ${JSON.stringify(reached)}`);
    // At the default size every kind of answer below comes up (a smaller BAD_INPUT_REQUESTS may miss some).
    if (REQUESTS >= 5000) {
      expect(Object.keys(reached.citizen)).toEqual(
        expect.arrayContaining([
          '201',
          '400 validation_failed',
          '403 consent_request_invalid',
          '404 consent_not_found',
          '404 consent_request_not_found',
          '404 archive_item_not_found',
        ]),
      );
      expect(Object.keys(reached.counter)).toEqual(
        expect.arrayContaining(['200', '201', '400 validation_failed', '403 share_invalid', '404 consent_request_not_found']),
      );
      expect(Object.keys(reached.consentLookup)).toEqual(
        expect.arrayContaining(['200', '400 validation_failed', '403 consent_invalid', '403 consent_required']),
      );
    }
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
    // The citizen's and the counter's routes, with the tokens they take: within the limit, validation answers.
    { path: '/v1/consent-requests', method: 'POST', token: tokens.counter },
    { path: '/v1/me/consents', method: 'POST', token: tokens.citizen },
    { path: `/v1/me/archive/${fixtures.itemId}/share`, method: 'POST', token: tokens.citizen },
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
      // Nesting within the limit reaches validation (past authentication: each route gets the token it takes), which refuses it.
      const shallow = await fetch(base + route.path, {
        method: route.method,
        headers: { authorization: `Bearer ${route.token}`, 'content-type': 'application/json', ...route.headers },
        body: deepObject(10),
      });
      expect({ route: route.path, status: shallow.status, code: ((await shallow.json()) as { code?: string }).code }).toEqual({
        route: route.path,
        status: 400,
        code: 'validation_failed',
      });
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

describe("the citizen's and the counter's routes (issue 19)", () => {
  interface Expected {
    what: string;
    method: string;
    path: string;
    token: () => string;
    headers?: Record<string, string>;
    /** Sent as is (a string) or as JSON. */
    body?: unknown;
    status: number;
    code: string;
    reason?: string;
  }
  const citizen = () => tokens.citizen;
  const counter = () => tokens.counter;
  const validUntil = () => new Date(Date.now() + 7 * DAY).toISOString();
  const consent = (change: Record<string, unknown>) => ({
    procedure: CONSENT_PROCEDURE,
    communeCode: '00004',
    datasets: [{ registry: 'civil-status', dataset: 'birth' }],
    validUntil: validUntil(),
    ...change,
  });
  const ask = (change: Record<string, unknown>) => ({
    subjectId: fixtures.subject,
    procedure: CONSENT_PROCEDURE,
    datasets: [{ registry: 'civil-status', dataset: 'birth' }],
    validUntil: validUntil(),
    ...change,
  });
  const redeemHeaders = { 'x-officer-id': 'officer-001', 'x-dossier-id': SHARE_DOSSIER };
  const sensitive = (consentRef: string) => ({
    'x-purpose': CONSENT_PROCEDURE,
    'x-officer-id': 'officer-001',
    'x-consent-ref': consentRef,
  });
  const badDates = [
    // Days and hours that do not exist, within the longest validity: Date.parse would roll them over.
    `${new Date().getUTCFullYear() + 1}-02-30T10:00:00+07:00`,
    `${new Date(Date.now() + 5 * DAY).toISOString().slice(0, 10)}T24:00:00Z`,
    '2026-02-30T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-12-01T25:00:00Z',
    '2026-12-01T10:00:00+25:00',
    '2026-W49-1T10:00:00Z',
    '20261206T100000Z',
    '2026-12-06',
    '2026-12-06T10:00:00',
    '+275760-09-13T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '1970-01-01T00:00:00Z',
    1_900_000_000_000,
  ];

  const cases = (): Expected[] => [
    // POST /v1/me/consents
    { what: 'invalid JSON', method: 'POST', path: '/v1/me/consents', token: citizen, body: '{"procedure":', status: 400, code: 'malformed_body' },
    { what: 'a JSON array', method: 'POST', path: '/v1/me/consents', token: citizen, body: '[]', status: 400, code: 'validation_failed' },
    { what: 'JSON null', method: 'POST', path: '/v1/me/consents', token: citizen, body: 'null', status: 400, code: 'validation_failed' },
    { what: 'a JSON string', method: 'POST', path: '/v1/me/consents', token: citizen, body: '"consent"', status: 400, code: 'validation_failed' },
    { what: 'no body', method: 'POST', path: '/v1/me/consents', token: citizen, status: 400, code: 'validation_failed' },
    {
      what: 'missing datasets',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ datasets: undefined }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'missing validUntil',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ validUntil: undefined }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'no procedure nor dossier',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ procedure: undefined }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'an unknown member',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ subjectId: '001099012345' }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a status set by hand',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ status: 'active', id: 'cns_x' }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'datasets not an array',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ datasets: 'civil-status/birth' }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a dataset not an object',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ datasets: ['civil-status/birth', null] }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a dataset with an unknown member',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ datasets: [{ registry: 'civil-status', dataset: 'birth', fields: ['x'] }] }),
      status: 400,
      code: 'validation_failed',
    },
    { what: 'no datasets', method: 'POST', path: '/v1/me/consents', token: citizen, body: consent({ datasets: [] }), status: 400, code: 'validation_failed' },
    {
      what: '21 datasets',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ datasets: Array.from({ length: 21 }, () => ({ registry: 'civil-status', dataset: 'birth' })) }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'an over-long registry',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ datasets: [{ registry: 'a'.repeat(300), dataset: 'birth' }] }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'an over-long dossier id',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ dossierId: 'a'.repeat(65) }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a numeric procedure',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ procedure: 2.000815 }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'an unknown procedure',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ procedure: '9.999999' }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a numeric commune',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ communeCode: 4 }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'an unknown commune',
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ communeCode: '99999' }),
      status: 400,
      code: 'validation_failed',
    },
    ...badDates.map((date) => ({
      what: `validUntil ${String(date)}`,
      method: 'POST',
      path: '/v1/me/consents',
      token: citizen,
      body: consent({ validUntil: date }),
      status: 400,
      code: 'validation_failed',
    })),
    // Each kind of token is refused on the other's routes (a key the citizen issuer does not have, and the reverse).
    { what: 'a client token', method: 'POST', path: '/v1/me/consents', token: counter, body: consent({}), status: 401, code: 'key_unknown' },
    // DELETE /v1/me/consents/{id}
    { what: 'not a consent id', method: 'DELETE', path: '/v1/me/consents/not-an-id', token: citizen, status: 400, code: 'validation_failed' },
    {
      what: 'an over-long consent id',
      method: 'DELETE',
      path: `/v1/me/consents/cns_${'A'.repeat(190)}`,
      token: citizen,
      status: 400,
      code: 'validation_failed',
    },
    // A path parameter over 200 characters is refused by the router (maxParamLength), before any route.
    {
      what: 'a consent id over the URL limit',
      method: 'DELETE',
      path: `/v1/me/consents/cns_${'A'.repeat(5000)}`,
      token: citizen,
      status: 414,
      code: 'uri_too_long',
    },
    { what: 'an unknown consent id', method: 'DELETE', path: `/v1/me/consents/cns_${'A'.repeat(22)}`, token: citizen, status: 404, code: 'consent_not_found' },
    // The counter request, by code and signed
    {
      what: 'a lower-case code',
      method: 'GET',
      path: `/v1/me/consent-requests/${fixtures.requestCode.toLowerCase()}`,
      token: citizen,
      status: 400,
      code: 'validation_failed',
    },
    { what: 'a code with 0 and O', method: 'POST', path: '/v1/me/consent-requests/O0O0O0O0/approve', token: citizen, status: 400, code: 'validation_failed' },
    {
      what: 'an unknown code',
      method: 'POST',
      path: '/v1/me/consent-requests/ZZZZZZZZ/approve',
      token: citizen,
      status: 404,
      code: 'consent_request_not_found',
    },
    {
      what: 'a signed request not a string',
      method: 'POST',
      path: '/v1/me/consent-requests/signed',
      token: citizen,
      body: { request: ['a', 'b'] },
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a signed request missing',
      method: 'POST',
      path: '/v1/me/consent-requests/signed/approve',
      token: citizen,
      body: {},
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a signed request with an unknown member',
      method: 'POST',
      path: '/v1/me/consent-requests/signed/approve',
      token: citizen,
      body: { request: fixtures.signedRequest, code: fixtures.requestCode },
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'an over-long signed request',
      method: 'POST',
      path: '/v1/me/consent-requests/signed',
      token: citizen,
      body: { request: `${'A'.repeat(3000)}.${'A'.repeat(3000)}.A` },
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a code as a signed request',
      method: 'POST',
      path: '/v1/me/consent-requests/signed',
      token: citizen,
      body: { request: fixtures.requestCode },
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'evidence as a signed request',
      method: 'POST',
      path: '/v1/me/consent-requests/signed/approve',
      token: citizen,
      body: { request: fixtures.evidence },
      status: 403,
      code: 'consent_request_invalid',
      reason: 'tampered',
    },
    {
      what: 'a client token as a signed request',
      method: 'POST',
      path: '/v1/me/consent-requests/signed',
      token: citizen,
      body: { request: tokens.valid },
      status: 403,
      code: 'consent_request_invalid',
      reason: 'tampered',
    },
    {
      what: 'a signed request, altered',
      method: 'POST',
      path: '/v1/me/consent-requests/signed/approve',
      token: citizen,
      body: { request: alterSignature(fixtures.signedRequest) },
      status: 403,
      code: 'consent_request_invalid',
      reason: 'tampered',
    },
    {
      what: 'a header that is not JSON',
      method: 'POST',
      path: '/v1/me/consent-requests/signed',
      token: citizen,
      body: { request: `${b64url('{"alg":')}.${fixtures.signedRequest.split('.')[1]}.AAAA` },
      status: 403,
      code: 'consent_request_invalid',
      reason: 'tampered',
    },
    // POST /v1/consent-requests (the clerk's software)
    { what: 'invalid JSON', method: 'POST', path: '/v1/consent-requests', token: counter, body: '{"subjectId"', status: 400, code: 'malformed_body' },
    {
      what: 'a subject id that is no personal id',
      method: 'POST',
      path: '/v1/consent-requests',
      token: counter,
      body: ask({ subjectId: '001999012345' }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a numeric subject id',
      method: 'POST',
      path: '/v1/consent-requests',
      token: counter,
      body: ask({ subjectId: 1099012345 }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'an over-long officer',
      method: 'POST',
      path: '/v1/consent-requests',
      token: counter,
      body: ask({ officerId: 'a'.repeat(65) }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'an unknown member',
      method: 'POST',
      path: '/v1/consent-requests',
      token: counter,
      body: ask({ clientId: 'someone-else' }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a past validUntil',
      method: 'POST',
      path: '/v1/consent-requests',
      token: counter,
      body: ask({ validUntil: '2020-01-01T00:00:00Z' }),
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'another commune',
      method: 'POST',
      path: '/v1/consent-requests',
      token: counter,
      body: ask({ communeCode: '00007' }),
      status: 403,
      code: 'commune_mismatch',
    },
    { what: 'a citizen token', method: 'POST', path: '/v1/consent-requests', token: citizen, body: ask({}), status: 401, code: 'key_unknown' },
    { what: 'a bad code', method: 'GET', path: '/v1/consent-requests/..%2F..%2Fx', token: counter, status: 400, code: 'validation_failed' },
    // The archive
    {
      what: 'not an item id',
      method: 'POST',
      path: '/v1/me/archive/arc_x/share',
      token: citizen,
      body: { communeCode: '00004', dossierId: SHARE_DOSSIER, validUntil: validUntil() },
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a share with no dossier',
      method: 'POST',
      path: `/v1/me/archive/${fixtures.itemId}/share`,
      token: citizen,
      body: { communeCode: '00004', validUntil: validUntil() },
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a share with an unknown member',
      method: 'POST',
      path: `/v1/me/archive/${fixtures.itemId}/share`,
      token: citizen,
      body: { communeCode: '00004', dossierId: SHARE_DOSSIER, validUntil: validUntil(), itemId: 'arc_x' },
      status: 400,
      code: 'validation_failed',
    },
    ...badDates.map((date) => ({
      what: `a share until ${String(date)}`,
      method: 'POST',
      path: `/v1/me/archive/${fixtures.itemId}/share`,
      token: citizen,
      body: { communeCode: '00004', dossierId: SHARE_DOSSIER, validUntil: date },
      status: 400,
      code: 'validation_failed',
    })),
    {
      what: 'a share of an unknown item',
      method: 'POST',
      path: `/v1/me/archive/arc_${'A'.repeat(22)}/share`,
      token: citizen,
      body: { communeCode: '00004', dossierId: SHARE_DOSSIER, validUntil: validUntil() },
      status: 404,
      code: 'archive_item_not_found',
    },
    { what: 'deleting not an item', method: 'DELETE', path: '/v1/me/archive/..%2F..', token: citizen, status: 400, code: 'validation_failed' },
    {
      what: 'not a reference',
      method: 'GET',
      path: '/v1/archive/shares/shr1.x',
      token: counter,
      headers: redeemHeaders,
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'an over-long reference',
      method: 'GET',
      path: `/v1/archive/shares/shr1.${'A'.repeat(190)}`,
      token: counter,
      headers: redeemHeaders,
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a reference over the URL limit',
      method: 'GET',
      path: `/v1/archive/shares/shr1.${'A'.repeat(5000)}`,
      token: counter,
      headers: redeemHeaders,
      status: 414,
      code: 'uri_too_long',
    },
    {
      what: 'an altered reference',
      method: 'GET',
      path: `/v1/archive/shares/${alterSignature(fixtures.shareReference)}`,
      token: counter,
      headers: redeemHeaders,
      status: 403,
      code: 'share_invalid',
      reason: 'tampered',
    },
    {
      what: 'no X-Dossier-Id',
      method: 'GET',
      path: `/v1/archive/shares/${fixtures.shareReference}`,
      token: counter,
      headers: { 'x-officer-id': 'officer-001' },
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'an over-long X-Officer-Id',
      method: 'GET',
      path: `/v1/archive/shares/${fixtures.shareReference}`,
      token: counter,
      headers: { ...redeemHeaders, 'x-officer-id': 'a'.repeat(65) },
      status: 400,
      code: 'validation_failed',
    },
    {
      what: 'a malformed X-Purpose',
      method: 'GET',
      path: `/v1/archive/shares/${fixtures.shareReference}`,
      token: counter,
      headers: { ...redeemHeaders, 'x-purpose': '1.00422' },
      status: 400,
      code: 'invalid_purpose',
    },
    {
      what: 'another dossier',
      method: 'GET',
      path: `/v1/archive/shares/${fixtures.shareReference}`,
      token: counter,
      headers: { ...redeemHeaders, 'x-dossier-id': 'H01.22-OTHER' },
      status: 403,
      code: 'share_invalid',
      reason: 'other_dossier',
    },
    // X-Consent-Ref on a sensitive lookup
    ...['a'.repeat(129), 'x'.repeat(5000), `${fixtures.consentId} x`, `${fixtures.consentId}, ${fixtures.consentId}`, 'cns_é', '<script>'].map((ref) => ({
      what: `X-Consent-Ref ${ref.slice(0, 40)}`,
      method: 'GET',
      path: `/v1/registries/civil-status/birth/${fixtures.subject}`,
      token: counter,
      headers: sensitive(ref),
      status: 400,
      code: 'validation_failed',
    })),
    ...[
      `cns_${'A'.repeat(22)}`,
      fixtures.requestCode,
      'a'.repeat(128),
      `${fixtures.consentId}x`,
      `../${fixtures.consentId}`,
      fixtures.consentId.toUpperCase(),
    ].map((ref) => ({
      what: `X-Consent-Ref ${ref.slice(0, 40)}`,
      method: 'GET',
      path: `/v1/registries/civil-status/birth/${fixtures.subject}`,
      token: counter,
      headers: sensitive(ref),
      status: 403,
      code: 'consent_invalid',
      reason: 'unknown',
    })),
    // An empty X-Consent-Ref is none at all.
    {
      what: 'an empty X-Consent-Ref',
      method: 'GET',
      path: `/v1/registries/civil-status/birth/${fixtures.subject}`,
      token: counter,
      headers: sensitive(''),
      status: 403,
      code: 'consent_required',
    },
  ];

  it('answers each malformed body, id, reference and header with its problem and stable code', async () => {
    const answers: Array<{ what: string; method: string; status: number; code?: string; reason?: string; type: string | null }> = [];
    const wanted: typeof answers = [];
    for (const c of cases()) {
      const body = c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
      const response = await fetch(base + c.path, {
        method: c.method,
        headers: { authorization: `Bearer ${c.token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...c.headers },
        body,
      });
      const problem = (await response.json()) as { code?: string; reason?: string };
      answers.push({
        what: `${c.method} ${c.what}`,
        method: c.method,
        status: response.status,
        code: problem.code,
        reason: problem.reason,
        type: response.headers.get('content-type'),
      });
      wanted.push({
        what: `${c.method} ${c.what}`,
        method: c.method,
        status: c.status,
        code: c.code,
        reason: c.reason,
        type: expect.stringMatching(/^application\/problem\+json/) as unknown as string,
      });
    }
    expect(answers).toEqual(wanted);
  });
});
