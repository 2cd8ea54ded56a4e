/**
 * The ops figures of dossier sync (GET /v1/ops/sync/lag|provinces|communes and the relay colour
 * the service indicators show) over an in-memory view source and the official administrative
 * directory: figures per commune as the worker published them, colours judged now, every commune
 * of the directory counted, and each answer scoped to what was asked (one province, given communes).
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DEFAULT_LAG_SETTINGS } from '@motlan/consumer-lag/lag-settings.js';
import { DEFAULT_COMMUNE_THRESHOLDS } from '@motlan/dossier-relay/commune-status.js';
import type { GroupLagView, OpsView } from '@motlan/dossier-relay/ops-view-store.port.js';
import type { CommuneFigures } from '@motlan/dossier-relay/sync-figures.js';
import type { EventLog } from '@motlan/event-log/event-log.port.js';
import { ConsumerGroups, Topics } from '@motlan/events/topics.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { OpsViewSource } from './ops-view.source.js';
import { SyncOpsService } from './sync-ops.service.js';

const directory = VnAdminDirectory.load();
const NOW = Date.parse('2026-11-23T08:00:00.000Z');
const MINUTE = 60_000;

/** The view a worker would have published; undefined until one is set. */
class FixedViewSource extends OpsViewSource {
  view: OpsView | undefined;
  reads = 0;
  async current(): Promise<OpsView | undefined> {
    this.reads += 1;
    return this.view;
  }
}

const [hanoi, saigon] = ['01', '79'].map((code) => {
  const communes = directory.communesOf(code);
  if (communes.length < 4) throw new Error(`the directory should list communes of province ${code}`);
  return { code, communes };
});

function figures(communeCode: string, provinceCode: string, extra: Partial<CommuneFigures> = {}): CommuneFigures {
  return { communeCode, provinceCode, received: 0, delivered: 0, pending: 0, failed: 0, oldestPendingAt: null, pendingPartitions: [], ...extra };
}

/** The portal sync group's lag with the given status per partition of `topic`. */
function syncGroup(statuses: Record<number, string>, group: string = ConsumerGroups.portalSync, topic: string = Topics.dossierSync): GroupLagView {
  return {
    group,
    status: 'OK',
    totalLag: 0,
    maxTimeLagMs: 0,
    partitions: Object.entries(statuses).map(([partition, status]) => ({
      topic,
      partition: Number(partition),
      endOffset: 10,
      committedOffset: 5,
      lag: 5,
      timeLagMs: 1000,
      timeLagIsLowerBound: false,
      status,
      committedMovedAt: null,
      reason: status,
    })),
    error: null,
    errorSince: null,
    sampledAt: new Date(NOW - 5000).toISOString(),
    history: [],
  } as unknown as GroupLagView;
}

function view(communes: CommuneFigures[], groups: GroupLagView[] = []): OpsView {
  return {
    version: 1,
    publishedAt: new Date(NOW - 3000).toISOString(),
    lag: { evaluatedAt: new Date(NOW - 3000).toISOString(), settings: { ...DEFAULT_LAG_SETTINGS }, groups },
    communes,
  };
}

let source: FixedViewSource;
let service: SyncOpsService;

beforeEach(() => {
  jest.spyOn(Date, 'now').mockReturnValue(NOW);
  source = new FixedViewSource();
  // The dead-letter replay is the only use of the log; none of these specs replays.
  service = new SyncOpsService(source, directory, DEFAULT_COMMUNE_THRESHOLDS, {} as EventLog, { ...DEFAULT_LAG_SETTINGS });
});

afterEach(() => {
  jest.restoreAllMocks();
});

const provinceScope = (provinceCode: string) => ({ level: 'province' as const, provinceCode });

