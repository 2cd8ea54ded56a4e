/**
 * Issue 13, findings 1 and 8, on the embedded profile (file-backed bindings and sync log, the
 * simulated portal over real gRPC): a dossier belongs to the commune that first reported it, so
 * another commune system, or a national system naming another commune, cannot change its status
 * at the portal or take its sequence numbers; the binding survives a restart; an operator corrects
 * it through an audited call. Dates the portal cannot use are refused at the edge.
 */
import { Topics } from '@motlan/events/topics.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall } from '../support/http.js';
import { readAuditRecords } from '../support/audit-trail.js';
import { e2eStack } from '../support/e2e-harness.js';

let sim: RunningRegistrySim;
let base: string;
let dataDir: string;
const tokens: Record<'owner' | 'foreign' | 'national' | 'operator', string> = { owner: '', foreign: '', national: '', operator: '' };

const directory = VnAdminDirectory.load();
/** The dossier's commune (10231 in the finding) and the one that tries to change it (00004). */
const owner = directory.commune('10231')!;
const foreign = directory.commune('00004')!;
const DOSSIER = 'H01.14-261206-000181';

function status(communeCode: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { procedureCode: '1.004222', communeCode, status: 2, subjectType: 'citizen', receivedAt: '2026-12-06T10:00:00+07:00', sequence: 1, ...overrides };
}
const put = (dossierId: string, body: unknown, token: string) => httpCall(base, 'PUT', `/v1/dossiers/${dossierId}/status`, { token, body });
const rebind = (dossierId: string, body: unknown, token = tokens.operator) => httpCall(base, 'PUT', `/v1/dossiers/${dossierId}/commune`, { token, body });

/** Every line of the embedded sync log (all topics, all partitions) that mentions `text`. */
/** Lines of the dossier relay's topic (other topics share the embedded log's directory) holding `text`. */
function syncLogLines(text: string): string[] {
  const dir = path.join(dataDir, 'sync-log', Topics.dossierSync);
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return files.flatMap((f) => readFileSync(path.join(f.parentPath, f.name), 'utf8').split('\n')).filter((line) => line.includes(text));
}

function auditRecords(): Array<Record<string, unknown>> {
  return readAuditRecords(path.join(dataDir, 'audit'));
}

const stack = e2eStack({
  dataDirPrefix: 'motlan-dossier-binding-',
  sim: { seed: 13, persons: 1_000 },
  env: ({ dataDir, sim }) => ({
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    MOTLAN_PORTAL_ENDPOINT: sim!.portalEndpoint,
    MOTLAN_PORTAL_INLINE_BACKOFF_MS: '10',
    MOTLAN_PORTAL_RETRY_BACKOFF_MS: '50',
  }),
});

/** The gateway again over the same data directory. */
async function startGateway(): Promise<void> {
  ({ base } = await stack.restartGateway());
}

beforeAll(async () => {
  ({ sim, dataDir, base } = stack);
  tokens.owner = await stack.token({ sub: `commune-${owner.code}`, scope: 'dossiers:write', commune: owner.code });
  tokens.foreign = await stack.token({ sub: `commune-${foreign.code}`, scope: 'dossiers:write', commune: foreign.code });
  tokens.national = await stack.token({ sub: 'one-stop-national', scope: 'dossiers:write' });
  tokens.operator = await stack.token({ sub: 'sync-operator', scope: 'dossiers:rebind' });
});

