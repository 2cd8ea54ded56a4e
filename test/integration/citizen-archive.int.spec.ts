/**
 * The production archive store against a real Redis (the Jest global setup provides one): the
 * contract every CitizenArchiveStore keeps (test/support/citizen-archive-store-contract.ts), what a
 * dump of Redis shows (no personal id, nothing of the content), a store that cannot answer; and two
 * gateway instances on Redis and Kafka sharing archives.
 */
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { DevCitizenTokenIssuer } from '@motlan/auth/citizen-token.js';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { ArchiveSealer } from '@motlan/citizen-archive/archive-sealer.js';
import { CitizenArchiveIntake } from '@motlan/citizen-archive/citizen-archive-intake.js';
import { CitizenArchiveStoreUnavailableError } from '@motlan/citizen-archive/citizen-archive-store.port.js';
import { RedisCitizenArchiveStore } from '@motlan/citizen-archive/redis-citizen-archive-store.adapter.js';
import { CitizenArchiveLifecycle } from '../../apps/gateway/src/citizen-archive/citizen-archive.module.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { SyncLifecycle } from '../../apps/gateway/src/dossier-relay/sync-lifecycle.service.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { citizenArchiveStoreContract } from '../support/citizen-archive-store-contract.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders } from '../support/http.js';
import { requireKafkaBrokers, requireRedisUrl } from '../support/services.js';
import { simSamples } from '../support/sim-control.js';

describe('RedisCitizenArchiveStore', () => {
  citizenArchiveStoreContract(async ({ now }) => {
    const prefix = `motlan:test:archive:${randomUUID()}:`;
    const opened: RedisCitizenArchiveStore[] = [];
    const open = async () => {
      const store = new RedisCitizenArchiveStore({ url: requireRedisUrl(), prefix, now });
      expect(await store.waitUntilReady()).toBe(true);
      opened.push(store);
      return store;
    };
    const store = await open();
    return { store, reopen: open, close: async () => void (await Promise.all(opened.map((s) => s.close()))) };
  });

  it('keeps neither the personal id nor the content readable in Redis, and expires what it keeps', async () => {
    const prefix = `motlan:test:archive:${randomUUID()}:`;
    const store = new RedisCitizenArchiveStore({ url: requireRedisUrl(), prefix });
    const redis = new Redis(requireRedisUrl());
    try {
      expect(await store.waitUntilReady()).toBe(true);
      const sealer = new ArchiveSealer(randomBytes(32));
      const intake = new CitizenArchiveIntake(store, sealer, { maxQueued: 10, retentionMs: 86_400_000 });
      const citizen = '001099012345';
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const iat = Math.floor(Date.now() / 1000);
      const jws = `${part({ alg: 'EdDSA', kid: 'k1' })}.${part({ iss: 'urn:motlan:gateway', iat, exp: iat + 3600, registry: 'population', dataset: 'person', subjectId: citizen, data: { fullName: 'Nguyễn Văn Thử' } })}.c2ln`;
      intake.offer({ subjectId: citizen, jws, communeCode: '00004', dossierId: 'D-redis-1', purpose: '1.004222' });
      await intake.flush();
      expect(intake.stats.archived).toBe(1);
      const keys = await redis.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThanOrEqual(2);
      let dump = keys.join('\n');
      for (const key of keys) {
        const type = await redis.type(key);
        dump += type === 'hash' ? JSON.stringify(await redis.hgetall(key)) : JSON.stringify(await redis.smembers(key));
        expect(await redis.pttl(key)).toBeGreaterThan(0);
      }
      expect(dump).not.toContain(citizen);
      expect(dump).not.toContain('Văn Thử');
      expect(dump).not.toContain(jws.split('.')[1]);
    } finally {
      redis.disconnect();
      await store.close();
    }
  });

  it('rejects with CitizenArchiveStoreUnavailableError when Redis cannot be reached', async () => {
    const store = new RedisCitizenArchiveStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 200 });
    try {
      await expect(store.list('k')).rejects.toBeInstanceOf(CitizenArchiveStoreUnavailableError);
      await expect(store.put({ id: 'arc_x', subjectKey: 'k', storedAt: '', forgetAt: new Date().toISOString(), sealed: '' })).rejects.toBeInstanceOf(
        CitizenArchiveStoreUnavailableError,
      );
    } finally {
      await store.close();
    }
  });
});

/**
 * The archive on the production profile: two gateway instances in this process sharing a real
 * Redis (the archive store) and a real Kafka (audit trail, dossier statuses). Evidence released by
 * one instance is in the archive read through the other; a result reported to one is archived by
 * the results job (one consumer group for both); a share made on one is redeemed on the other, and
 * deleting the item on one withdraws it on the other at once.
 */
