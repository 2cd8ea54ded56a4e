/**
 * Consents on the production profile: two gateway instances in this process sharing a real Redis
 * (and a real Kafka for the audit trail). A consent given through one instance is honoured by the
 * other; taken back on one, it is refused by the other on the very next lookup (every check reads
 * Redis; no cache to invalidate). A counter request approved on one instance cannot be approved
 * again on the other.
 */
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { DevCitizenTokenIssuer } from '@motlan/auth/citizen-token.js';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { SyncLifecycle } from '../../apps/gateway/src/dossier-relay/sync-lifecycle.service.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import type { RegistryName } from '../../apps/registry-sim/src/registries/sim-dataset.js';
import { httpCall } from '../support/http.js';
import { simSamples } from '../support/sim-control.js';
import { requireKafkaBrokers, requireRedisUrl } from '../support/services.js';

const run = randomUUID().slice(0, 8);
const BIRTH = [{ registry: 'civil-status', dataset: 'birth' }];
let sim: RunningRegistrySim;
let dataDir: string;
const gateways: NestFastifyApplication[] = [];
let one: string;
let two: string;
let clerk: string;
let citizen: string;
let subject: string;

async function startGateway(): Promise<string> {
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: dataDir,
    REDIS_URL: requireRedisUrl(),
    KAFKA_BROKERS: requireKafkaBrokers().join(','),
    PORT: '0',
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([r, e]) => `${r}=${e}`)
      .join(','),
    MOTLAN_PORTAL_SYNC_WORKER: 'false',
    MOTLAN_ACCESS_LOG_PROJECTOR: 'false',
    MOTLAN_ADAPTER_CATALOG_TOPIC: `motlan.adapters.v1.consent-it-${run}`,
    MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-consent-it-${run}`,
    MOTLAN_AUDIT_TOPIC: `motlan.audit.v1.consent-it-${run}`,
    // The shipped catalog, fixed: consents do not depend on run-time catalog changes (their log is tested on its own).
    MOTLAN_PROCEDURE_CATALOG: path.resolve(import.meta.dirname, '..', '..', 'deploy', 'catalog', 'procedures.v1.json'),
  });
  const { app } = await createGatewayApp(config, pino({ level: process.env.E2E_LOG ?? 'silent' }));
  await app.listen(0, '127.0.0.1');
  gateways.push(app);
  await app.get(SyncLifecycle).whenStarted();
  // Its audit topic is new: the first audited request must not race the topic's creation (503 audit_unavailable).
  await app.get(AuditSink).ready();
  return app.getUrl();
}

const lookup = (base: string, consentRef: string) =>
  httpCall<{ code?: string; reason?: string }>(base, 'GET', `/v1/registries/civil-status/birth/${subject}`, {
    token: clerk,
    headers: { 'x-officer-id': 'officer-it', 'x-purpose': '2.000815', 'x-consent-ref': consentRef },
  });

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-consent-it-'));
  sim = await startRegistrySim({ seed: 9, persons: 5_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  const clients = new DevTokenIssuer({ dataDir });
  await clients.ensureKeys();
  clerk = await clients.issue({ sub: `one-stop-00004-${run}`, scope: 'civil-status:read consents:request', commune: '00004' });
  const citizens = new DevCitizenTokenIssuer({ dataDir });
  await citizens.ensureKeys();
  const people = await simSamples(sim.controlUrl, 'population', 'person', 50);
  subject = people.find((id) => sim.registries.lookup('civil-status' as RegistryName, { dataset: 'birth', subjectId: id, fields: [] }).found)!;
  citizen = await citizens.issue({ subjectId: subject });
  one = await startGateway();
  two = await startGateway();
  // Both instances must serve an audited citizen request before the tests start. Late in a full
  // run (a broker holding every earlier suite's topics and groups) this suite's start-up took ~35 s
  // against ~10 s alone, and the first consent was twice answered 503 right after it; the tests
  // are about consents across instances, not start-up, so they begin once each instance gives (and
  // takes back) a consent. Only 503 counts as "not yet"; any other answer fails here, and so does
  // an instance still refusing after 60 s.
  for (const base of [one, two]) await untilServing(base);
}, 180_000);

async function untilServing(base: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const given = await httpCall<{ id: string; code?: string }>(base, 'POST', '/v1/me/consents', {
      token: citizen,
      body: { procedure: '2.000815', communeCode: '00004', datasets: BIRTH, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    if (given.status === 201) {
      const revoked = await httpCall(base, 'DELETE', `/v1/me/consents/${given.body.id}`, { token: citizen });
      if (revoked.status === 200) return;
      throw new Error(`taking back the warm-up consent on ${base} answered ${revoked.status}: ${JSON.stringify(revoked.body)}`);
    }
    if (given.status !== 503 || Date.now() > deadline) throw new Error(`giving a consent on ${base} answered ${given.status}: ${JSON.stringify(given.body)}`);
    process.stdout.write(`consent.int: ${base} answered 503 ${given.body.code ?? ''} while starting; asking again\n`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

afterAll(async () => {
  for (const app of gateways) await app.close().catch(() => undefined);
  await sim?.stop();
});

describe('consents shared by every instance (production: Redis)', () => {
  it('a consent revoked on one instance is refused by the other on the next lookup', async () => {
    const given = await httpCall<{ id: string }>(one, 'POST', '/v1/me/consents', {
      token: citizen,
      body: { procedure: '2.000815', communeCode: '00004', datasets: BIRTH, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    if (given.status !== 201) throw new Error(`giving a consent answered ${given.status}: ${JSON.stringify(given.body)}`);
    expect((await lookup(two, given.body.id)).status).toBe(200);
    expect((await lookup(one, given.body.id)).status).toBe(200);
    const revoked = await httpCall(one, 'DELETE', `/v1/me/consents/${given.body.id}`, { token: citizen });
    expect(revoked.status).toBe(200);
    // No waiting: each check reads Redis, so the very next lookup on the other instance is refused.
    const refused = await lookup(two, given.body.id);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'consent_invalid', reason: 'revoked' });
    const listed = await httpCall<{ consents: Array<{ id: string; status: string }> }>(two, 'GET', '/v1/me/consents', { token: citizen });
    expect(listed.body.consents.find((c) => c.id === given.body.id)?.status).toBe('revoked');
  });

  it('a counter request created on one instance is approved once, across instances', async () => {
    const asked = await httpCall<{ code: string }>(one, 'POST', '/v1/consent-requests', {
      token: clerk,
      body: { subjectId: subject, procedure: '2.000815', datasets: BIRTH, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(asked.status).toBe(201);
    const approvals = await Promise.all(
      [one, two, one, two].map((base) => httpCall<{ id?: string }>(base, 'POST', `/v1/me/consent-requests/${asked.body.code}/approve`, { token: citizen })),
    );
    expect(approvals.map((a) => a.status).sort()).toEqual([201, 404, 404, 404]);
    const status = await httpCall<{ status: string; consentId: string }>(two, 'GET', `/v1/consent-requests/${asked.body.code}`, { token: clerk });
    expect(status.body.status).toBe('approved');
    expect((await lookup(one, status.body.consentId)).status).toBe(200);
  });

  it('a signed counter request made on one instance is checked and approved on the other, once, by code or token', async () => {
    const asked = await httpCall<{ id: string; code: string; signedRequest: string }>(one, 'POST', '/v1/consent-requests', {
      token: clerk,
      body: { subjectId: subject, procedure: '2.000815', datasets: BIRTH, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(asked.status).toBe(201);
    // The other instance reads the request back from Redis, id included, and checks the signature against the shared keys.
    const shown = await httpCall<{ id: string; code: string }>(two, 'POST', '/v1/me/consent-requests/signed', {
      token: citizen,
      body: { request: asked.body.signedRequest },
    });
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id: asked.body.id, code: asked.body.code });
    const approvals = await Promise.all([
      httpCall(two, 'POST', '/v1/me/consent-requests/signed/approve', { token: citizen, body: { request: asked.body.signedRequest } }),
      httpCall(one, 'POST', '/v1/me/consent-requests/signed/approve', { token: citizen, body: { request: asked.body.signedRequest } }),
      httpCall(two, 'POST', `/v1/me/consent-requests/${asked.body.code}/approve`, { token: citizen }),
      httpCall(one, 'POST', `/v1/me/consent-requests/${asked.body.code}/approve`, { token: citizen }),
    ]);
    expect(approvals.map((a) => a.status).sort()).toEqual([201, 404, 404, 404]);
    const status = await httpCall<{ status: string; consentId: string }>(one, 'GET', `/v1/consent-requests/${asked.body.code}`, { token: clerk });
    expect(status.body.status).toBe('approved');
    expect((await lookup(two, status.body.consentId)).status).toBe(200);
  });
});
