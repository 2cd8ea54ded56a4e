/**
 * The citizen access log end to end on the embedded profile: the real gateway (audit file, file
 * audit feed, in-memory log) and the real registry simulator, over real HTTP. Citizen A's token
 * lists exactly the lookups made about A, none about B, and the other way round.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SyncLifecycle } from '../../apps/gateway/src/dossier-relay/sync-lifecycle.service.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { DevCitizenTokenIssuer } from '@motlan/auth/citizen-token.js';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { expectExactly, readLog, runLookups, type Scenario, type ViewEntry } from '../support/access-log-scenario.js';
import { eventually } from '../support/eventually.js';
import { httpCall } from '../support/http.js';
import { simSamples } from '../support/sim-control.js';
import { e2eStack } from '../support/e2e-harness.js';

let sim: RunningRegistrySim;
let app: NestFastifyApplication;
let base: string;
let dataDir: string;
let scenario: Scenario;

const stack = e2eStack({ dataDirPrefix: 'motlan-access-log-', sim: { seed: 11, persons: 20_000 }, env: { MOTLAN_PORTAL_SYNC_WORKER: 'false' } });

/** The gateway again over the same data directory; its dossier sync has started when this resolves. */
async function startGateway(): Promise<void> {
  ({ app, base } = await stack.restartGateway());
  // Closing a gateway whose dossier sync is still starting would leave that sync's consumers running.
  await app.get(SyncLifecycle).whenStarted();
}

beforeAll(async () => {
  ({ sim, dataDir, app, base } = stack);
  await app.get(SyncLifecycle).whenStarted();
  scenario = await runLookups(base, dataDir, sim.controlUrl);
}, 60_000);

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
    expect(await readLog(base, scenario.tokens.citizenA, 100, `&from=${today}&to=${today}`)).toHaveLength(
      all.filter((e) => new Date(Date.parse(e.time) + 7 * 3600_000).toISOString().slice(0, 10) === today).length,
    );
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
    await startGateway();
    let after: ViewEntry[] = [];
    for (let i = 0; i < 100 && after.length < before.length; i++) {
      after = await readLog(base, scenario.tokens.citizenA);
      if (after.length < before.length) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(after).toEqual(before);
  });
});

