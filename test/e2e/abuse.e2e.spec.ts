/**
 * Abuse protection on the embedded profile, over real HTTP: per-client rate limits (429 with
 * Retry-After), token revocation by jti and by client id through the admin API (401
 * token_revoked, kept across a restart; citizen tokens too), the token checks with their codes, the
 * body limit, and the HTTP edge of issue 13: anonymous refusals limited per address and audited within
 * bounds, slow requests timed out, parser refusals audited.
 */
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SignJWT, base64url, decodeJwt, importJWK, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { DevCitizenTokenIssuer } from '@motlan/auth/citizen-token.js';
import { DEFAULT_DEV_ISSUER, DEFAULT_TOKEN_AUDIENCE, DevTokenIssuer, devIssuerPrivateKeyFile } from '@motlan/auth/dev-token-issuer.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { eventually } from '../support/eventually.js';
import { pastRevocation } from '../support/revocation-window.js';
import { httpCall, metricValue, officerHeaders, type HttpAnswer } from '../support/http.js';
import { readAuditRecords } from '../support/audit-trail.js';
import { e2eStack, privateDataDir, startGateway as startStackGateway } from '../support/e2e-harness.js';

let dataDir: string;
let issuer: DevTokenIssuer;
let adminToken: string;
const gateways: NestFastifyApplication[] = [];

/** Clock tolerance of the revocation tests' gateway: a client revocation also covers `iat` up to this far past it. */
const REVOCATION_TOLERANCE_SEC = 2;

/** A token of the dev issuer with the claims and `iat` given (the issuer's own `issue` always uses now). */
async function signed(sub: string, iat: number, scope = 'population:read'): Promise<string> {
  const jwk = JSON.parse(await readFile(devIssuerPrivateKeyFile(dataDir), 'utf8')) as JWK;
  const key = (await importJWK(jwk, 'EdDSA')) as CryptoKey;
  return new SignJWT({ scope })
    .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid as string })
    .setIssuer(DEFAULT_DEV_ISSUER)
    .setAudience(DEFAULT_TOKEN_AUDIENCE)
    .setSubject(sub)
    .setJti(`jti-${sub}-${iat}`)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 600)
    .sign(key);
}

async function readAudit(auditDir: string): Promise<Array<Record<string, unknown>>> {
  return readAuditRecords(auditDir);
}

const stack = e2eStack({ dataDirPrefix: 'motlan-abuse-', sim: false, gateway: false });

/** A gateway over the file's data directory (several run side by side), closed at the end of the file at the latest. */
async function startGateway(env: Record<string, string> = {}): Promise<string> {
  const { app, base } = await startStackGateway(
    stack.gatewayEnv({
      MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
      MOTLAN_PORTAL_SYNC_WORKER: 'false',
      MOTLAN_RATE_LIMIT_PER_SECOND: '2',
      MOTLAN_RATE_LIMIT_BURST: '5',
      MOTLAN_RATE_LIMIT_OVERRIDES: 'security-ops=unlimited,big-client=1:20',
      MOTLAN_BODY_LIMIT_BYTES: '2048',
      ...env,
    }),
  );
  gateways.push(app);
  return base;
}

const registries = (base: string, token: string) => httpCall(base, 'GET', '/v1/registries', { token });
const revoke = (base: string, body: unknown, token = adminToken) => httpCall(base, 'POST', '/v1/admin/revocations', { token, body });

function expectProblem(answer: HttpAnswer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.body.code }).toEqual({ status, code });
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body.status).toBe(status);
}

beforeAll(async () => {
  ({ dataDir, clients: issuer } = stack);
  adminToken = await issuer.issue({ sub: 'security-ops', scope: 'tokens:revoke' });
});