describe('the citizen archive shared by every instance (production: Redis and Kafka)', () => {
  const run = randomUUID().slice(0, 8).replace(/\d/g, 'x');
  let sim: RunningRegistrySim;
  const gateways: NestFastifyApplication[] = [];
  let one: string;
  let two: string;
  let clerk: string;
  let citizen: string;
  let subject: string;

  async function startGateway(dataDir: string): Promise<string> {
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
      MOTLAN_ADAPTER_CATALOG_TOPIC: `motlan.adapters.v1.archive-it-${run}`,
      MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-archive-it-${run}`,
      MOTLAN_AUDIT_TOPIC: `motlan.audit.v1.archive-it-${run}`,
      MOTLAN_ARCHIVE_GROUP: `motlan-citizen-archive-it-${run}`,
      MOTLAN_PROCEDURE_CATALOG: path.resolve(import.meta.dirname, '..', '..', 'deploy', 'catalog', 'procedures.v1.json'),
    });
    const { app } = await createGatewayApp(config, pino({ level: process.env.E2E_LOG ?? 'silent' }));
    await app.listen(0, '127.0.0.1');
    gateways.push(app);
    await app.get(SyncLifecycle).whenStarted();
    // Its audit topic is new: the first audited request must not race the topic's creation (503 audit_unavailable).
    await app.get(AuditSink).ready();
    await app.get(CitizenArchiveLifecycle).whenStarted();
    return app.getUrl();
  }

  const archiveOf = (base: string) =>
    httpCall<{ items: Array<{ id: string; kind: string; evidence?: { jws: string }; result?: { dossierId: string } }> }>(base, 'GET', '/v1/me/archive', {
      token: citizen,
    });

  beforeAll(async () => {
    // One data directory: the instances share the cache secret (the archive's keys derive from it) and the token issuers.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-archive-it-'));
    sim = await startRegistrySim({ seed: 11, persons: 2_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
    const clients = new DevTokenIssuer({ dataDir });
    await clients.ensureKeys();
    clerk = await clients.issue({ sub: `one-stop-00004-${run}`, scope: 'population:read archive:redeem dossiers:write', commune: '00004' });
    const citizens = new DevCitizenTokenIssuer({ dataDir });
    await citizens.ensureKeys();
    [subject] = await simSamples(sim.controlUrl, 'population', 'person', 1);
    citizen = await citizens.issue({ subjectId: subject });
    one = await startGateway(dataDir);
    two = await startGateway(dataDir);
  }, 120_000);

  afterAll(async () => {
    for (const app of gateways) await app.close().catch(() => undefined);
    await sim?.stop();
  });

  it('archives on one instance what the other released, relays results into it, and redeems a share made on the other', async () => {
    const dossierId = `ARC-IT-${run}`;
    const answered = await httpCall<{ evidence: string }>(one, 'GET', `/v1/registries/population/person/${subject}`, {
      token: clerk,
      headers: { ...officerHeaders('officer-it'), 'x-dossier-id': dossierId },
    });
    expect(answered.status).toBe(200);
    const evidence = await eventually('the evidence in the archive, read through the other instance', async () =>
      (await archiveOf(two)).body.items?.find((i) => i.evidence?.jws === answered.body.evidence),
    );

    const reported = await httpCall(two, 'PUT', `/v1/dossiers/${dossierId}/status`, {
      token: clerk,
      body: {
        procedureCode: '1.004222',
        communeCode: '00004',
        status: 10,
        subjectType: 'citizen',
        receivedAt: '2026-12-01T09:00:00+07:00',
        sequence: 1,
        resultDocuments: [{ code: 'KQ01', name: 'Giấy xác nhận thông tin về cư trú' }],
      },
    });
    expect(reported.status).toBe(202);
    // Kafka: the two instances' consumers join one group (a rebalance) before the first fetch.
    await eventually(
      'the returned result in the archive',
      async () => (await archiveOf(one)).body.items?.find((i) => i.result?.dossierId === dossierId),
      60_000,
    );

    const made = await httpCall<{ reference: string }>(one, 'POST', `/v1/me/archive/${evidence.id}/share`, {
      token: citizen,
      body: { communeCode: '00004', dossierId, validUntil: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(made.status).toBe(201);
    const redeem = (base: string) =>
      httpCall<{ item?: { id: string }; code?: string; reason?: string }>(base, 'GET', `/v1/archive/shares/${made.body.reference}`, {
        token: clerk,
        headers: { 'x-officer-id': 'officer-it', 'x-dossier-id': dossierId },
      });
    const redeemed = await redeem(two);
    expect(redeemed.status).toBe(200);
    expect(redeemed.body.item?.id).toBe(evidence.id);
    expect((await httpCall(two, 'DELETE', `/v1/me/archive/${evidence.id}`, { token: citizen })).status).toBe(204);
    const withdrawn = await redeem(one);
    expect(withdrawn.status).toBe(403);
    expect(withdrawn.body).toMatchObject({ code: 'share_invalid', reason: 'withdrawn' });
  }, 120_000);
});
