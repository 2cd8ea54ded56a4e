/**
 * The citizen's data archive, end to end on the embedded profile: the real gateway (file archive
 * store, file event log, audit trail, access log) and the real registry simulator, over HTTP.
 * Evidence a lookup released lands in its citizen's archive; a result a commune returns with
 * status 10 lands in the archive of the citizen the dossier's lookups were about; a share
 * reference opens one item to one commune for one dossier until it expires, every redemption is
 * audited and shows in the citizen's access log; consents and shares are audited as citizen acts.
 */
import { randomBytes } from 'node:crypto';
import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AuditEntry, AuditRecord, CitizenActionAuditRecord } from '@motlan/audit/audit-record.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { EvidenceKeyStore } from '@motlan/evidence/evidence-key-store.js';
import { SyncLifecycle } from '../../apps/gateway/src/dossier-relay/sync-lifecycle.service.js';
import { CitizenArchiveLifecycle } from '../../apps/gateway/src/citizen-archive/citizen-archive.module.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall, metricValue, officerHeaders } from '../support/http.js';
import { simSamples } from '../support/sim-control.js';
import { e2eStack } from '../support/e2e-harness.js';

const DAY = 86_400_000;
/** Letters only: dossier and request ids of this run never look like personal ids. */
const run = randomBytes(6)
  .toString('base64url')
  .replace(/[^A-Za-z]/g, 'x');
const dossier = (name: string) => `ARC-${run}-${name}`;

interface Problem {
  code?: string;
  reason?: string;
}
interface Item {
  id: string;
  kind: 'evidence' | 'result';
  issuer: { id: string; name: string | null };
  issuedAt: string;
  validUntil: string | null;
  status: string;
  evidence?: { jws: string; registry: string; dataset: string; dossierId: string | null };
  result?: { dossierId: string; procedureCode: string; documents: Array<{ code: string; url: string | null }> };
  shares?: Array<{ id: string; communeCode: string; dossierId: string }>;
}
interface Share extends Problem {
  id: string;
  itemId: string;
  reference: string;
  validUntil: string;
}
interface Redeemed extends Problem {
  item: Item;
  share: { id: string };
}

let sim: RunningRegistrySim;
let app: NestFastifyApplication;
let base: string;
let clerk: string;
let otherCommune: string;
let withoutScope: string;
let citizenA: string;
let citizenB: string;
let a: string;
const audited: AuditEntry[] = [];

const archiveOf = (token: string) => httpCall<{ items: Item[] } & Problem>(base, 'GET', '/v1/me/archive', { token });
const lookupPerson = (subjectId: string, dossierId: string, query = '') =>
  httpCall<{ evidence: string } & Problem>(base, 'GET', `/v1/registries/population/person/${subjectId}${query}`, {
    token: clerk,
    headers: { ...officerHeaders('officer-archive'), 'x-dossier-id': dossierId },
  });
const share = (itemId: string, body: Record<string, unknown>, token = citizenA) =>
  httpCall<Share>(base, 'POST', `/v1/me/archive/${itemId}/share`, {
    token,
    body: { communeCode: '00004', dossierId: dossier('share'), validUntil: new Date(Date.now() + DAY).toISOString(), ...body },
  });
const redeem = (reference: string, dossierId: string, token = clerk) =>
  httpCall<Redeemed>(base, 'GET', `/v1/archive/shares/${reference}`, { token, headers: { 'x-officer-id': 'officer-redeem', 'x-dossier-id': dossierId } });

/** The archive item of citizen A that `match` finds, once it is there (archiving runs after the answer). */
function itemOfA(what: string, match: (item: Item) => boolean): Promise<Item> {
  return eventually(what, async () => (await archiveOf(citizenA)).body.items?.find(match));
}

function accessRecord(requestId: string | null): AuditRecord | undefined {
  return audited.find((r): r is AuditRecord => r.type === 'access' && r.requestId === requestId);
}

const stack = e2eStack({
  dataDirPrefix: 'motlan-archive-',
  sim: { seed: 7, persons: 2_000 },
  // The portal delivery is not under test; the archive's own job follows the statuses.
  env: { MOTLAN_PORTAL_SYNC_WORKER: 'false' },
});