describe('rate limits (embedded)', () => {
  let base: string;
  beforeAll(async () => {
    base = await startGateway();
  });

  it('answers 429 rate_limited with Retry-After once a client has used its burst; other clients are not affected', async () => {
    const token = await issuer.issue({ sub: 'noisy-client', scope: 'population:read' });
    const began = performance.now();
    const answers = await Promise.all(Array.from({ length: 15 }, () => registries(base, token)));
    const tookS = (performance.now() - began) / 1000;
    const ok = answers.filter((a) => a.status === 200).length;
    const limited = answers.filter((a) => a.status === 429);
    // Burst 5, plus 2/s for as long as the 15 requests took (measured, not assumed: a loaded machine is slow).
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(ok).toBeLessThanOrEqual(5 + Math.ceil(tookS * 2));
    expect(answers.filter((a) => a.status !== 200 && a.status !== 429).map((a) => [a.status, a.body])).toEqual([]);
    expect(limited.length).toBe(15 - ok);
    for (const answer of limited) {
      expectProblem(answer, 429, 'rate_limited');
      const retryAfter = answer.headers.get('retry-after');
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    }
    // The lookup routes (with their own refusal filter) answer the same.
    const lookup = await httpCall(base, 'GET', '/v1/registries/population/person/001099012345', { token, headers: officerHeaders() });
    expectProblem(lookup, 429, 'rate_limited');
    expect(Number(lookup.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = await issuer.issue({ sub: 'quiet-client', scope: 'population:read' });
    expect((await registries(base, other)).status).toBe(200);
    // A token is back after 1/2 s.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await registries(base, token)).status).toBe(200);
    expect(await metricValue(base, /^motlan_rate_limited_total /)).toBeGreaterThanOrEqual(limited.length);
  });

  it('applies per-client overrides (a bigger bucket, or none)', async () => {
    const big = await issuer.issue({ sub: 'big-client', scope: 'population:read' });
    // A bigger burst (20) with a slow refill (1/s): 25 at once get 20 through and refusals for the rest,
    // less one per second the requests took to arrive.
    const began = performance.now();
    const bigAnswers = await Promise.all(Array.from({ length: 25 }, () => registries(base, big)));
    const tookS = (performance.now() - began) / 1000;
    const bigOk = bigAnswers.filter((a) => a.status === 200).length;
    expect(bigOk).toBeGreaterThanOrEqual(20);
    expect(bigOk).toBeLessThanOrEqual(20 + Math.ceil(tookS));
    expect(bigAnswers.filter((a) => a.status === 429).length).toBe(25 - bigOk);
    const ops = await issuer.issue({ sub: 'security-ops', scope: 'population:read' });
    const opsAnswers = await Promise.all(Array.from({ length: 30 }, () => registries(base, ops)));
    expect(opsAnswers.every((a) => a.status === 200)).toBe(true);
  });

  it('counts requests refused for want of a scope, but never unauthenticated ones against a client', async () => {
    const token = await issuer.issue({ sub: 'scope-less', scope: '' });
    const answers = await Promise.all(Array.from({ length: 8 }, () => httpCall(base, 'GET', '/v1/adapters', { token })));
    expect(answers.filter((a) => a.status === 403).length).toBeGreaterThanOrEqual(5);
    expect(answers.some((a) => a.status === 429)).toBe(true);
    const unauthenticated = await Promise.all(Array.from({ length: 10 }, () => httpCall(base, 'GET', '/v1/registries')));
    for (const answer of unauthenticated) expectProblem(answer, 401, 'token_missing');
  });
});

describe('token revocation (embedded)', () => {
  let base: string;
  beforeAll(async () => {
    base = await startGateway({ MOTLAN_TOKEN_CLOCK_TOLERANCE_SEC: String(REVOCATION_TOLERANCE_SEC) });
  });

  it('revokes one token by jti: 401 token_revoked at once, other tokens of the client still work', async () => {
    const token = await issuer.issue({ sub: 'commune-00004', scope: 'population:read' });
    const sibling = await issuer.issue({ sub: 'commune-00004', scope: 'population:read' });
    expect((await registries(base, token)).status).toBe(200);
    const { jti } = decodeJwt(token);
    const created = await revoke(base, { jti, reason: 'leaked in a support ticket' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'jti', value: jti, revokedBy: 'security-ops', reason: 'leaked in a support ticket' });
    expectProblem(await registries(base, token), 401, 'token_revoked');
    expect((await registries(base, sibling)).status).toBe(200);
  });

  it('revokes every token of a client issued until then; a token issued afterwards works', async () => {
    const first = await issuer.issue({ sub: 'commune-leaky', scope: 'population:read' });
    const second = await issuer.issue({ sub: 'commune-leaky', scope: 'population:read' });
    expect((await registries(base, first)).status).toBe(200);
    const revoked = await revoke(base, { clientId: 'commune-leaky' });
    expect(revoked.status).toBe(201);
    expectProblem(await registries(base, first), 401, 'token_revoked');
    expectProblem(await registries(base, second), 401, 'token_revoked');
    // Tokens issued within the clock tolerance after the revocation are covered too (next test).
    await pastRevocation(revoked.body.revokedAt as string, REVOCATION_TOLERANCE_SEC);
    const fresh = await issuer.issue({ sub: 'commune-leaky', scope: 'population:read' });
    expect((await registries(base, fresh)).status).toBe(200);
  });

  it('a client revocation also refuses a token whose iat lies ahead of it within the clock tolerance (an issuer clock running ahead)', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Issued now by an issuer whose clock runs ahead: accepted, since iat is within the tolerance.
    const skewed = await signed('commune-skewed', now + REVOCATION_TOLERANCE_SEC);
    expect((await registries(base, skewed)).status).toBe(200);
    expect((await revoke(base, { clientId: 'commune-skewed' })).status).toBe(201);
    expectProblem(await registries(base, skewed), 401, 'token_revoked');
    // Beyond the tolerance a token is refused anyway.
    expectProblem(await registries(base, await signed('commune-skewed', now + REVOCATION_TOLERANCE_SEC + 60)), 401, 'token_invalid');
  });

  it('lists revocations for tokens:revoke only, refuses malformed requests, and keeps the list across a restart', async () => {
    const listed = await httpCall<{ revocations: Array<{ kind: string; value: string }> }>(base, 'GET', '/v1/admin/revocations', { token: adminToken });
    expect(listed.status).toBe(200);
    expect(listed.body.revocations.map((r) => r.kind)).toEqual(['client', 'client', 'jti']);
    const reader = await issuer.issue({ sub: 'someone', scope: 'population:read' });
    expectProblem(await httpCall(base, 'GET', '/v1/admin/revocations', { token: reader }), 403, 'missing_scope');
    expectProblem(await revoke(base, { jti: 'x' }, reader), 403, 'missing_scope');
    expectProblem(await revoke(base, { jti: 'x', clientId: 'y' }), 400, 'validation_failed');
    expectProblem(await revoke(base, {}), 400, 'validation_failed');
    expectProblem(await revoke(base, { jti: '' }), 400, 'validation_failed');
    expectProblem(await revoke(base, { jti: 'x', extra: 1 }), 400, 'validation_failed');
    expectProblem(await revoke(base, { jti: 'x', reason: 'y'.repeat(3000) }), 413, 'body_too_large');

    const restarted = await startGateway();
    const again = await httpCall<{ revocations: unknown[] }>(restarted, 'GET', '/v1/admin/revocations', { token: adminToken });
    expect(again.body.revocations).toHaveLength(3);
  });

  it('audits each revocation', async () => {
    await revoke(base, { jti: 'audited-jti', reason: 'audit me' });
    const config = loadGatewayConfig({ MOTLAN_DATA_DIR: dataDir });
    const lines = await readAudit(config.audit.dir);
    const record = lines.find((l) => l.type === 'token_revocation' && (l.target as { jti?: string }).jti === 'audited-jti');
    expect(record).toMatchObject({ clientId: 'security-ops', reason: 'audit me' });
    expect(typeof record?.requestId).toBe('string');
  });
});

describe('token checks over HTTP (each with its code)', () => {
  let base: string;
  let key: CryptoKey;
  let kid: string;

  async function craft(claims: JWTPayload, options: { alg?: string; kid?: string; iat?: number; exp?: number | null } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ scope: 'population:read', ...claims })
      .setProtectedHeader({ alg: options.alg ?? 'EdDSA', kid: options.kid ?? kid })
      .setIssuedAt(options.iat ?? now)
      .setSubject('commune-00004');
    if (claims.iss === undefined) jwt.setIssuer(DEFAULT_DEV_ISSUER);
    if (claims.aud === undefined) jwt.setAudience(DEFAULT_TOKEN_AUDIENCE);
    if (options.exp !== null) jwt.setExpirationTime(options.exp ?? now + 300);
    return jwt.sign(key);
  }

  beforeAll(async () => {
    base = await startGateway({ MOTLAN_RATE_LIMIT_PER_SECOND: '0' });
    const jwk = JSON.parse(await readFile(devIssuerPrivateKeyFile(dataDir), 'utf8')) as JWK;
    kid = jwk.kid as string;
    key = (await importJWK(jwk, 'EdDSA')) as CryptoKey;
  });

  it('refuses alg none, HS256 with the public key, unknown kid, bad aud/iss, missing or too long exp, future iat', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await registries(base, await craft({}))).status).toBe(200);
    const encode = (value: object) => base64url.encode(JSON.stringify(value));
    const unsigned = `${encode({ alg: 'none' })}.${encode({ iss: DEFAULT_DEV_ISSUER, aud: DEFAULT_TOKEN_AUDIENCE, sub: 'x', iat: now, exp: now + 60 })}.`;
    expectProblem(await registries(base, unsigned), 401, 'token_algorithm');
    const publicJwk = JSON.parse(await readFile(path.join(dataDir, 'dev-issuer', 'jwks.json'), 'utf8')).keys[0] as JWK;
    const hs = await new SignJWT({ scope: 'population:read' })
      .setProtectedHeader({ alg: 'HS256', kid })
      .setIssuer(DEFAULT_DEV_ISSUER)
      .setAudience(DEFAULT_TOKEN_AUDIENCE)
      .setSubject('x')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(base64url.decode(publicJwk.x as string));
    expectProblem(await registries(base, hs), 401, 'token_algorithm');
    expectProblem(await registries(base, await craft({}, { kid: 'no-such-key' })), 401, 'key_unknown');
    expectProblem(await registries(base, await craft({ aud: 'another-gateway' })), 401, 'token_audience');
    expectProblem(await registries(base, await craft({ iss: 'urn:someone-else' })), 401, 'token_issuer');
    expectProblem(await registries(base, await craft({}, { exp: null })), 401, 'token_invalid');
    expectProblem(await registries(base, await craft({}, { exp: now + 2 * 86400 })), 401, 'token_lifetime');
    expectProblem(await registries(base, await craft({}, { iat: now - 7200, exp: now - 3600 })), 401, 'token_expired');
    expectProblem(await registries(base, await craft({}, { iat: now + 600, exp: now + 900 })), 401, 'token_invalid');
  });
});

