/**
 * Data-quality figures on the embedded profile: the real gateway (file audit trail and change-event
 * log, in-process worker) and the simulated registries, over real HTTP. A scenario with known
 * counts — plain reads, a value failing its format, a field asked for that the record lacks, a
 * prefill with a conflict, an accepted correction, a STALE answer, change events — gives exact
 * figures per registry and province; a province token reads only its province; the gauges carry
 * the same counts with registry and province labels only.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { ChangeEventPublisher } from '@motlan/events/change-event-publisher.service.js';
import { embeddedChangeEventLog } from '@motlan/events/embedded-change-event-log.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { loadGatewayConfig, type GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { embeddedDataQualitySnapshotFile } from '../../apps/gateway/src/data-quality/data-quality.module.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { ChangeEventRelay } from '../../apps/registry-sim/src/events/change-event-relay.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { readAuditRecords } from '../support/audit-trail.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders } from '../support/http.js';
import { simControl, simSamples } from '../support/sim-control.js';

interface Figures {
  reads: number;
  conflicts: number;
  conflictsPer1000Reads: number | null;
  correctionsAccepted: number;
  correctionsAcceptedPer1000Reads: number | null;
  readsWithMissingFields: number;
  missingFieldsShare: number | null;
  readsWithMalformedValues: number;
  malformedValuesShare: number | null;
  staleAnswers: number;
  staleShare: number | null;
}
type RegistryRow = Figures & { registry: string; changeEvents: number; changeEventDelayAvgSeconds: number | null; changeEventDelayMaxSeconds: number | null };
interface Report {
  scope: { level: string; provinceCode?: string };
  totals: Figures;
  registries: RegistryRow[];
  provinces: Array<Figures & { provinceCode: string; provinceName: string | null }>;
  viewAsOf: string | null;
}

let dataDir: string;
let sim: RunningRegistrySim;
let relay: ChangeEventRelay;
let app: NestFastifyApplication;
let base: string;
let config: GatewayConfig;
let plainRead: string;
const tokens = { hcmReader: '', hanoiClerk: '', national: '', hcmMonitor: '', operator: '' };
const directory = VnAdminDirectory.load();
const hcmCommune = directory.communesOf('79')[0];
const hanoiCommune = directory.communesOf('01')[0];

const report = (query = '', token = tokens.national) => httpCall<Report>(base, 'GET', `/v1/ops/data-quality${query}`, { token });
const read = async (token: string, url: string) => {
  const answer = await httpCall<{ meta: { cache: string } }>(base, 'GET', url, { token, headers: officerHeaders() });
  if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer;
};

/** What the prefill found, from its own answer: conflicts per registry (one per conflict and registry record). */
let prefillConflictsPerRegistry: Map<string, number>;
let prefillConflicts: number;

