/**
 * Dossier status to the national portal on the embedded profile: the real gateway (file-backed
 * sync log, in-process worker) and the simulated portal over real gRPC, driven over real HTTP.
 * Edge validation, delivery in order with idempotency, repeated sequence numbers, dead letters
 * and their replay, and the per-commune figures of the ops API.
 */
import path from 'node:path';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { runMotlanCli } from '../../apps/gateway/src/cli/motlan-command.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall } from '../support/http.js';
import { e2eStack } from '../support/e2e-harness.js';

let sim: RunningRegistrySim;
let base: string;
let communeToken: string;
let nationalToken: string;
let opsToken: string;

const directory = VnAdminDirectory.load();
const [communeA, communeB] = directory.communesOf('01');
const communeOther = directory.communesOf('79')[0];

function status(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    procedureCode: '1.004222',
    communeCode: communeA.code,
    status: 2,
    subjectType: 'citizen',
    receivedAt: '2026-11-23T09:15:00+07:00',
    sequence: 1,
    ...overrides,
  };
}

const put = (dossierId: string, body: unknown, token = nationalToken) => httpCall(base, 'PUT', `/v1/dossiers/${dossierId}/status`, { token, body });
const ops = <T = Record<string, unknown>>(p: string) => httpCall<T>(base, 'GET', p, { token: opsToken });

interface CommuneRow {
  code: string;
  status: string;
  received: number;
  delivered: number;
  pending: number;
  failed: number;
}
async function communeRow(provinceCode: string, code: string): Promise<CommuneRow> {
  const { body } = await ops<{ communes: CommuneRow[] }>(`/v1/ops/sync/communes?province=${provinceCode}`);
  return body.communes.find((c) => c.code === code)!;
}

const stack = e2eStack({
  dataDirPrefix: 'motlan-dossiers-',
  sim: { seed: 2, persons: 2_000 },
  env: ({ dataDir, sim }) => ({
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    MOTLAN_PORTAL_ENDPOINT: sim!.portalEndpoint,
    MOTLAN_PORTAL_INLINE_BACKOFF_MS: '10',
    MOTLAN_PORTAL_RETRY_BACKOFF_MS: '50',
    MOTLAN_LAG_INTERVAL_MS: '200',
  }),
});

beforeAll(async () => {
  ({ sim, base } = stack);
  communeToken = await stack.token({ sub: `commune-${communeA.code}`, scope: 'dossiers:write', commune: communeA.code });
  nationalToken = await stack.token({ sub: 'one-stop-national', scope: 'dossiers:write' });
  opsToken = await stack.token({ sub: 'ops', scope: 'ops:read ops:write' });
});

