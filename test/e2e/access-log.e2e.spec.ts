/**
 * The citizen access log end to end on the embedded profile: the real gateway (audit file, file
 * audit feed, in-memory log) and the real registry simulator, over real HTTP. Citizen A's token
 * lists exactly the lookups made about A, none about B, and the other way round.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { SyncLifecycle } from '../../apps/gateway/src/sync/sync-lifecycle.service.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { expectExactly, readLog, runLookups, type Scenario, type ViewEntry } from '../support/access-log-scenario.js';
import { httpCall } from '../support/http.js';

let sim: RunningRegistrySim;
let app: NestFastifyApplication | undefined;
let base: string;
let dataDir: string;
let scenario: Scenario;

async function startGateway(): Promise<void> {
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: dataDir,
    PORT: '0',
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints).map(([r, e]) => `${r}=${e}`).join(','),
    MOTLAN_PORTAL_SYNC_WORKER: 'false',
  });
  ({ app } = await createGatewayApp(config, pino({ level: process.env.E2E_LOG ?? 'silent' })));
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
  // Closing a gateway whose dossier sync is still starting would leave that sync's consumers running.
  await app.get(SyncLifecycle).whenStarted();
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-access-log-'));
  sim = await startRegistrySim({ seed: 11, persons: 20_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  await startGateway();
  scenario = await runLookups(base, dataDir, sim.controlUrl);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await sim?.stop();
});

const call = (token: string | undefined, query = '') => httpCall(base, 'GET', `/v1/me/access-log${query}`, { token });

describe('citizen access log (embedded)', () => {
  it("lists exactly the lookups made about A to A's token, and exactly B's to B's, with names of communes and procedures", async () => {
    const logA = await readLog(base, scenario.tokens.citizenA);
    const logB = await readLog(base, scenario.tokens.citizenB);
    expect(logA).toHaveLength(4);
    expect(logB).toHaveLength(2);
    expectExactly(logA, scenario.expectedA);
    expectExactly(logB, scenario.expectedB);
    expect(JSON.stringify(logA)).not.toContain(scenario.b);
    expect(JSON.stringify(logB)).not.toContain(scenario.a);
    // Not even their own id: the citizen knows it, the answer need not carry it.
    expect(JSON.stringify(logA)).not.toContain(scenario.a);
  });

  it('pages with a cursor over every entry once, and limits by from / to', async () => {
    const all = await readLog(base, scenario.tokens.citizenA);
    const paged = await readLog(base, scenario.tokens.citizenA, 1);
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
    const first = await call(scenario.tokens.citizenA, '?limit=3');
    expect(first.body).toMatchObject({ nextCursor: expect.any(String) });
    expect((first.body.entries as ViewEntry[]).map((e) => e.id)).toEqual(all.slice(0, 3).map((e) => e.id));

    const newest = Date.parse(all[0].time);
    const oldest = Date.parse(all[all.length - 1].time);
    const until = await readLog(base, scenario.tokens.citizenA, 100, `&to=${encodeURIComponent(new Date(newest).toISOString())}`);
    expect(until.map((e) => e.id)).toEqual(all.filter((e) => Date.parse(e.time) < newest).map((e) => e.id));
    const since = await readLog(base, scenario.tokens.citizenA, 100, `&from=${encodeURIComponent(new Date(oldest + 1).toISOString())}`);
    expect(since.map((e) => e.id)).toEqual(all.filter((e) => Date.parse(e.time) >= oldest + 1).map((e) => e.id));
    const today = new Date(newest + 7 * 3600_000).toISOString().slice(0, 10);
    expect(await readLog(base, scenario.tokens.citizenA, 100, `&from=${today}&to=${today}`)).toHaveLength(all.filter((e) => new Date(Date.parse(e.time) + 7 * 3600_000).toISOString().slice(0, 10) === today).length);
    expect(await readLog(base, scenario.tokens.citizenA, 100, '&to=2020-01-01')).toEqual([]);
  });

  it('answers in milliseconds, never from a shared cache', async () => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const answer = await call(scenario.tokens.citizenA);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-control')).toBe('no-store');
      times.push(answer.ms);
    }
    times.sort((x, y) => x - y);
    expect(times[10]).toBeLessThan(50);
  });

  it('refuses a client token, a citizen token for a malformed id, no token (401), and a citizen token on client routes', async () => {
    for (const token of [scenario.tokens.client, scenario.tokens.malformedCitizen, undefined, 'not.a.token']) {
      const answer = await call(token);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ status: 401, code: expect.stringMatching(/^token_|^key_/) });
    }
    const lookup = await httpCall(base, 'GET', `/v1/registries/population/person/${scenario.a}`, {
      token: scenario.tokens.citizenA,
      headers: { 'x-purpose': '1.004222', 'x-officer-id': 'me' },
    });
    expect(lookup.status).toBe(401);
    expect((await httpCall(base, 'GET', '/v1/registries', { token: scenario.tokens.citizenA })).status).toBe(401);
  });

  it('refuses bad queries with a problem naming the parameter, and a cursor that is not its own', async () => {
    for (const [query, name] of [
      ['?limit=101', 'limit'],
      ['?limit=0', 'limit'],
      ['?limit=ten', 'limit'],
      ['?from=yesterday', 'from'],
      ['?to=2026-02-30', 'to'],
      ['?from=2026-11-23T25:00:00Z', 'from'],
      ['?from=2026-11-24&to=2026-11-23', 'to'],
      ['?subjectId=001099012345', 'subjectId'],
      ['?cursor=%3Cscript%3E', 'cursor'],
      ['?from=2026-01-01&from=2026-01-02', 'from'],
      ['?limit=1&limit=2', 'limit'],
      [`?cursor=${'A'.repeat(300)}.B`, 'cursor'],
    ]) {
      const answer = await call(scenario.tokens.citizenA, query);
      expect({ query, status: answer.status }).toEqual({ query, status: 400 });
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect((answer.body.invalidParams as { name: string }[]).map((p) => p.name)).toContain(name);
    }
    const { nextCursor } = (await call(scenario.tokens.citizenA, '?limit=1')).body as { nextCursor: string };
    const stolen = await call(scenario.tokens.citizenB, `?cursor=${encodeURIComponent(nextCursor)}`);
    expect(stolen.status).toBe(400);
    expect(stolen.body).toMatchObject({ code: 'invalid_cursor' });
  });

  it('is rebuilt from the audit file when the gateway starts again: the same entries, once each', async () => {
    const before = await readLog(base, scenario.tokens.citizenA);
    await app!.close();
    app = undefined;
    await startGateway();
    let after: ViewEntry[] = [];
    for (let i = 0; i < 100 && after.length < before.length; i++) {
      after = await readLog(base, scenario.tokens.citizenA);
      if (after.length < before.length) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(after).toEqual(before);
  });
});
