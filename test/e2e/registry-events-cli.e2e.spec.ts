/**
 * Registry events and corrections for operators (issue 17, leftovers), embedded profile, against a
 * running gateway and simulated registries: the CLI's subscription and correction commands (with
 * their refusals and usage errors), If-Match on a correction's decision (412 precondition_failed),
 * the relay's delivery metrics, and the relay's consumer groups in the lag monitor (/ops and
 * /metrics).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { MOTLAN_CLI_USAGE, runMotlanCli } from '../../apps/gateway/src/cli/motlan-command.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall, metricValue, officerHeaders } from '../support/http.js';
import { simSamples } from '../support/sim-control.js';

let dataDir: string;
let sim: RunningRegistrySim;
let app: NestFastifyApplication;
let base: string;
const tokens = { commune: '', residenceOperator: '', otherOperator: '', ops: '' };

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-registry-events-cli-'));
  sim = await startRegistrySim({ seed: 23, persons: 5_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  const issuer = new DevTokenIssuer({ dataDir });
  await issuer.ensureKeys();
  tokens.commune = await issuer.issue({ sub: 'commune-00004', commune: '00004', scope: 'population:read corrections:write' });
  tokens.residenceOperator = await issuer.issue({ sub: 'residence-operator', scope: 'corrections:review:residence' });
  tokens.otherOperator = await issuer.issue({ sub: 'residence-operator-2', scope: 'corrections:review:residence' });
  tokens.ops = await issuer.issue({ sub: 'ops', scope: 'ops:read' });
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: dataDir,
    PORT: '0',
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([r, e]) => `${r}=${e}`)
      .join(','),
  });
  ({ app } = await createGatewayApp(config, pino({ level: process.env.E2E_LOG ?? 'silent' })));
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
});

afterAll(async () => {
  await app?.close();
  await sim?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The CLI against this gateway; without MOTLAN_TOKEN it issues itself the dev administrator token from the data directory. */
async function cli(argv: string[], token?: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = (into: string[]) => ({ write: (text: string) => into.push(text) });
  const env = { MOTLAN_URL: base, MOTLAN_DATA_DIR: dataDir, ...(token ? { MOTLAN_TOKEN: token } : {}) };
  const code = await runMotlanCli(argv, env, write(out), write(err));
  return { code, out: out.join(''), err: err.join('') };
}