describe('citizen access log: refusals counted apart, and people named in released records (embedded)', () => {
  const lookupHeaders = (reference: string) => ({ 'x-request-id': reference, 'x-officer-id': 'officer-named', 'x-purpose': '1.004222' });
  /** The log of `subjectId` once it holds the request `reference` (and `until` holds). */
  const logOnceItHas = async (subjectId: string, reference: string, until: (entry: ViewEntry) => boolean = () => true) => {
    const token = await new DevCitizenTokenIssuer({ dataDir }).issue({ subjectId });
    return eventually(`${reference} in the access log`, async () => {
      const log = await readLog(base, token);
      return log.some((e) => e.reference === reference && until(e)) ? log : undefined;
    });
  };
  /** Citizens the first scenario did not look up: their logs hold only what these tests do. */
  const freshPersons = async (n: number) =>
    (await simSamples(sim.controlUrl, 'population', 'person', n + 12)).filter((id) => id !== scenario.a && id !== scenario.b).slice(-n);

  it('shows a 50-item batch refused to a scopeless token as one entry with its count, and keeps the real history', async () => {
    const [citizen] = await freshPersons(1);
    const clients = new DevTokenIssuer({ dataDir });
    const reader = await clients.issue({ sub: 'one-stop-history', scope: 'population:read' });
    const scopeless = await clients.issue({ sub: 'scopeless-flooder', scope: '' });
    // What the citizen's log held before (earlier lookups may have named them in a household).
    const before = await readLog(base, await new DevCitizenTokenIssuer({ dataDir }).issue({ subjectId: citizen }));
    const real: string[] = [];
    for (let i = 0; i < 2; i++) {
      const reference = `al-real-${i}-${citizen.slice(-4)}`;
      const answer = await httpCall(base, 'GET', `/v1/registries/population/person/${citizen}?fields=fullName`, {
        token: reader,
        headers: lookupHeaders(reference),
      });
      expect(answer.status).toBe(200);
      real.push(reference);
    }
    const flood = `al-flood-${citizen.slice(-4)}`;
    const batch = await httpCall(base, 'POST', '/v1/lookups', {
      token: scopeless,
      headers: lookupHeaders(flood),
      body: { items: Array.from({ length: 50 }, () => ({ registry: 'population', dataset: 'person', subjectId: citizen, fields: ['fullName'] })) },
    });
    expect(batch.status).toBe(200);
    expect((batch.body.results as Array<{ status: number }>).map((r) => r.status)).toEqual(Array(50).fill(403));

    const log = await logOnceItHas(citizen, flood, (e) => e.count === 50);
    expect(log.map((e) => [e.reference, e.outcome, e.refusal, e.count, e.client.id])).toEqual([
      [flood, 'refused', 'missing_scope', 50, 'scopeless-flooder'],
      [real[1], 'answered', null, 1, 'one-stop-history'],
      [real[0], 'answered', null, 1, 'one-stop-history'],
      ...before.map((e) => [e.reference, e.outcome, e.refusal, e.count, e.client.id]),
    ]);
    expect(Date.parse(log[0].lastTime)).toBeGreaterThanOrEqual(Date.parse(log[0].time));
  });

  it("gives every other member of a household looked up an entry naming the field path, and leaves the subject's own entry as it was", async () => {
    const client = await new DevTokenIssuer({ dataDir }).issue({ sub: 'one-stop-household', scope: 'residence:read' });
    let found: { subject: string; reference: string; members: Array<{ personId: string }>; head: { personId: string } } | undefined;
    for (const subject of await simSamples(sim.controlUrl, 'residence', 'household', 30)) {
      if (subject === scenario.a || subject === scenario.b) continue;
      const reference = `al-household-${subject.slice(-6)}`;
      const answer = await httpCall(base, 'GET', `/v1/registries/residence/household/${subject}`, { token: client, headers: lookupHeaders(reference) });
      expect(answer.status).toBe(200);
      const data = answer.body.data as { members: Array<{ personId: string }>; head: { personId: string } };
      if (data.members.length >= 3) {
        found = { subject, reference, ...data };
        break;
      }
    }
    expect(found).toBeDefined();
    const { subject, reference, members, head } = found!;

    const own = (await logOnceItHas(subject, reference)).filter((e) => e.reference === reference);
    expect(own).toEqual([
      expect.objectContaining({ role: 'subject', fieldPaths: [], registry: 'residence', dataset: 'household', outcome: 'answered', count: 1 }),
    ]);
    for (const [i, member] of members.entries()) {
      if (member.personId === subject) continue;
      const entries = (await logOnceItHas(member.personId, reference)).filter((e) => e.reference === reference);
      const paths = [...(member.personId === head.personId ? ['head.personId'] : []), `members[${i}].personId`];
      expect(entries).toEqual([
        expect.objectContaining({
          role: 'named-in-record',
          fieldPaths: paths,
          registry: 'residence',
          dataset: 'household',
          outcome: 'answered',
          client: expect.objectContaining({ id: 'one-stop-household' }),
        }),
      ]);
      expect(entries[0].id).not.toBe(own[0].id);
      expect(JSON.stringify(entries)).not.toContain(subject);
    }
  });

  it('gives the person owning a parcel looked up an entry', async () => {
    const client = await new DevTokenIssuer({ dataDir }).issue({ sub: 'land-office-named', scope: 'land:read' });
    let found: { reference: string; owner: string; index: number } | undefined;
    for (const parcel of await simSamples(sim.controlUrl, 'land', 'parcel', 30)) {
      const reference = `al-parcel-${parcel}`;
      const answer = await httpCall(base, 'GET', `/v1/registries/land/parcel/${parcel}`, { token: client, headers: lookupHeaders(reference) });
      expect(answer.status).toBe(200);
      const owners = (answer.body.data as { owners: Array<{ kind: string; id: string }> }).owners;
      const index = owners.findIndex((o) => o.kind === 'person' && o.id !== scenario.a && o.id !== scenario.b);
      if (index >= 0) {
        found = { reference, owner: owners[index].id, index };
        break;
      }
    }
    expect(found).toBeDefined();
    const entries = (await logOnceItHas(found!.owner, found!.reference)).filter((e) => e.reference === found!.reference);
    expect(entries).toEqual([
      expect.objectContaining({
        role: 'named-in-record',
        fieldPaths: [`owners[${found!.index}].id`],
        registry: 'land',
        dataset: 'parcel',
        outcome: 'answered',
        count: 1,
      }),
    ]);
  });

  it('gives the spouse named in a marriage record read by a prefill an entry', async () => {
    const client = await new DevTokenIssuer({ dataDir }).issue({ sub: 'one-stop-prefill', scope: 'population:read civil-status:read' });
    const [mother] = (await simSamples(sim.controlUrl, 'civil-status', 'marriage', 12)).filter((id) => id !== scenario.a && id !== scenario.b).slice(-1);
    const reference = `al-prefill-${mother.slice(-6)}`;
    const answer = await httpCall(base, 'POST', '/v1/prefill', {
      token: client,
      headers: { ...lookupHeaders(reference), 'x-purpose': '1.001193' },
      body: { procedureCode: '1.001193', subjects: { mother } },
    });
    expect(answer.status).toBe(200);
    expect((answer.body.components as Array<{ code: string }>).map((c) => c.code)).toContain('GCNKH');
    // Who the certificate names, read apart (its own reference).
    const marriage = await httpCall(base, 'GET', `/v1/registries/civil-status/marriage/${mother}`, {
      token: client,
      headers: lookupHeaders(`${reference}-check`),
    });
    expect(marriage.status).toBe(200);
    const spouses = Object.entries(marriage.body.data as Record<string, { personId?: string }>).filter(
      ([, v]) => typeof v === 'object' && v !== null && v.personId !== undefined && v.personId !== mother,
    );
    expect(spouses).toHaveLength(1);
    const [[field, spouse]] = spouses as Array<[string, { personId: string }]>;
    const entries = (await logOnceItHas(spouse.personId, reference)).filter((e) => e.reference === reference);
    expect(entries).toEqual([
      expect.objectContaining({
        role: 'named-in-record',
        fieldPaths: [`${field}.personId`],
        registry: 'civil-status',
        dataset: 'marriage',
        outcome: 'answered',
      }),
    ]);
  });
});