async function startGateway(): Promise<void> {
  ({ app } = await createGatewayApp(config, pino({ level: process.env.E2E_LOG ?? 'silent' })));
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-data-quality-'));
  sim = await startRegistrySim({ seed: 23, persons: 20_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  relay = new ChangeEventRelay(sim.registries, new ChangeEventPublisher({ log: embeddedChangeEventLog(dataDir), ownsLog: true }), pino({ level: 'silent' }));
  const issuer = new DevTokenIssuer({ dataDir });
  await issuer.ensureKeys();
  tokens.hcmReader = await issuer.issue({ sub: `commune-${hcmCommune.code}`, commune: hcmCommune.code, scope: 'population:read' });
  tokens.hanoiClerk = await issuer.issue({
    sub: `commune-${hanoiCommune.code}`,
    commune: hanoiCommune.code,
    scope: 'population:read civil-status:read residence:read land:read corrections:write',
  });
  tokens.national = await issuer.issue({ sub: 'monitor-national', scope: 'ops:read' });
  tokens.hcmMonitor = await issuer.issue({ sub: 'monitor-79', scope: 'ops:read', province: '79' });
  tokens.operator = await issuer.issue({ sub: 'residence-operator', scope: 'corrections:review:residence' });
  config = loadGatewayConfig({
    MOTLAN_DATA_DIR: dataDir,
    PORT: '0',
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([r, e]) => `${r}=${e}`)
      .join(','),
    // Records pass their max age after 1 s: one can then be served STALE while its registry is down.
    MOTLAN_CACHE_MAX_AGE_CAP_SECONDS: '1',
    MOTLAN_ADAPTER_RETRY_BACKOFF_MS: '5',
  });
  await startGateway();

  // Hồ Chí Minh City commune: 6 population reads — 2 plain, 1 with a malformed date of birth,
  // 1 asking by name for a field the record lacks, 1 read fresh and read again STALE.
  const [plainA, plainB, malformed, lacking, stale] = await simSamples(sim.controlUrl, 'population', 'person', 5, '&province=79');
  plainRead = plainA;
  sim.registries.applyFields('population', 'person', malformed, { dateOfBirth: '31/02/1990' });
  sim.registries.applyFields('population', 'person', lacking, { sex: null });
  await read(tokens.hcmReader, `/v1/registries/population/person/${plainA}`);
  await read(tokens.hcmReader, `/v1/registries/population/person/${plainB}`);
  await read(tokens.hcmReader, `/v1/registries/population/person/${malformed}`);
  await read(tokens.hcmReader, `/v1/registries/population/person/${lacking}?fields=fullName,sex`);
  expect((await read(tokens.hcmReader, `/v1/registries/population/person/${stale}`)).body.meta.cache).toBe('MISS');
  // Past the (capped) max age, with the registry down: the cached record is served STALE.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await simControl(sim.controlUrl, 'PUT', '/sim/registries/population/faults', { down: true });
  try {
    expect((await read(tokens.hcmReader, `/v1/registries/population/person/${stale}`)).body.meta.cache).toBe('STALE');
  } finally {
    await simControl(sim.controlUrl, 'DELETE', '/sim/registries/population/faults');
  }

  // Hà Nội commune: a prefill where population and residence disagree on the household head's name.
  const [applicant] = await simSamples(sim.controlUrl, 'population', 'person', 1, '&province=01');
  const household = sim.registries.lookup('residence', { dataset: 'household', subjectId: applicant, fields: ['head'] }).record as {
    head: { personId: string };
  };
  sim.registries.applyFields('population', 'person', household.head.personId, { fullName: 'Tên Khác Hẳn' });
  const prefill = await httpCall<{ conflicts: Array<{ sources: Array<{ registry: string; dataset: string; recordSubjectId: string }> }> }>(
    base,
    'POST',
    '/v1/prefill',
    { token: tokens.hanoiClerk, headers: { 'x-officer-id': 'officer-dq-1' }, body: { procedureCode: '1.004222', subjects: { applicant } } },
  );
  expect(prefill.status).toBe(200);
  prefillConflicts = prefill.body.conflicts.length;
  expect(prefillConflicts).toBeGreaterThanOrEqual(1);
  prefillConflictsPerRegistry = new Map();
  for (const conflict of prefill.body.conflicts) {
    for (const record of new Set(conflict.sources.map((s) => `${s.registry}/${s.dataset}/${s.recordSubjectId}`))) {
      const registry = record.split('/')[0];
      prefillConflictsPerRegistry.set(registry, (prefillConflictsPerRegistry.get(registry) ?? 0) + 1);
    }
  }

  // …and a correction of a household the residence registry's operators accept.
  const filed = await httpCall<{ id: string }>(base, 'POST', '/v1/corrections', {
    token: tokens.hanoiClerk,
    body: {
      registry: 'residence',
      dataset: 'household',
      subjectId: applicant,
      field: 'permanentAddress',
      valueSeen: { line: 'Số 1' },
      valueProposed: { line: 'Số 10' },
      evidenceRef: 'HS-DQ-2026-000001',
      officerId: 'officer-dq-1',
      purpose: '1.004222',
    },
  });
  expect(filed.status).toBe(201);
  const accepted = await httpCall(base, 'POST', `/v1/corrections/${filed.body.id}/decision`, { token: tokens.operator, body: { state: 'accepted' } });
  expect(accepted.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await relay?.close();
  await sim?.stop();
});

/** The report once the scenario's last facts (the correction, the change events, the STALE answer) are counted: the projection reads them asynchronously. */
async function settled(): Promise<Report> {
  return eventually(
    'every read, the correction and the 3 change events to be counted',
    async () => {
      const { status, body } = await report();
      if (status !== 200) return undefined;
      const population = body.registries.find((r) => r.registry === 'population');
      const residence = body.registries.find((r) => r.registry === 'residence');
      return population && population.changeEvents === 3 && residence && residence.correctionsAccepted === 1 && population.staleAnswers === 1
        ? body
        : undefined;
    },
    30_000,
  );
}

describe('GET /v1/ops/data-quality', () => {
  it('gives the exact figures of a known scenario per registry and province', async () => {
    const body = await settled();
    expect(body.scope).toEqual({ level: 'national' });
    const hcm = body.provinces.find((p) => p.provinceCode === '79')!;
    // 6 reads, 1 malformed, 1 lacking a field asked for, 1 STALE; no conflict, no correction.
    expect(hcm).toEqual({
      provinceCode: '79',
      provinceName: directory.province('79')!.name,
      reads: 6,
      conflicts: 0,
      conflictsPer1000Reads: 0,
      correctionsAccepted: 0,
      correctionsAcceptedPer1000Reads: 0,
      readsWithMissingFields: 1,
      missingFieldsShare: 0.1667,
      readsWithMalformedValues: 1,
      malformedValuesShare: 0.1667,
      staleAnswers: 1,
      staleShare: 0.1667,
    });
    const hanoi = body.provinces.find((p) => p.provinceCode === '01')!;
    expect(hanoi.conflicts).toBe([...prefillConflictsPerRegistry.values()].reduce((a, b) => a + b, 0));
    // The correction's acceptance is decided by the registry's operator (no commune) but counts for the
    // commune that filed it.
    expect(body.provinces.find((p) => p.provinceCode === 'unknown')?.correctionsAccepted ?? 0).toBe(0);
    expect(hanoi).toMatchObject({ staleAnswers: 0, readsWithMalformedValues: 0, correctionsAccepted: 1 });
    expect(hanoi.correctionsAcceptedPer1000Reads).toBeGreaterThan(0);
    // The prefill's reads, one access record per registry record it read (counted here from the trail itself).
    const prefillReads = new Map<string, number>();
    for (const r of readAuditRecords<{ type: string; via?: string; outcome: string; registry: string }>(config.audit.dir)) {
      if (r.type === 'access' && r.via === 'prefill' && r.outcome === 'answered') prefillReads.set(r.registry, (prefillReads.get(r.registry) ?? 0) + 1);
    }
    expect(prefillReads.get('population')).toBeGreaterThanOrEqual(1);
    expect(prefillReads.get('residence')).toBeGreaterThanOrEqual(1);
    expect(hanoi.reads).toBe([...prefillReads.values()].reduce((a, b) => a + b, 0));
    for (const row of body.registries)
      expect([row.registry, row.reads]).toEqual([row.registry, (row.registry === 'population' ? 6 : 0) + (prefillReads.get(row.registry) ?? 0)]);

    const population = body.registries.find((r) => r.registry === 'population')!;
    expect(population).toMatchObject({
      readsWithMalformedValues: 1,
      readsWithMissingFields: 1,
      staleAnswers: 1,
      conflicts: prefillConflictsPerRegistry.get('population') ?? 0,
    });
    // Three changes on population (the malformed date, the lacking sex, the head's name), none elsewhere.
    expect(population.changeEvents).toBe(3);
    expect(population.changeEventDelayAvgSeconds).toBeGreaterThanOrEqual(0);
    expect(population.changeEventDelayMaxSeconds).toBeGreaterThanOrEqual(population.changeEventDelayAvgSeconds!);
    const residence = body.registries.find((r) => r.registry === 'residence')!;
    expect(residence).toMatchObject({
      correctionsAccepted: 1,
      changeEvents: 0,
      changeEventDelayAvgSeconds: null,
      conflicts: prefillConflictsPerRegistry.get('residence') ?? 0,
    });
    expect(body.totals.reads).toBe(hcm.reads + hanoi.reads);
    expect(body.totals.conflicts).toBe(hanoi.conflicts);
    expect(body.viewAsOf).toEqual(expect.any(String));
  });

  it('lets a province token read its province only', async () => {
    await settled();
    const own = await report('', tokens.hcmMonitor);
    expect(own.status).toBe(200);
    expect(own.body.scope).toEqual({ level: 'province', provinceCode: '79' });
    expect(own.body.provinces.map((p) => p.provinceCode)).toEqual(['79']);
    expect(own.body.totals).toMatchObject({ reads: 6, staleAnswers: 1, conflicts: 0 });
    const other = await report('?province=01', tokens.hcmMonitor);
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ code: 'scope_province_mismatch' });
    const bad = await report('?from=2026-02-30');
    expect(bad.status).toBe(400);
  });

  it('answers CSV rows that carry the same counts', async () => {
    await settled();
    const answer = await fetch(`${base}/v1/ops/data-quality?province=79&format=csv`, { headers: { authorization: `Bearer ${tokens.hcmMonitor}` } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await answer.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines[0]).toMatch(/^kind,registry,provinceCode,provinceName,reads,conflicts,/);
    expect(lines.find((l) => l.startsWith('province,,79,'))).toMatch(/^province,,79,[^,]+,6,0,0,0,0,1,0\.1667,1,0\.1667,1,0\.1667,,,$/);
  });

  it('exports the counts as gauges labelled by registry and province only', async () => {
    await settled();
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('motlan_data_quality_reads{registry="population",province="79"} 6');
    expect(text).toContain('motlan_data_quality_stale_answers{registry="population",province="79"} 1');
    expect(text).toContain('motlan_data_quality_reads_malformed_values{registry="population",province="79"} 1');
    expect(text).toContain('motlan_data_quality_corrections_accepted{registry="residence",province="01"} 1');
    expect(text).toContain('motlan_data_quality_change_events{registry="population"} 3');
    expect(text).not.toMatch(/motlan_data_quality_[a-z_]+\{[^}]*commune/);
  });

  // Last: it restarts the gateway.
  it('gives the same figures after a restart (restored from its snapshot), then counts on', async () => {
    const before = await settled();
    await app.close();
    // Written on stop: the next start restores it and reads the topics on from its offsets.
    expect(existsSync(embeddedDataQualitySnapshotFile(dataDir))).toBe(true);
    await startGateway();
    const after = await eventually('the figures after the restart', async () => {
      const { status, body } = await report();
      return status === 200 && body.viewAsOf ? body : undefined;
    });
    expect({ ...after, viewAsOf: null }).toEqual({ ...before, viewAsOf: null });
    await read(tokens.hcmReader, `/v1/registries/population/person/${plainRead}`);
    const counted = await eventually('the read after the restart', async () => {
      const { body } = await report('?province=79');
      return body.totals?.reads === 7 ? body : undefined;
    });
    expect(counted.totals).toMatchObject({ reads: 7, staleAnswers: 1, readsWithMalformedValues: 1, readsWithMissingFields: 1 });
  });
});
