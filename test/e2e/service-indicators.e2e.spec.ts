/**
 * Service indicators on the embedded profile: the real gateway (file-backed sync log and audit
 * trail, in-process worker) and the simulated registries and portal, driven over real HTTP. A
 * scenario with known counts in Hồ Chí Minh City gives exact indicators and colours, the same
 * after the gateway restarts (restored from its snapshot, then reading on); province and commune
 * tokens read only their own (403 problems, audited), of the indicators and of the relay's sync
 * figures alike; the CSV carries the official names and sums to the JSON; the metrics are per province.
 */
import path from 'node:path';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { vnDay } from '@motlan/service-indicators/vietnam-calendar.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { readAuditRecords } from '../support/audit-trail.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders } from '../support/http.js';
import { simSamples } from '../support/sim-control.js';
import { e2eStack } from '../support/e2e-harness.js';

let sim: RunningRegistrySim;
let base: string;
let dataDir: string;
const tokens: Record<'intake' | 'national' | 'hcm' | 'communeA' | 'reader', string> = { intake: '', national: '', hcm: '', communeA: '', reader: '' };

const directory = VnAdminDirectory.load();
const hcm = directory.province('79')!;
const [communeA, communeB] = directory.communesOf('79');
const hanoiCommune = directory.communesOf('01')[0];
const today = vnDay(Date.now());

/** An RFC 3339 time `offsetMs` from now, written with the Vietnam offset as a commune system would. */
function vnTime(offsetMs: number): string {
  return new Date(Date.now() + offsetMs + 7 * 3_600_000).toISOString().replace('Z', '+07:00');
}
const receivedAt = vnTime(-60_000);
const tomorrow = vnTime(86_400_000);

interface Indicators {
  received: number;
  online: number;
  onlineShare: number | null;
  resultsReturned: number;
  onTime: number;
  onTimeShare: number | null;
  overdueNow: number;
  electronicResults: number;
  electronicResultShare: number | null;
  paidOnline: number;
  onlinePaymentShare: number | null;
  dossiersWithReusedData: number;
  reuseShare: number | null;
  registryReads: number;
  registryReadsPerDossier: number | null;
  statusesDelivered: number;
  oldestPendingSeconds: number | null;
}
interface CommuneRow {
  communeCode: string;
  communeName: string;
  serviceColour: string;
  relayColour: string;
  reasons: string[];
  lastReportAt: string | null;
  indicators: Indicators;
}
interface Report {
  scope: { level: string; provinceCode?: string; communeCode?: string };
  from: string;
  to: string;
  national: { communes: Record<string, number>; indicators: Indicators };
  provinces: Array<{ provinceCode: string; provinceName: string; serviceColour: string; communes: Record<string, number>; indicators: Indicators }>;
  communes: CommuneRow[];
}

const indicators = (query: string, token = tokens.national) => httpCall<Report>(base, 'GET', `/v1/ops/indicators${query}`, { token });

async function putStatus(dossierId: string, fields: Record<string, unknown>): Promise<void> {
  const answer = await httpCall(base, 'PUT', `/v1/dossiers/${dossierId}/status`, {
    token: tokens.intake,
    body: { procedureCode: '1.004222', subjectType: 'citizen', receivedAt, sequence: 1, ...fields },
  });
  if (answer.status !== 202) throw new Error(`status of ${dossierId} not accepted: ${answer.status} ${JSON.stringify(answer.body)}`);
}

const stack = e2eStack({
  dataDirPrefix: 'motlan-indicators-',
  sim: { seed: 3, persons: 2_000 },
  env: ({ dataDir, sim }) => ({
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    MOTLAN_PORTAL_ENDPOINT: sim!.portalEndpoint,
    MOTLAN_PORTAL_INLINE_BACKOFF_MS: '10',
    MOTLAN_LAG_INTERVAL_MS: '200',
  }),
});