describe('citizen tokens and revocation (embedded)', () => {
  const citizenId = '001099012345';
  let base: string;
  let citizens: DevCitizenTokenIssuer;
  const accessLog = (token: string) => httpCall(base, 'GET', '/v1/me/access-log', { token });

  beforeAll(async () => {
    citizens = new DevCitizenTokenIssuer({ dataDir });
    await citizens.ensureKeys();
    base = await startGateway();
  });

  it('refuses a citizen token revoked by its jti (401 token_revoked); another token of the citizen still works', async () => {
    const token = await citizens.issue({ subjectId: citizenId });
    const sibling = await citizens.issue({ subjectId: citizenId });
    expect((await accessLog(token)).status).toBe(200);
    expect((await revoke(base, { jti: decodeJwt(token).jti })).status).toBe(201);
    expectProblem(await accessLog(token), 401, 'token_revoked');
    expect((await accessLog(sibling)).status).toBe(200);
  });

  it("refuses every citizen token issued until the revocation of the citizen's sub (the personal id)", async () => {
    const other = '079203000111';
    const first = await citizens.issue({ subjectId: other });
    const second = await citizens.issue({ subjectId: other });
    expect((await accessLog(first)).status).toBe(200);
    expect((await revoke(base, { clientId: other })).status).toBe(201);
    expectProblem(await accessLog(first), 401, 'token_revoked');
    expectProblem(await accessLog(second), 401, 'token_revoked');
  });
});

