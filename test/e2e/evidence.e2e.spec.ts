/**
 * Evidence checked anywhere: POST /v1/evidence/verify on a real gateway (embedded profile, real
 * registry simulator, real HTTP) names why an evidence is not valid, and an independent JOSE
 * implementation (PyJWT, under Debian's Python) verifies the same evidence from the published key
 * set alone. Key revocation goes through the operator CLI, as an operator would do it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CompactSign, decodeProtectedHeader, generateKeyPair, type JSONWebKeySet } from 'jose';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EvidenceKeyStore } from '@motlan/evidence/evidence-key-store.js';
import { EVIDENCE_JWS_TYPE, EvidenceSignerService, MAX_EVIDENCE_LENGTH, type EvidenceInput } from '@motlan/evidence/evidence-signer.service.js';
import { runMotlanCli } from '../../apps/gateway/src/cli/motlan-command.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders, type HttpAnswer } from '../support/http.js';
import { simSamples } from '../support/sim-control.js';
import { e2eStack } from '../support/e2e-harness.js';

const ISSUER = 'urn:motlan:gateway';
const PYTHON = '/usr/bin/python3';
const VERIFY_SCRIPT = path.resolve(import.meta.dirname, '..', 'support', 'verify_evidence.py');
const DAY = 86_400;

let sim: RunningRegistrySim;
let app: NestFastifyApplication;
let base: string;
let dataDir: string;
let workDir: string;
/** A commune's token for lookups. */
let lookupToken: string;
/** Another client (say, the national portal) with no registry scope at all: verifying needs none. */
let portalToken: string;

interface Verdict {
  valid: boolean;
  reason?: string;
  detail?: string;
  kid?: string;
  payload?: Record<string, unknown> & { data: Record<string, unknown> };
  issuedAt?: string;
  expiresAt?: string;
}

interface LookupAnswer {
  data: Record<string, unknown>;
  meta: { version: string; asOf: string };
  evidence: string;
}

async function lookup(subjectId: string, fields: string): Promise<LookupAnswer> {
  const answer = await httpCall<LookupAnswer>(base, 'GET', `/v1/registries/population/person/${subjectId}?fields=${fields}`, {
    token: lookupToken,
    headers: officerHeaders(),
  });
  expect(answer.status).toBe(200);
  return answer.body;
}

async function verify(evidence: unknown, token = portalToken): Promise<HttpAnswer<Verdict>> {
  return httpCall<Verdict>(base, 'POST', '/v1/evidence/verify', { token, body: { evidence } });
}

async function verdict(evidence: string): Promise<Verdict> {
  const answer = await verify(evidence);
  expect(answer.status).toBe(200);
  return answer.body;
}

async function person(n = 1, fields = 'fullName,dateOfBirth,permanentAddress'): Promise<{ id: string; answer: LookupAnswer }> {
  const ids = await simSamples(sim.controlUrl, 'population', 'person', n + 5);
  const id = ids[n + 4];
  return { id, answer: await lookup(id, fields) };
}

/** Evidence of the same record signed by the gateway's own key 91 days ago: genuine, but past its exp. */
async function signedLongAgo(evidence: string): Promise<string> {
  const claims = JSON.parse(Buffer.from(evidence.split('.')[1], 'base64url').toString('utf8')) as EvidenceInput;
  const past = new EvidenceSignerService({ issuer: ISSUER, keyStore: app.get(EvidenceKeyStore), now: () => Date.now() - 91 * DAY * 1000 });
  const { registry, dataset, subjectId, version, asOf, fields, data } = claims;
  return past.sign({ registry, dataset, subjectId, version, asOf, fields, data });
}

/** One character of the payload part replaced by another base64url character. */
function altered(evidence: string): string {
  const [header, payload, signature] = evidence.split('.');
  const at = Math.floor(payload.length / 2);
  const replacement = payload[at] === 'A' ? 'B' : 'A';
  return `${header}.${payload.slice(0, at)}${replacement}${payload.slice(at + 1)}.${signature}`;
}