function jsonFile(name: string, value: unknown): string {
  const file = path.join(dataDir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

interface CorrectionView {
  id: string;
  state: string;
  route: string;
  delivery: string | null;
  reason: string | null;
  recordVersion: string | null;
  history: Array<{ state: string; by: string }>;
  code?: string;
  currentRevision?: number;
}

describe('help and usage', () => {
  it('documents the subscription and correction commands, and refuses bad usage with exit 2 before calling the gateway', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toBe(MOTLAN_CLI_USAGE);
    for (const line of ['subscriptions create <file.json>', 'subscriptions delete <id>', 'corrections file <file.json>', 'corrections list <registry>'])
      expect(help.out).toContain(line);
    for (const line of ['corrections reject <id> --reason <text>', 'corrections apply <id> --record-version <n>', '--if-match <n>'])
      expect(help.out).toContain(line);

    const id = '3f0c7c1e-0d3a-4f0e-9a51-1c2f0e6b8a10';
    const usage: Array<[string[], RegExp]> = [
      [['corrections'], /which corrections command\?/],
      [['corrections', 'undo', id], /unknown corrections command "undo"/],
      [['corrections', 'list'], /corrections list needs <registry>/],
      [['corrections', 'reject', id], /corrections reject needs --reason <text>/],
      [['corrections', 'apply', id], /corrections apply needs --record-version <n>/],
      [['corrections', 'apply', id, '--record-version', 'v2'], /--record-version <n>/],
      [['corrections', 'list', 'residence', '--state', 'closed'], /--state must be one of open, accepted, rejected, applied/],
      [['corrections', 'accept', id, '--state', 'open'], /--state is an option of corrections list/],
      [['corrections', 'show', id, '--if-match', '2'], /--if-match is an option of corrections accept, reject and apply/],
      [['corrections', 'accept', id, '--if-match', 'abc'], /--if-match must be a correction revision/],
      [['subscriptions', 'delete'], /subscriptions delete needs <id>/],
      [['subscriptions', 'list', '--record-version', '2'], /options of corrections commands/],
    ];
    for (const [argv, message] of usage) {
      const answer = await cli(argv);
      expect({ argv, code: answer.code, out: answer.out }).toEqual({ argv, code: 2, out: '' });
      expect(answer.err).toMatch(message);
    }
  });
});

describe('subscriptions through the CLI', () => {
  it('creates, shows, lists and deletes a subscription; a refusal exits 1 with the problem code', async () => {
    const file = jsonFile('sub-birth.json', {
      subscriber: 'population',
      sourceRegistry: 'civil-status',
      dataset: 'birth',
      eventTypes: ['record.created'],
      fields: ['personId', 'fullName'],
      procedure: '2.000635',
    });
    const created = await cli(['subscriptions', 'create', file]);
    expect(created).toMatchObject({
      code: 0,
      err: '',
      out: expect.stringMatching(/^subscribed population to civil-status\/birth record.created under 2.000635 \(/),
    });
    const id = /\(([0-9a-f-]{36})\)/.exec(created.out)![1];

    const shown = await cli(['subscriptions', 'show', id]);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain(`id:          ${id}`);
    expect(shown.out).toMatch(/legal basis: \S/);
    expect(JSON.parse((await cli(['subscriptions', 'show', id, '--json'])).out)).toMatchObject({ id, subscriber: 'population', dataset: 'birth' });
    expect((await cli(['subscriptions', 'list'])).out).toMatch(new RegExp(`${id}\\s+population\\s+civil-status/birth\\s+record.created`));

    const again = await cli(['subscriptions', 'create', file]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/409 subscription_exists/);
    expect(again.err).toContain(`subscriptionId: ${id}`);

    expect(await cli(['subscriptions', 'delete', id])).toMatchObject({ code: 0, out: expect.stringMatching(/^removed population to civil-status\/birth/) });
    const gone = await cli(['subscriptions', 'show', id]);
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/404 subscription_not_found/);
    expect((await cli(['subscriptions', 'list'])).out).toBe('no subscriptions\n');

    const unreadable = await cli(['subscriptions', 'create', path.join(dataDir, 'no-such-file.json')]);
    expect(unreadable).toMatchObject({ code: 1, err: expect.stringMatching(/cannot read .*no-such-file.json: ENOENT/) });
  });
});

describe('corrections through the CLI', () => {
  const residenceCorrection = (subjectId: string, line: string) => ({
    registry: 'residence',
    dataset: 'household',
    subjectId,
    field: 'permanentAddress',
    valueSeen: { line: 'Số 1' },
    valueProposed: { line },
    evidenceRef: 'HS-00004-2026-000201',
    officerId: 'officer-cli-1',
    purpose: '1.004222',
  });

  it('files to an operator queue, lists it by registry, shows it, accepts and applies it; a late rejection exits 1', async () => {
    const [subject] = await simSamples(sim.controlUrl, 'residence', 'household', 1);
    const filed = await cli(['corrections', 'file', jsonFile('corr-1.json', residenceCorrection(subject, 'Số 12'))], tokens.commune);
    expect(filed).toMatchObject({
      code: 0,
      err: '',
      out: expect.stringMatching(/^filed residence\/household permanentAddress of .* to the operator queue \(/),
    });
    const id = /\(([0-9a-f-]{36}), revision 1\)/.exec(filed.out)![1];

    const queue = await cli(['corrections', 'list', 'residence'], tokens.residenceOperator);
    expect(queue.code).toBe(0);
    expect(queue.out).toMatch(new RegExp(`${id}\\s+open\\s+household\\s+${subject}\\s+permanentAddress\\s+operator_queue`));
    expect((await cli(['corrections', 'list', 'residence', '--state', 'applied'], tokens.residenceOperator)).out).toBe(
      'no applied corrections for residence\n',
    );
    const notTheirs = await cli(['corrections', 'list', 'population'], tokens.residenceOperator);
    expect(notTheirs.code).toBe(1);
    expect(notTheirs.err).toMatch(/403 missing_scope/);
    expect(notTheirs.err).toContain('requiredScope: corrections:review:population');

    const shown = await cli(['corrections', 'show', id], tokens.commune);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('proposed:   {"line":"Số 12"}');
    expect(shown.out).toMatch(/state:\s+open\n/);
    expect(shown.out).toMatch(/revision:\s+1\n/);

    const accepted = await cli(['corrections', 'accept', id, '--if-match', '1'], tokens.residenceOperator);
    expect(accepted).toMatchObject({ code: 0, out: expect.stringMatching(/^accepted residence\/household .*revision 2\)\n$/) });
    const applied = await cli(['corrections', 'apply', id, '--record-version', '5'], tokens.residenceOperator);
    expect(applied).toMatchObject({ code: 0, out: expect.stringMatching(/^applied residence\/household/) });
    const late = await cli(['corrections', 'reject', id, '--reason', 'too late now'], tokens.residenceOperator);
    expect(late.code).toBe(1);
    expect(late.err).toMatch(/409 correction_state_conflict/);
    expect(late.err).toContain('state: applied');
    const json = JSON.parse((await cli(['corrections', 'show', id, '--json'], tokens.commune)).out) as CorrectionView;
    expect(json).toMatchObject({ id, state: 'applied', recordVersion: '5' });
    expect(json.history.map((h) => h.state)).toEqual(['open', 'accepted', 'applied']);

    // A filing the gateway refuses: exit 1 with the problem and the member at fault.
    const refused = await cli(
      ['corrections', 'file', jsonFile('corr-bad.json', { ...residenceCorrection(subject, 'Số 13'), field: 'shoeSize' })],
      tokens.commune,
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/400 unknown_field: .*\n {2}- field: /);
  });

  it('refuses a decision based on a revision someone else moved: 412 precondition_failed, nothing changed', async () => {
    const [subject] = await simSamples(sim.controlUrl, 'residence', 'household', 2);
    const filed = await httpCall<CorrectionView>(base, 'POST', '/v1/corrections', { token: tokens.commune, body: residenceCorrection(subject, 'Số 14') });
    expect(filed.status).toBe(201);
    expect(filed.headers.get('etag')).toBe('"1"');
    const read = await httpCall<CorrectionView>(base, 'GET', `/v1/corrections/${filed.body.id}`, { token: tokens.residenceOperator });
    const etag = read.headers.get('etag')!;
    expect(etag).toBe('"1"');

    // Two operators read revision 1; the first to decide wins.
    const decide = (token: string, body: Record<string, unknown>, ifMatch?: string) =>
      httpCall<CorrectionView>(base, 'POST', `/v1/corrections/${filed.body.id}/decision`, {
        token,
        body,
        headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
      });
    const first = await decide(tokens.residenceOperator, { state: 'accepted' }, etag);
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe('"2"');
    const second = await decide(tokens.otherOperator, { state: 'rejected', reason: 'the certificate is unreadable' }, etag);
    expect(second.status).toBe(412);
    expect(second.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(second.body).toMatchObject({ code: 'precondition_failed', status: 412, currentRevision: 2, state: 'accepted' });
    expect((await httpCall<CorrectionView>(base, 'GET', `/v1/corrections/${filed.body.id}`, { token: tokens.commune })).body.state).toBe('accepted');

    // Through the CLI: the same refusal, with what to read again.
    const stale = await cli(['corrections', 'reject', filed.body.id, '--reason', 'the certificate is unreadable', '--if-match', '1'], tokens.otherOperator);
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/412 precondition_failed: .*\n/);
    expect(stale.err).toContain('currentRevision: 2');

    const malformed = await decide(tokens.residenceOperator, { state: 'applied', recordVersion: '3' }, 'revision-two');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'validation_failed', invalidParams: [{ name: 'If-Match' }] });
    // With the current revision (weak form accepted, as the procedure catalog takes it), the decision goes through.
    const applied = await decide(tokens.residenceOperator, { state: 'applied', recordVersion: '3' }, 'W/"2"');
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ state: 'applied', recordVersion: '3' });
    expect(applied.headers.get('etag')).toBe('"3"');
  });
});

