/**
 * The series the alert rules of deploy/prometheus read and that are filled at scrape time (issue 16):
 * the evidence key's age, the communes by sync status, the audit refusals. The rules themselves are
 * checked with promtool in test/deploy/prometheus-rules.spec.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { metricValue } from '../support/http.js';

let app: NestFastifyApplication;
let base: string;
let startedAt: number;

beforeAll(async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-metrics-'));
  await new DevTokenIssuer({ dataDir }).ensureKeys();
  startedAt = Date.now();
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: dataDir,
    PORT: '0',
    MOTLAN_ADAPTERS: 'none',
    MOTLAN_PORTAL_SYNC_WORKER: 'false',
  });
  ({ app } = await createGatewayApp(config, pino({ level: 'silent' })));
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
});

afterAll(async () => {
  await app?.close();
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
