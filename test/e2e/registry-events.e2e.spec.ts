/**
 * Registry-to-registry events (issue 17, item 3), embedded profile, over real HTTP and gRPC: the
 * population registry is subscribed to deaths registered in civil status under the legal basis of
 * death registration (1.000656); a death registered in the simulated civil-status registry reaches
 * population once, population applies it (new record version, change event) and the next lookup
 * shows it. A subscription without a legal basis is refused. Corrections (item 4): filed by a
 * commune's clerk, relayed to population over its adapter (which applies it) or queued for the
 * residence registry's operators (who decide it), followed by the filing commune, shown in the
 * citizen's access log.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import type { RegistryEventAuditRecord, SubscriptionAuditRecord } from '@motlan/audit/audit-record.js';
import { DevCitizenTokenIssuer } from '@motlan/auth/citizen-token.js';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { ChangeEventPublisher } from '@motlan/events/change-event-publisher.service.js';
import { embeddedChangeEventLog } from '@motlan/events/embedded-change-event-log.js';
import { runMotlanCli } from '../../apps/gateway/src/cli/motlan-command.js';
import { RegistryEventJobs, RegistryEventsLifecycle } from '../../apps/gateway/src/subscriptions/registry-events.module.js';
import { ChangeEventRelay } from '../../apps/registry-sim/src/events/change-event-relay.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { readAuditRecords } from '../support/audit-trail.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders } from '../support/http.js';
import { simControl, simSamples } from '../support/sim-control.js';
import { e2eStack, onCleanup } from '../support/e2e-harness.js';

/** Death registration: reads civil-status/death under Luật Hộ tịch 2014, Điều 33, and population/person (alive). */
const DEATH_REGISTRATION = '1.000656';
/** Certified copies: reads civil-status/death by consent only, without a legal basis. */
const CERTIFIED_COPY = '2.000815';

interface DeliveryFigures {
  applied: number;
  duplicates: number;
  rejected: number;
  keys: string[];
}

let dataDir: string;
let sim: RunningRegistrySim;
let relay: ChangeEventRelay;
let app: NestFastifyApplication;
let base: string;
const tokens = { admin: '', reader: '', commune: '', otherCommune: '', residenceOperator: '' };

const stack = e2eStack({
  dataDirPrefix: 'motlan-registry-events-',
  sim: { seed: 17, persons: 20_000 },
  // A delivery to a registry that is down steps aside this long (10 s by default).
  env: { MOTLAN_REGISTRY_RELAY_OUTAGE_BACKOFF_MS: '300' },
  beforeGateway: ({ sim, dataDir }) => {
    // The simulator's change events, on the embedded bus the gateway reads (as `npm start` wires it).
    relay = new ChangeEventRelay(sim.registries, new ChangeEventPublisher({ log: embeddedChangeEventLog(dataDir), ownsLog: true }), pino({ level: 'silent' }));
    onCleanup('change event relay', () => relay.close());
  },
});

beforeAll(async () => {
  ({ dataDir, sim, app, base } = stack);
  const issuer = stack.clients;
  tokens.admin = await issuer.issue({ sub: 'national-admin', scope: 'subscriptions:read subscriptions:write' });
  tokens.reader = await issuer.issue({ sub: 'registry-auditor', scope: 'subscriptions:read' });
  tokens.commune = await issuer.issue({
    sub: 'commune-00004',
    commune: '00004',
    scope: 'population:read civil-status:read residence:read land:read corrections:write',
  });
  tokens.otherCommune = await issuer.issue({ sub: 'commune-00007', commune: '00007', scope: 'population:read corrections:write' });
  tokens.residenceOperator = await issuer.issue({ sub: 'residence-operator', scope: 'corrections:review:residence' });
});

const subscribe = (body: Record<string, unknown>, token = tokens.admin) =>
  httpCall<Record<string, unknown> & { id: string; invalidParams?: Array<{ name: string }> }>(base, 'POST', '/v1/subscriptions', { token, body });

