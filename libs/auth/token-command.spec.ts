import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { DEFAULT_DATA_DIR, resolveDataDir } from './data-dir.js';
import { DEFAULT_DEV_ISSUER, DEFAULT_TOKEN_AUDIENCE, devIssuerJwksFile } from './dev-token-issuer.js';
import { CitizenTokenVerifier, DEFAULT_CITIZEN_TOKEN_AUDIENCE, DEFAULT_CITIZEN_TOKEN_ISSUER, devCitizenIssuerJwksFile } from './citizen-token.js';
import { runTokenCli, type TextSink } from './token-command.js';
import { TokenVerifierService } from './token-verifier.service.js';

class TextBuffer implements TextSink {
  text = '';
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'motlan-token-cli-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new TextBuffer();
  const stderr = new TextBuffer();
  const code = await runTokenCli(argv, { MOTLAN_DATA_DIR: dataDir, ...env }, stdout, stderr);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('token command', () => {
  it('prints only a token that the gateway verifier accepts', async () => {
    const { code, stdout, stderr } = await run(['--sub', 'commune-00004', '--scope', 'population:read residence:read', '--commune', '00004', '--ttl', '600']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = stdout.trim();
    const verifier = new TokenVerifierService({ issuer: DEFAULT_DEV_ISSUER, audience: DEFAULT_TOKEN_AUDIENCE, jwks: { file: devIssuerJwksFile(dataDir) } });
    const principal = await verifier.verify(`Bearer ${token}`);
    expect(principal).toMatchObject({ clientId: 'commune-00004', communeCode: '00004' });
    expect(principal.scopes).toEqual(new Set(['population:read', 'residence:read']));
    const claims = decodeJwt(token);
    expect((claims.exp as number) - (claims.iat as number)).toBe(600);
  });

  it('binds a monitoring centre token to a province with --province', async () => {
    const { code, stdout } = await run(['--sub', 'monitor-79', '--scope', 'ops:read', '--province', '79']);
    expect(code).toBe(0);
    const verifier = new TokenVerifierService({ issuer: DEFAULT_DEV_ISSUER, audience: DEFAULT_TOKEN_AUDIENCE, jwks: { file: devIssuerJwksFile(dataDir) } });
    expect(await verifier.verify(`Bearer ${stdout.trim()}`)).toMatchObject({ clientId: 'monitor-79', provinceCode: '79' });
    expect(decodeJwt(stdout.trim()).province).toBe('79');
  });

  it('takes issuer and audience from the environment', async () => {
    const { code, stdout } = await run(['--sub', 'x', '--scope', 'land:read'], { MOTLAN_TOKEN_ISSUER: 'urn:custom', MOTLAN_TOKEN_AUDIENCE: 'custom-aud' });
    expect(code).toBe(0);
    expect(decodeJwt(stdout.trim())).toMatchObject({ iss: 'urn:custom', aud: 'custom-aud' });
    expect(decodeJwt(stdout.trim()).exp! - decodeJwt(stdout.trim()).iat!).toBe(3600);
  });

  it.each([
    [[], /--sub/],
    [['--sub', 'x'], /--scope/],
    [['--sub', 'x', '--scope', 's', '--ttl', '0'], /--ttl/],
    [['--sub', 'x', '--scope', 's', '--ttl', '1h'], /--ttl/],
    [['--sub', 'x', '--scope', 's', '--commune', '4'], /--commune/],
    [['--sub', 'x', '--scope', 's', '--province', '079'], /--province/],
    [['--sub', 'x', '--scope', 's', '--bogus'], /bogus/],
    [['--sub', 'x', '--scope', 's', 'extra'], /extra/],
  ])('exits 2 with usage on stderr for bad arguments %j', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toMatch(/Usage:/);
  });

  it('prints a citizen token with --citizen, signed by the dev citizen issuer', async () => {
    const { code, stdout, stderr } = await run(['--citizen', '001099012345', '--ttl', '900']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const verifier = new CitizenTokenVerifier({
      issuer: DEFAULT_CITIZEN_TOKEN_ISSUER,
      audience: DEFAULT_CITIZEN_TOKEN_AUDIENCE,
      jwks: { file: devCitizenIssuerJwksFile(dataDir) },
    });
    expect(await verifier.verify(`Bearer ${stdout.trim()}`)).toMatchObject({ subjectId: '001099012345' });
    const claims = decodeJwt(stdout.trim());
    expect(claims).not.toHaveProperty('scope');
    expect(claims.exp! - claims.iat!).toBe(900);
    const custom = await run(['--citizen', '001099012345'], {
      MOTLAN_CITIZEN_TOKEN_ISSUER: 'https://vneid.example',
      MOTLAN_CITIZEN_TOKEN_AUDIENCE: 'motlan-prod',
    });
    expect(decodeJwt(custom.stdout.trim())).toMatchObject({ iss: 'https://vneid.example', aud: 'motlan-prod' });
  });

  it.each([
    [['--citizen', '12345'], /12-digit/],
    [['--citizen', '001999012345'], /12-digit/],
    [['--citizen', '001099012345', '--scope', 'population:read'], /cannot be combined/],
    [['--citizen', '001099012345', '--sub', 'x'], /cannot be combined/],
    [['--citizen', '001099012345', '--ttl', '0'], /--ttl/],
  ])('exits 2 for a bad citizen request %j', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  it('prints usage on --help', async () => {
    const { code, stdout, stderr } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/Usage:/);
  });

  it('resolves the data directory from MOTLAN_DATA_DIR, default .data under cwd', () => {
    expect(DEFAULT_DATA_DIR).toBe('.data');
    expect(resolveDataDir({}, '/srv/motlan')).toBe('/srv/motlan/.data');
    expect(resolveDataDir({ MOTLAN_DATA_DIR: 'state' }, '/srv/motlan')).toBe('/srv/motlan/state');
    expect(resolveDataDir({ MOTLAN_DATA_DIR: '/var/lib/motlan' }, '/srv/motlan')).toBe('/var/lib/motlan');
  });
});
