import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvidenceKeyStore } from '@motlan/evidence/evidence-key-store.js';
import { runMotlanCli } from './motlan-command.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'motlan-evidence-cli-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function cli(args: string[], env: Record<string, string> = { MOTLAN_DATA_DIR: 'data' }) {
  let out = '';
  let err = '';
  const code = await runMotlanCli(
    args,
    env,
    { write: (t: string) => (out += t) },
    { write: (t: string) => (err += t) },
    () => Promise.reject(new Error('no HTTP expected')),
    root,
  );
  return { code, out, err };
}

describe('motlan evidence', () => {
  it('refuses to act on a directory without keys (never creates any)', async () => {
    const result = await cli(['evidence', 'rotate-key']);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`no evidence keys in ${join(root, 'data', 'evidence-keys')}`);
  });

  it('rotates, lists and revokes in the gateway’s key directory (<data dir>/evidence-keys), which a gateway store picks up', async () => {
    const gateway = await EvidenceKeyStore.open({ dir: join(root, 'data', 'evidence-keys') });
    const first = gateway.current().kid;

    const rotated = await cli(['evidence', 'rotate-key', '--json']);
    expect(rotated.code).toBe(0);
    const { current: second, previous } = JSON.parse(rotated.out) as { current: string; previous: string };
    expect(previous).toBe(first);
    expect(await gateway.reloadIfChanged()).toBe(true);
    expect(gateway.current().kid).toBe(second);

    const revoked = await cli(['evidence', 'revoke-key', first, '--reason', 'keyCompromise']);
    expect(revoked).toMatchObject({ code: 0, err: '' });
    expect(revoked.out).toMatch(new RegExp(`^revoked evidence key ${first} \\(keyCompromise\\) at `));
    const again = await cli(['evidence', 'revoke-key', first]);
    expect(again.out).toContain('already revoked');

    const current = await cli(['evidence', 'revoke-key', second, '--json']);
    expect({ code: current.code, err: current.err }).toEqual({ code: 0, err: '' });
    const result = JSON.parse(current.out) as { rotatedTo: string; revoked: { kid: string; reason: string } };
    expect(result.revoked).toMatchObject({ kid: second, reason: 'unspecified' });
    await gateway.reloadIfChanged();
    expect(gateway.current().kid).toBe(result.rotatedTo);
    expect(gateway.revokedKeys().map((r) => r.kid)).toEqual([first, second]);

    const keys = await cli(['evidence', 'keys']);
    expect(keys.code).toBe(0);
    const lines = keys.out.trim().split('\n');
    expect(lines[0]).toBe(join(root, 'data', 'evidence-keys'));
    expect(lines[1]).toMatch(/^KID\s+ALG\s+STATUS\s+REVOKED AT\s+REASON$/);
    expect(lines[2]).toMatch(new RegExp(`^${result.rotatedTo}\\s+EdDSA\\s+current`));
    expect(lines.slice(3).join('\n')).toMatch(/revoked .* keyCompromise/);
  });

  it('follows MOTLAN_EVIDENCE_KEY_DIR and refuses unknown kids with exit 1', async () => {
    const dir = join(root, 'elsewhere');
    await EvidenceKeyStore.open({ dir });
    const result = await cli(['evidence', 'revoke-key', 'no-such-kid'], { MOTLAN_EVIDENCE_KEY_DIR: 'elsewhere' });
    expect(result.code).toBe(1);
    expect(result.err).toContain('no evidence key with kid "no-such-kid"');
  });

  it('checks usage', async () => {
    expect((await cli(['evidence', 'revoke-key'])).err).toContain('evidence revoke-key needs <kid>');
    // A thumbprint may begin with "-": it is the kid, not an unknown option.
    expect((await cli(['evidence', 'revoke-key', '-wQ3xZ', '--reason', 'keyCompromise'], { MOTLAN_EVIDENCE_KEY_DIR: 'elsewhere' })).err).toContain(
      'no evidence keys in',
    );
    expect((await cli(['evidence', 'rotate-key', 'extra'])).code).toBe(2);
    expect((await cli(['evidence', 'keys', '--reason', 'x'])).err).toContain('--reason is an option of evidence revoke-key');
    expect((await cli(['evidence', 'burn-key'])).err).toContain('unknown evidence command "burn-key"');
    expect((await cli(['--help'])).out).toContain('evidence revoke-key <kid> [--reason <text>]');
  });
});