/** The gateway again over the same data directory (after gateway.close()). */
async function startGateway(): Promise<void> {
  ({ base } = await stack.restartGateway());
}

/** Commune A's indicators as the scenario makes them (statusesDelivered and registryReads once delivered and audited). */
const EXPECTED_A: Indicators = {
  received: 6,
  online: 4,
  onlineShare: 0.6667,
  resultsReturned: 3,
  onTime: 2,
  onTimeShare: 0.6667,
  overdueNow: 1,
  electronicResults: 2,
  electronicResultShare: 0.6667,
  paidOnline: 3,
  onlinePaymentShare: 0.5,
  dossiersWithReusedData: 2,
  reuseShare: 0.3333,
  registryReads: 3,
  registryReadsPerDossier: 0.5,
  statusesDelivered: 9,
  oldestPendingSeconds: null,
};

async function communeRows(): Promise<Map<string, CommuneRow>> {
  const { status, body } = await indicators('?province=79');
  if (status !== 200) throw new Error(`indicators answered ${status}`);
  return new Map(body.communes.map((c) => [c.communeCode, c]));
}

/**
 * Waits until commune A shows what the scenario sent, and commune B at least its first status
 * delivered (deliveries and the audit trail are read asynchronously, B's outcome maybe after A's;
 * a later test sends B another).
 */
async function settledA(): Promise<CommuneRow> {
  return eventually(
    'commune A to show every status delivered and every registry read, commune B its first status delivered',
    async () => {
      const rows = await communeRows();
      const a = rows.get(communeA.code);
      const bDelivered = (rows.get(communeB.code)?.indicators.statusesDelivered ?? 0) >= 1;
      return a && bDelivered && a.indicators.statusesDelivered === 9 && a.indicators.registryReads === 3 ? a : undefined;
    },
    30_000,
  );
}

beforeAll(async () => {
  ({ sim, dataDir, base } = stack);
  tokens.intake = await stack.token({ sub: 'one-stop-national', scope: 'dossiers:write' });
  tokens.national = await stack.token({ sub: 'monitor-national', scope: 'ops:read' });
  tokens.hcm = await stack.token({ sub: 'monitor-79', scope: 'ops:read', province: '79' });
  tokens.communeA = await stack.token({ sub: `monitor-${communeA.code}`, scope: 'ops:read', commune: communeA.code });
  tokens.reader = await stack.token({ sub: `commune-${communeA.code}`, scope: 'population:read', commune: communeA.code });

  // Commune A: 6 dossiers, 4 online (3 paid online), 2 with reused data; 3 results (2 electronic
  // on time, 1 on paper after its due time); 1 open past its due time; 3 registry reads.
  const A = communeA.code;
  await putStatus('HCM-A-1', { communeCode: A, status: 2, channel: 'online', feesPaidOnline: true, reusedComponents: ['TK01'], dueAt: tomorrow });
  await putStatus('HCM-A-2', { communeCode: A, status: 2, channel: 'online', feesPaidOnline: true, reusedComponents: ['TK01', 'CCCD'], dueAt: tomorrow });
  await putStatus('HCM-A-3', { communeCode: A, status: 2, channel: 'online', feesPaidOnline: true, dueAt: receivedAt });
  await putStatus('HCM-A-4', { communeCode: A, status: 2, channel: 'online', feesPaidOnline: false, dueAt: receivedAt });
  await putStatus('HCM-A-5', { communeCode: A, status: 2, channel: 'counter' });
  await putStatus('HCM-A-6', { communeCode: A, status: 2, channel: 'counter', dueAt: tomorrow });
  for (const [id, form] of [
    ['HCM-A-1', 'electronic'],
    ['HCM-A-2', 'electronic'],
    ['HCM-A-3', 'paper'],
  ]) {
    await putStatus(id, { communeCode: A, status: 10, sequence: 2, resultForm: form, dueAt: id === 'HCM-A-3' ? receivedAt : tomorrow });
  }
  // Commune B: one dossier at the counter (too few to judge a share: GREEN).
  await putStatus('HCM-B-1', { communeCode: communeB.code, status: 2, channel: 'counter' });
  for (const id of await simSamples(sim.controlUrl, 'population', 'person', 3)) {
    const read = await httpCall(base, 'GET', `/v1/registries/population/person/${id}`, { token: tokens.reader, headers: officerHeaders() });
    if (read.status !== 200) throw new Error(`lookup answered ${read.status}: ${JSON.stringify(read.body)}`);
  }
}, 120_000);

