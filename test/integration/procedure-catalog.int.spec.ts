/**
 * The procedure catalog on the production profile: two gateway instances share it through the
 * compacted Kafka topic (a real broker, a real Redis). A procedure put on one instance is used by
 * the other within seconds, a removal too; concurrent writers of one version get one winner. Each
 * run uses a topic of its own (MOTLAN_PROCEDURE_CATALOG_TOPIC), seeded from the shipped catalog.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders } from '../support/http.js';
import { requireKafkaBrokers, requireRedisUrl } from '../support/services.js';
import { simSamples } from '../support/sim-control.js';

const RUN = randomUUID().slice(0, 8);
const TOPIC = `motlan.procedures.v1.it-${RUN}`;
const CODE = '9.000101';

let redisUrl: string;
let brokers: string[];
let sim: RunningRegistrySim;
let dataDir: string;
let catalogToken: string;
let lookupToken: string;

interface Instance {
  app: NestFastifyApplication;
  base: string;
}

async function startGateway(name: string): Promise<Instance> {
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: path.join(dataDir, name),
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: brokers.join(','),
    MOTLAN_CACHE_SYNC_GROUP: `motlan-cache-sync-procedures-it-${name}-${RUN}`,
    MOTLAN_ADAPTER_CATALOG_TOPIC: `motlan.adapters.v1.procedures-it-${RUN}`,
    MOTLAN_PROCEDURE_CATALOG_TOPIC: TOPIC,
    MOTLAN_PORTAL_SYNC_WORKER: 'false',
    MOTLAN_ADAPTERS: `judicial-records=${sim.endpoints['judicial-records']}`,
    MOTLAN_CACHE_MAX_AGE_CAP_SECONDS: '0',
  });
  const { app } = await createGatewayApp(config, pino({ level: 'silent' }));
  await app.listen(0, '127.0.0.1');
  return { app, base: await app.getUrl() };
}

function procedure(fields: string[]): Record<string, unknown> {
  return {
    code: CODE,
    name: 'Thủ tục thử nghiệm: kiểm tra án tích',
    access: [{ registry: 'judicial-records', dataset: 'criminal-record', fields, legalBasis: 'Luật Lý lịch tư pháp 2009, Điều 7' }],
  };
}

beforeAll(async () => {
  redisUrl = requireRedisUrl();
  brokers = requireKafkaBrokers();
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-procedures-it-'));
  sim = await startRegistrySim({ seed: 4, persons: 20_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  const issuer = new DevTokenIssuer({ dataDir });
  catalogToken = await issuer.issue({ sub: 'catalog-it', scope: 'procedures:read procedures:write' });
  lookupToken = await issuer.issue({ sub: 'commune-it', scope: 'judicial-records:read' });
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

describe('procedure catalog over Kafka', () => {
  it('creates its topic compacted and seeds it once; a procedure put on one instance is used by the other within seconds, a removal too', async () => {
    const a = await startGateway('a');
    const b = await startGateway('b');
    try {
      const person = (await simSamples(sim.controlUrl, 'judicial-records', 'criminal-record', 1))[0];
      const lookupOn = (instance: Instance) =>
        httpCall<{ data?: Record<string, unknown>; code?: string }>(instance.base, 'GET', `/v1/registries/judicial-records/criminal-record/${person}`, {
          token: lookupToken,
          headers: officerHeaders('officer-it', CODE),
        });
      expect((await lookupOn(b)).body.code).toBe('purpose_unknown');

      const put = await httpCall(a.base, 'PUT', `/v1/procedures/${CODE}`, {
        token: catalogToken,
        body: procedure(['hasConvictions']),
        headers: { 'if-match': '"0"' },
      });
      expect(put.status).toBe(201);
      // In force on A when answered; on B once its reader has the message.
      expect(Object.keys((await lookupOn(a)).body.data ?? {})).toEqual(['hasConvictions']);
      const onB = await eventually('instance b to use the new procedure', async () => {
        const answer = await lookupOn(b);
        return answer.status === 200 ? answer.body.data : undefined;
      });
      expect(Object.keys(onB)).toEqual(['hasConvictions']);

      // B's view of the versions is A's: a change on B with A's version wins, a stale one on A loses.
      const updated = await httpCall(b.base, 'PUT', `/v1/procedures/${CODE}`, {
        token: catalogToken,
        body: { ...procedure(['hasConvictions', 'lastUpdatedDate']), version: 1 },
      });
      expect(updated.body).toMatchObject({ version: 2 });
      await eventually('instance a to have version 2', async () => {
        const list = await httpCall<{ procedures: Array<{ code: string; version: number }> }>(a.base, 'GET', '/v1/procedures', { token: catalogToken });
        return list.body.procedures.find((p) => p.code === CODE)?.version === 2 ? true : undefined;
      });
      const stale = await httpCall(a.base, 'PUT', `/v1/procedures/${CODE}`, {
        token: catalogToken,
        body: procedure(['hasConvictions']),
        headers: { 'if-match': '"1"' },
      });
      expect(stale.body).toMatchObject({ status: 409, code: 'procedure_version_conflict', currentVersion: 2 });

      expect((await httpCall(a.base, 'DELETE', `/v1/procedures/${CODE}`, { token: catalogToken })).status).toBe(200);
      const gone = await eventually('instance b to drop the removed procedure', async () =>
        (await lookupOn(b)).body.code === 'purpose_unknown' ? true : undefined,
      );
      expect(gone).toBe(true);

      // Seeded once, by whichever instance came first; the shipped procedures are at version 1 on both.
      for (const instance of [a, b]) {
        const list = await httpCall<{ procedures: Array<{ code: string; version: number; updatedBy: string }> }>(instance.base, 'GET', '/v1/procedures', {
          token: catalogToken,
        });
        expect(list.body.procedures.find((p) => p.code === '2.001417')).toMatchObject({ version: 1, updatedBy: 'seed' });
      }
    } finally {
      await Promise.all([a.app.close(), b.app.close()]);
    }

    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: TOPIC, configNames: ['cleanup.policy'] }] });
      expect(resources[0].configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue).toBe('compact');
    } finally {
      await admin.disconnect();
    }
  }, 120_000);
});