const deathSubscription = {
  subscriber: 'population',
  sourceRegistry: 'civil-status',
  dataset: 'death',
  eventTypes: ['record.created'],
  fields: ['personId', 'registrationNumber', 'registeredDate'],
  procedure: DEATH_REGISTRATION,
};

const person = (id: string) =>
  httpCall<{ data: { alive: boolean }; meta: { version: string } }>(base, 'GET', `/v1/registries/population/person/${id}?fields=personId,alive`, {
    token: tokens.commune,
    headers: officerHeaders('officer-ev-1', DEATH_REGISTRATION),
  });

const deliveries = () => simControl<DeliveryFigures>(sim.controlUrl, 'GET', '/sim/registries/population/deliveries');

describe('subscriptions', () => {
  it('refuses a subscription without a legal basis, naming the member at fault', async () => {
    const byConsentOnly = await subscribe({ ...deathSubscription, procedure: CERTIFIED_COPY });
    expect(byConsentOnly.status).toBe(422);
    expect(byConsentOnly.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(byConsentOnly.body).toMatchObject({ code: 'legal_basis_missing', invalidParams: [{ name: 'procedure' }] });
    const unknownProcedure = await subscribe({ ...deathSubscription, procedure: '9.999998' });
    expect(unknownProcedure.body).toMatchObject({ code: 'legal_basis_missing', invalidParams: [{ name: 'procedure' }] });
    const beyondGrant = await subscribe({ ...deathSubscription, fields: ['personId', 'place'] });
    expect(beyondGrant.status).toBe(422);
    expect(beyondGrant.body).toMatchObject({ code: 'legal_basis_missing', invalidParams: [{ name: 'fields' }] });
    // The residence registry's adapter takes no events at all.
    const notTaken = await subscribe({ ...deathSubscription, subscriber: 'residence' });
    expect(notTaken.status).toBe(422);
    expect(notTaken.body).toMatchObject({ code: 'events_not_accepted' });
    const noScope = await subscribe(deathSubscription, tokens.reader);
    expect(noScope.status).toBe(403);
    expect(noScope.body).toMatchObject({ code: 'missing_scope', requiredScope: 'subscriptions:write' });
    expect((await httpCall<{ subscriptions: unknown[] }>(base, 'GET', '/v1/subscriptions', { token: tokens.reader })).body.subscriptions).toEqual([]);
  });

  it('creates, lists, reads and removes a subscription, each change audited', async () => {
    const created = await subscribe({ ...deathSubscription, dataset: 'marriage', fields: ['spouseA', 'spouseB'], procedure: '1.004222' });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/v1/subscriptions/${created.body.id}`);
    expect(created.body).toMatchObject({
      subscriber: 'population',
      dataset: 'marriage',
      legalBasis: expect.stringMatching(/Luật Cư trú/),
      createdBy: 'national-admin',
    });
    const again = await subscribe({ ...deathSubscription, dataset: 'marriage', fields: ['spouseA'], procedure: '1.004222' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'subscription_exists', subscriptionId: created.body.id });
    const read = await httpCall(base, 'GET', `/v1/subscriptions/${created.body.id}`, { token: tokens.reader });
    expect(read.body).toEqual(created.body);
    const listed = await httpCall<{ subscriptions: Array<{ id: string }> }>(base, 'GET', '/v1/subscriptions?sourceRegistry=civil-status', {
      token: tokens.reader,
    });
    expect(listed.body.subscriptions.map((s) => s.id)).toEqual([created.body.id]);
    const removed = await httpCall(base, 'DELETE', `/v1/subscriptions/${created.body.id}`, { token: tokens.admin });
    expect(removed.status).toBe(200);
    expect((await httpCall(base, 'GET', `/v1/subscriptions/${created.body.id}`, { token: tokens.reader })).body).toMatchObject({
      code: 'subscription_not_found',
    });
    const audit = readAuditRecords<SubscriptionAuditRecord>(path.join(dataDir, 'audit')).filter((r) => r.type === 'subscription');
    expect(audit.map((r) => [r.action, r.subscriptionId, r.clientId])).toEqual([
      ['create', created.body.id, 'national-admin'],
      ['remove', created.body.id, 'national-admin'],
    ]);
  });
});

describe('subscriptions through the CLI', () => {
  it('adds, lists and removes a subscription, exiting 1 on a refusal', async () => {
    const cli = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const write = (into: string[]) => ({ write: (text: string) => into.push(text) });
      const code = await runMotlanCli(argv, { MOTLAN_URL: base, MOTLAN_DATA_DIR: dataDir }, write(out), write(err));
      return { code, out: out.join(''), err: err.join('') };
    };
    const file = path.join(dataDir, 'cli-subscription.json');
    writeFileSync(file, JSON.stringify({ ...deathSubscription, dataset: 'birth', fields: ['personId', 'fullName'], procedure: '2.000635' }));
    const added = await cli('subscriptions', 'add', file);
    expect(added).toMatchObject({ code: 0, out: expect.stringMatching(/^subscribed population to civil-status\/birth record.created under 2.000635 \(/) });
    const id = /\(([0-9a-f-]{36})\)/.exec(added.out)![1];
    expect((await cli('subscriptions', 'list')).out).toMatch(new RegExp(`${id}\\s+population\\s+civil-status/birth\\s+record.created`));
    writeFileSync(file, JSON.stringify({ ...deathSubscription, procedure: CERTIFIED_COPY }));
    const refused = await cli('subscriptions', 'add', file);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/legal_basis_missing/);
    expect(await cli('subscriptions', 'remove', id)).toMatchObject({ code: 0, out: expect.stringMatching(/^removed population to civil-status\/birth/) });
    expect((await cli('subscriptions', 'list')).out).toBe('no subscriptions\n');
  });
});

describe('a death registered in civil status', () => {
  it('reaches population exactly once, which applies it; the next lookup shows it', async () => {
    const [deceased, other] = await simSamples(sim.controlUrl, 'population', 'person', 2);
    const before = await person(deceased);
    expect(before.status).toBe(200);
    expect(before.body.data.alive).toBe(true);
    expect((await person(deceased)).headers.get('x-cache')).toBe('HIT');

    const subscription = await subscribe(deathSubscription);
    expect(subscription.status).toBe(201);
    // The worker follows the civil-status change events from now on.
    await app.get(RegistryEventsLifecycle).following();

    const registered = await simControl<{ subjectIds: string[] }>(sim.controlUrl, 'POST', '/sim/civil-status/registrations', {
      kind: 'death',
      personId: deceased,
    });
    expect(registered.subjectIds).toEqual([deceased]);
    const after = await eventually('the death in the population lookup', async () => {
      const answer = await person(deceased);
      return answer.body.data?.alive === false ? answer : undefined;
    });
    expect(BigInt(after.body.meta.version)).toBe(BigInt(before.body.meta.version) + 1n);

    // A second death flows through after it: the first one was not delivered again.
    await simControl(sim.controlUrl, 'POST', '/sim/civil-status/registrations', { kind: 'death', personId: other });
    await eventually('the second death in population', async () => ((await person(other)).body.data?.alive === false ? true : undefined));
    const figures = await deliveries();
    expect(figures.applied).toBe(2);
    expect(figures.rejected).toBe(0);
    expect(figures.keys.filter((k) => k.startsWith(`${subscription.body.id}#`))).toHaveLength(2);

    // The lookup can show the death (population's change event) before the relay has the registry's
    // answer and writes its audit record: wait for the record.
    const auditedOf = () =>
      readAuditRecords<RegistryEventAuditRecord>(path.join(dataDir, 'audit')).filter((r) => r.type === 'registry_event' && r.subjectId === deceased);
    const audited = await eventually('the delivery audited', async () => (auditedOf().length > 0 ? auditedOf() : undefined));
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({
      kind: 'record-event',
      target: 'population',
      sourceRegistry: 'civil-status',
      dataset: 'death',
      eventType: 'record.created',
      referenceId: subscription.body.id,
      procedure: DEATH_REGISTRATION,
      outcome: 'delivered',
      recordVersion: after.body.meta.version,
    });
  });
});

describe('a subscriber that is down', () => {
  it('gets the death once it is back, exactly once, without dead letters', async () => {
    const subscription = (
      await httpCall<{ subscriptions: Array<{ id: string; dataset: string }> }>(base, 'GET', '/v1/subscriptions?subscriber=population', {
        token: tokens.reader,
      })
    ).body.subscriptions.find((s) => s.dataset === 'death')!;
    const [deceased] = (await simSamples(sim.controlUrl, 'population', 'person', 50, '&province=79')).filter(
      (id) => sim.registries.lookup('population', { dataset: 'person', subjectId: id, fields: ['alive'] }).record?.alive === true,
    );
    const jobs = app.get(RegistryEventJobs);
    const waitsBefore = jobs.relay.stats.outageWaits;
    const before = await deliveries();
    await simControl(sim.controlUrl, 'PUT', '/sim/registries/population/faults', { down: true });
    try {
      await simControl(sim.controlUrl, 'POST', '/sim/civil-status/registrations', { kind: 'death', personId: deceased });
      await eventually('the relay waiting for population', async () => (jobs.relay.stats.outageWaits > waitsBefore ? true : undefined));
      expect((await deliveries()).applied).toBe(before.applied);
    } finally {
      await simControl(sim.controlUrl, 'DELETE', '/sim/registries/population/faults');
    }
    await eventually('the death applied after the outage', async () =>
      sim.registries.lookup('population', { dataset: 'person', subjectId: deceased, fields: ['alive'] }).record?.alive === false ? true : undefined,
    );
    const after = await deliveries();
    expect(after.applied).toBe(before.applied + 1);
    expect(after.keys.filter((k) => k.startsWith(`${subscription.id}#`))).toHaveLength(
      before.keys.filter((k) => k.startsWith(`${subscription.id}#`)).length + 1,
    );
    // The registry applies the death before the gateway has its answer and writes the audit record:
    // wait for the record, then check it is the only one.
    const recordsOfDeath = () =>
      readAuditRecords<RegistryEventAuditRecord>(path.join(dataDir, 'audit')).filter((r) => r.type === 'registry_event' && r.subjectId === deceased);
    const dead = await eventually('the delivery audited', async () => (recordsOfDeath().length > 0 ? recordsOfDeath() : undefined));
    expect(dead.map((r) => r.outcome)).toEqual(['delivered']);
  });
});

describe('a birth registered in civil status', () => {
  it('creates the new-born’s person record in population, which a lookup then finds', async () => {
    const subscription = await subscribe({
      ...deathSubscription,
      dataset: 'birth',
      fields: ['personId', 'fullName', 'dateOfBirth', 'sex', 'fatherId', 'motherId'],
      procedure: '2.000635',
    });
    expect(subscription.status).toBe(201);
    await app.get(RegistryEventsLifecycle).following();
    const mother = (await simSamples(sim.controlUrl, 'population', 'person', 100)).find(
      // Alive: the deaths registered above are of sampled persons too.
      (id) => {
        const record = sim.registries.lookup('population', { dataset: 'person', subjectId: id, fields: ['sex', 'alive'] }).record;
        return record?.sex === 'female' && record.alive === true;
      },
    );
    const birth = await simControl<{ subjectIds: string[] }>(sim.controlUrl, 'POST', '/sim/civil-status/registrations', {
      kind: 'birth',
      motherId: mother,
      fullName: 'Trần Thị Mai',
      sex: 'female',
    });
    const [child] = birth.subjectIds;
    const found = await eventually('the new-born in population', async () => {
      const answer = await httpCall<{ data: Record<string, unknown> }>(
        base,
        'GET',
        `/v1/registries/population/person/${child}?fields=fullName,motherId`,
        // Copies of civil-status extracts read the person's parents.
        { token: tokens.commune, headers: officerHeaders('officer-ev-2', '2.000635') },
      );
      return answer.status === 200 ? answer.body.data : undefined;
    });
    expect(found).toEqual({ fullName: 'Trần Thị Mai', motherId: mother });
  });
});

describe('dead letters of the registry-event relay', () => {
  it('a delivery the subscriber refuses is dead-lettered with its reason, and replayed on demand', async () => {
    // Fields that leave the spouses out: population cannot apply the marriage and refuses it.
    const subscription = await subscribe({
      ...deathSubscription,
      dataset: 'marriage',
      fields: ['registrationNumber', 'registeredDate'],
      procedure: '1.004222',
    });
    expect(subscription.status).toBe(201);
    await app.get(RegistryEventsLifecycle).following();
    const persons = (await simSamples(sim.controlUrl, 'population', 'person', 200)).map((id): Record<string, unknown> & { id: string } => ({
      id,
      ...(sim.registries.lookup('population', { dataset: 'person', subjectId: id, fields: ['sex', 'maritalStatus', 'alive'] }).record as Record<
        string,
        unknown
      >),
    }));
    const single = persons.filter((p) => p.maritalStatus === 'DOC_THAN' && p.alive === true);
    const husband = single.find((p) => p.sex === 'male')?.id;
    const wife = single.find((p) => p.sex === 'female')?.id;
    expect(husband && wife).toBeTruthy();
    const rejectedBefore = (await deliveries()).rejected;
    await simControl(sim.controlUrl, 'POST', '/sim/civil-status/registrations', { kind: 'marriage', personId: husband, spouseId: wife });
    const dead = () =>
      readAuditRecords<RegistryEventAuditRecord>(path.join(dataDir, 'audit')).filter(
        (r) => r.type === 'registry_event' && r.referenceId === subscription.body.id && r.outcome === 'dead_lettered',
      );
    await eventually('both spouses’ deliveries dead-lettered', async () => (dead().length === 2 ? true : undefined));
    expect(dead()[0].reason).toMatch(/^registry rejected it: the marriage record names no other spouse/);
    expect((await deliveries()).rejected).toBe(rejectedBefore + 2);

    const ops = await new DevTokenIssuer({ dataDir }).issue({ sub: 'ops', scope: 'ops:write' });
    const replay = await httpCall<{ replayed: number }>(base, 'POST', '/v1/ops/registry-events/dead-letters/replay', { token: ops });
    expect(replay.body).toEqual({ replayed: 2 });
    // Still refused: back in the dead-letter topic with the reason, and not replayed twice.
    await eventually('the replayed deliveries refused again', async () => (dead().length === 4 ? true : undefined));
    expect((await httpCall(base, 'DELETE', `/v1/subscriptions/${subscription.body.id}`, { token: tokens.admin })).status).toBe(200);
  });
});

interface CorrectionView {
  id: string;
  state: string;
  route: string;
  delivery: string | null;
  reason: string | null;
  recordVersion: string | null;
  history: Array<{ state: string; by: string }>;
  code?: string;
}

interface AccessLogView {
  entries: Array<{ registry: string | null; dataset: string | null; fields: string[]; correction: { id: string; state: string | null } | null }>;
}

const fileCorrection = (body: Record<string, unknown>, token = tokens.commune) => httpCall<CorrectionView>(base, 'POST', '/v1/corrections', { token, body });
const correction = (id: string, token = tokens.commune) => httpCall<CorrectionView>(base, 'GET', `/v1/corrections/${id}`, { token });

describe('corrections', () => {
  it('a correction over the adapter: filed, relayed, accepted, applied; the next lookup and the citizen’s log show it', async () => {
    const [subject] = await simSamples(sim.controlUrl, 'population', 'person', 1, '&province=31');
    const readName = () =>
      httpCall<{ data: { fullName: string }; meta: { version: string } }>(base, 'GET', `/v1/registries/population/person/${subject}?fields=fullName`, {
        token: tokens.commune,
        headers: officerHeaders('officer-corr-1', '1.004222'),
      });
    const before = await readName();
    expect(before.status).toBe(200);
    const proposed = `${before.body.data.fullName} Sửa`;
    const filed = await fileCorrection({
      registry: 'population',
      dataset: 'person',
      subjectId: subject,
      field: 'fullName',
      valueSeen: before.body.data.fullName,
      valueProposed: proposed,
      evidenceRef: 'HS-00004-2026-000123/GKS',
      officerId: 'officer-corr-1',
      purpose: '1.004222',
    });
    expect(filed.status).toBe(201);
    expect(filed.headers.get('location')).toBe(`/v1/corrections/${filed.body.id}`);
    expect(filed.body).toMatchObject({ state: 'open', route: 'adapter', delivery: 'queued' });

    const applied = await eventually('the correction applied', async () => {
      const now = await correction(filed.body.id);
      return now.body.state === 'applied' ? now.body : undefined;
    });
    expect(applied.history.map((h) => h.state)).toEqual(['open', 'accepted', 'applied']);
    expect(applied.history[2].by).toBe('registry:population');
    expect(BigInt(applied.recordVersion ?? '0')).toBe(BigInt(before.body.meta.version) + 1n);
    // The filing commune follows it; another commune does not see it.
    expect((await correction(filed.body.id, tokens.otherCommune)).body).toMatchObject({ code: 'correction_not_found' });

    const after = await eventually('the new value in the lookup', async () => {
      const answer = await readName();
      return answer.body.data?.fullName === proposed ? answer : undefined;
    });
    expect(after.body.meta.version).toBe(applied.recordVersion);

    const citizen = await new DevCitizenTokenIssuer({ dataDir }).issue({ subjectId: subject });
    const entries = await eventually('the correction in the citizen’s access log', async () => {
      const log = await httpCall<AccessLogView>(base, 'GET', '/v1/me/access-log?limit=100', { token: citizen });
      const mine = log.body.entries.filter((e) => e.correction?.id === filed.body.id);
      return mine.length === 2 ? mine : undefined;
    });
    expect(entries.map((e) => e.correction?.state).sort()).toEqual(['applied', 'open']);
    expect(entries[0]).toMatchObject({ registry: 'population', dataset: 'person', fields: ['fullName'] });
  });

  it('a correction whose seen value the registry does not hold is rejected with its reason', async () => {
    const [subject] = await simSamples(sim.controlUrl, 'population', 'person', 1, '&province=01');
    const filed = await fileCorrection({
      registry: 'population',
      dataset: 'person',
      subjectId: subject,
      field: 'fullName',
      valueSeen: 'Không Phải Tên Này',
      valueProposed: 'Tên Khác',
      evidenceRef: 'HS-00004-2026-000124',
      officerId: 'officer-corr-1',
      purpose: '1.004222',
    });
    expect(filed.status).toBe(201);
    const rejected = await eventually('the correction rejected', async () => {
      const now = await correction(filed.body.id);
      return now.body.state === 'rejected' ? now.body : undefined;
    });
    expect(rejected.reason).toMatch(/value seen/);
  });

  it('a registry whose adapter takes no corrections: its operators read the queue and decide', async () => {
    const [subject] = await simSamples(sim.controlUrl, 'residence', 'household', 1);
    const filed = await fileCorrection({
      registry: 'residence',
      dataset: 'household',
      subjectId: subject,
      field: 'permanentAddress',
      valueSeen: { line: 'Số 1' },
      valueProposed: { line: 'Số 10' },
      evidenceRef: 'HS-00004-2026-000125',
      officerId: 'officer-corr-2',
      purpose: '1.004222',
    });
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ state: 'open', route: 'operator_queue', delivery: null });
    const queue = await httpCall<{ corrections: Array<{ id: string }> }>(base, 'GET', '/v1/corrections?registry=residence', {
      token: tokens.residenceOperator,
    });
    expect(queue.body.corrections.map((c) => c.id)).toContain(filed.body.id);
    const notTheirs = await httpCall(base, 'GET', '/v1/corrections?registry=population', { token: tokens.residenceOperator });
    expect(notTheirs.status).toBe(403);
    expect(notTheirs.body).toMatchObject({ code: 'missing_scope', requiredScope: 'corrections:review:population' });

    const decide = (body: Record<string, unknown>) =>
      httpCall<CorrectionView>(base, 'POST', `/v1/corrections/${filed.body.id}/decision`, { token: tokens.residenceOperator, body });
    expect((await decide({ state: 'accepted' })).body).toMatchObject({ state: 'accepted' });
    const applied = await decide({ state: 'applied', recordVersion: '4' });
    expect(applied.body).toMatchObject({ state: 'applied', recordVersion: '4' });
    const again = await decide({ state: 'rejected', reason: 'too late' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'correction_state_conflict', state: 'applied' });
    // The filing commune follows it to the end.
    expect((await correction(filed.body.id)).body.history.map((h) => h.state)).toEqual(['open', 'accepted', 'applied']);
    // The clerk cannot decide it.
    expect((await httpCall(base, 'POST', `/v1/corrections/${filed.body.id}/decision`, { token: tokens.commune, body: { state: 'accepted' } })).status).toBe(
      404,
    );
  });

  it('refuses a field the procedure does not read, and bad input naming the field', async () => {
    const [subject] = await simSamples(sim.controlUrl, 'population', 'person', 1);
    const base_ = {
      registry: 'population',
      dataset: 'person',
      subjectId: subject,
      field: 'occupation',
      valueSeen: 'a',
      valueProposed: 'b',
      evidenceRef: 'HS-1',
      officerId: 'officer-corr-3',
      purpose: '1.004222',
    };
    const notRead = await fileCorrection(base_);
    expect(notRead.status).toBe(403);
    expect(notRead.body).toMatchObject({ code: 'purpose_not_allowed' });
    const unknownField = await fileCorrection({ ...base_, field: 'shoeSize' });
    expect(unknownField.body).toMatchObject({ code: 'unknown_field', invalidParams: [{ name: 'field' }] });
    const badSubject = await fileCorrection({ ...base_, field: 'fullName', subjectId: '12345' });
    expect(badSubject.body).toMatchObject({ code: 'invalid_subject_id', invalidParams: [{ name: 'subjectId' }] });
    const noValue = await fileCorrection({ ...base_, field: 'fullName', valueProposed: undefined });
    expect(noValue.status).toBe(400);
    expect(noValue.body).toMatchObject({ code: 'validation_failed', invalidParams: [{ name: 'valueProposed' }] });
    const same = await fileCorrection({ ...base_, field: 'fullName', valueProposed: 'a' });
    expect(same.body).toMatchObject({ code: 'validation_failed', invalidParams: [{ name: 'valueProposed' }] });
  });
});

