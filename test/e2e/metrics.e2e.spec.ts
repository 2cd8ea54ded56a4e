/**
 * The series the alert rules of deploy/prometheus read and that are filled at scrape time (issue 16):
 * the evidence key's age, the communes by sync status, the audit refusals. The rules themselves are
 * checked with promtool in test/deploy/prometheus-rules.spec.ts.
 */
import { metricValue } from '../support/http.js';
import { e2eStack } from '../support/e2e-harness.js';

let base: string;
let startedAt: number;

const stack = e2eStack({
  dataDirPrefix: 'motlan-metrics-',
  sim: false,
  env: { MOTLAN_PORTAL_SYNC_WORKER: 'false' },
  beforeGateway: () => {
    startedAt = Date.now();
  },
});

beforeAll(() => {
  base = stack.base;
});

describe('GET /metrics: series read at scrape time for the alert rules', () => {
  it('says when the current evidence key was made (a new data directory: at this start)', async () => {
    const created = await metricValue(base, /^motlan_evidence_key_created_timestamp_seconds /);
    expect(created).toBeGreaterThanOrEqual(Math.floor(startedAt / 1000));
    expect(created).toBeLessThanOrEqual(Date.now() / 1000);
  });

  it('counts every commune of the administrative directory under one status', async () => {
    const counts = await Promise.all(['GREEN', 'YELLOW', 'RED'].map((status) => metricValue(base, new RegExp(`^motlan_communes\\{status="${status}"\\} `))));
    expect(counts.every((c) => typeof c === 'number' && c >= 0)).toBe(true);
    expect(counts.reduce((a, b) => (a ?? 0) + (b ?? 0), 0)).toBe(3321);
  });

  it("fills the worker role's gauges: consumer-group lag status and change events (they were never injected before issue 16)", async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^motlan_sync_group_status\{group="[^"]+"\} [0-2]$/m);
    expect(text).toMatch(/^motlan_change_events_total\{result="processed"\} \d+$/m);
  });

  it('reports no audit refusals while the trail is writable', async () => {
    expect(await metricValue(base, /^motlan_audit_unavailable_total /)).toBe(0);
  });
});
