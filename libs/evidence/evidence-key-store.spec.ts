import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EvidenceKeyStore } from './evidence-key-store.js';

let dir: string;

beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'motlan-evidence-keys-')), 'evidence-keys');
});

afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

describe('EvidenceKeyStore', () => {
  it('creates a key on first start and publishes only its public half', async () => {
    const store = await EvidenceKeyStore.open({ dir });
    const { kid, alg } = store.current();
    expect(alg).toBe('EdDSA');
    const { keys } = store.jwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kid, alg: 'EdDSA', use: 'sig', kty: 'OKP', crv: 'Ed25519' });
    expect(keys[0]).not.toHaveProperty('d');
    expect((await stat(join(dir, `${kid}.private.jwk.json`))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'keyset.json'), 'utf8')).not.toMatch(/"d"/);
  });

  it('keeps its keys across restarts', async () => {
    const first = await EvidenceKeyStore.open({ dir });
    const second = await EvidenceKeyStore.open({ dir });
    expect(second.current().kid).toBe(first.current().kid);
    expect(second.jwks()).toEqual(first.jwks());
  });

  it('creates ES256 keys when asked', async () => {
    const store = await EvidenceKeyStore.open({ dir, algorithm: 'ES256' });
    expect(store.current().alg).toBe('ES256');
    expect(store.jwks().keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
  });

  it('rotates: new current key, previous public keys stay published (last 5), old private keys go', async () => {
    const store = await EvidenceKeyStore.open({ dir });
    const kids = [store.current().kid];
    for (let i = 0; i < 7; i++) kids.push((await store.rotate()).kid);
    expect(new Set(kids).size).toBe(8);
    expect(store.current().kid).toBe(kids[7]);
    expect(store.jwks().keys.map((k) => k.kid)).toEqual(kids.slice(2).reverse());
    expect(store.publicKey(kids[2])).toBeDefined();
    expect(store.publicKey(kids[1])).toBeUndefined();
    const privateFiles = (await readdir(dir)).filter((name) => name.endsWith('.private.jwk.json'));
    expect(privateFiles).toEqual([`${kids[7]}.private.jwk.json`]);
  });

  it('two instances on the same directory see the same keys, and a reload picks up the other one’s rotation', async () => {
    const [a, b] = await Promise.all([EvidenceKeyStore.open({ dir }), EvidenceKeyStore.open({ dir })]);
    expect(b.current().kid).toBe(a.current().kid);
    expect(b.jwks()).toEqual(a.jwks());

    const { kid } = await a.rotate();
    expect(b.current().kid).not.toBe(kid);
    await b.reload();
    expect(b.current().kid).toBe(kid);
    expect(b.jwks()).toEqual(a.jwks());
  });

  it('converges on one key when many instances start together', async () => {
    const stores = await Promise.all(Array.from({ length: 8 }, () => EvidenceKeyStore.open({ dir })));
    expect(new Set(stores.map((s) => s.current().kid)).size).toBe(1);
    expect((await readdir(dir)).filter((name) => name.endsWith('.private.jwk.json'))).toHaveLength(1);
  });

  it('does not lose keys when two instances rotate concurrently', async () => {
    const [a, b] = await Promise.all([EvidenceKeyStore.open({ dir }), EvidenceKeyStore.open({ dir })]);
    const initial = a.current().kid;
    const [ra, rb] = await Promise.all([a.rotate(), b.rotate()]);
    await a.reload();
    const published = a.jwks().keys.map((k) => k.kid);
    expect(published).toHaveLength(3);
    expect(new Set(published)).toEqual(new Set([initial, ra.kid, rb.kid]));
  });

  it('refuses use before init', () => {
    expect(() => new EvidenceKeyStore({ dir }).current()).toThrow(/init/);
  });
});