async function publishedKeys(): Promise<JSONWebKeySet> {
  return (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
}

/** Runs test/support/verify_evidence.py (PyJWT) on the evidence against the key set served now. */
async function verifyWithPython(evidence: string, name: string, withRevocations = false): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const jwksFile = path.join(workDir, `${name}.jwks.json`);
  const evidenceFile = path.join(workDir, `${name}.jws`);
  writeFileSync(jwksFile, JSON.stringify(await publishedKeys()));
  writeFileSync(evidenceFile, evidence);
  const args = [VERIFY_SCRIPT, jwksFile, evidenceFile, ISSUER];
  if (withRevocations) {
    const revokedFile = path.join(workDir, `${name}.revoked.json`);
    writeFileSync(revokedFile, await (await fetch(`${base}/.well-known/motlan-revoked-keys.json`)).text());
    args.push(revokedFile);
  }
  const result = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const stack = e2eStack({
  dataDirPrefix: 'motlan-e2e-evidence-',
  sim: { seed: 11, persons: 100_000 },
  env: {
    MOTLAN_PORTAL_SYNC_WORKER: 'false',
    // Room for an evidence over the verifier's own bound, to see the DTO refuse it.
    MOTLAN_BODY_LIMIT_BYTES: String(1024 * 1024),
    MOTLAN_EVIDENCE_KEY_RELOAD_MS: '200',
  },
});

beforeAll(async () => {
  ({ dataDir, sim, app, base } = stack);
  workDir = path.join(dataDir, 'offline-check');
  lookupToken = await stack.token({ sub: 'commune-00004', scope: 'population:read' });
  portalToken = await stack.token({ sub: 'national-portal', scope: 'dossiers:write' });
  mkdirSync(workDir);
});

describe('POST /v1/evidence/verify', () => {
  it('verifies evidence from a lookup, for a client without any registry scope', async () => {
    const { id, answer } = await person();
    const result = await verdict(answer.evidence);
    expect(result).toMatchObject({ valid: true, kid: decodeProtectedHeader(answer.evidence).kid });
    expect(result.payload).toMatchObject({
      iss: ISSUER,
      registry: 'population',
      dataset: 'person',
      subjectId: id,
      version: answer.meta.version,
      asOf: answer.meta.asOf,
    });
    expect(result.payload!.data).toEqual(answer.data);
    expect(result.payload!.fields).toEqual(['dateOfBirth', 'fullName', 'permanentAddress']);
    const { iat, exp } = result.payload as unknown as { iat: number; exp: number };
    expect(exp - iat).toBe(90 * DAY);
    expect(result.issuedAt).toBe(new Date(iat * 1000).toISOString());
    expect(result.expiresAt).toBe(new Date(exp * 1000).toISOString());
  });

  it('answers an altered payload with reason signature', async () => {
    const { answer } = await person(2);
    const result = await verdict(altered(answer.evidence));
    expect(result).toMatchObject({ valid: false, reason: 'signature', kid: decodeProtectedHeader(answer.evidence).kid });
    expect(result).not.toHaveProperty('payload');
  });

  it('answers evidence signed by a key outside the key set with reason unknown_key', async () => {
    const { answer } = await person(3);
    const [, payload] = answer.evidence.split('.');
    const { privateKey } = await generateKeyPair('EdDSA');
    const forged = await new CompactSign(Buffer.from(payload, 'base64url'))
      .setProtectedHeader({ alg: 'EdDSA', kid: 'forger-key-1', typ: EVIDENCE_JWS_TYPE })
      .sign(privateKey);
    expect(await verdict(forged)).toMatchObject({ valid: false, reason: 'unknown_key', kid: 'forger-key-1' });
  });

  it('answers evidence past its exp with reason expired', async () => {
    const { answer } = await person(4);
    const result = await verdict(await signedLongAgo(answer.evidence));
    expect(result).toMatchObject({ valid: false, reason: 'expired' });
    expect(Date.parse(result.detail!.replace('expired at ', ''))).toBeLessThan(Date.now());
  });

  it('answers a JWS of another issuer or type with reason not_issued_here', async () => {
    // The client's own access token: a valid JWS, but no evidence of this gateway.
    expect(await verdict(lookupToken)).toMatchObject({ valid: false, reason: 'not_issued_here' });
    const { answer } = await person(5);
    const claims = JSON.parse(Buffer.from(answer.evidence.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    const { privateKey } = await generateKeyPair('EdDSA');
    const otherGateway = await new CompactSign(new TextEncoder().encode(JSON.stringify({ ...claims, iss: 'urn:motlan:other-gateway' })))
      .setProtectedHeader({ alg: 'EdDSA', kid: 'their-key', typ: EVIDENCE_JWS_TYPE })
      .sign(privateKey);
    expect(await verdict(otherGateway)).toMatchObject({ valid: false, reason: 'not_issued_here', detail: expect.stringContaining('urn:motlan:other-gateway') });
  });

  it('answers garbage with reason malformed, and bad requests with 400/401 problems', async () => {
    expect(await verdict('not-a-jws')).toMatchObject({ valid: false, reason: 'malformed' });
    expect(await verdict('a.b.c')).toMatchObject({ valid: false, reason: 'malformed' });

    const problem = (answer: { status: number; headers: Headers; body: unknown }, status: number, code: string) => {
      expect(answer.status).toBe(status);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ status, code });
    };
    problem(await verify(''), 400, 'validation_failed');
    problem(await verify(42), 400, 'validation_failed');
    problem(await verify('x'.repeat(MAX_EVIDENCE_LENGTH + 1)), 400, 'validation_failed');
    problem(await httpCall(base, 'POST', '/v1/evidence/verify', { token: portalToken, body: { evidence: 'a.b.c', extra: 1 } }), 400, 'validation_failed');
    const raw = await fetch(`${base}/v1/evidence/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${portalToken}`, 'content-type': 'application/json' },
      body: '{"evidence": ',
    });
    problem({ status: raw.status, headers: raw.headers, body: await raw.json() }, 400, 'malformed_body');
    const anonymous = await httpCall(base, 'POST', '/v1/evidence/verify', { body: { evidence: 'a.b.c' } });
    expect(anonymous.status).toBe(401);
  });
});