describe('anonymous refusals: per-address limit and a bounded audit trail', () => {
  const FULL_PER_ADDRESS = 5;
  const BURST = 10;
  let base: string;
  let app: NestFastifyApplication;
  let auditDir: string;

  beforeAll(async () => {
    auditDir = privateDataDir('motlan-anon-audit-');
    base = await startGateway({
      MOTLAN_AUDIT_DIR: auditDir,
      MOTLAN_ANON_RATE_LIMIT_PER_SECOND: '1',
      MOTLAN_ANON_RATE_LIMIT_BURST: String(BURST),
      MOTLAN_ANON_AUDIT_FULL_PER_ADDRESS: String(FULL_PER_ADDRESS),
      MOTLAN_ANON_AUDIT_FULL_TOTAL: '1000',
      // No summary before the gateway closes: the test reads the one written at shutdown.
      MOTLAN_ANON_AUDIT_INTERVAL_MS: '3600000',
      MOTLAN_RATE_LIMIT_PER_SECOND: '0',
    });
    app = gateways[gateways.length - 1];
  });

  it('answers 429 rate_limited once an address used its allowance, still serves valid tokens from it, and writes a bounded number of records', async () => {
    const FLOOD = 200;
    const started = performance.now();
    const answers: HttpAnswer[] = [];
    for (let i = 0; i < FLOOD; i++) answers.push(await registries(base, 'not-a-token'));
    const seconds = (performance.now() - started) / 1000;
    const refused = answers.filter((a) => a.status === 401);
    const limited = answers.filter((a) => a.status === 429);
    expect(refused.length + limited.length).toBe(FLOOD);
    // The burst, plus one per second for the time the flood took.
    expect(refused.length).toBeGreaterThanOrEqual(BURST);
    expect(refused.length).toBeLessThanOrEqual(BURST + Math.ceil(seconds) + 1);
    for (const answer of refused) expectProblem(answer, 401, 'token_invalid');
    for (const answer of limited) {
      expectProblem(answer, 429, 'rate_limited');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // A client with a valid token from the same address is not limited by the flood.
    const valid = await issuer.issue({ sub: 'commune-flooded', scope: 'population:read' });
    expect((await registries(base, valid)).status).toBe(200);

    const anonymous = (records: Array<Record<string, unknown>>) => records.filter((r) => r.type === 'refusal' && r.clientId === null);
    await eventually('the refusals recorded one by one', async () => (anonymous(await readAudit(auditDir)).length >= FULL_PER_ADDRESS ? true : undefined));
    // The rest is counted, and written as one summary when the interval ends (here: at shutdown).
    gateways.splice(gateways.indexOf(app), 1);
    await app.close();
    const records = await readAudit(auditDir);
    expect(anonymous(records)).toHaveLength(FULL_PER_ADDRESS);
    const summaries = records.filter((r) => r.type === 'refusal_summary');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      count: FLOOD - FULL_PER_ADDRESS,
      codes: { token_invalid: refused.length - FULL_PER_ADDRESS, rate_limited: limited.length },
      sources: [{ address: '127.0.0.1', count: FLOOD - FULL_PER_ADDRESS }],
      otherSources: 0,
    });
  });
});

