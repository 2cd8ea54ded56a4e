import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EvidenceKeyError, EvidenceKeyStore } from './evidence-key-store.js';

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

  it('records when the current key was made (the rotation alert reads its age), through rotation, revocation and restart', async () => {
    const before = Date.now();
    const store = await EvidenceKeyStore.open({ dir });
    const first = store.current().kid;
    const made = store.currentKeySince()!.getTime();
    expect(made).toBeGreaterThanOrEqual(before);
    expect(made).toBeLessThanOrEqual(Date.now());
    expect((await EvidenceKeyStore.open({ dir })).currentKeySince()?.getTime()).toBe(made);
    await store.rotate();
    const rotated = store.currentKeySince()!.getTime();
    expect(rotated).toBeGreaterThanOrEqual(made);
    // Revoking a previous key keeps the current key's time; revoking the current key makes a new one.
    await store.revoke(first, 'superseded');
    expect(store.currentKeySince()?.getTime()).toBe(rotated);
    await store.revoke(store.current().kid, 'keyCompromise');
    expect(store.currentKeySince()!.getTime()).toBeGreaterThanOrEqual(rotated);
  });

  it('reads a key set written before the time was kept: no time, until the next rotation', async () => {
    const store = await EvidenceKeyStore.open({ dir });
    const file = join(dir, 'keyset.json');
    const { currentSince: _since, ...older } = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify(older));
    const reopened = await EvidenceKeyStore.open({ dir });
    expect(reopened.current().kid).toBe(store.current().kid);
    expect(reopened.currentKeySince()).toBeUndefined();
    await reopened.rotate();
    expect(reopened.currentKeySince()).toBeInstanceOf(Date);
  });

  it('refuses use before init', () => {
    expect(() => new EvidenceKeyStore({ dir }).current()).toThrow(/init/);
  });
});

describe('EvidenceKeyStore revocation', () => {
  it('revokes a previous key: out of the published set, listed as revoked, kept across restarts', async () => {
    const store = await EvidenceKeyStore.open({ dir });
    const old = store.current().kid;
    const { kid: current } = await store.rotate();
    const before = Date.now();
    const result = await store.revoke(old, 'keyCompromise');
    expect(result).toEqual({ revoked: { kid: old, alg: 'EdDSA', revokedAt: expect.any(String), reason: 'keyCompromise' }, alreadyRevoked: false });
    expect(Date.parse(result.revoked.revokedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(store.current().kid).toBe(current);
    expect(store.jwks().keys.map((k) => k.kid)).toEqual([current]);
    expect(store.publicKey(old)).toBeUndefined();
    expect(store.revocation(old)).toEqual(result.revoked);
    expect(store.revokedKeys()).toEqual([result.revoked]);

    const reopened = await EvidenceKeyStore.open({ dir });
    expect(reopened.revocation(old)).toEqual(result.revoked);
    expect(reopened.jwks()).toEqual(store.jwks());
  });

  it('revoking the current key rotates first: signing goes on with a new key, the revoked private key is deleted', async () => {
    const store = await EvidenceKeyStore.open({ dir });
    const old = store.current().kid;
    const result = await store.revoke(old);
    expect(result.rotatedTo).toEqual(expect.any(String));
    expect(result.rotatedTo).not.toBe(old);
    expect(result.revoked.reason).toBe('unspecified');
    expect(store.current().kid).toBe(result.rotatedTo);
    expect(store.jwks().keys.map((k) => k.kid)).toEqual([result.rotatedTo]);
    expect((await readdir(dir)).filter((name) => name.endsWith('.private.jwk.json'))).toEqual([`${result.rotatedTo}.private.jwk.json`]);
  });

  it('is idempotent and refuses unknown kids and bad reasons', async () => {
    const store = await EvidenceKeyStore.open({ dir });
    const old = store.current().kid;
    const first = await store.revoke(old, 'superseded');
    const again = await store.revoke(old, 'another reason');
    expect(again).toEqual({ revoked: first.revoked, alreadyRevoked: true });
    expect(store.current().kid).toBe(first.rotatedTo);
    await expect(store.revoke('no-such-kid')).rejects.toThrow(EvidenceKeyError);
    await expect(store.revoke('no-such-kid')).rejects.toThrow(/no evidence key with kid "no-such-kid"/);
    await expect(store.revoke(store.current().kid, '')).rejects.toThrow(/reason/);
    await expect(store.revoke(store.current().kid, 'x'.repeat(201))).rejects.toThrow(/reason/);
    await expect(store.revoke(store.current().kid, 'line\nbreak')).rejects.toThrow(/reason/);
    expect(store.revokedKeys()).toHaveLength(1);
  });

  it('keeps revocations through later rotations, beyond the previous keys kept', async () => {
    const store = await EvidenceKeyStore.open({ dir, previousKeysKept: 1 });
    const revoked = store.current().kid;
    await store.revoke(revoked);
    for (let i = 0; i < 3; i++) await store.rotate();
    expect(store.jwks().keys).toHaveLength(2);
    expect(store.revocation(revoked)).toBeDefined();
    expect(JSON.parse(await readFile(join(dir, 'keyset.json'), 'utf8'))).toMatchObject({ revoked: [{ kid: revoked }] });
  });

  it('loses neither a rotation nor a revocation made concurrently by two instances', async () => {
    const [a, b] = await Promise.all([EvidenceKeyStore.open({ dir }), EvidenceKeyStore.open({ dir })]);
    const first = a.current().kid;
    const { kid: second } = await a.rotate();
    await b.reload();
    const [rotated] = await Promise.all([a.rotate(), b.revoke(first)]);
    await a.reload();
    expect(a.jwks().keys.map((k) => k.kid)).toEqual([rotated.kid, second]);
    expect(a.revocation(first)).toBeDefined();
  });

  it('reloadIfChanged reloads only when the key set file changed', async () => {
    const [a, b] = await Promise.all([EvidenceKeyStore.open({ dir }), EvidenceKeyStore.open({ dir })]);
    expect(await b.reloadIfChanged()).toBe(false);
    await a.revoke(a.current().kid);
    expect(await b.reloadIfChanged()).toBe(true);
    expect(b.current().kid).toBe(a.current().kid);
    expect(b.revokedKeys()).toEqual(a.revokedKeys());
    expect(await b.reloadIfChanged()).toBe(false);
  });

  it('watch picks up a revocation made by another process within the interval, close stops it', async () => {
    const [gateway, cli] = await Promise.all([EvidenceKeyStore.open({ dir }), EvidenceKeyStore.open({ dir })]);
    gateway.watch(50);
    try {
      const old = gateway.current().kid;
      const { rotatedTo } = await cli.revoke(old, 'keyCompromise');
      const deadline = Date.now() + 2000;
      while (gateway.current().kid !== rotatedTo && Date.now() < deadline) await sleep(10);
      expect(gateway.current().kid).toBe(rotatedTo);
      expect(gateway.revocation(old)).toMatchObject({ reason: 'keyCompromise' });
    } finally {
      gateway.close();
    }
    const { kid } = await cli.rotate();
    await sleep(200);
    expect(gateway.current().kid).not.toBe(kid);
  });

  it('a slow reload started before a rotation does not bring the old set back', async () => {
    const store = await EvidenceKeyStore.open({ dir });
    const reloading = store.reload();
    const { kid } = await store.rotate();
    await reloading;
    expect(store.current().kid).toBe(kid);
  });
});