describe('GET /v1/ops/indicators', () => {
  it('gives the exact indicators and colours of a known scenario per commune and province', async () => {
    const a = await settledA();
    expect(a.indicators).toEqual(EXPECTED_A);
    expect(a).toMatchObject({ communeName: communeA.name, serviceColour: 'YELLOW', relayColour: 'GREEN' });
    expect(a.reasons).toEqual(['online share 66.7 % (below 80.0 %)', '1 dossiers overdue now']);
    const { body } = await indicators('?province=79');
    expect(body.scope).toEqual({ level: 'province', provinceCode: '79' });
    expect({ from: body.from, to: body.to }).toEqual({ from: expect.any(String), to: today });
    const b = body.communes.find((c) => c.communeCode === communeB.code)!;
    expect(b).toMatchObject({ serviceColour: 'GREEN', indicators: { received: 1, online: 0, onlineShare: 0, statusesDelivered: 1 } });
    // Every other commune of the province never reported: SILENT, and listed first.
    const others = body.communes.filter((c) => c.communeCode !== communeA.code && c.communeCode !== communeB.code);
    expect(others.length).toBe(directory.communesOf('79').length - 2);
    expect(others.every((c) => c.serviceColour === 'SILENT' && c.lastReportAt === null)).toBe(true);
    expect(body.communes.slice(0, others.length).every((c) => c.serviceColour === 'SILENT')).toBe(true);
    expect(body.provinces).toHaveLength(1);
    expect(body.provinces[0]).toMatchObject({
      provinceCode: '79',
      provinceName: hcm.name,
      serviceColour: 'SILENT',
      communes: { total: directory.communesOf('79').length, GREEN: 1, YELLOW: 1, RED: 0, SILENT: others.length },
      indicators: { received: 7, online: 4, resultsReturned: 3, overdueNow: 1, registryReads: 3, statusesDelivered: 10 },
    });

    const national = await indicators('');
    expect(national.status).toBe(200);
    expect(national.body.scope).toEqual({ level: 'national' });
    expect(national.body.provinces).toHaveLength(34);
    expect(national.body.communes).toEqual([]);
    expect(national.body.national.indicators).toMatchObject({ received: 7, statusesDelivered: 10 });
    expect(national.body.national.communes.total).toBe(directory.communes().length);
  });

  it('keeps the same figures across a restart, restored from its snapshot, and reads on from there', async () => {
    await settledA();
    await stack.closeGateway();
    await startGateway();
    const restored = await eventually('the restarted gateway to show the scenario again', async () => {
      const a = (await communeRows()).get(communeA.code);
      return a && a.indicators.received > 0 ? a : undefined;
    });
    // Not counted twice, not lost: the snapshot covered what was read, the readers went on from its offsets.
    expect(restored.indicators).toEqual(EXPECTED_A);
    await putStatus('HCM-B-2', { communeCode: communeB.code, status: 2, channel: 'online' });
    const b = await eventually('the new status to be counted', async () => {
      const row = (await communeRows()).get(communeB.code);
      return row && row.indicators.received === 2 ? row : undefined;
    });
    expect(b.indicators).toMatchObject({ received: 2, online: 1, onlineShare: 0.5 });
    expect((await communeRows()).get(communeA.code)!.indicators).toEqual(EXPECTED_A);
  });

  it('lets a province token read its province only, and a commune token its commune only (403 problems, audited)', async () => {
    const own = await indicators('', tokens.hcm);
    expect(own.status).toBe(200);
    expect(own.body.scope).toEqual({ level: 'province', provinceCode: '79' });
    expect(own.body.provinces.map((p) => p.provinceCode)).toEqual(['79']);
    expect((await indicators(`?commune=${communeB.code}`, tokens.hcm)).body.scope).toEqual({
      level: 'commune',
      provinceCode: '79',
      communeCode: communeB.code,
    });
    for (const query of ['?province=01', `?commune=${hanoiCommune.code}`]) {
      const refused = await indicators(query, tokens.hcm);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 403, code: 'scope_province_mismatch', detail: expect.any(String) });
    }

    const commune = await indicators('', tokens.communeA);
    expect(commune.status).toBe(200);
    expect(commune.body.scope).toEqual({ level: 'commune', provinceCode: '79', communeCode: communeA.code });
    expect(commune.body.communes.map((c) => c.communeCode)).toEqual([communeA.code]);
    // The province row and the totals hold what the token may see, nothing of the other communes.
    expect(commune.body.provinces[0].indicators.received).toBe(6);
    expect(commune.body.national.communes.total).toBe(1);
    expect((await indicators(`?commune=${communeB.code}`, tokens.communeA)).body).toMatchObject({ status: 403, code: 'scope_commune_mismatch' });
    expect((await indicators('?province=01', tokens.communeA)).body).toMatchObject({ status: 403, code: 'scope_province_mismatch' });
    expect((await indicators('', tokens.intake)).body).toMatchObject({ status: 403, code: 'missing_scope' });

    const audited = await eventually('the refusals in the audit trail', async () => {
      const refusals = readAuditRecords(path.join(dataDir, 'audit')).filter(
        (r) => r.type === 'refusal' && r.route === '/v1/ops/indicators' && String(r.code).startsWith('scope_'),
      );
      return refusals.length >= 4 ? refusals : undefined;
    });
    expect(audited).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ clientId: 'monitor-79', code: 'scope_province_mismatch', status: 403 }),
        expect.objectContaining({ clientId: `monitor-${communeA.code}`, code: 'scope_commune_mismatch', status: 403 }),
      ]),
    );
  });

  it("scopes the relay's sync figures the same way: own province 200, another 403 (audited), the lag national only", async () => {
    interface SyncProvince {
      code: string;
      name: string;
      communes: number;
      received: number;
      delivered: number;
    }
    interface SyncProvinces {
      scope: Report['scope'];
      totals: { provinces: number; communes: Record<string, number> };
      provinces: SyncProvince[];
    }
    interface SyncCommunes {
      scope: Report['scope'];
      province: { code: string; name: string };
      communes: Array<{ code: string; received: number }>;
    }
    const sync = <T>(route: string, token: string, method: 'GET' | 'POST' = 'GET') => httpCall<T>(base, method, `/v1/ops/sync/${route}`, { token });
    const colourTotal = (answer: SyncProvinces) => Object.values(answer.totals.communes).reduce((sum, n) => sum + n, 0);
    // Every status delivered: the relay's figures hold still between the reads compared below.
    await settledA();
    await eventually('every status of province 79 delivered in the relay figures', async () => {
      const row = (await sync<SyncProvinces>('provinces?province=79', tokens.national)).body.provinces[0];
      return row.received >= 10 && row.delivered === row.received ? true : undefined;
    });

    // National: every province, any province's communes, the lag.
    const national = await sync<SyncProvinces>('provinces', tokens.national);
    expect(national.status).toBe(200);
    expect(national.body.scope).toEqual({ level: 'national' });
    expect(national.body.provinces).toHaveLength(34);
    expect(colourTotal(national.body)).toBe(directory.communes().length);
    const hcmRow = national.body.provinces.find((p) => p.code === '79')!;
    // Statuses, not dossiers: commune A's 9 and commune B's.
    expect(hcmRow.received).toBeGreaterThanOrEqual(10);
    expect((await sync<SyncCommunes>('communes?province=01', tokens.national)).status).toBe(200);
    expect((await sync<SyncProvinces>('provinces?province=01', tokens.national)).body.provinces.map((p) => p.code)).toEqual(['01']);
    expect((await sync('lag', tokens.national)).status).toBe(200);

    // Province 79: its own province only, the same row the national token sees.
    const own = await sync<SyncProvinces>('provinces', tokens.hcm);
    expect(own.status).toBe(200);
    expect(own.body.scope).toEqual({ level: 'province', provinceCode: '79' });
    expect(own.body.provinces).toEqual([hcmRow]);
    expect(own.body.totals.provinces).toBe(1);
    expect(colourTotal(own.body)).toBe(directory.communesOf('79').length);
    expect((await sync<SyncProvinces>('provinces?province=79', tokens.hcm)).body.provinces).toEqual([hcmRow]);
    const ownCommunes = await sync<SyncCommunes>('communes?province=79', tokens.hcm);
    expect(ownCommunes.status).toBe(200);
    expect(ownCommunes.body.scope).toEqual({ level: 'province', provinceCode: '79' });
    expect(ownCommunes.body.communes.map((c) => c.code)).toEqual(directory.communesOf('79').map((c) => c.code));
    expect(ownCommunes.body.communes.reduce((sum, c) => sum + c.received, 0)).toBe(hcmRow.received);
    for (const route of ['communes?province=01', 'provinces?province=01', 'communes?province=99', 'lag']) {
      const refused = await sync(route, tokens.hcm);
      expect([route, refused.status, refused.headers.get('content-type')]).toEqual([route, 403, expect.stringMatching(/^application\/problem\+json/)]);
      expect([route, refused.body]).toEqual([route, expect.objectContaining({ status: 403, code: 'scope_province_mismatch', detail: expect.any(String) })]);
    }
    const operator79 = await stack.token({ sub: 'operator-79', scope: 'ops:write', province: '79' });
    for (const route of ['/v1/ops/sync/dead-letters/replay', '/v1/ops/registry-events/dead-letters/replay']) {
      const refused = await httpCall(base, 'POST', route, { token: operator79 });
      expect([route, refused.status, refused.body]).toEqual([route, 403, expect.objectContaining({ code: 'scope_province_mismatch' })]);
    }

    // Commune A: its commune alone, in its province's row and in the commune list.
    const commune = await sync<SyncProvinces>('provinces', tokens.communeA);
    expect(commune.body.scope).toEqual({ level: 'commune', provinceCode: '79', communeCode: communeA.code });
    expect(commune.body.provinces).toEqual([expect.objectContaining({ code: '79', communes: 1, received: 9, delivered: 9 })]);
    expect((await sync<SyncCommunes>('communes?province=79', tokens.communeA)).body.communes.map((c) => c.code)).toEqual([communeA.code]);
    expect((await sync('communes?province=01', tokens.communeA)).body).toMatchObject({ status: 403, code: 'scope_province_mismatch' });
    expect((await sync('lag', tokens.communeA)).body).toMatchObject({ status: 403, code: 'scope_commune_mismatch' });

    const audited = await eventually('the sync refusals in the audit trail', async () => {
      const refusals = readAuditRecords(path.join(dataDir, 'audit')).filter(
        (r) => r.type === 'refusal' && String(r.route).startsWith('/v1/ops/') && r.route !== '/v1/ops/indicators' && String(r.code).startsWith('scope_'),
      );
      return refusals.length >= 8 ? refusals : undefined;
    });
    expect(audited).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ clientId: 'monitor-79', route: '/v1/ops/sync/communes', code: 'scope_province_mismatch', status: 403 }),
        expect.objectContaining({ clientId: 'monitor-79', route: '/v1/ops/sync/provinces', code: 'scope_province_mismatch', status: 403 }),
        expect.objectContaining({ clientId: 'monitor-79', route: '/v1/ops/sync/lag', code: 'scope_province_mismatch', status: 403 }),
        expect.objectContaining({ clientId: 'operator-79', route: '/v1/ops/sync/dead-letters/replay', code: 'scope_province_mismatch', status: 403 }),
        expect.objectContaining({ clientId: `monitor-${communeA.code}`, route: '/v1/ops/sync/lag', code: 'scope_commune_mismatch', status: 403 }),
      ]),
    );
  });

  it('exports CSV with the official Vietnamese names that sums to the JSON', async () => {
    const json = (await indicators('?province=79')).body;
    const requests: Array<{ query: string; headers: Record<string, string> }> = [
      { query: '?province=79&format=csv', headers: {} },
      { query: '?province=79', headers: { accept: 'text/csv' } },
    ];
    for (const request of requests) {
      const response = await fetch(`${base}/v1/ops/indicators${request.query}`, {
        headers: { authorization: `Bearer ${tokens.national}`, ...request.headers },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const [header, ...lines] = new TextDecoder().decode(bytes.slice(3)).trimEnd().split('\r\n');
      const columns = header.split(',');
      expect(columns.slice(0, 8)).toEqual(['level', 'provinceCode', 'provinceName', 'communeCode', 'communeName', 'period', 'serviceColour', 'received']);
      const rows = lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i], value])));
      expect(rows).toHaveLength(directory.communesOf('79').length);
      expect(rows.find((r) => r.communeCode === communeA.code)).toMatchObject({ provinceName: hcm.name, communeName: communeA.name, period: 'total' });
      expect(hcm.name).toBe('Thành phố Hồ Chí Minh');
      for (const field of [
        'received',
        'online',
        'resultsReturned',
        'onTime',
        'electronicResults',
        'paidOnline',
        'registryReads',
        'statusesDelivered',
        'overdueNow',
      ] as const) {
        expect(rows.reduce((sum, r) => sum + Number(r[field]), 0)).toBe(json.provinces[0].indicators[field]);
      }
    }
    const national = await fetch(`${base}/v1/ops/indicators?format=csv&granularity=week`, { headers: { authorization: `Bearer ${tokens.national}` } });
    const text = await national.text();
    expect(text).toContain(',Thành phố Hà Nội,');
    // One row per province and week (a 28-day window spans 4 or 5 weeks).
    const rows = text.trimEnd().split('\r\n').length - 1;
    expect([34 * 4, 34 * 5]).toContain(rows);
  });

  it('refuses a window that is not one', async () => {
    for (const query of [
      '?from=2026-02-30',
      '?from=2026-12-06&to=2026-12-01',
      '?granularity=year',
      '?format=xml',
      '?province=7',
      '?from=2020-01-01&to=2026-12-01',
    ]) {
      const answer = await indicators(query);
      expect([query, answer.status, answer.body]).toEqual([query, 400, expect.objectContaining({ code: 'validation_failed' })]);
    }
    expect((await indicators('?province=99')).body).toMatchObject({ status: 404, code: 'unknown_province' });
  });

  it('exports Prometheus figures per province, never per commune', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const silent = text.split('\n').find((l) => l.startsWith('motlan_service_communes{province="79",colour="SILENT"}'));
    expect(silent).toBe(`motlan_service_communes{province="79",colour="SILENT"} ${directory.communesOf('79').length - 2}`);
    // 5 of the province's 8 dossiers online (the restart test added one).
    expect(text).toMatch(/^motlan_service_online_share\{province="79"\} 0\.625$/m);
    expect(text.split('\n').filter((l) => l.startsWith('motlan_service_communes{')).length).toBe(34 * 4);
    expect(text).not.toMatch(/motlan_service_[a-z_]+\{[^}]*commune=/);
  });
});
