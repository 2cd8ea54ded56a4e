import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, base64url, compactVerify, createLocalJWKSet, decodeProtectedHeader, generateKeyPair } from 'jose';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import { EvidenceKeyStore } from './evidence-key-store.js';
import { DEFAULT_EVIDENCE_TTL_SECONDS, EVIDENCE_JWS_TYPE, EvidenceSignerService, type EvidenceInput, type EvidencePayload } from './evidence-signer.service.js';

const ISSUER = 'urn:motlan:gateway';

let dir: string;
let keyStore: EvidenceKeyStore;
let signer: EvidenceSignerService;

const data: JsonObject = {
  fullName: 'Nguyễn Văn An',
  dateOfBirth: '1999-03-14',
  address: { communeCode: '00004', street: 'Phố Huế' },
  children: [],
  deceased: false,
  householdSize: 4,
  note: null,
};

function input(overrides: Partial<EvidenceInput> = {}): EvidenceInput {
  return {
    registry: 'population',
    dataset: 'citizen',
    subjectId: '001099012345',
    version: '7',
    asOf: '2025-01-02T03:04:05Z',
    fields: ['householdSize', 'address', 'children', 'dateOfBirth', 'deceased', 'fullName', 'note'],
    data,
    ...overrides,
  };
}

async function payloadOf(jws: string): Promise<EvidencePayload> {
  const { payload } = await compactVerify(jws, createLocalJWKSet(keyStore.jwks()));
  return JSON.parse(new TextDecoder().decode(payload)) as EvidencePayload;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'motlan-evidence-'));
  keyStore = await EvidenceKeyStore.open({ dir: join(dir, 'evidence-keys') });
  signer = new EvidenceSignerService({ issuer: ISSUER, keyStore });
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('EvidenceSignerService', () => {
  it('signs evidence that verifies against the published key set', async () => {
    const before = Math.floor(Date.now() / 1000);
    const jws = await signer.sign(input());
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'EdDSA', kid: keyStore.current().kid, typ: EVIDENCE_JWS_TYPE });
    const payload = await payloadOf(jws);
    expect(payload.data).toEqual(data);
    expect(payload).toMatchObject({
      iss: ISSUER,
      registry: 'population',
      dataset: 'citizen',
      subjectId: '001099012345',
      version: '7',
      asOf: '2025-01-02T03:04:05Z',
    });
    expect(payload.fields).toEqual(['address', 'children', 'dateOfBirth', 'deceased', 'fullName', 'householdSize', 'note']);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.exp).toBe(payload.iat + DEFAULT_EVIDENCE_TTL_SECONDS);
    expect(payload).not.toHaveProperty('requestPurpose');

    const result = await signer.verify(jws);
    expect(result).toEqual({
      valid: true,
      payload,
      kid: keyStore.current().kid,
      issuedAt: new Date(payload.iat * 1000).toISOString(),
      expiresAt: new Date(payload.exp! * 1000).toISOString(),
    });
  });

  it('signs each record version and field set once and reuses the signature', async () => {
    const first = await signer.sign(input());
    const again = await signer.sign(input({ fields: [...input().fields].reverse(), data: { ...data } }));
    expect(again).toBe(first);
    expect(signer.stats).toMatchObject({ signatures: 1, cacheHits: 1, cached: 1 });

    const concurrent = await Promise.all(Array.from({ length: 5 }, () => signer.sign(input({ version: '8' }))));
    expect(new Set(concurrent).size).toBe(1);
    expect(signer.stats.signatures).toBe(2);

    await signer.sign(input({ fields: ['fullName'], data: { fullName: data.fullName } }));
    await signer.sign(input({ subjectId: '001099012346' }));
    expect(signer.stats.signatures).toBe(4);
  });

  it('keeps the time of first signing in iat', async () => {
    let now = Date.UTC(2025, 0, 1);
    const clocked = new EvidenceSignerService({ issuer: ISSUER, keyStore, now: () => now });
    const first = await clocked.sign(input());
    now += 3_600_000;
    expect(await clocked.sign(input())).toBe(first);
    expect((await payloadOf(first)).iat).toBe(Date.UTC(2025, 0, 1) / 1000);
  });

  it('after a rotation, old evidence still verifies and new evidence carries the new kid', async () => {
    const oldKid = keyStore.current().kid;
    const before = await signer.sign(input());
    const { kid } = await keyStore.rotate();
    expect(kid).not.toBe(oldKid);
    const after = await signer.sign(input());
    expect(after).not.toBe(before);
    expect(decodeProtectedHeader(after).kid).toBe(kid);
    const set = createLocalJWKSet(keyStore.jwks());
    await expect(compactVerify(before, set)).resolves.toBeDefined();
    await expect(compactVerify(after, set)).resolves.toBeDefined();
    expect(await signer.verify(before)).toMatchObject({ valid: true, kid: oldKid });
    expect(await signer.verify(after)).toMatchObject({ valid: true, kid });
  });

  it('reports a tampered payload as a bad signature', async () => {
    const [header, , signature] = (await signer.sign(input())).split('.');
    const forged = { ...(await payloadOf(await signer.sign(input()))), data: { ...data, fullName: 'Trần Thị Bình' } };
    const tampered = `${header}.${base64url.encode(JSON.stringify(forged))}.${signature}`;
    expect(await signer.verify(tampered)).toMatchObject({
      valid: false,
      reason: 'signature',
      kid: keyStore.current().kid,
      detail: expect.stringMatching(/signature/),
    });
    await expect(compactVerify(tampered, createLocalJWKSet(keyStore.jwks()))).rejects.toThrow();
  });

  it('reports evidence from a foreign key as unknown_key', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    const foreign = await new CompactSign(new TextEncoder().encode(JSON.stringify({ iss: ISSUER, data: {} })))
      .setProtectedHeader({ alg: 'EdDSA', kid: 'not-ours', typ: EVIDENCE_JWS_TYPE })
      .sign(privateKey);
    expect(await signer.verify(foreign)).toEqual({ valid: false, reason: 'unknown_key', kid: 'not-ours', detail: 'no published key has kid not-ours' });
  });

  it('reports a foreign key reusing our kid as a bad signature', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    const payload = (await payloadOf(await signer.sign(input()))) as unknown as Record<string, unknown>;
    const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'EdDSA', kid: keyStore.current().kid, typ: EVIDENCE_JWS_TYPE })
      .sign(privateKey);
    expect(await signer.verify(forged)).toMatchObject({ valid: false, reason: 'signature' });
  });

  it('reports malformed input and evidence of another issuer', async () => {
    expect(await signer.verify('')).toMatchObject({ valid: false, reason: 'malformed' });
    expect(await signer.verify('a.b.c')).toMatchObject({ valid: false, reason: 'malformed' });
    expect(await signer.verify('x'.repeat(300 * 1024))).toMatchObject({ valid: false, reason: 'malformed' });
    expect(await signer.verify(`${base64url.encode('{"alg":"EdDSA"}')}.e30.sig`)).toMatchObject({
      valid: false,
      reason: 'malformed',
      detail: 'the JWS header has no kid',
    });
    const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: EVIDENCE_JWS_TYPE, kid: keyStore.current().kid }))}.${base64url.encode('{}')}.`;
    expect((await signer.verify(unsigned)).valid).toBe(false);

    const other = new EvidenceSignerService({ issuer: 'urn:other-gateway', keyStore });
    expect(await signer.verify(await other.sign(input()))).toMatchObject({
      valid: false,
      reason: 'not_issued_here',
      detail: expect.stringContaining('urn:other-gateway'),
    });

    const notEvidence = await new CompactSign(new TextEncoder().encode('{"iss":"urn:motlan:gateway"}'))
      .setProtectedHeader({ alg: 'EdDSA', kid: keyStore.current().kid, typ: EVIDENCE_JWS_TYPE })
      .sign(keyStore.current().privateKey);
    expect(await signer.verify(notEvidence)).toMatchObject({ valid: false, reason: 'malformed' });
  });

  it('verifies evidence signed by another instance after it rotated the shared keys', async () => {
    const otherStore = await EvidenceKeyStore.open({ dir: join(dir, 'evidence-keys') });
    expect(otherStore.jwks()).toEqual(keyStore.jwks());
    const otherSigner = new EvidenceSignerService({ issuer: ISSUER, keyStore: otherStore });
    await otherStore.rotate();
    const jws = await otherSigner.sign(input());
    expect(await signer.verify(jws)).toMatchObject({ valid: true, kid: otherStore.current().kid });
    expect(keyStore.current().kid).toBe(otherStore.current().kid);
  });

  it('signs with ES256 keys too', async () => {
    const esStore = await EvidenceKeyStore.open({ dir: join(dir, 'es-keys'), algorithm: 'ES256' });
    const esSigner = new EvidenceSignerService({ issuer: ISSUER, keyStore: esStore });
    const jws = await esSigner.sign(input());
    expect(decodeProtectedHeader(jws).alg).toBe('ES256');
    expect(await esSigner.verify(jws)).toMatchObject({ valid: true });
  });
});