describe('SyncOpsService.communes (figures per commune of one province)', () => {
  it('lists every commune of the province, GREEN with zero figures, before any worker published a view', async () => {
    const answer = await service.communes(provinceScope(hanoi.code));
    expect(answer).toMatchObject({ viewAsOf: null, evaluatedAt: new Date(NOW).toISOString(), province: { code: '01', name: directory.province('01')!.name } });
    expect(answer!.communes.map((c) => c.code)).toEqual(hanoi.communes.map((c) => c.code));
    for (const commune of answer!.communes) {
      expect(commune).toEqual({
        code: commune.code,
        name: expect.any(String),
        status: 'GREEN',
        reasons: [],
        received: 0,
        delivered: 0,
        pending: 0,
        failed: 0,
        oldestPendingAgeMs: null,
        failureRatio: 0,
        partitions: [],
      });
    }
  });

  it("shows each commune's own figures, the age of its oldest pending status now, its failure ratio and the view's time", async () => {
    const [a, b, c] = hanoi.communes;
    source.view = view([
      figures(a.code, '01', { received: 200, delivered: 197, pending: 2, failed: 1, oldestPendingAt: NOW - 20 * MINUTE, pendingPartitions: [3] }),
      figures(b.code, '01', { received: 40, delivered: 40 }),
    ]);
    const { communes, viewAsOf } = (await service.communes(provinceScope('01')))!;
    expect(viewAsOf).toBe(new Date(NOW - 3000).toISOString());
    const byCode = new Map(communes.map((row) => [row.code, row]));
    expect(byCode.get(a.code)).toEqual({
      code: a.code,
      name: a.name,
      // 20 minutes pending: past the 15-minute YELLOW threshold, short of the hour for RED; 0.5 % failed: under 1 %.
      status: 'YELLOW',
      reasons: ['oldest pending status is 1200 s old'],
      received: 200,
      delivered: 197,
      pending: 2,
      failed: 1,
      oldestPendingAgeMs: 20 * MINUTE,
      failureRatio: 0.005,
      partitions: [3],
    });
    expect(byCode.get(b.code)).toMatchObject({ status: 'GREEN', received: 40, delivered: 40, pending: 0, failed: 0, oldestPendingAgeMs: null });
    expect(byCode.get(c.code)).toMatchObject({ status: 'GREEN', received: 0 });
  });

  it('turns a commune RED for a stalled sync partition holding its pending statuses, and reads only the portal sync group on the sync topic', async () => {
    const [a, b, c] = hanoi.communes;
    source.view = view(
      [
        figures(a.code, '01', { received: 5, pending: 1, oldestPendingAt: NOW - MINUTE, pendingPartitions: [0] }),
        figures(b.code, '01', { received: 5, pending: 1, oldestPendingAt: NOW - MINUTE, pendingPartitions: [1] }),
        figures(c.code, '01', { received: 5, pending: 1, oldestPendingAt: NOW - MINUTE, pendingPartitions: [2] }),
      ],
      [
        syncGroup({ 0: 'STALL', 1: 'WARN' }),
        // Partition 2 stalls only for another group, and on another topic of the portal sync group: neither counts.
        syncGroup({ 2: 'STOP' }, 'some-other-group'),
        syncGroup({ 2: 'STOP' }, ConsumerGroups.portalSync, 'motlan.some-other-topic.v1'),
      ],
    );
    const byCode = new Map((await service.communes(provinceScope('01')))!.communes.map((row) => [row.code, row]));
    expect(byCode.get(a.code)).toMatchObject({ status: 'RED', reasons: ['sync partition 0 is STALL'] });
    expect(byCode.get(b.code)).toMatchObject({ status: 'YELLOW', reasons: ['sync partition 1 lag keeps growing'] });
    expect(byCode.get(c.code)).toMatchObject({ status: 'GREEN', reasons: [] });
  });

  it("is scoped to the province asked: another province's figures never show, an unknown province is undefined", async () => {
    const [inHanoi] = hanoi.communes;
    const [inSaigon] = saigon.communes;
    source.view = view([figures(inHanoi.code, '01', { received: 9, failed: 9 }), figures(inSaigon.code, '79', { received: 3, delivered: 3 })]);
    const south = (await service.communes(provinceScope('79')))!;
    expect(south.province.code).toBe('79');
    expect(south.communes.map((c) => c.code)).toEqual(saigon.communes.map((c) => c.code));
    expect(south.communes.some((c) => c.code === inHanoi.code)).toBe(false);
    expect(south.communes.reduce((sum, c) => sum + c.received, 0)).toBe(3);
    expect(south.communes.every((c) => c.status === 'GREEN')).toBe(true);
    expect(await service.communes(provinceScope('00'))).toBeUndefined();
    expect(await service.communes(provinceScope('99'))).toBeUndefined();
  });
});

