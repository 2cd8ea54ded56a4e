/**
 * Consents that are checked, end to end on the embedded profile: the real gateway (file consent
 * store, audit file, access log) and the real registry simulator, over HTTP. Procedure 2.000815
 * (certified copies) reads civil-status births without a legal basis, so it needs the citizen's
 * consent; what the consent names is held against each lookup.
 */
import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import path from 'node:path';
import type { AuditEntry, AuditRecord, CitizenActionAuditRecord } from '@motlan/audit/audit-record.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { DevCitizenTokenIssuer } from '@motlan/auth/citizen-token.js';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { ConsentRequestSigner } from '@motlan/consent/consent-request-signer.js';
import { EvidenceKeyStore } from '@motlan/evidence/evidence-key-store.js';
import { SyncLifecycle } from '../../apps/gateway/src/dossier-relay/sync-lifecycle.service.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import type { RegistryName } from '../../apps/registry-sim/src/registries/sim-dataset.js';
import { readAuditRecords } from '../support/audit-trail.js';
import { eventually } from '../support/eventually.js';
import { httpCall } from '../support/http.js';
import { simSamples } from '../support/sim-control.js';
import { e2eStack, privateDataDir, startGateway as startStackGateway } from '../support/e2e-harness.js';

const PROCEDURE = '2.000815';
const BIRTH = [{ registry: 'civil-status', dataset: 'birth' }];
const DAY = 86_400_000;

interface Problem {
  code?: string;
  reason?: string;
}
interface ConsentBody extends Problem {
  id: string;
  status: string;
  revokedAt: string | null;
  origin: { kind: string };
}
interface RequestBody extends Problem {
  id: string;
  code: string;
  link: string;
  expiresAt: string;
  datasets: unknown[];
  officerId: string | null;
  communeName: string | null;
  procedureName: string | null;
  signedRequest: string;
  signedLink: string;
  status?: string;
  consentId?: string | null;
}

