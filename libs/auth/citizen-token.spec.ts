import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import {
  CitizenTokenVerifier,
  DEFAULT_CITIZEN_TOKEN_AUDIENCE,
  DEFAULT_CITIZEN_TOKEN_ISSUER,
  DevCitizenTokenIssuer,
  devCitizenIssuerJwksFile,
} from './citizen-token.js';
import { DEFAULT_DEV_ISSUER, DEFAULT_TOKEN_AUDIENCE, DevTokenIssuer, devIssuerJwksFile } from './dev-token-issuer.js';
import { TokenVerifierService } from './token-verifier.service.js';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'motlan-citizen-token-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const citizenVerifier = () =>
  new CitizenTokenVerifier({
    issuer: DEFAULT_CITIZEN_TOKEN_ISSUER,
    audience: DEFAULT_CITIZEN_TOKEN_AUDIENCE,
    jwks: { file: devCitizenIssuerJwksFile(dataDir) },
  });
const clientVerifier = () =>
  new TokenVerifierService({ issuer: DEFAULT_DEV_ISSUER, audience: DEFAULT_TOKEN_AUDIENCE, jwks: { file: devIssuerJwksFile(dataDir) } });

describe('citizen tokens', () => {
  it('come from a dev issuer with its own key pair, and carry only the registered claims', async () => {
    const citizens = new DevCitizenTokenIssuer({ dataDir });
    const clients = new DevTokenIssuer({ dataDir });
    const [{ kid: citizenKid }, { kid: clientKid }] = await Promise.all([citizens.ensureKeys(), clients.ensureKeys()]);
    expect(citizens.jwksFile).toBe(join(dataDir, 'dev-citizen-issuer', 'jwks.json'));
    expect(citizenKid).not.toBe(clientKid);
    expect(await readFile(citizens.jwksFile, 'utf8')).not.toContain(clientKid);
    const claims = decodeJwt(await citizens.issue({ subjectId: '001099012345', ttlSec: 600 }));
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sub']);
    expect(claims).toMatchObject({ iss: DEFAULT_CITIZEN_TOKEN_ISSUER, aud: DEFAULT_CITIZEN_TOKEN_AUDIENCE, sub: '001099012345' });
    expect(claims.exp! - claims.iat!).toBe(600);
  });

  it('verify to the citizen, the same principal for the same token', async () => {
    const token = await new DevCitizenTokenIssuer({ dataDir }).issue({ subjectId: '079203000111' });
    const verifier = citizenVerifier();
    const citizen = await verifier.verify(`Bearer ${token}`);
    // jti and iat come along: revocations of the token and of the citizen's sub are checked against them.
    const claims = decodeJwt(token);
    expect(citizen).toEqual({ subjectId: '079203000111', expiresAt: claims.exp, tokenId: claims.jti, issuedAt: claims.iat });
    expect(await verifier.verify(`Bearer ${token}`)).toBe(citizen);
  });

  it('are refused for a sub that is not a personal id, and client tokens are refused as citizen tokens', async () => {
    const citizens = new DevCitizenTokenIssuer({ dataDir });
    const verifier = citizenVerifier();
    for (const subjectId of ['12345', '001999012345', '00109901234x', 'commune-00004']) {
      await expect(verifier.verify(`Bearer ${await citizens.issue({ subjectId })}`)).rejects.toMatchObject({ status: 401, code: 'token_invalid' });
    }
    const clientToken = await new DevTokenIssuer({ dataDir }).issue({ sub: '001099012345', scope: 'population:read' });
    // Signed with a key the citizen issuer does not have: refused before its claims are read.
    await expect(verifier.verify(`Bearer ${clientToken}`)).rejects.toMatchObject({ status: 401, code: 'key_unknown' });
    // Even a client token forged with the citizen issuer's name is not signed by a citizen key.
    const forged = await new DevTokenIssuer({ dataDir }).issue({
      sub: '001099012345',
      scope: '',
      issuer: DEFAULT_CITIZEN_TOKEN_ISSUER,
      audience: DEFAULT_CITIZEN_TOKEN_AUDIENCE,
    });
    await expect(verifier.verify(`Bearer ${forged}`)).rejects.toMatchObject({ status: 401 });
    await expect(verifier.verify(undefined)).rejects.toMatchObject({ status: 401, code: 'token_missing' });
  });

  it('are refused as client tokens', async () => {
    await new DevTokenIssuer({ dataDir }).ensureKeys();
    const token = await new DevCitizenTokenIssuer({ dataDir }).issue({ subjectId: '001099012345' });
    await expect(clientVerifier().verify(`Bearer ${token}`)).rejects.toMatchObject({ status: 401, code: 'key_unknown' });
  });
});