describe('SyncOpsService.provinces', () => {
  it('counts every commune of the directory under one colour and sums each province from its own communes', async () => {
    const [a, b] = hanoi.communes;
    const [s] = saigon.communes;
    source.view = view([
      figures(a.code, '01', { received: 100, delivered: 90, pending: 4, failed: 6, oldestPendingAt: NOW - 2 * MINUTE, pendingPartitions: [1] }),
      figures(b.code, '01', { received: 10, delivered: 8, pending: 2, oldestPendingAt: NOW - 90 * MINUTE, pendingPartitions: [2] }),
      figures(s.code, '79', { received: 7, delivered: 7 }),
    ]);
    const answer = await service.provinces();
    expect(answer.viewAsOf).toBe(new Date(NOW - 3000).toISOString());
    expect(answer.thresholds).toEqual(DEFAULT_COMMUNE_THRESHOLDS);
    expect(answer.provinces.map((p) => p.code)).toEqual(directory.provinces().map((p) => p.code));
    const total = directory.communes().length;
    // a: 6 % failed (RED); b: pending 90 minutes (RED); every other commune GREEN.
    expect(answer.totals).toEqual({
      provinces: directory.provinces().length,
      provincesAllGreen: directory.provinces().length - 1,
      communes: { GREEN: total - 2, YELLOW: 0, RED: 2 },
    });
    const north = answer.provinces.find((p) => p.code === '01')!;
    expect(north).toEqual({
      code: '01',
      name: directory.province('01')!.name,
      communes: hanoi.communes.length,
      green: hanoi.communes.length - 2,
      yellow: 0,
      red: 2,
      greenShare: Math.round(((hanoi.communes.length - 2) / hanoi.communes.length) * 10000) / 10000,
      received: 110,
      delivered: 98,
      pending: 6,
      failed: 6,
      oldestPendingAgeMs: 90 * MINUTE,
    });
    expect(answer.provinces.find((p) => p.code === '79')).toMatchObject({
      green: saigon.communes.length,
      greenShare: 1,
      received: 7,
      delivered: 7,
      oldestPendingAgeMs: null,
    });
  });
});

describe('SyncOpsService.relayHealth (the relay colour beside the service indicators)', () => {
  it('answers exactly the communes asked, from one read of the view', async () => {
    const [a, b] = hanoi.communes;
    source.view = view([figures(a.code, '01', { received: 3, pending: 1, oldestPendingAt: NOW - 61 * MINUTE, pendingPartitions: [0] })]);
    const health = await service.relayHealth([a.code, b.code]);
    expect(source.reads).toBe(1);
    expect([...health.keys()]).toEqual([a.code, b.code]);
    expect(health.get(a.code)).toEqual({ colour: 'RED', reasons: ['oldest pending status is 3660 s old'], oldestPendingSeconds: 3660 });
    expect(health.get(b.code)).toEqual({ colour: 'GREEN', reasons: [], oldestPendingSeconds: null });
  });
});

describe('SyncOpsService.lag', () => {
  it('says no worker has published yet: no groups, the settings in force, viewAsOf null', async () => {
    const lag = await service.lag();
    expect(lag).toEqual({ evaluatedAt: expect.any(String), settings: { ...DEFAULT_LAG_SETTINGS }, groups: [], viewAsOf: null });
    expect(Number.isNaN(Date.parse(lag.evaluatedAt))).toBe(false);
  });

  it("passes the published lag through with the view's time", async () => {
    const group = syncGroup({ 0: 'OK' });
    source.view = view([], [group]);
    const lag = await service.lag();
    expect(lag.viewAsOf).toBe(new Date(NOW - 3000).toISOString());
    expect(lag.evaluatedAt).toBe(new Date(NOW - 3000).toISOString());
    expect(lag.groups).toEqual([group]);
  });
});

describe("SyncOpsService scoped to a province or a commune (the token's scope)", () => {
  beforeEach(() => {
    const [a, b] = hanoi.communes;
    const [s] = saigon.communes;
    source.view = view([
      figures(a.code, '01', { received: 100, delivered: 94, failed: 6 }),
      figures(b.code, '01', { received: 10, delivered: 10 }),
      figures(s.code, '79', { received: 7, delivered: 7 }),
    ]);
  });

  it('lists only the province of a province scope, its totals counted from it alone', async () => {
    const answer = await service.provinces(provinceScope('79'));
    expect(answer.scope).toEqual({ level: 'province', provinceCode: '79' });
    expect(answer.provinces.map((p) => p.code)).toEqual(['79']);
    expect(answer.provinces[0]).toMatchObject({ communes: saigon.communes.length, received: 7, red: 0 });
    expect(answer.totals).toEqual({ provinces: 1, provincesAllGreen: 1, communes: { GREEN: saigon.communes.length, YELLOW: 0, RED: 0 } });
    expect((await service.provinces()).scope).toEqual({ level: 'national' });
  });

  it('holds one commune alone in a commune scope: its province row, the totals and the commune list', async () => {
    const [a] = hanoi.communes;
    const scope = { level: 'commune' as const, provinceCode: '01', communeCode: a.code };
    const provinces = await service.provinces(scope);
    expect(provinces.provinces).toEqual([expect.objectContaining({ code: '01', communes: 1, red: 1, green: 0, received: 100, failed: 6 })]);
    expect(provinces.totals).toEqual({ provinces: 1, provincesAllGreen: 0, communes: { GREEN: 0, YELLOW: 0, RED: 1 } });
    const communes = (await service.communes(scope))!;
    expect(communes.scope).toEqual(scope);
    expect(communes.communes.map((c) => c.code)).toEqual([a.code]);
  });
});