describe('slow and malformed HTTP', () => {
  let base: string;
  let auditDir: string;

  beforeAll(async () => {
    auditDir = privateDataDir('motlan-http-audit-');
    // Test-sized: a request must arrive within 1 s.
    base = await startGateway({ MOTLAN_AUDIT_DIR: auditDir, MOTLAN_HTTP_REQUEST_TIMEOUT_MS: '1000', MOTLAN_HTTP_HEADERS_TIMEOUT_MS: '1000' });
  });

  /** Opens a raw connection, writes `head`, then one byte every 100 ms (the socket is never idle); resolves with what came back once the server closed it. */
  function trickle(head: string): Promise<string> {
    return new Promise((resolve) => {
      const { hostname, port } = new URL(base);
      const socket = net.connect(Number(port), hostname);
      let answer = '';
      const drip = setInterval(() => socket.writable && socket.write('1'), 100);
      socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(drip);
        resolve(answer);
      });
      socket.write(head);
    });
  }

  it('closes a connection whose body never finishes arriving (408 request_timeout), and audits it', async () => {
    const token = await issuer.issue({ sub: 'commune-slow', scope: 'population:read' });
    const answer = await trickle(
      `POST /v1/lookups HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('"code":"request_timeout"');
    const requestId = /x-request-id: (\S+)/i.exec(answer)?.[1];
    await eventually('the timeout in the audit trail', async () =>
      (await readAudit(auditDir)).find((r) => r.type === 'refusal' && r.code === 'request_timeout' && r.requestId === requestId && r.status === 408),
    );
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  }, 30_000);

  it('audits requests the HTTP parser refuses (431 headers too large)', async () => {
    const answer = await new Promise<string>((resolve) => {
      const { hostname, port } = new URL(base);
      const socket = net.connect(Number(port), hostname);
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString('latin1')));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
      socket.write(`GET /v1/registries HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    const requestId = /x-request-id: (\S+)/i.exec(answer)?.[1];
    expect(requestId).toBeDefined();
    await eventually('the 431 in the audit trail', async () =>
      (await readAudit(auditDir)).find((r) => r.type === 'refusal' && r.code === 'headers_too_large' && r.status === 431 && r.requestId === requestId),
    );
  }, 30_000);
});