describe('dossier → commune binding', () => {
  it("refuses another commune's status for a dossier with 403 dossier_commune_mismatch, and queues nothing", async () => {
    expect((await put(DOSSIER, status(owner.code), tokens.owner)).status).toBe(202);

    // The finding: commune 00004's token, naming itself, withdrawing 10231's dossier with a sequence far ahead.
    const attack = await put(DOSSIER, status(foreign.code, { status: 7, sequence: 999 }), tokens.foreign);
    expect(attack.status).toBe(403);
    expect(attack.headers.get('content-type')).toContain('application/problem+json');
    expect(attack.body).toMatchObject({ status: 403, code: 'dossier_commune_mismatch', requestId: expect.any(String) });
    // Who holds the dossier is not told to the caller.
    expect(JSON.stringify(attack.body)).not.toContain(owner.code);
    // Nor can a national system (no commune claim) report it under another commune, or take its next sequence.
    expect((await put(DOSSIER, status(foreign.code, { status: 7, sequence: 2 }), tokens.national)).body).toMatchObject({
      status: 403,
      code: 'dossier_commune_mismatch',
    });
    // Refused before anything reached the log (the status is appended only after the check).
    // (The owner's first status is there, in the form searched for: the search can find one.)
    expect(syncLogLines('\\"sequence\\":1,').filter((line) => line.includes(DOSSIER))).toHaveLength(1);
    expect(syncLogLines('\\"sequence\\":999')).toEqual([]);
    expect(syncLogLines(foreign.code).filter((line) => line.includes(DOSSIER))).toEqual([]);

    // The real commune keeps reporting, national systems too when they name it; its sequence 2 is its own.
    expect((await put(DOSSIER, status(owner.code, { status: 4, sequence: 2 }), tokens.owner)).status).toBe(202);
    expect((await put(DOSSIER, status(owner.code, { status: 9, sequence: 3 }), tokens.national)).status).toBe(202);
    const delivered = await eventually('the owner’s three statuses at the portal', async () => {
      const statuses = sim.portal.statusesOf(DOSSIER);
      return statuses.length === 3 ? statuses : undefined;
    });
    expect(delivered.map((s) => [s.sequence, s.status, s.communeCode])).toEqual([
      [1, 2, owner.code],
      [2, 4, owner.code],
      [3, 9, owner.code],
    ]);

    // The refusals are in the audit trail like every other refusal.
    const refusals = auditRecords().filter((r) => r.type === 'refusal' && r.code === 'dossier_commune_mismatch');
    expect(refusals).toHaveLength(2);
    expect(refusals.map((r) => r.clientId).sort()).toEqual([`commune-${foreign.code}`, 'one-stop-national']);
  });

  it('keeps the binding across a gateway restart', async () => {
    await stack.closeGateway();
    await startGateway();
    expect((await put(DOSSIER, status(foreign.code, { status: 7, sequence: 4 }), tokens.foreign)).body).toMatchObject({
      status: 403,
      code: 'dossier_commune_mismatch',
    });
    expect((await put(DOSSIER, status(owner.code, { status: 10, sequence: 4 }), tokens.owner)).status).toBe(202);
    await eventually('the fourth status at the portal', async () => (sim.portal.statusesOf(DOSSIER).length === 4 ? true : undefined));
    expect(sim.portal.statusesOf(DOSSIER).every((s) => s.communeCode === owner.code)).toBe(true);
  });

  it('lets an operator rebind a dossier, audited; refuses it without the dossiers:rebind scope', async () => {
    const id = 'H01.14-261206-000182';
    expect((await put(id, status(foreign.code), tokens.foreign)).status).toBe(202);

    // Commune systems and national systems do not hold dossiers:rebind.
    for (const token of [tokens.owner, tokens.foreign, tokens.national]) {
      expect((await rebind(id, { communeCode: owner.code, reason: 'moved to the right commune' }, token)).body).toMatchObject({
        status: 403,
        code: 'missing_scope',
        requiredScope: 'dossiers:rebind',
      });
    }
    const noReason = await rebind(id, { communeCode: owner.code });
    expect(noReason.body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(new Set((noReason.body.invalidParams as { name: string }[]).map((p) => p.name))).toEqual(new Set(['reason']));
    expect((await rebind(id, { communeCode: '99999', reason: 'typo' })).body).toMatchObject({ status: 400, code: 'unknown_commune' });
    expect((await rebind('bad id!', { communeCode: owner.code, reason: 'x'.repeat(10) })).status).toBe(400);
    expect((await httpCall(base, 'GET', `/v1/dossiers/${id}/commune`, { token: tokens.operator })).body).toMatchObject({
      dossierId: id,
      communeCode: foreign.code,
      boundBy: `commune-${foreign.code}`,
    });

    const reason = 'first reported by the wrong commune system (ticket 4711)';
    const answer = await rebind(id, { communeCode: owner.code, reason });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      dossierId: id,
      communeCode: owner.code,
      previousCommuneCode: foreign.code,
      boundBy: 'sync-operator',
      reason,
      boundAt: expect.any(String),
    });
    const audited = auditRecords().filter((r) => r.type === 'dossier_commune_rebind');
    expect(audited).toEqual([
      expect.objectContaining({
        dossierId: id,
        before: foreign.code,
        after: owner.code,
        clientId: 'sync-operator',
        reason,
        requestId: answer.headers.get('x-request-id'),
      }),
    ]);

    // From now on the dossier is the owner's.
    expect((await put(id, status(foreign.code, { sequence: 2 }), tokens.foreign)).body).toMatchObject({ status: 403, code: 'dossier_commune_mismatch' });
    expect((await put(id, status(owner.code, { status: 4, sequence: 2 }), tokens.owner)).status).toBe(202);
    expect((await httpCall(base, 'GET', `/v1/dossiers/${id}/commune`, { token: tokens.operator })).body).toMatchObject({ communeCode: owner.code, reason });

    // An operator may also bind a dossier before anyone reported it.
    expect((await httpCall(base, 'GET', '/v1/dossiers/H01.14-261206-000999/commune', { token: tokens.operator })).body).toMatchObject({
      status: 404,
      code: 'dossier_not_bound',
    });
    expect((await rebind('H01.14-261206-000999', { communeCode: owner.code, reason: 'reserved for its commune' })).body).toMatchObject({
      previousCommuneCode: null,
    });
    expect((await put('H01.14-261206-000999', status(foreign.code), tokens.foreign)).body).toMatchObject({ code: 'dossier_commune_mismatch' });

    const openapi = await httpCall<{ paths: Record<string, Record<string, unknown>> }>(base, 'GET', '/openapi.json');
    expect(Object.keys(openapi.body.paths['/v1/dossiers/{dossierId}/commune'] ?? {}).sort()).toEqual(['get', 'put']);
  });

  it.each(['2026-W49-1T10:00:00Z', '2026-340T10:00:00Z', '20261206T100000Z'])(
    'refuses the date %s (valid ISO 8601, not RFC 3339) with 400, in receivedAt and dueAt',
    async (date) => {
      const id = `H01.14-261206-9${date.length}`;
      for (const field of ['receivedAt', 'dueAt']) {
        const answer = await put(id, status(owner.code, { [field]: date }), tokens.owner);
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ code: 'validation_failed', invalidParams: [{ name: field, reason: expect.stringContaining('RFC 3339') }] });
      }
      expect(syncLogLines(id)).toEqual([]);
      // Refused at the edge, so not bound either: the dossier's commune can still claim it.
      expect((await httpCall(base, 'GET', `/v1/dossiers/${id}/commune`, { token: tokens.operator })).status).toBe(404);
    },
  );
});
