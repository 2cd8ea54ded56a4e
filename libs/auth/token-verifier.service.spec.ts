import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { SignJWT, base64url, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { AuthError, type AuthErrorCode } from './auth.errors.js';
import { TokenVerifierService, hasScopes, type TokenVerifierOptions } from './token-verifier.service.js';

const ISSUER = 'urn:test:issuer';
const AUDIENCE = 'motlan-gateway';

interface TestKey {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function makeKey(kid: string, alg: 'EdDSA' | 'ES256' = 'EdDSA'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

async function sign(key: TestKey, claims: JWTPayload = {}, options: { iat?: number; exp?: number | null } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ scope: 'population:read land:read', ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuedAt(options.iat ?? now);
  if (claims.iss === undefined) jwt.setIssuer(ISSUER);
  if (claims.aud === undefined) jwt.setAudience(AUDIENCE);
  if (claims.sub === undefined) jwt.setSubject('client-1');
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? now + 600);
  return jwt.sign(key.privateKey);
}

async function expectCode(promise: Promise<unknown>, code: AuthErrorCode): Promise<AuthError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthError);
  expect((error as AuthError).code).toBe(code);
  expect((error as AuthError).status).toBe(code === 'jwks_unavailable' ? 503 : 401);
  return error as AuthError;
}

let dir: string;
let jwksFile: string;
let key: TestKey;

async function writeJwks(...keys: TestKey[]): Promise<void> {
  await writeFile(jwksFile, JSON.stringify({ keys: keys.map((k) => k.publicJwk) }));
}

/**
 * Freezes `Date` (only `Date`: timers, I/O and the test's HTTP server run as usual) so that a test
 * can step the time jose times key set reloads by: jose reads `Date.now` itself. Restored after each test.
 */
function frozenClock(): { advance: (ms: number) => void } {
  jest.useFakeTimers({
    now: Date.now(),
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
  return { advance: (ms) => jest.setSystemTime(Date.now() + ms) };
}

function verifier(overrides: Partial<TokenVerifierOptions> = {}, hooks = {}): TokenVerifierService {
  return new TokenVerifierService({ issuer: ISSUER, audience: AUDIENCE, jwks: { file: jwksFile }, ...overrides }, hooks);
}

beforeAll(async () => {
  key = await makeKey('key-1');
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'motlan-auth-'));
  jwksFile = join(dir, 'jwks.json');
  await writeJwks(key);
});

afterEach(async () => {
  jest.useRealTimers();
  await rm(dir, { recursive: true, force: true });
});

