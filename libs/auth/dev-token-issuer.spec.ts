import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { AuthError } from './auth.errors.js';
import { DEFAULT_DEV_ISSUER, DEFAULT_TOKEN_AUDIENCE, DevTokenIssuer, devIssuerJwksFile, devIssuerPrivateKeyFile } from './dev-token-issuer.js';
import { TokenVerifierService } from './token-verifier.service.js';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'motlan-dev-issuer-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function devVerifier(): TokenVerifierService {
  return new TokenVerifierService({ issuer: DEFAULT_DEV_ISSUER, audience: DEFAULT_TOKEN_AUDIENCE, jwks: { file: devIssuerJwksFile(dataDir) } });
}

describe('DevTokenIssuer', () => {
  it('creates the key pair on first use, private key mode 0600, public set with the kid', async () => {
    const issuer = new DevTokenIssuer({ dataDir });
    const { kid } = await issuer.ensureKeys();
    expect(issuer.jwksFile).toBe(join(dataDir, 'dev-issuer', 'jwks.json'));
    const privateFile = devIssuerPrivateKeyFile(dataDir);
    expect(privateFile).toBe(join(dataDir, 'dev-issuer', 'private-key.jwk.json'));
    expect((await stat(privateFile)).mode & 0o777).toBe(0o600);
    const jwks = JSON.parse(await readFile(issuer.jwksFile, 'utf8')) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', kid, alg: 'EdDSA', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('issues tokens that verify against its jwks file', async () => {
    const issuer = new DevTokenIssuer({ dataDir });
    const token = await issuer.issue({ sub: 'commune-00004', scope: 'population:read  land:read', commune: '00004', ttlSec: 120 });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: DEFAULT_DEV_ISSUER,
      aud: DEFAULT_TOKEN_AUDIENCE,
      sub: 'commune-00004',
      scope: 'population:read land:read',
      commune: '00004',
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(120);
    expect(typeof claims.jti).toBe('string');
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'EdDSA', kid: (await issuer.ensureKeys()).kid });

    const principal = await devVerifier().verify(`Bearer ${token}`);
    expect(principal).toMatchObject({ clientId: 'commune-00004', communeCode: '00004', tokenId: claims.jti });
    expect(principal.scopes).toEqual(new Set(['population:read', 'land:read']));
  });

  it('keeps the key across instances and restarts', async () => {
    const first = await new DevTokenIssuer({ dataDir }).ensureKeys();
    const second = await new DevTokenIssuer({ dataDir }).ensureKeys();
    expect(second.kid).toBe(first.kid);
  });

  it('converges on one key when several instances race to create it', async () => {
    const issuers = Array.from({ length: 8 }, () => new DevTokenIssuer({ dataDir }));
    const tokens = await Promise.all(issuers.map((issuer, i) => issuer.issue({ sub: `client-${i}`, scope: 'population:read' })));
    const kids = new Set(tokens.map((t) => decodeProtectedHeader(t).kid));
    expect(kids.size).toBe(1);
    const verifier = devVerifier();
    for (const token of tokens) await expect(verifier.verify(`Bearer ${token}`)).resolves.toBeDefined();
  });

  it('honours a custom issuer and audience', async () => {
    const token = await new DevTokenIssuer({ dataDir }).issue({ sub: 'x', scope: 's', issuer: 'urn:other', audience: 'other-aud' });
    expect(decodeJwt(token)).toMatchObject({ iss: 'urn:other', aud: 'other-aud' });
    await expect(devVerifier().verify(`Bearer ${token}`)).rejects.toBeInstanceOf(AuthError);
  });

  it('validates the request', async () => {
    const issuer = new DevTokenIssuer({ dataDir });
    await expect(issuer.issue({ sub: '', scope: 's' })).rejects.toThrow(TypeError);
    await expect(issuer.issue({ sub: 'x', scope: 's', ttlSec: 0 })).rejects.toThrow(RangeError);
    await expect(issuer.issue({ sub: 'x', scope: 's', ttlSec: 86_401 })).rejects.toThrow(RangeError);
  });
});