describe('PUT /v1/dossiers/{id}/status', () => {
  it('refuses bad input with 400 naming each field, and never queues it', async () => {
    const bad = await put('H01-X-1', status({ status: 11, communeCode: '1234', receivedAt: '2026-11-23 09:15', sequence: 0, subjectType: 'alien', extra: 1 }));
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const names = (bad.body.invalidParams as { name: string }[]).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['status', 'communeCode', 'receivedAt', 'sequence', 'subjectType', 'extra']));
    expect((await put('H01-X-1', status({ receivedAt: '2026-11-23T09:15:00' }))).body.invalidParams).toEqual([
      { name: 'receivedAt', reason: expect.stringContaining('offset') },
    ]);
    expect((await put('H01-X-1', status({ communeCode: '99999' }))).body).toMatchObject({ status: 400, code: 'unknown_commune' });
    expect((await put('bad id!', status())).status).toBe(400);
    expect((await put('H01-X-1', status({ dueAt: '2026-11-01T00:00:00+07:00' }))).body.invalidParams).toEqual([{ name: 'dueAt', reason: expect.any(String) }]);
    expect((await put('H01-X-1', status(), opsToken)).body).toMatchObject({ status: 403, code: 'missing_scope', requiredScope: 'dossiers:write' });
    expect((await put('H01-X-1', status({ communeCode: communeB.code }), communeToken)).body).toMatchObject({ status: 403, code: 'commune_mismatch' });
    expect((await httpCall(base, 'PUT', '/v1/dossiers/H01-X-1/status', { token: nationalToken, headers: { 'content-type': 'application/json' } })).status).toBe(
      400,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sim.portal.statusesOf('H01-X-1')).toEqual([]);
  });

  it('answers 202 once queued and delivers each status once, in order, with portal dates in Asia/Ho_Chi_Minh', async () => {
    const id = 'H01.01-261123-000001';
    const steps = [2, 4, 9, 10];
    for (const [i, code] of steps.entries()) {
      const body = status({
        status: code,
        sequence: i + 1,
        dueAt: '2026-11-30T17:00:00+07:00',
        ...(code === 10
          ? { resultDocuments: [{ code: 'KQ01', name: 'Giấy xác nhận thông tin về cư trú', url: 'https://dichvucong.gov.vn/ket-qua/KQ01' }] }
          : {}),
      });
      const answer = await put(id, body, communeToken);
      expect(answer.status).toBe(202);
      expect(answer.body).toMatchObject({ dossierId: id, sequence: i + 1, queuedAt: expect.any(String) });
    }
    const delivered = await eventually('four statuses at the portal', async () => {
      const statuses = sim.portal.statusesOf(id);
      return statuses.length === 4 ? statuses : undefined;
    });
    expect(delivered.map((s) => [s.sequence, s.status])).toEqual(
      [
        [1, 2],
        [2, 4],
        [3, 9],
        [4, 10],
      ].map(([seq, st]) => [seq, st]),
    );
    expect(delivered[0]).toMatchObject({
      communeCode: communeA.code,
      provinceCode: '01',
      receivedAt: '20261123091500',
      dueAt: '20261130170000',
      procedureCode: '1.004222',
    });
    expect(delivered[3].resultDocuments).toEqual([{ code: 'KQ01', name: 'Giấy xác nhận thông tin về cư trú', url: 'https://dichvucong.gov.vn/ket-qua/KQ01' }]);

    // A repeated sequence number is accepted and changes nothing at the portal.
    const before = sim.portal.stats();
    expect((await put(id, status({ status: 9, sequence: 3 }), communeToken)).status).toBe(202);
    await eventually('the repeat to be answered duplicate', async () => (sim.portal.stats().duplicates > before.duplicates ? true : undefined));
    expect(sim.portal.stats().accepted).toBe(before.accepted);
    expect(sim.portal.statusesOf(id)).toHaveLength(4);

    const row = await eventually('figures for the commune', async () => {
      const r = await communeRow('01', communeA.code);
      return r.delivered === 4 ? r : undefined;
    });
    expect(row).toMatchObject({ status: 'GREEN', received: 4, delivered: 4, pending: 0, failed: 0 });
  });

  it('dead-letters what the portal refuses while later statuses keep flowing, and delivers it once replayed', async () => {
    const poison = 'H79-POISON-1';
    const healthy = ['H79-OK-1', 'H79-OK-2', 'H79-OK-3'];
    sim.portal.reject({ dossierIds: [poison] });
    try {
      expect((await put(poison, status({ communeCode: communeOther.code }))).status).toBe(202);
      for (const id of healthy) expect((await put(id, status({ communeCode: communeOther.code }))).status).toBe(202);
      await eventually('the healthy statuses', async () => (healthy.every((id) => sim.portal.statusesOf(id).length === 1) ? true : undefined));
      const row = await eventually('the failure in the figures', async () => {
        const r = await communeRow('79', communeOther.code);
        return r.failed === 1 && r.delivered === 3 ? r : undefined;
      });
      expect(row).toMatchObject({ received: 4, pending: 0, status: 'RED' });
      expect(sim.portal.statusesOf(poison)).toEqual([]);
    } finally {
      sim.portal.clearRejections();
    }
    const out: string[] = [];
    const err: string[] = [];
    const code = await runMotlanCli(
      ['sync', 'replay-dead-letters'],
      { MOTLAN_URL: base, MOTLAN_TOKEN: opsToken },
      { write: (t) => out.push(t) },
      { write: (t) => err.push(t) },
    );
    expect({ code, out: out.join(''), err: err.join('') }).toEqual({ code: 0, out: 'replayed 1 dead-lettered status\n', err: '' });
    await eventually('the replayed status at the portal', async () => (sim.portal.statusesOf(poison).length === 1 ? true : undefined));
    const row = await eventually('the figures after the replay', async () => {
      const r = await communeRow('79', communeOther.code);
      return r.failed === 0 && r.delivered === 4 ? r : undefined;
    });
    expect(row.status).toBe('GREEN');
    // A second replay finds nothing new.
    expect((await httpCall(base, 'POST', '/v1/ops/sync/dead-letters/replay', { token: opsToken })).body).toEqual({ replayed: 0 });
  });

  it('shows the lag of the sync groups and the provinces with their colours', async () => {
    const lag = await eventually('the portal sync group in the lag view', async () => {
      const { body } = await ops<{ groups: { group: string; status: string; totalLag: number; partitions: unknown[]; history: unknown[] }[] }>(
        '/v1/ops/sync/lag',
      );
      const group = body.groups.find((g) => g.group === 'motlan-portal-sync');
      return group && group.partitions.length > 0 && group.totalLag === 0 ? group : undefined;
    });
    expect(lag).toMatchObject({ status: 'OK', totalLag: 0 });
    const { body } = await ops<{
      totals: { provinces: number; communes: Record<string, number> };
      provinces: { code: string; name: string; communes: number; green: number; received: number }[];
    }>('/v1/ops/sync/provinces');
    expect(body.totals.provinces).toBe(34);
    expect(body.totals.communes.GREEN + body.totals.communes.YELLOW + body.totals.communes.RED).toBe(3321);
    const hanoi = body.provinces.find((p) => p.code === '01')!;
    expect(hanoi).toMatchObject({ name: 'Thành phố Hà Nội', received: 4 });
    expect((await ops('/v1/ops/sync/communes?province=99')).status).toBe(404);
    expect((await ops('/v1/ops/sync/communes')).status).toBe(400);
    expect((await httpCall(base, 'GET', '/v1/ops/sync/lag', { token: nationalToken })).status).toBe(403);
  });
});
