import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { InMemoryOpsViewStore } from '@motlan/dossier-relay/in-memory-ops-view-store.adapter.js';
import { decodeOpsView, encodeOpsView, OpsViewStore, type OpsView } from '@motlan/dossier-relay/ops-view-store.port.js';
import type { EventLog } from '@motlan/event-log/event-log.port.js';
import { PublishedOpsViewSource } from './ops-view.source.js';
import { SyncOpsService } from './sync-ops.service.js';

const directory = VnAdminDirectory.load();
const commune = directory.communes()[0];
const THRESHOLDS = { yellowPendingAgeMs: 60_000, redPendingAgeMs: 600_000, yellowFailureRatio: 0.01, redFailureRatio: 0.05 };
const SETTINGS = { intervalMs: 5000, windowMs: 60_000, allowance: 100, stopAfterMs: 120_000, historyMs: 3_600_000 };

function view(publishedAt: string, received: number): OpsView {
  return {
    version: 1,
    publishedAt,
    lag: {
      evaluatedAt: publishedAt,
      settings: SETTINGS,
      groups: [
        {
          group: 'motlan-portal-sync',
          status: 'OK',
          totalLag: 0,
          maxTimeLagMs: 0,
          partitions: [],
          error: null,
          errorSince: null,
          sampledAt: publishedAt,
          history: [{ t: 1, totalLag: 0, maxTimeLagMs: 0, status: 'OK' }],
        },
      ],
    },
    communes: [
      {
        communeCode: commune.code,
        provinceCode: commune.provinceCode,
        received,
        delivered: received - 1,
        pending: 1,
        failed: 0,
        oldestPendingAt: Date.parse(publishedAt),
        pendingPartitions: [2],
      },
    ],
  };
}

class FailingStore extends OpsViewStore {
  fail = false;
  constructor(private readonly inner: OpsViewStore) {
    super();
  }
  publish(v: OpsView) {
    return this.inner.publish(v);
  }
  read() {
    return this.fail ? Promise.reject(new Error('redis not reachable')) : this.inner.read();
  }
  close() {
    return this.inner.close();
  }
}

describe('the ops API of an api process (the view the workers published)', () => {
  it('says there is no view yet (viewAsOf null, no groups, nothing counted) until a worker publishes one', async () => {
    const ops = new SyncOpsService(new PublishedOpsViewSource(new InMemoryOpsViewStore()), directory, THRESHOLDS, {} as EventLog, SETTINGS);
    expect(await ops.lag()).toMatchObject({ groups: [], settings: SETTINGS, viewAsOf: null });
    const provinces = await ops.provinces();
    expect(provinces.viewAsOf).toBeNull();
    expect(provinces.provinces.reduce((n, p) => n + p.received, 0)).toBe(0);
  });

  it('answers with the published figures and lag, in the shape of a worker process, and when they were taken', async () => {
    const store = new InMemoryOpsViewStore();
    const ops = new SyncOpsService(new PublishedOpsViewSource(store), directory, THRESHOLDS, {} as EventLog, SETTINGS);
    const at = new Date(Date.now() - 2000).toISOString();
    await store.publish(view(at, 5));
    const lag = await ops.lag();
    expect(lag.viewAsOf).toBe(at);
    expect(lag.groups[0]).toMatchObject({ group: 'motlan-portal-sync', status: 'OK', history: [{ totalLag: 0 }] });
    const communes = await ops.communes({ level: 'province', provinceCode: commune.provinceCode });
    expect(communes?.viewAsOf).toBe(at);
    expect(communes?.communes.find((c) => c.code === commune.code)).toMatchObject({ received: 5, delivered: 4, pending: 1, partitions: [2] });
    // Ages are judged now, not when the view was taken.
    expect(communes?.communes.find((c) => c.code === commune.code)?.oldestPendingAgeMs).toBeGreaterThanOrEqual(2000);
  });

  it('serves the last view read while the store cannot answer', async () => {
    const store = new FailingStore(new InMemoryOpsViewStore());
    const source = new PublishedOpsViewSource(store);
    await store.publish(view('2026-12-06T10:00:00.000Z', 3));
    expect((await source.current())?.publishedAt).toBe('2026-12-06T10:00:00.000Z');
    store.fail = true;
    expect((await source.current())?.communes[0].received).toBe(3);
  });

  it('ignores stored text that is not a view of this version', () => {
    const good = view('2026-12-06T10:00:00.000Z', 1);
    expect(decodeOpsView(encodeOpsView(good))).toEqual(good);
    for (const bad of [
      '',
      'null',
      '{"version":2}',
      JSON.stringify({ ...good, communes: {} }),
      JSON.stringify({ ...good, lag: { ...good.lag, groups: [{ group: 'g' }] } }),
    ]) {
      expect(decodeOpsView(bad)).toBeUndefined();
    }
  });
});