describe('TokenVerifierService', () => {
  it('accepts a valid token and parses the principal', async () => {
    const token = await sign(key, { commune: '00004', jti: 'token-1' });
    const principal = await verifier().verify(`Bearer ${token}`);
    expect(principal.clientId).toBe('client-1');
    expect([...principal.scopes].sort()).toEqual(['land:read', 'population:read']);
    expect(principal.communeCode).toBe('00004');
    expect(principal.tokenId).toBe('token-1');
    expect(principal.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect(hasScopes(principal, ['population:read'])).toBe(true);
    expect(hasScopes(principal, ['population:read', 'business:read'])).toBe(false);
    expect(hasScopes(principal, [])).toBe(true);
  });

  it('accepts ES256 tokens and a case-insensitive scheme', async () => {
    const es = await makeKey('key-es', 'ES256');
    await writeJwks(key, es);
    const principal = await verifier().verify(`bearer ${await sign(es)}`);
    expect(principal.clientId).toBe('client-1');
    expect(principal.communeCode).toBeUndefined();
  });

  it('returns the cached principal for a token seen before, without reading keys again', async () => {
    let reads = 0;
    const service = verifier({}, { readFile: (file: string) => (reads++, readFile(file, 'utf8')) });
    const header = `Bearer ${await sign(key)}`;
    const first = await service.verify(header);
    const second = await service.verify(header);
    expect(second).toBe(first);
    expect(reads).toBe(1);
  });

  it('stops serving a cached principal once the token expires', async () => {
    let now = Date.now();
    const service = verifier({ clockToleranceSec: 0 }, { now: () => now });
    const header = `Bearer ${await sign(key, {}, { exp: Math.floor(now / 1000) + 60 })}`;
    await service.verify(header);
    now += 61_000;
    await expectCode(service.verify(header), 'token_expired');
  });

  it('refuses a missing or non-Bearer header', async () => {
    await expectCode(verifier().verify(undefined), 'token_missing');
    await expectCode(verifier().verify(''), 'token_missing');
    await expectCode(verifier().verify('Bearer   '), 'token_missing');
    await expectCode(verifier().verify('Basic dXNlcjpwYXNz'), 'token_invalid');
    await expectCode(verifier().verify('Bearer not-a-jwt'), 'token_invalid');
    await expectCode(verifier().verify(`Bearer ${'a'.repeat(9000)}`), 'token_invalid');
  });

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectCode(verifier().verify(`Bearer ${await sign(key, {}, { iat: now - 3600, exp: now - 120 })}`), 'token_expired');
  });

  it('tolerates clock skew within clockToleranceSec', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await sign(key, {}, { iat: now - 600, exp: now - 10 });
    await expect(verifier({ clockToleranceSec: 30 }).verify(`Bearer ${token}`)).resolves.toBeDefined();
    await expectCode(verifier({ clockToleranceSec: 0 }).verify(`Bearer ${token}`), 'token_expired');
  });

  it('refuses a wrong audience or issuer', async () => {
    await expectCode(verifier().verify(`Bearer ${await sign(key, { aud: 'someone-else' })}`), 'token_audience');
    await expectCode(verifier().verify(`Bearer ${await sign(key, { iss: 'urn:evil' })}`), 'token_issuer');
  });

  it('requires aud and iss', async () => {
    const now = Math.floor(Date.now() / 1000);
    const base = () =>
      new SignJWT({ scope: 'x' })
        .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
        .setSubject('client-1')
        .setIssuedAt(now)
        .setExpirationTime(now + 60);
    const noAud = await expectCode(verifier().verify(`Bearer ${await base().setIssuer(ISSUER).sign(key.privateKey)}`), 'token_audience');
    expect(noAud.message).toMatch(/no "aud"/);
    const noIss = await expectCode(verifier().verify(`Bearer ${await base().setAudience(AUDIENCE).sign(key.privateKey)}`), 'token_issuer');
    expect(noIss.message).toMatch(/no "iss"/);
  });

  it('refuses a token issued in the future beyond the clock tolerance, and one not valid yet', async () => {
    const now = Math.floor(Date.now() / 1000);
    const skewed = await sign(key, {}, { iat: now + 20, exp: now + 600 });
    await expect(verifier({ clockToleranceSec: 30 }).verify(`Bearer ${skewed}`)).resolves.toBeDefined();
    const future = await expectCode(verifier({ clockToleranceSec: 10 }).verify(`Bearer ${skewed}`), 'token_invalid');
    expect(future.message).toMatch(/iat.*future/);
    const notYet = await sign(key, { nbf: now + 120 }, { exp: now + 600 });
    await expectCode(verifier().verify(`Bearer ${notYet}`), 'token_invalid');
  });

  it('exposes iat and jti on the principal (for revocation)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const principal = await verifier().verify(`Bearer ${await sign(key, { jti: 'j-1' }, { iat: now - 5 })}`);
    expect(principal).toMatchObject({ tokenId: 'j-1', issuedAt: now - 5 });
  });

  it('refuses an HS256 token even with HS256 allowed by a bypassed allow-list: keys are public keys only', async () => {
    // An "oct" key in the set would be the only way to verify an HMAC token; jose refuses it, and
    // the resolver would refuse any non-public key anyway.
    await writeFile(jwksFile, JSON.stringify({ keys: [key.publicJwk, { kty: 'oct', k: base64url.encode('secret'), kid: 'hmac' }] }));
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ scope: 'x' })
      .setProtectedHeader({ alg: 'HS256', kid: 'hmac' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('client-1')
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode('secret'));
    await expectCode(verifier().verify(`Bearer ${token}`), 'token_algorithm');
    // The asymmetric key beside it still works.
    await expect(verifier().verify(`Bearer ${await sign(key)}`)).resolves.toBeDefined();
  });

  it('refuses a token without exp or sub', async () => {
    const noExp = await expectCode(verifier().verify(`Bearer ${await sign(key, {}, { exp: null })}`), 'token_invalid');
    expect(noExp.message).toMatch(/exp/);
    const now = Math.floor(Date.now() / 1000);
    const noSub = await new SignJWT({ scope: 'x' })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(key.privateKey);
    await expectCode(verifier().verify(`Bearer ${noSub}`), 'token_invalid');
  });

  it('refuses an unsigned alg:none token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const encode = (value: object) => base64url.encode(JSON.stringify(value));
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ iss: ISSUER, aud: AUDIENCE, sub: 'client-1', iat: now, exp: now + 60, scope: 'population:read' })}.`;
    const error = await expectCode(verifier().verify(`Bearer ${unsigned}`), 'token_algorithm');
    expect(error.message).not.toContain(unsigned);
  });

  it('refuses an HS256 token signed with the public key bytes (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const raw = base64url.decode(key.publicJwk.x as string);
    for (const bytes of [secret, raw]) {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ scope: 'population:read' })
        .setProtectedHeader({ alg: 'HS256', kid: key.kid })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('client-1')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(bytes);
      await expectCode(verifier().verify(`Bearer ${token}`), 'token_algorithm');
    }
  });

  it('refuses algorithms outside the allow-list', async () => {
    const es = await makeKey('key-es', 'ES256');
    await writeJwks(key, es);
    await expectCode(verifier({ algorithms: ['EdDSA'] }).verify(`Bearer ${await sign(es)}`), 'token_algorithm');
  });

  it('refuses a token signed by an unknown key, and a forged signature for a known kid', async () => {
    const stranger = await makeKey('stranger');
    await expectCode(verifier().verify(`Bearer ${await sign(stranger)}`), 'key_unknown');
    const impostor = { ...stranger, kid: key.kid };
    const error = await expectCode(verifier().verify(`Bearer ${await sign(impostor)}`), 'token_invalid');
    expect(error.message).toMatch(/signature/);
  });

  it('refuses tokens that live longer than maxTokenLifetimeSec', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectCode(verifier().verify(`Bearer ${await sign(key, {}, { iat: now, exp: now + 25 * 3600 })}`), 'token_lifetime');
    await expectCode(verifier({ maxTokenLifetimeSec: 300 }).verify(`Bearer ${await sign(key, {}, { iat: now, exp: now + 600 })}`), 'token_lifetime');
    // Without iat the remaining lifetime still counts.
    const noIat = await new SignJWT({ scope: 'x' })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('client-1')
      .setExpirationTime(now + 3600)
      .sign(key.privateKey);
    await expectCode(verifier({ maxTokenLifetimeSec: 300 }).verify(`Bearer ${noIat}`), 'token_lifetime');
  });

  it('refuses claims of the wrong type', async () => {
    await expectCode(verifier().verify(`Bearer ${await sign(key, { scope: ['population:read'] })}`), 'token_invalid');
    await expectCode(verifier().verify(`Bearer ${await sign(key, { commune: 4 })}`), 'token_invalid');
    await expectCode(verifier().verify(`Bearer ${await sign(key, { province: 79 })}`), 'token_invalid');
    await expectCode(verifier().verify(`Bearer ${await sign(key, { province: '7' })}`), 'token_invalid');
  });

  it('parses the province a monitoring centre token is bound to', async () => {
    const principal = await verifier().verify(`Bearer ${await sign(key, { province: '79' })}`);
    expect(principal.provinceCode).toBe('79');
    expect(principal.communeCode).toBeUndefined();
  });

  it('reloads the key file for an unknown kid at most once per interval', async () => {
    let reads = 0;
    const clock = frozenClock();
    const service = verifier({ jwks: { file: jwksFile, reloadIntervalMs: 30_000 } }, { readFile: (file: string) => (reads++, readFile(file, 'utf8')) });
    await service.verify(`Bearer ${await sign(key)}`);
    expect(reads).toBe(1);

    const rotated = await makeKey('key-2');
    await writeJwks(key, rotated);
    const forged = await makeKey('forged');
    // The first unknown kid is less than 30 s after the initial load: no reload.
    await expectCode(service.verify(`Bearer ${await sign(rotated)}`), 'key_unknown');
    expect(reads).toBe(1);

    clock.advance(30_000);
    // Concurrent requests with unknown kids share one reload.
    const results = await Promise.allSettled([service.verify(`Bearer ${await sign(rotated)}`), service.verify(`Bearer ${await sign(forged, { sub: 'a' })}`)]);
    expect(results[0].status).toBe('fulfilled');
    expect(reads).toBe(2);
    for (let i = 0; i < 5; i++) await expectCode(service.verify(`Bearer ${await sign(forged, { sub: `x${i}` })}`), 'key_unknown');
    expect(reads).toBe(2);

    clock.advance(30_000);
    await expectCode(service.verify(`Bearer ${await sign(forged)}`), 'key_unknown');
    expect(reads).toBe(3);
  });

  it('shares the first key set load between concurrent first requests', async () => {
    let reads = 0;
    const service = verifier({}, { readFile: async (file: string) => (reads++, await new Promise((r) => setTimeout(r, 20)), readFile(file, 'utf8')) });
    const tokens = await Promise.all(Array.from({ length: 5 }, (_, i) => sign(key, { sub: `c${i}` })));
    const results = await Promise.allSettled(tokens.map((t) => service.verify(`Bearer ${t}`)));
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('fulfilled'));
    expect(reads).toBe(1);
  });

  it('treats a missing key file as an empty set and picks it up once it appears', async () => {
    await rm(jwksFile);
    const clock = frozenClock();
    let reads = 0;
    const service = verifier({}, { readFile: (file: string) => (reads++, readFile(file, 'utf8')) });
    const token = `Bearer ${await sign(key)}`;
    await expectCode(service.verify(token), 'key_unknown');
    await writeJwks(key);
    // Within a second of the failed read the file is not looked at again.
    await expectCode(service.verify(token), 'key_unknown');
    expect(reads).toBe(1);
    clock.advance(1000);
    await expect(service.verify(token)).resolves.toBeDefined();
  });

  it('answers jwks_unavailable (503) when the key file is not a JWKS', async () => {
    await writeFile(jwksFile, 'not json');
    await expectCode(verifier().verify(`Bearer ${await sign(key)}`), 'jwks_unavailable');
  });

  it('rejects unsafe configuration', () => {
    expect(() => verifier({ algorithms: ['EdDSA', 'none'] })).toThrow(/not allowed/);
    expect(() => verifier({ algorithms: ['HS256'] })).toThrow(/not allowed/);
    expect(() => verifier({ algorithms: [] })).toThrow(TypeError);
    expect(() => verifier({ algorithms: ['XX1'] })).toThrow(/unsupported/);
    expect(() => verifier({ clockToleranceSec: 301 })).toThrow(RangeError);
    expect(() => verifier({ maxTokenLifetimeSec: 0 })).toThrow(RangeError);
  });

  describe('with a remote key set', () => {
    let server: Server;
    let requests = 0;
    let served: TestKey[] = [];
    let url: string;

    beforeAll(async () => {
      server = createServer((_req, res) => {
        requests++;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: served.map((k) => k.publicJwk) }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });

    afterAll(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('verifies against the fetched set; unknown kids refetch it at most once per interval', async () => {
      served = [key];
      requests = 0;
      const clock = frozenClock();
      const service = verifier({ jwks: { url, reloadIntervalMs: 30_000 } });
      await expect(service.verify(`Bearer ${await sign(key)}`)).resolves.toBeDefined();
      expect(requests).toBe(1);
      const stranger = await makeKey('stranger');
      for (let i = 0; i < 20; i++) await expectCode(service.verify(`Bearer ${await sign(stranger, { sub: `s${i}` })}`), 'key_unknown');
      expect(requests).toBe(1);

      // The issuer rotates: after the interval one unknown kid refetches the set, concurrent ones share it.
      const rotated = await makeKey('rotated');
      served = [key, rotated];
      clock.advance(30_000);
      const results = await Promise.allSettled([
        service.verify(`Bearer ${await sign(rotated)}`),
        service.verify(`Bearer ${await sign(stranger, { sub: 'c' })}`),
        service.verify(`Bearer ${await sign(rotated, { sub: 'd' })}`),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(requests).toBe(2);
      for (let i = 0; i < 5; i++) await expectCode(service.verify(`Bearer ${await sign(stranger, { sub: `t${i}` })}`), 'key_unknown');
      expect(requests).toBe(2);
    });

    it('answers jwks_unavailable when the issuer cannot be reached, and does not ask it again for every token', async () => {
      let calls = 0;
      const clock = frozenClock();
      const failing = (async () => {
        calls++;
        throw new TypeError('fetch failed');
      }) as typeof fetch;
      const service = verifier({ jwks: { url: 'http://127.0.0.1:9/jwks.json', timeoutMs: 500 } }, { fetch: failing });
      for (let i = 0; i < 10; i++) await expectCode(service.verify(`Bearer ${await sign(key, { sub: `u${i}` })}`), 'jwks_unavailable');
      expect(calls).toBe(1);
      clock.advance(1000);
      await expectCode(service.verify(`Bearer ${await sign(key)}`), 'jwks_unavailable');
      expect(calls).toBe(2);
      await expectCode(verifier({ jwks: { url: 'http://127.0.0.1:9/jwks.json', timeoutMs: 500 } }).verify(`Bearer ${await sign(key)}`), 'jwks_unavailable');
    });

    it('answers jwks_unavailable for an issuer answering anything but 200 with a JWKS', async () => {
      const answers = [new Response('down', { status: 500 }), new Response('<html>', { status: 200 }), new Response('{"keys":"x"}', { status: 200 })];
      for (const answer of answers) {
        const service = verifier({ jwks: { url } }, { fetch: (async () => answer) as typeof fetch });
        const error = await expectCode(service.verify(`Bearer ${await sign(key)}`), 'jwks_unavailable');
        expect(error.message).toMatch(/issuer key set/);
      }
    });

    it('keeps the last good set when a refetch fails', async () => {
      served = [key];
      const clock = frozenClock();
      let down = false;
      let fetches = 0;
      const flaky = ((input: URL, init?: RequestInit) => (
        fetches++,
        down ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init)
      )) as typeof fetch;
      const service = verifier({ jwks: { url, reloadIntervalMs: 1000 } }, { fetch: flaky });
      await expect(service.verify(`Bearer ${await sign(key)}`)).resolves.toBeDefined();
      down = true;
      // Past the maximum age jose refetches before use; the fetch fails and the last good set serves.
      clock.advance(11 * 60_000);
      const stranger = await makeKey('stranger-2');
      await expectCode(service.verify(`Bearer ${await sign(stranger)}`), 'key_unknown');
      await expect(service.verify(`Bearer ${await sign(key, { sub: 'after-outage' })}`)).resolves.toBeDefined();
      // The failed fetch is not repeated for every token until the reload interval has passed.
      expect(fetches).toBe(2);
      clock.advance(1000);
      await expect(service.verify(`Bearer ${await sign(key, { sub: 'still-down' })}`)).resolves.toBeDefined();
      expect(fetches).toBe(3);
    });

    it('picks up a rotation through the maximum age: the new key is accepted, the withdrawn one refused', async () => {
      const rotated = await makeKey('rotated-2');
      served = [key];
      requests = 0;
      const clock = frozenClock();
      const service = verifier({ jwks: { url, reloadIntervalMs: 30_000 } });
      await expect(service.verify(`Bearer ${await sign(key)}`)).resolves.toBeDefined();

      // The issuer replaces key-1 by rotated-2. Inside the maximum age the set in memory still answers.
      served = [rotated];
      clock.advance(5 * 60_000);
      await expect(service.verify(`Bearer ${await sign(key, { sub: 'before-max-age' })}`)).resolves.toBeDefined();
      expect(requests).toBe(1);

      clock.advance(5 * 60_000);
      await expectCode(service.verify(`Bearer ${await sign(key, { sub: 'withdrawn' })}`), 'key_unknown');
      expect(requests).toBe(2);
      await expect(service.verify(`Bearer ${await sign(rotated)}`)).resolves.toMatchObject({ clientId: 'client-1' });
      expect(requests).toBe(2);
    });
  });
});