describe('offline verification with an independent JOSE implementation (PyJWT)', () => {
  beforeAll(() => {
    const probe = spawnSync(PYTHON, ['-c', 'import jwt, cryptography'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      throw new Error(
        `${PYTHON} cannot import jwt (PyJWT) and cryptography: sudo apt-get install -y python3-jwt python3-cryptography\n${probe.stderr ?? probe.error}`,
      );
    }
  });

  it('verifies evidence from a lookup against the published key set and gets the same data; rejects the altered one', async () => {
    const { id, answer } = await person(6);
    const good = await verifyWithPython(answer.evidence, 'good');
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);
    const payload = JSON.parse(good.stdout) as Record<string, unknown>;
    expect(payload).toMatchObject({ iss: ISSUER, registry: 'population', dataset: 'person', subjectId: id, version: answer.meta.version });
    expect(payload.data).toEqual(answer.data);

    const bad = await verifyWithPython(altered(answer.evidence), 'altered');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^invalid: signature: /);
    expect(bad.stdout).toBe('');
  });

  it('rejects expired evidence too', async () => {
    const { answer } = await person(7);
    const result = await verifyWithPython(await signedLongAgo(answer.evidence), 'expired');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^invalid: expired: /);
  });
});

describe('key revocation with the operator CLI', () => {
  it('after evidence revoke-key: the old evidence is revoked (online) and unverifiable (offline); new evidence uses a new key', async () => {
    const { id, answer } = await person(8);
    const kid = decodeProtectedHeader(answer.evidence).kid!;
    expect(await verdict(answer.evidence)).toMatchObject({ valid: true });

    let out = '';
    let err = '';
    const code = await runMotlanCli(
      ['evidence', 'revoke-key', kid, '--reason', 'keyCompromise'],
      { MOTLAN_DATA_DIR: dataDir },
      { write: (t: string) => (out += t) },
      { write: (t: string) => (err += t) },
    );
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toContain(`revoked evidence key ${kid} (keyCompromise)`);

    // The CLI wrote the key directory; the gateway notices within MOTLAN_EVIDENCE_KEY_RELOAD_MS.
    const revoked = await eventually(
      'the gateway to see the revocation',
      async () => {
        const result = await verdict(answer.evidence);
        return result.reason === 'revoked' ? result : undefined;
      },
      5000,
    );
    expect(revoked).toMatchObject({ valid: false, reason: 'revoked', kid, detail: expect.stringContaining('keyCompromise') });

    const keySet = await publishedKeys();
    expect(keySet.keys.map((k) => k.kid)).not.toContain(kid);
    const revocations = (await (await fetch(`${base}/.well-known/motlan-revoked-keys.json`)).json()) as {
      revoked: { kid: string; reason: string; revokedAt: string }[];
    };
    expect(revocations.revoked).toEqual([{ kid, alg: 'EdDSA', reason: 'keyCompromise', revokedAt: expect.any(String) }]);

    // The same lookup again: the cached signature belonged to the revoked key, a new one is made.
    const again = await lookup(id, 'fullName,dateOfBirth,permanentAddress');
    expect(again.evidence).not.toBe(answer.evidence);
    expect(decodeProtectedHeader(again.evidence).kid).not.toBe(kid);
    expect(await verdict(again.evidence)).toMatchObject({ valid: true, payload: { data: answer.data } });

    // Offline: the revoked key is gone from the key set, so a standard library cannot verify it.
    const offline = await verifyWithPython(answer.evidence, 'revoked');
    expect(offline.status).toBe(1);
    expect(offline.stderr).toMatch(/^invalid: unknown_key: /);
    const withList = await verifyWithPython(answer.evidence, 'revoked-listed', true);
    expect(withList.stderr).toMatch(/^invalid: revoked: key .+ \(keyCompromise\)/);
    expect((await verifyWithPython(again.evidence, 'after-revocation', true)).status).toBe(0);
  });
});
