/**
 * The simulator's side of dossier sync as tests and demos drive it: the national portal started by
 * startRegistrySim (reached with the gateway's GrpcPortalClient), its control routes, and the
 * commune traffic's routes against a stand-in gateway.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { GrpcPortalClient } from '@motlan/dossier-relay/grpc-portal.client.js';
import type { PortalDossierStatus } from '@motlan/dossier-relay/portal-client.port.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { startRegistrySim, type RunningRegistrySim } from './registry-sim.js';

const directory = VnAdminDirectory.load({ env: {} });
const silent = pino({ level: 'silent' });
const FAST_RECONNECT = { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 100 };

let sim: RunningRegistrySim;
let client: GrpcPortalClient;
let gateway: Server;
const gatewayPaths: string[] = [];

beforeAll(async () => {
  gateway = createServer((req, res) => {
    gatewayPaths.push(req.url ?? '');
    req.resume().on('end', () => res.writeHead(202).end());
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const gatewayUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  sim = await startRegistrySim({
    persons: 1000,
    grpcBasePort: 0,
    controlPort: 0,
    logger: silent,
    vnAdmin: directory,
    dossierTraffic: { gatewayUrl, token: 'test-token', perSecond: 0, stepMs: 10, communes: 2 },
  });
  client = new GrpcPortalClient({ endpoint: sim.portalEndpoint, channelOptions: FAST_RECONNECT });
});

afterAll(async () => {
  client?.close();
  await sim?.stop();
  gateway.closeAllConnections();
  await new Promise((resolve) => gateway.close(resolve));
});

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; type: string | null; body: Record<string, unknown> }> {
  const response = await fetch(sim.controlUrl + path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function status(dossierId: string, sequence: number, overrides: Partial<PortalDossierStatus> = {}): PortalDossierStatus {
  return {
    dossierId,
    procedureCode: '1.001193',
    communeCode: '00004',
    provinceCode: '01',
    status: 2,
    subjectType: 'citizen',
    receivedAt: '20261123091500',
    dueAt: '20261124170000',
    updatedAt: '20261123091500',
    sequence,
    resultDocuments: [],
    ...overrides,
  };
}

const deliver = (s: PortalDossierStatus) => client.deliver(s, `${s.dossierId}#${s.sequence}`, 'req-1', 2000);

describe('the portal in the running simulator', () => {
  it('listens on its own endpoint, reported by /sim/health and GET /sim/portal', async () => {
    expect(Object.values(sim.endpoints)).not.toContain(sim.portalEndpoint);
    expect(sim.portal.endpoint).toBe(sim.portalEndpoint);
    expect((await control('GET', '/sim/health')).body).toMatchObject({ status: 'ok', portal: 'SERVING' });
    await expect(client.health(1000)).resolves.toBe('SERVING');
    expect((await control('GET', '/sim/portal')).body).toEqual({
      accepted: 0,
      duplicates: 0,
      rejected: 0,
      dossiers: 0,
      byCommune: {},
      byProvince: {},
      recentRejections: [],
      endpoint: sim.portalEndpoint,
      running: true,
      serving: true,
      faults: { latencyMs: 0, errorRate: 0, down: false },
      rejections: { dossierIds: [], procedureCodes: [] },
    });
  });

  it("shows what it received: counts by commune and province, and a dossier's statuses", async () => {
    await deliver(status('H01.01-261123-000001', 1));
    await deliver(status('H01.01-261123-000001', 2, { status: 4 }));
    await deliver(status('H01.01-261123-000001', 2, { status: 4 }));
    const { body } = await control('GET', '/sim/portal');
    expect(body).toMatchObject({ accepted: 2, duplicates: 1, rejected: 0, dossiers: 1, byCommune: { '00004': { accepted: 2, duplicates: 1, rejected: 0 } } });
    const dossier = await control('GET', '/sim/portal/dossiers/H01.01-261123-000001');
    expect(dossier.status).toBe(200);
    expect(dossier.body.dossierId).toBe('H01.01-261123-000001');
    expect((dossier.body.statuses as { status: number; sequence: number }[]).map((s) => [s.sequence, s.status])).toEqual([
      [1, 2],
      [2, 4],
    ]);
    expect((await control('GET', '/sim/portal/dossiers/H01.01-000000-000000')).body).toEqual({ dossierId: 'H01.01-000000-000000', statuses: [] });
    expect((await control('POST', '/sim/portal/reset')).status).toBe(204);
    expect(sim.portal.stats().accepted).toBe(0);
  });

  it('takes faults over PUT /sim/portal/faults (merged) and clears them with DELETE', async () => {
    expect((await control('PUT', '/sim/portal/faults', { down: true })).body).toEqual({ faults: { latencyMs: 0, errorRate: 0, down: true } });
    expect((await control('PUT', '/sim/portal/faults', { latencyMs: 5 })).body).toEqual({ faults: { latencyMs: 5, errorRate: 0, down: true } });
    await expect(client.health(1000)).resolves.toBe('NOT_SERVING');
    await expect(deliver(status('H01.01-261123-000002', 1))).rejects.toMatchObject({ kind: 'unavailable' });
    expect((await control('GET', '/sim/health')).body.portal).toBe('NOT_SERVING');
    const bad = await control('PUT', '/sim/portal/faults', { errorRate: 'often' });
    expect(bad).toMatchObject({ status: 400, type: expect.stringMatching(/^application\/problem\+json/), body: { code: 'invalid_request' } });
    expect((await control('DELETE', '/sim/portal/faults')).body).toEqual({ faults: { latencyMs: 0, errorRate: 0, down: false } });
    await expect(deliver(status('H01.01-261123-000002', 1))).resolves.toEqual({ result: 'accepted' });
    await control('POST', '/sim/portal/reset');
  });

  it('refuses dossiers and procedures set over PUT /sim/portal/rejections until DELETE lifts them', async () => {
    const put = await control('PUT', '/sim/portal/rejections', { dossierIds: ['H01.01-261123-000003'] });
    expect(put.body).toEqual({ rejections: { dossierIds: ['H01.01-261123-000003'], procedureCodes: [] } });
    expect((await control('PUT', '/sim/portal/rejections', { procedureCodes: ['1.000656'] })).body).toEqual({
      rejections: { dossierIds: ['H01.01-261123-000003'], procedureCodes: ['1.000656'] },
    });
    await expect(deliver(status('H01.01-261123-000003', 1))).resolves.toMatchObject({ result: 'rejected' });
    await expect(deliver(status('H01.01-261123-000004', 1, { procedureCode: '1.000656' }))).resolves.toMatchObject({ result: 'rejected' });
    expect((await control('GET', '/sim/portal')).body).toMatchObject({ rejected: 2, accepted: 0 });
    expect((await control('PUT', '/sim/portal/rejections', { dossierIds: 'all' })).status).toBe(400);
    expect((await control('PUT', '/sim/portal/rejections', [])).status).toBe(400);
    expect((await control('DELETE', '/sim/portal/rejections')).body).toEqual({ rejections: { dossierIds: [], procedureCodes: [] } });
    await expect(deliver(status('H01.01-261123-000003', 1))).resolves.toEqual({ result: 'accepted' });
    await control('POST', '/sim/portal/reset');
  });

  it('stops abruptly and starts again over POST /sim/portal/stop and /start, keeping its endpoint', async () => {
    const endpoint = sim.portalEndpoint;
    expect((await control('POST', '/sim/portal/stop')).body).toMatchObject({ running: false, endpoint });
    expect((await control('GET', '/sim/health')).body.portal).toBe('STOPPED');
    await expect(deliver(status('H01.01-261123-000005', 1))).rejects.toMatchObject({ kind: 'unavailable' });
    expect((await control('POST', '/sim/portal/start')).body).toMatchObject({ running: true, endpoint });
    expect(sim.portalEndpoint).toBe(endpoint);
    await sim.portal.stop();
    await expect(sim.portal.start()).resolves.toBe(endpoint);
    const deadline = Date.now() + 5000;
    while ((await client.health(500)) !== 'SERVING' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await expect(deliver(status('H01.01-261123-000005', 1))).resolves.toEqual({ result: 'accepted' });
    await control('POST', '/sim/portal/reset');
  });
});

describe('commune traffic in the running simulator', () => {
  it('is idle at rate 0; PUT /sim/traffic starts and stops it; GET /sim/traffic counts', async () => {
    const idle = await control('GET', '/sim/traffic');
    expect(idle.body).toMatchObject({ enabled: true, perSecond: 0, sent: 0, accepted: 0, failed: 0, failedByStatus: {} });
    expect(idle.body.communes).toHaveLength(2);
    expect(sim.traffic?.rate).toBe(0);

    expect((await control('PUT', '/sim/traffic', { perSecond: 30 })).body).toMatchObject({ enabled: true, perSecond: 30 });
    const deadline = Date.now() + 10_000;
    while (gatewayPaths.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await control('PUT', '/sim/traffic', { perSecond: 0 });
    expect(gatewayPaths.length).toBeGreaterThanOrEqual(10);
    for (const path of gatewayPaths) expect(path).toMatch(/^\/v1\/dossiers\/H\d{2}\.\d{2}-\d{6}-\d{6}\/status$/);
    const { body } = await control('GET', '/sim/traffic');
    expect(body.sent as number).toBeGreaterThanOrEqual(10);
    expect(body.accepted as number).toBeGreaterThanOrEqual(10);
    expect(JSON.stringify(body)).not.toContain('test-token');

    expect((await control('PUT', '/sim/traffic', { perSecond: 1000 })).status).toBe(400);
    expect((await control('PUT', '/sim/traffic', {})).status).toBe(400);
  });

  it('is reported off, and refuses a rate, when not configured', async () => {
    const plain = await startRegistrySim({ persons: 1000, grpcBasePort: 0, controlPort: 0, logger: silent, vnAdmin: directory });
    try {
      expect(plain.traffic).toBeNull();
      const response = await fetch(`${plain.controlUrl}/sim/traffic`);
      expect(await response.json()).toMatchObject({ enabled: false });
      const put = await fetch(`${plain.controlUrl}/sim/traffic`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"perSecond":1}' });
      expect(put.status).toBe(400);
    } finally {
      await plain.stop();
    }
  });

  it('refuses a base port that leaves no room for its registries (judicial records at +6), and a portal port out of range', async () => {
    await expect(startRegistrySim({ persons: 16, grpcBasePort: 65531, logger: silent, vnAdmin: directory })).rejects.toThrow(
      /grpcBasePort must be an integer from 0 to 65529, got 65531/,
    );
    await expect(startRegistrySim({ persons: 16, grpcBasePort: 0, portalPort: 70000, logger: silent, vnAdmin: directory })).rejects.toThrow(
      /portalPort must be an integer from 0 to 65535/,
    );
    await expect(
      startRegistrySim({ persons: 16, grpcBasePort: 0, logger: silent, vnAdmin: directory, dossierTraffic: { gatewayUrl: 'x', token: 't', perSecond: 1 } }),
    ).rejects.toThrow(/dossierTraffic.gatewayUrl must be an http\(s\) URL/);
  });
});