describe('relay metrics and lag monitoring of registry events', () => {
  it('counts a correction delivered to population with its latency, and one the registry refuses as dead-lettered', async () => {
    const [good, bad] = await simSamples(sim.controlUrl, 'population', 'person', 2, '&province=01');
    const before = await httpCall<{ data: { fullName: string } }>(base, 'GET', `/v1/registries/population/person/${good}?fields=fullName`, {
      token: tokens.commune,
      headers: officerHeaders('officer-cli-2', '1.004222'),
    });
    expect(before.status).toBe(200);
    const correctionOf = (subjectId: string, valueSeen: string) => ({
      registry: 'population',
      dataset: 'person',
      subjectId,
      field: 'fullName',
      valueSeen,
      valueProposed: `${valueSeen} Sửa`,
      evidenceRef: 'HS-00004-2026-000202',
      officerId: 'officer-cli-2',
      purpose: '1.004222',
    });
    const labels = 'subscriber="population",source="population",event_type="correction.proposed"';
    const counted = (outcome: string) => metricValue(base, new RegExp(`^motlan_registry_event_deliveries_total\\{${labels},outcome="${outcome}"\\} `));
    const delivered0 = (await counted('delivered')) ?? 0;
    const deadLettered0 = (await counted('dead_lettered')) ?? 0;

    const filed = await cli(['corrections', 'file', jsonFile('corr-pop.json', correctionOf(good, before.body.data.fullName)), '--json'], tokens.commune);
    expect(filed.code).toBe(0);
    const id = (JSON.parse(filed.out) as CorrectionView).id;
    await eventually('the correction applied', async () => {
      const shown = await cli(['corrections', 'show', id, '--json'], tokens.commune);
      return (JSON.parse(shown.out) as CorrectionView).state === 'applied' ? true : undefined;
    });
    // The audit record and the life cycle come before the count: wait for the count itself.
    await eventually('the delivery counted', async () => ((await counted('delivered')) === delivered0 + 1 ? true : undefined));
    const timed = await metricValue(base, new RegExp(`^motlan_registry_event_delivery_seconds_count\\{${labels}\\} `));
    expect(timed).toBeGreaterThanOrEqual(1);

    const refused = await cli(['corrections', 'file', jsonFile('corr-pop-bad.json', correctionOf(bad, 'Không Phải Tên Này'))], tokens.commune);
    expect(refused.code).toBe(0);
    await eventually('the refusal counted as dead-lettered', async () => ((await counted('dead_lettered')) === deadLettered0 + 1 ? true : undefined));
    // Labels stay bounded: no subject, correction or subscription id in any series of these metrics.
    const text = await (await fetch(`${base}/metrics`)).text();
    const series = text.split('\n').filter((l) => l.startsWith('motlan_registry_event_'));
    expect(series.length).toBeGreaterThan(0);
    for (const line of series) expect({ line, leaks: [good, bad, id].some((s) => line.includes(s)) }).toEqual({ line, leaks: false });
  });

  it('watches the relay groups with the dossier relay’s rules, in the ops API and in Prometheus', async () => {
    const groups = ['motlan-registry-events-relay', 'motlan-registry-events-relay-retry'];
    const lag = await eventually('the registry-event relay groups sampled', async () => {
      const { body } = await httpCall<{ groups: Array<{ group: string; status: string; partitions: unknown[]; error: string | null }> }>(
        base,
        'GET',
        '/v1/ops/sync/lag',
        { token: tokens.ops },
      );
      const found = groups.map((g) => body.groups.find((x) => x.group === g));
      return found.every((g) => g && g.partitions.length > 0 && g.error === null) ? found : undefined;
    });
    expect(lag.map((g) => [g!.group, g!.status])).toEqual(groups.map((g) => [g, 'OK']));
    // The dossier relay's groups are still there: the same monitor, the same rules.
    for (const group of ['motlan-portal-sync', ...groups]) {
      const status = await eventually(`${group} in /metrics`, () => metricValue(base, new RegExp(`^motlan_sync_group_status\\{group="${group}"\\} `)));
      expect({ group, status }).toEqual({ group, status: 0 });
    }
    // And in the CLI's sync report, beside the dossier relay's.
    const report = await cli(['sync', 'status']);
    expect(report.code).toBe(0);
    for (const group of ['motlan-portal-sync', ...groups]) expect(report.out).toMatch(new RegExp(`^${group}\\s+(OK|WARN|ERR)\\s+lag \\d+ `, 'm'));
    // Embedded, the change events are not on the monitored log: the fan-out is not watched here (it is on Kafka).
    expect(await metricValue(base, /^motlan_sync_group_status\{group="motlan-registry-events-fanout"\} /)).toBeUndefined();
  });
});