beforeAll(async () => {
  ({ sim, app } = stack);
  const clients = stack.clients;
  clerk = await clients.issue({ sub: 'one-stop-00004', scope: 'population:read archive:redeem dossiers:write', commune: '00004' });
  otherCommune = await clients.issue({ sub: 'one-stop-00007', scope: 'population:read archive:redeem', commune: '00007' });
  withoutScope = await clients.issue({ sub: 'one-stop-00004-b', scope: 'population:read', commune: '00004' });
  const citizens = stack.citizens;
  const [first, second] = await simSamples(sim.controlUrl, 'population', 'person', 2);
  a = first;
  citizenA = await citizens.issue({ subjectId: first });
  citizenB = await citizens.issue({ subjectId: second });
  await app.get(SyncLifecycle).whenStarted();
  await app.get(CitizenArchiveLifecycle).whenStarted();
  base = await app.getUrl();
  const sink = app.get(AuditSink);
  const append = sink.append.bind(sink);
  const appendMany = sink.appendMany.bind(sink);
  jest.spyOn(sink, 'append').mockImplementation((entry: AuditEntry) => {
    audited.push(entry);
    return append(entry);
  });
  jest.spyOn(sink, 'appendMany').mockImplementation((entries: AuditEntry[]) => {
    audited.push(...entries);
    return appendMany(entries);
  });
}, 60_000);