describe('consistency checks in prefill', () => {
  it('returns the name population and residence disagree on, with both sources', async () => {
    const [applicant] = await simSamples(sim.controlUrl, 'population', 'person', 1, '&province=01');
    const household = sim.registries.lookup('residence', { dataset: 'household', subjectId: applicant, fields: ['head'] }).record as {
      head: { personId: string; fullName: string };
    };
    const head = household.head.personId;
    // Population's record of the household head now holds another name than the residence registry's.
    const change = sim.registries.applyFields('population', 'person', head, { fullName: 'Tên Khác Hẳn' });
    const answer = await httpCall<{
      conflicts: Array<{ personId: string; fact: string; sources: Array<{ registry: string; path: string; value: unknown; version: string }> }>;
    }>(base, 'POST', '/v1/prefill', {
      token: tokens.commune,
      headers: { 'x-officer-id': 'officer-prefill-1' },
      body: { procedureCode: '1.004222', subjects: { applicant } },
    });
    expect(answer.status).toBe(200);
    const names = answer.body.conflicts.filter((c) => c.personId === head && c.fact === 'fullName');
    expect(names).toHaveLength(1);
    expect(names[0].sources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ registry: 'population', path: 'fullName', value: 'Tên Khác Hẳn', version: String(change.version) }),
        expect.objectContaining({ registry: 'residence', path: 'head.fullName', value: household.head.fullName }),
      ]),
    );
    // Civil status holds the name too when the head's birth record was read (the applicant is the head): three sources then.
    expect(new Set(names[0].sources.map((source) => source.registry)).size).toBe(names[0].sources.length);
  });
});