/** The JWS with one claim of its payload changed, header and signature kept (what a forger without the key can do). */
function withClaim(jws: string, name: string, value: unknown): string {
  const [header, payload, signature] = jws.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, [name]: value })).toString('base64url')}.${signature}`;
}

let sim: RunningRegistrySim;
const apps: NestFastifyApplication[] = [];
let base: string;
let dataDir: string;
let clerk: string;
let otherCommune: string;
let noCommune: string;
let citizenA: string;
let citizenB: string;
let a: string;
let b: string;
/** Every audit entry the first gateway wrote, as handed to its sink (whatever the trail's storage). */
const audited: AuditEntry[] = [];

const stack = e2eStack({ dataDirPrefix: 'motlan-consent-', sim: { seed: 5, persons: 5_000 }, gateway: false });

/** A gateway over `dir` and the stack's simulator; its dossier sync has started when this resolves. */
async function startGateway(dir: string, env: Record<string, string> = {}): Promise<string> {
  const { app, base: url } = await startStackGateway(stack.gatewayEnv({ MOTLAN_DATA_DIR: dir, MOTLAN_PORTAL_SYNC_WORKER: 'false', ...env }));
  apps.push(app);
  // Closing a gateway whose dossier sync is still starting would leave that sync's consumers running.
  await app.get(SyncLifecycle).whenStarted();
  return url;
}

/** People with a birth record in the simulator. */
async function personsWithBirth(n: number): Promise<string[]> {
  const ids = await simSamples(sim.controlUrl, 'population', 'person', 50);
  return ids.filter((id) => sim.registries.lookup('civil-status' as RegistryName, { dataset: 'birth', subjectId: id, fields: [] }).found).slice(0, n);
}

const lookup = (subjectId: string, consentRef?: string, extra: Record<string, string> = {}, token = clerk, dataset = 'birth') =>
  httpCall<Problem & { data?: Record<string, unknown> }>(base, 'GET', `/v1/registries/civil-status/${dataset}/${subjectId}`, {
    token,
    headers: { 'x-officer-id': 'officer-consent', 'x-purpose': PROCEDURE, ...(consentRef ? { 'x-consent-ref': consentRef } : {}), ...extra },
  });

const give = (token: string, body: Record<string, unknown>) =>
  httpCall<ConsentBody>(base, 'POST', '/v1/me/consents', {
    token,
    body: { procedure: PROCEDURE, communeCode: '00004', datasets: BIRTH, validUntil: new Date(Date.now() + 30 * DAY).toISOString(), ...body },
  });

const askAtCounter = (baseUrl: string, subjectId: string, token = clerk) =>
  httpCall<RequestBody>(baseUrl, 'POST', '/v1/consent-requests', {
    token,
    body: { subjectId, procedure: PROCEDURE, datasets: BIRTH, validUntil: new Date(Date.now() + 7 * DAY).toISOString(), officerId: 'officer-counter' },
  });

function auditRecord(requestId: string | null): AuditRecord | undefined {
  return audited.find((r): r is AuditRecord => r.type === 'access' && r.requestId === requestId);
}

beforeAll(async () => {
  ({ sim, dataDir } = stack);
  const clients = stack.clients;
  clerk = await clients.issue({ sub: 'one-stop-00004', scope: 'civil-status:read consents:request', commune: '00004' });
  otherCommune = await clients.issue({ sub: 'one-stop-00007', scope: 'civil-status:read consents:request', commune: '00007' });
  noCommune = await clients.issue({ sub: 'national-app', scope: 'civil-status:read consents:request' });
  const citizens = stack.citizens;
  [a, b] = await personsWithBirth(2);
  citizenA = await citizens.issue({ subjectId: a });
  citizenB = await citizens.issue({ subjectId: b });
  base = await startGateway(dataDir);
  const sink = apps[0].get(AuditSink);
  const append = sink.append.bind(sink);
  jest.spyOn(sink, 'append').mockImplementation((entry: AuditEntry) => {
    audited.push(entry);
    return append(entry);
  });
});

describe('a sensitive lookup without a legal basis', () => {
  it('needs a consent: none given is 403 consent_required, a made-up reference 403 consent_invalid (unknown)', async () => {
    const none = await lookup(a);
    expect(none.status).toBe(403);
    expect(none.body.code).toBe('consent_required');
    const madeUp = await lookup(a, 'made-up-12345');
    expect(madeUp.status).toBe(403);
    expect(madeUp.body).toMatchObject({ code: 'consent_invalid', reason: 'unknown' });
    expect(madeUp.body.data).toBeUndefined();
  });

  it("is answered on the citizen's consent, which the audit record and the citizen's access log name", async () => {
    const given = await give(citizenA, {});
    expect(given.status).toBe(201);
    expect(given.body).toMatchObject({ status: 'active', revokedAt: null, origin: { kind: 'citizen' } });
    const answered = await lookup(a, given.body.id);
    expect(answered.status).toBe(200);
    expect(answered.body.data).toBeDefined();
    const requestId = answered.headers.get('x-request-id');
    expect(auditRecord(requestId)).toMatchObject({ outcome: 'answered', consentId: given.body.id, consentRef: given.body.id });
    const entry = await eventually('the access log entry', async () => {
      const log = await httpCall<{ entries: Array<{ reference: string; consentId: string | null }> }>(base, 'GET', '/v1/me/access-log', { token: citizenA });
      return log.body.entries.find((e) => e.reference === requestId);
    });
    expect(entry.consentId).toBe(given.body.id);
  });

  it('is refused on a consent of another subject, procedure, commune or dataset, naming the mismatch', async () => {
    const consent = (await give(citizenA, {})).body.id;
    const forOtherProcedure = (await give(citizenA, { procedure: '2.000635' })).body.id;
    const cases: Array<[Promise<{ status: number; body: Problem }>, string]> = [
      [lookup(b, consent), 'other_subject'],
      [lookup(a, forOtherProcedure), 'other_procedure'],
      [lookup(a, consent, {}, otherCommune), 'other_commune'],
      [lookup(a, consent, {}, noCommune), 'other_commune'],
      [lookup(a, consent, {}, clerk, 'marriage'), 'dataset_not_covered'],
    ];
    for (const [call, reason] of cases) {
      const answer = await call;
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ code: 'consent_invalid', reason });
    }
    // A consent for a dossier holds the lookup to that dossier.
    const forDossier = (await give(citizenA, { dossierId: 'H01.22-0001' })).body.id;
    expect((await lookup(a, forDossier, { 'x-dossier-id': 'H01.22-0002' })).body).toMatchObject({ code: 'consent_invalid', reason: 'other_dossier' });
    expect((await lookup(a, forDossier, { 'x-dossier-id': 'H01.22-0001' })).status).toBe(200);
  });

  it('is refused once the citizen took the consent back; only they can, and they see it revoked', async () => {
    const consent = (await give(citizenA, {})).body.id;
    expect((await lookup(a, consent)).status).toBe(200);
    const byOther = await httpCall<Problem>(base, 'DELETE', `/v1/me/consents/${consent}`, { token: citizenB });
    expect(byOther.status).toBe(404);
    expect(byOther.body.code).toBe('consent_not_found');
    expect((await lookup(a, consent)).status).toBe(200);
    const revoked = await httpCall<ConsentBody>(base, 'DELETE', `/v1/me/consents/${consent}`, { token: citizenA });
    expect(revoked.status).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    const refused = await lookup(a, consent);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'consent_invalid', reason: 'revoked' });
    const mine = await httpCall<{ consents: ConsentBody[] }>(base, 'GET', '/v1/me/consents', { token: citizenA });
    expect(mine.body.consents.find((c) => c.id === consent)?.status).toBe('revoked');
    const theirs = await httpCall<{ consents: ConsentBody[] }>(base, 'GET', '/v1/me/consents', { token: citizenB });
    expect(theirs.body.consents.map((c) => c.id)).not.toContain(consent);
  });

  it('refuses a consent it cannot hold to: no procedure nor dossier, a dataset the procedure does not read, too long, unknown commune', async () => {
    for (const body of [
      { procedure: undefined },
      { datasets: [{ registry: 'population', dataset: 'person' }] },
      { validUntil: new Date(Date.now() + 400 * DAY).toISOString() },
      { validUntil: new Date(Date.now() - DAY).toISOString() },
      { communeCode: '99999' },
      // Days and hours that do not exist: refused, not rolled over into a later end than the citizen wrote.
      { validUntil: `${new Date().getUTCFullYear() + 1}-02-30T10:00:00+07:00` },
      { validUntil: `${new Date(Date.now() + 5 * DAY).toISOString().slice(0, 10)}T24:00:00Z` },
    ]) {
      const answer = await give(citizenA, body);
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('validation_failed');
    }
    // Client tokens do not open citizen routes, nor citizen tokens client ones.
    expect((await give(clerk, {})).status).toBe(401);
    expect((await askAtCounter(base, a, citizenA)).status).toBe(401);
  });
});

describe('consent asked for at the counter', () => {
  it('is approved once, by its own citizen only; the clerk then gets the consent id and reads with it', async () => {
    const asked = await askAtCounter(base, a);
    expect(asked.status).toBe(201);
    expect(asked.body.code).toMatch(/^[2-9A-HJKMNP-Z]{8}$/);
    expect(asked.body.link).toBe(`/v1/me/consent-requests/${asked.body.code}`);
    const code = asked.body.code;
    expect((await httpCall<RequestBody>(base, 'GET', `/v1/consent-requests/${code}`, { token: clerk })).body).toMatchObject({
      status: 'pending',
      consentId: null,
    });
    // Another client (even of the same scope) does not see it.
    expect((await httpCall(base, 'GET', `/v1/consent-requests/${code}`, { token: otherCommune })).status).toBe(404);

    // Another citizen can neither see nor approve it, and trying does not use it up.
    const seenByB = await httpCall<Problem>(base, 'GET', `/v1/me/consent-requests/${code}`, { token: citizenB });
    expect(seenByB.status).toBe(404);
    expect(seenByB.body.code).toBe('consent_request_not_found');
    expect((await httpCall(base, 'POST', `/v1/me/consent-requests/${code}/approve`, { token: citizenB })).status).toBe(404);

    const shown = await httpCall<RequestBody>(base, 'GET', `/v1/me/consent-requests/${code}`, { token: citizenA });
    expect(shown.status).toBe(200);
    // What it asks, with the names the citizen reads beside the codes.
    expect(shown.body).toMatchObject({
      code,
      datasets: BIRTH,
      officerId: 'officer-counter',
      clientId: 'one-stop-00004',
      communeCode: '00004',
      communeName: 'Phường Ba Đình',
      procedure: PROCEDURE,
      procedureName: expect.stringMatching(/^Chứng thực bản sao/),
      expiresAt: asked.body.expiresAt,
    });

    const approved = await httpCall<ConsentBody>(base, 'POST', `/v1/me/consent-requests/${code}/approve`, { token: citizenA });
    expect(approved.status).toBe(201);
    expect(approved.body.origin).toMatchObject({ kind: 'counter-request', clientId: 'one-stop-00004' });
    const again = await httpCall<Problem>(base, 'POST', `/v1/me/consent-requests/${code}/approve`, { token: citizenA });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('consent_request_not_found');

    const status = await httpCall<RequestBody>(base, 'GET', `/v1/consent-requests/${code}`, { token: clerk });
    expect(status.body).toMatchObject({ status: 'approved', consentId: approved.body.id });
    expect((await lookup(a, approved.body.id)).status).toBe(200);
  });

  it('is also given in a signed form, approved once with the citizen token after its signature and content are checked', async () => {
    const asked = await askAtCounter(base, a);
    expect(asked.status).toBe(201);
    const { code, signedRequest } = asked.body;
    expect(asked.body.signedLink).toBe(`/v1/me/consent-requests/${code}#request=${signedRequest}`);
    // A JWT of the gateway's evidence keys, under its own typ, saying what the request asks.
    const header = JSON.parse(Buffer.from(signedRequest.split('.')[0], 'base64url').toString('utf8')) as { typ: string; kid: string };
    expect(header.typ).toBe('motlan-consent-request+jwt');
    const jwks = await httpCall<{ keys: Array<{ kid: string }> }>(base, 'GET', '/.well-known/jwks.json');
    expect(jwks.body.keys.map((k) => k.kid)).toContain(header.kid);
    const claims = JSON.parse(Buffer.from(signedRequest.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ jti: asked.body.id, sub: a, code, procedure: PROCEDURE, communeCode: '00004', datasets: BIRTH, clientId: 'one-stop-00004' });
    expect(claims.exp).toBe(Math.floor(Date.parse(asked.body.expiresAt) / 1000));

    const show = (token: string, request: unknown) => httpCall<RequestBody>(base, 'POST', '/v1/me/consent-requests/signed', { token, body: { request } });
    const approve = (token: string, request: unknown) =>
      httpCall<ConsentBody>(base, 'POST', '/v1/me/consent-requests/signed/approve', { token, body: { request } });

    // Altered, or not a consent request of this gateway: refused, and nothing is used up.
    const lookedUp = await lookup(a, (await give(citizenA, {})).body.id);
    const refusals: Array<[string, unknown, number, string, string?]> = [
      ['other datasets', withClaim(signedRequest, 'datasets', [{ registry: 'civil-status', dataset: 'marriage' }]), 403, 'consent_request_invalid', 'tampered'],
      ['a later validity', withClaim(signedRequest, 'validUntil', new Date(Date.now() + 300 * DAY).toISOString()), 403, 'consent_request_invalid', 'tampered'],
      ['another commune', withClaim(signedRequest, 'communeCode', '00007'), 403, 'consent_request_invalid', 'tampered'],
      ['the citizen changed', withClaim(signedRequest, 'sub', b), 403, 'consent_request_invalid', 'tampered'],
      ['evidence of the same keys', (lookedUp.body as { evidence?: string }).evidence, 403, 'consent_request_invalid', 'tampered'],
      ['a client token', clerk, 403, 'consent_request_invalid', 'tampered'],
      ['not a JWS', 'K7M4QX2P', 400, 'validation_failed'],
      ['not a string', 42, 400, 'validation_failed'],
      ['nothing', undefined, 400, 'validation_failed'],
    ];
    for (const [what, request, status, problem, reason] of refusals) {
      for (const call of [show, approve]) {
        const answer = await call(citizenA, request);
        expect({ what, status: answer.status, code: answer.body.code, reason: answer.body.reason }).toEqual({ what, status, code: problem, reason });
      }
    }
    // Another citizen holding the genuine token cannot see or approve it.
    expect((await show(citizenB, signedRequest)).body).toMatchObject({ code: 'consent_request_invalid', reason: 'other_subject' });
    expect((await approve(citizenB, signedRequest)).body).toMatchObject({ code: 'consent_request_invalid', reason: 'other_subject' });

    const shown = await show(citizenA, signedRequest);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id: asked.body.id, code, datasets: BIRTH, communeName: 'Phường Ba Đình', officerId: 'officer-counter' });
    const approved = await approve(citizenA, signedRequest);
    expect(approved.status).toBe(201);
    expect(approved.body).toMatchObject({ status: 'active', origin: { kind: 'counter-request', clientId: 'one-stop-00004', officerId: 'officer-counter' } });
    // Once: neither the token nor the code approves it again.
    const again = await approve(citizenA, signedRequest);
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('consent_request_not_found');
    expect((await httpCall(base, 'POST', `/v1/me/consent-requests/${code}/approve`, { token: citizenA })).status).toBe(404);
    const status = await httpCall<RequestBody>(base, 'GET', `/v1/consent-requests/${code}`, { token: clerk });
    expect(status.body).toMatchObject({ status: 'approved', consentId: approved.body.id });
    expect((await lookup(a, approved.body.id)).status).toBe(200);

    // Approved by code first: its signed form is spent too.
    const byCode = await askAtCounter(base, a);
    expect((await httpCall(base, 'POST', `/v1/me/consent-requests/${byCode.body.code}/approve`, { token: citizenA })).status).toBe(201);
    expect((await approve(citizenA, byCode.body.signedRequest)).body.code).toBe('consent_request_not_found');
  });

  it('refuses a genuinely signed request that does not say what the gateway holds for it', async () => {
    const asked = await askAtCounter(base, a);
    // Signed with the gateway's own key (as only someone holding it could): the same request id and code, a wider scope.
    const signer = new ConsentRequestSigner({ issuer: 'urn:motlan:gateway', keys: apps[0].get(EvidenceKeyStore) });
    const claims = JSON.parse(Buffer.from(asked.body.signedRequest.split('.')[1], 'base64url').toString('utf8')) as { iat: number };
    const wider = await signer.sign({
      id: asked.body.id,
      code: asked.body.code,
      subjectId: a,
      procedure: PROCEDURE,
      dossierId: null,
      communeCode: '00004',
      datasets: [...BIRTH, { registry: 'judicial-records', dataset: 'criminal-record' }],
      validUntil: new Date(Date.now() + 7 * DAY).toISOString(),
      clientId: 'one-stop-00004',
      officerId: 'officer-counter',
      createdAt: new Date(claims.iat * 1000).toISOString(),
      expiresAt: asked.body.expiresAt,
    });
    const refused = await httpCall<Problem>(base, 'POST', '/v1/me/consent-requests/signed/approve', { token: citizenA, body: { request: wider } });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'consent_request_invalid', reason: 'mismatch' });
    // The request itself is untouched: its own signed form still approves it.
    const approved = await httpCall<ConsentBody>(base, 'POST', '/v1/me/consent-requests/signed/approve', {
      token: citizenA,
      body: { request: asked.body.signedRequest },
    });
    expect(approved.status).toBe(201);
  });

  it('writes the ask and the approval to the audit trail as acts of the citizen', async () => {
    const asked = await askAtCounter(base, a);
    const approved = await httpCall<ConsentBody>(base, 'POST', `/v1/me/consent-requests/${asked.body.code}/approve`, { token: citizenA });
    expect(approved.status).toBe(201);
    // Read from the trail itself (the embedded audit log): written before each answer left.
    const acts = readAuditRecords<CitizenActionAuditRecord>(path.join(dataDir, 'audit')).filter(
      (r) => r.type === 'citizen_action' && r.objectId === asked.body.code,
    );
    expect(acts).toEqual([
      expect.objectContaining({
        action: 'consent_request',
        subjectId: a,
        clientId: 'one-stop-00004',
        communeCode: '00004',
        requestId: asked.headers.get('x-request-id'),
      }),
      expect.objectContaining({
        action: 'consent_approve',
        subjectId: a,
        clientId: null,
        communeCode: '00004',
        relatedId: approved.body.id,
        requestId: approved.headers.get('x-request-id'),
      }),
    ]);
  });

  it('needs a commune-bound client with scope consents:request', async () => {
    const national = await askAtCounter(base, a, noCommune);
    expect(national.status).toBe(403);
    expect(national.body.code).toBe('commune_required');
    const clients = new DevTokenIssuer({ dataDir });
    const unscoped = await clients.issue({ sub: 'one-stop-00004', scope: 'civil-status:read', commune: '00004' });
    const refused = await askAtCounter(base, a, unscoped);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('missing_scope');
    const mismatch = await httpCall<Problem>(base, 'POST', '/v1/consent-requests', {
      token: clerk,
      body: { subjectId: a, procedure: PROCEDURE, communeCode: '00007', datasets: BIRTH, validUntil: new Date(Date.now() + DAY).toISOString() },
    });
    expect(mismatch.status).toBe(403);
    expect(mismatch.body.code).toBe('commune_mismatch');
  });

  it('expires: once its time is up it can no longer be seen or approved', async () => {
    // A gateway of its own, with a one-second request lifetime (test-sized).
    const dir = privateDataDir('motlan-consent-ttl-');
    const clients = new DevTokenIssuer({ dataDir: dir });
    await clients.ensureKeys();
    const citizens = new DevCitizenTokenIssuer({ dataDir: dir });
    await citizens.ensureKeys();
    const shortBase = await startGateway(dir, { MOTLAN_CONSENT_REQUEST_TTL_SEC: '1' });
    const token = await clients.issue({ sub: 'one-stop-00004', scope: 'civil-status:read consents:request', commune: '00004' });
    const citizen = await citizens.issue({ subjectId: a });
    const asked = await askAtCounter(shortBase, a, token);
    expect(asked.status).toBe(201);
    expect(Date.parse(asked.body.expiresAt) - Date.now()).toBeLessThanOrEqual(1000);
    await eventually('the request to expire', async () => {
      const shown = await httpCall(shortBase, 'GET', `/v1/me/consent-requests/${asked.body.code}`, { token: citizen });
      return shown.status === 404 ? shown : undefined;
    });
    const late = await httpCall<Problem>(shortBase, 'POST', `/v1/me/consent-requests/${asked.body.code}/approve`, { token: citizen });
    expect(late.status).toBe(404);
    expect(late.body.code).toBe('consent_request_not_found');
    // Its signed form says it has expired.
    const lateSigned = await httpCall<Problem>(shortBase, 'POST', '/v1/me/consent-requests/signed/approve', {
      token: citizen,
      body: { request: asked.body.signedRequest },
    });
    expect(lateSigned.status).toBe(403);
    expect(lateSigned.body).toMatchObject({ code: 'consent_request_invalid', reason: 'expired' });
    expect((await httpCall<{ consents: unknown[] }>(shortBase, 'GET', '/v1/me/consents', { token: citizen })).body.consents).toEqual([]);
  });
});

describe('consents are durable', () => {
  it('a restart keeps consents and revocations', async () => {
    const kept = (await give(citizenA, {})).body.id;
    const revoked = (await give(citizenA, {})).body.id;
    await httpCall(base, 'DELETE', `/v1/me/consents/${revoked}`, { token: citizenA });
    const first = apps.shift()!;
    await first.close();
    base = await startGateway(dataDir);
    expect((await lookup(a, kept)).status).toBe(200);
    expect((await lookup(a, revoked)).body).toMatchObject({ code: 'consent_invalid', reason: 'revoked' });
  });
});