describe("the citizen's archive", () => {
  let evidenceItem: Item;

  it('holds the evidence a lookup released about the citizen, valid until it expires; no other citizen sees it', async () => {
    const answered = await lookupPerson(a, dossier('lookup'));
    expect(answered.status).toBe(200);
    evidenceItem = await itemOfA('the evidence in the archive', (i) => i.kind === 'evidence' && i.evidence?.jws === answered.body.evidence);
    expect(evidenceItem).toMatchObject({
      issuer: { id: 'urn:motlan:gateway' },
      status: 'valid',
      evidence: { registry: 'population', dataset: 'person', dossierId: dossier('lookup') },
    });
    expect(Date.parse(evidenceItem.validUntil ?? '')).toBeGreaterThan(Date.now());
    expect((await archiveOf(citizenB)).body.items.map((i) => i.id)).not.toContain(evidenceItem.id);
    // A client token does not open the citizen's archive.
    expect((await archiveOf(clerk)).status).toBe(401);
    expect(await metricValue(base, /^motlan_citizen_archive_items_total\{result="archived"\}/)).toBeGreaterThanOrEqual(1);
  });

  it("holds a result the commune returned with status 10 for a dossier the citizen's lookups named", async () => {
    const dossierId = dossier('result');
    // Other fields than the first lookup's: other evidence (one signature serves every lookup of the same record and fields).
    const answered = await lookupPerson(a, dossierId, '?fields=fullName');
    expect(answered.status).toBe(200);
    // The lookup's evidence is archived (and the dossier linked to the citizen) before the result arrives, as at a real counter.
    await itemOfA('the dossier lookup archived', (i) => i.evidence?.jws === answered.body.evidence);
    const reported = await httpCall(base, 'PUT', `/v1/dossiers/${dossierId}/status`, {
      token: clerk,
      body: {
        procedureCode: '1.004222',
        communeCode: '00004',
        status: 10,
        subjectType: 'citizen',
        receivedAt: '2026-12-01T09:00:00+07:00',
        sequence: 1,
        resultDocuments: [{ code: 'KQ01', name: 'Giấy xác nhận thông tin về cư trú', url: `https://dichvucong.gov.vn/ket-qua/${dossierId}/KQ01` }],
      },
    });
    expect(reported.status).toBe(202);
    const result = await itemOfA('the returned result in the archive', (i) => i.kind === 'result' && i.result?.dossierId === dossierId);
    expect(result).toMatchObject({
      issuer: { id: 'commune:00004' },
      validUntil: null,
      status: 'valid',
      result: { procedureCode: '1.004222', documents: [{ code: 'KQ01', url: `https://dichvucong.gov.vn/ket-qua/${dossierId}/KQ01` }] },
    });
    expect((await archiveOf(citizenB)).body.items.some((i) => i.result?.dossierId === dossierId)).toBe(false);
  });

  it('shares one item with one commune for one dossier: only that commune, with that dossier, reads it; altered references open nothing', async () => {
    const shareDossier = dossier('share');
    const made = await share(evidenceItem.id, { dossierId: shareDossier });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ itemId: evidenceItem.id, communeCode: '00004', dossierId: shareDossier });
    expect(made.body.reference).toMatch(/^shr1\./);
    expect(made.body.reference).not.toContain(a);

    const redeemed = await redeem(made.body.reference, shareDossier);
    expect(redeemed.status).toBe(200);
    expect(redeemed.body.item).toMatchObject({ id: evidenceItem.id, kind: 'evidence', evidence: { jws: evidenceItem.evidence?.jws } });
    expect(redeemed.body.share.id).toBe(made.body.id);

    const refusals: Array<[Promise<{ status: number; body: Problem }>, number, string, string?]> = [
      [redeem(made.body.reference, shareDossier, otherCommune), 403, 'share_invalid', 'other_commune'],
      [redeem(made.body.reference, dossier('other')), 403, 'share_invalid', 'other_dossier'],
      [redeem(tampered(made.body.reference), shareDossier), 403, 'share_invalid', 'tampered'],
      [redeem(made.body.reference, shareDossier, withoutScope), 403, 'missing_scope'],
      [redeem(made.body.reference, shareDossier, citizenA), 401, 'token_invalid'],
      [
        httpCall(base, 'GET', `/v1/archive/shares/${made.body.reference}`, { token: clerk, headers: { 'x-officer-id': 'officer-redeem' } }),
        400,
        'validation_failed',
      ],
      [redeem('shr1.not-a-reference', shareDossier), 400, 'validation_failed'],
    ];
    for (const [call, status, code, reason] of refusals) {
      const answer = await call;
      expect({ status: answer.status, code: answer.body.code, reason: answer.body.reason }).toEqual({ status, code: expect.any(String), reason });
      if (status !== 401) expect(answer.body.code).toBe(code);
      expect((answer.body as Redeemed).item).toBeUndefined();
    }
    // The citizen sees the share on the item.
    const listed = await itemOfA('the share on the item', (i) => i.id === evidenceItem.id && (i.shares ?? []).some((s) => s.id === made.body.id));
    expect(listed.shares).toEqual([expect.objectContaining({ communeCode: '00004', dossierId: shareDossier })]);
  });

  it('refuses a share reference once it has expired', async () => {
    const shareDossier = dossier('expiring');
    const made = await share(evidenceItem.id, { dossierId: shareDossier, validUntil: new Date(Date.now() + 3000).toISOString() });
    expect(made.status).toBe(201);
    const expired = await eventually('the share to expire', async () => {
      const answer = await redeem(made.body.reference, shareDossier);
      if (answer.status === 200) return undefined;
      return answer;
    });
    expect(expired.status).toBe(403);
    expect(expired.body).toMatchObject({ code: 'share_invalid', reason: 'expired' });
  });

  it('refuses shares beyond the longest validity, in the past, of unknown communes, or of items not in the archive', async () => {
    expect((await share(evidenceItem.id, { validUntil: new Date(Date.now() + 31 * DAY).toISOString() })).body.code).toBe('validation_failed');
    expect((await share(evidenceItem.id, { validUntil: new Date(Date.now() - 1000).toISOString() })).body.code).toBe('validation_failed');
    expect((await share(evidenceItem.id, { communeCode: '99999' })).body.code).toBe('validation_failed');
    // An hour that does not exist: refused, not rolled over to the next day.
    const rolledOver = await share(evidenceItem.id, { validUntil: `${new Date(Date.now() + 5 * DAY).toISOString().slice(0, 10)}T24:00:00Z` });
    expect(rolledOver.status).toBe(400);
    expect(rolledOver.body.code).toBe('validation_failed');
    const foreign = await share(evidenceItem.id, {}, citizenB);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('archive_item_not_found');
  });

  it("audits every redemption, answered or refused, and shows it in the citizen's access log with the share", async () => {
    const shareDossier = dossier('audited');
    const made = await share(evidenceItem.id, { dossierId: shareDossier });
    const redeemed = await redeem(made.body.reference, shareDossier);
    expect(redeemed.status).toBe(200);
    // A client of its own: the citizen's log counts refusals per client, reason and hour in one entry, named by its first attempt.
    const stranger = await stack.clients.issue({ sub: `one-stop-00007-${run}`, scope: 'population:read archive:redeem', commune: '00007' });
    const refused = await redeem(made.body.reference, shareDossier, stranger);
    expect(refused.status).toBe(403);

    const requestId = redeemed.headers.get('x-request-id');
    expect(accessRecord(requestId)).toMatchObject({
      outcome: 'answered',
      via: 'archive-share',
      shareId: made.body.id,
      subjectId: a,
      clientCommune: '00004',
      dossierId: shareDossier,
      registry: 'population',
      dataset: 'person',
    });
    expect(accessRecord(refused.headers.get('x-request-id'))).toMatchObject({ outcome: 'refused', code: 'share_invalid', shareId: made.body.id, subjectId: a });
    expect(audited).toContainEqual(
      expect.objectContaining<Partial<CitizenActionAuditRecord>>({ type: 'citizen_action', action: 'archive_share', objectId: made.body.id, subjectId: a }),
    );

    type LogEntry = { reference: string; shareId: string | null; outcome: string; refusal: string | null; client: { id: string }; count: number };
    const logEntry = (reference: string | null) =>
      eventually(`access log entry ${reference}`, async () => {
        const log = await httpCall<{ entries: LogEntry[] }>(base, 'GET', '/v1/me/access-log?limit=100', { token: citizenA });
        return log.body.entries.find((e) => e.reference === reference);
      });
    expect(await logEntry(requestId)).toMatchObject({ shareId: made.body.id, outcome: 'answered', refusal: null });
    // The refused attempt is in the citizen's log too: who tried, why it was refused, and which share it named.
    expect(await logEntry(refused.headers.get('x-request-id'))).toMatchObject({
      shareId: made.body.id,
      outcome: 'refused',
      refusal: 'share_invalid',
      client: { id: `one-stop-00007-${run}` },
      count: 1,
    });
  });

  it('deletes an item: gone from the list, its shares withdrawn; another citizen cannot delete it', async () => {
    const shareDossier = dossier('deleted');
    const made = await share(evidenceItem.id, { dossierId: shareDossier });
    expect((await redeem(made.body.reference, shareDossier)).status).toBe(200);
    const byOther = await httpCall<Problem>(base, 'DELETE', `/v1/me/archive/${evidenceItem.id}`, { token: citizenB });
    expect(byOther.status).toBe(404);
    expect(byOther.body.code).toBe('archive_item_not_found');
    expect((await httpCall(base, 'DELETE', `/v1/me/archive/${evidenceItem.id}`, { token: citizenA })).status).toBe(204);
    expect((await archiveOf(citizenA)).body.items.map((i) => i.id)).not.toContain(evidenceItem.id);
    const withdrawn = await redeem(made.body.reference, shareDossier);
    expect(withdrawn.status).toBe(403);
    expect(withdrawn.body).toMatchObject({ code: 'share_invalid', reason: 'withdrawn' });
    expect((await httpCall(base, 'DELETE', `/v1/me/archive/${evidenceItem.id}`, { token: citizenA })).status).toBe(404);
    expect((await httpCall<Problem>(base, 'DELETE', '/v1/me/archive/not-an-id', { token: citizenA })).body.code).toBe('validation_failed');
    expect(audited).toContainEqual(expect.objectContaining({ type: 'citizen_action', action: 'archive_delete', objectId: evidenceItem.id, subjectId: a }));
  });
});

describe('evidence whose signing key is revoked', () => {
  it('shows as revoked in the archive, and to the commune that redeems a share of it', async () => {
    const answered = await lookupPerson(a, dossier('revoked'), '?fields=dateOfBirth');
    expect(answered.status).toBe(200);
    const item = await itemOfA('the evidence to revoke', (i) => i.evidence?.jws === answered.body.evidence);
    expect(item.status).toBe('valid');
    const made = await share(item.id, { dossierId: dossier('revoked') });
    const { kid } = JSON.parse(Buffer.from(answered.body.evidence.split('.')[0], 'base64url').toString('utf8')) as { kid: string };
    // As `npm run motlan -- evidence revoke-key` does; this process's key store holds it at once.
    await app.get(EvidenceKeyStore).revoke(kid, 'keyCompromise');
    expect((await archiveOf(citizenA)).body.items.find((i) => i.id === item.id)?.status).toBe('revoked');
    const redeemed = await redeem(made.body.reference, dossier('revoked'));
    expect(redeemed.status).toBe(200);
    expect(redeemed.body.item).toMatchObject({ id: item.id, status: 'revoked' });
  });
});

describe('consents in the audit trail', () => {
  it('records giving and taking back a consent as acts of the citizen', async () => {
    const given = await httpCall<{ id: string } & Problem>(base, 'POST', '/v1/me/consents', {
      token: citizenA,
      body: {
        procedure: '2.000815',
        communeCode: '00004',
        datasets: [{ registry: 'civil-status', dataset: 'birth' }],
        validUntil: new Date(Date.now() + 30 * DAY).toISOString(),
      },
    });
    expect(given.status).toBe(201);
    expect((await httpCall(base, 'DELETE', `/v1/me/consents/${given.body.id}`, { token: citizenA })).status).toBe(200);
    const acts = audited.filter((e): e is CitizenActionAuditRecord => e.type === 'citizen_action' && e.objectId === given.body.id);
    expect(acts.map((e) => e.action)).toEqual(['consent_give', 'consent_revoke']);
    expect(acts[0]).toMatchObject({ subjectId: a, communeCode: '00004', clientId: null, requestId: given.headers.get('x-request-id') });
  });
});

/** The reference with one character in the middle changed (still well-formed). */
function tampered(reference: string): string {
  const i = Math.floor(reference.length / 2);
  return reference.slice(0, i) + (reference[i] === 'A' ? 'B' : 'A') + reference.slice(i + 1);
}
