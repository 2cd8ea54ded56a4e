/**
 * The procedure catalog as run-time data (issue 17), embedded profile, over real HTTP and gRPC:
 * a registry nobody listed in code (the template adapter's `example`) is registered at run time,
 * a procedure that reads it is put through PUT /v1/procedures, and lookups under that procedure
 * are answered, all without a restart. Versions, scopes, audit records and durability across a
 * restart are checked on the way. Then judicial records, the simulator's sixth registry, are read
 * through the gateway under the shipped procedure 2.001417 (criminal record certificate).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import type { ProcedureCatalogAuditRecord } from '@motlan/audit/audit-record.js';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { startAdapter, type RunningAdapter } from '../../apps/adapter-template/src/adapter-grpc.server.js';
import { loadAdapterConfig } from '../../apps/adapter-template/src/config/adapter.config.js';
import { EXAMPLE_SUBJECTS } from '../../apps/adapter-template/src/records/in-memory-record-source.adapter.js';
import { runMotlanCli } from '../../apps/gateway/src/cli/motlan-command.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { freePort } from '../../deploy/kafka-dev/kafka-dev.mjs';
import { readAuditRecords } from '../support/audit-trail.js';
import { httpCall, officerHeaders } from '../support/http.js';
import { simSamples } from '../support/sim-control.js';
import { e2eStack, onCleanup, simAdapters, startGateway as startStackGateway, startSim } from '../support/e2e-harness.js';

interface ProcedureEntry {
  code: string;
  version: number;
  updatedBy: string | null;
  procedure: { name: string; access: Array<{ registry: string; dataset: string; fields: string[] }> };
}

const EXAMPLE_PROCEDURE = '9.000001';
const UNCONNECTED_PROCEDURE = '9.000002';

let dataDir: string;
let issuer: DevTokenIssuer;
const tokens = { catalog: '', readOnly: '', adapters: '', lookup: '' };

function exampleProcedure(fields = ['holderName', 'qualification']): Record<string, unknown> {
  return {
    code: EXAMPLE_PROCEDURE,
    name: 'Xác nhận chứng chỉ nghề (thử nghiệm)',
    domain: 'Giáo dục nghề nghiệp',
    codeVerified: false,
    access: [{ registry: 'example', dataset: 'certificate', fields, reason: 'Chứng chỉ nghề của người lao động' }],
    subjects: [{ role: 'holder', label: 'Người được cấp chứng chỉ', required: true }],
    form: [
      {
        name: 'holder.fullName',
        label: 'Họ và tên',
        type: 'string',
        source: { subject: 'holder', registry: 'example', dataset: 'certificate', field: 'holderName' },
      },
    ],
    components: [
      {
        code: 'CHUNG_CHI',
        name: 'Bản sao chứng chỉ nghề',
        replacedBy: { subject: 'holder', registry: 'example', dataset: 'certificate', fields: ['holderName', 'qualification'] },
      },
    ],
  };
}

/** The procedure catalog records of the embedded audit trail, in write order. */
function auditOf(code: string): ProcedureCatalogAuditRecord[] {
  return readAuditRecords<{ type: string; code?: string }>(path.join(dataDir, 'audit')).filter(
    (r): r is ProcedureCatalogAuditRecord => r.type === 'procedure_catalog' && r.code === code,
  );
}

const stack = e2eStack({ dataDirPrefix: 'motlan-procedures-', sim: false, gateway: false });

/** A gateway over the file's data directory; each describe closes its own before the next starts one. */
async function startGateway(env: Record<string, string>): Promise<{ app: NestFastifyApplication; base: string }> {
  return startStackGateway(
    stack.gatewayEnv({ MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'), MOTLAN_DESCRIBE_RETRY_MS: '200', ...env }),
  );
}

beforeAll(async () => {
  ({ dataDir, clients: issuer } = stack);
  tokens.catalog = await issuer.issue({ sub: 'catalog-admin', scope: 'procedures:read procedures:write' });
  tokens.readOnly = await issuer.issue({ sub: 'catalog-reader', scope: 'procedures:read' });
  tokens.adapters = await issuer.issue({ sub: 'example-operator', scope: 'adapters:read adapters:write:example' });
  tokens.lookup = await issuer.issue({ sub: 'commune-00004', scope: 'example:read judicial-records:read population:read' });
});

describe('procedures and registries at run time (no configured adapters)', () => {
  let adapter: RunningAdapter;
  let gateway: NestFastifyApplication;
  let base: string;
  const lookupExample = (purpose = EXAMPLE_PROCEDURE) =>
    httpCall<Record<string, unknown>>(base, 'GET', `/v1/registries/example/certificate/${EXAMPLE_SUBJECTS.holder}`, {
      token: tokens.lookup,
      headers: officerHeaders('officer-procedures', purpose),
    });
  const put = (body: Record<string, unknown>, headers: Record<string, string> = {}, token = tokens.catalog, code = EXAMPLE_PROCEDURE) =>
    httpCall<ProcedureEntry & { code: string; currentVersion?: number; invalidParams?: Array<{ name: string }> }>(base, 'PUT', `/v1/procedures/${code}`, {
      token,
      body,
      headers,
    });

  let stopAdapter: () => Promise<void>;

  beforeAll(async () => {
    adapter = await startAdapter(loadAdapterConfig({ ADAPTER_PORT: String(await freePort()) }), pino({ level: 'silent' }));
    stopAdapter = onCleanup('template adapter', () => adapter.stop());
    ({ app: gateway, base } = await startGateway({ MOTLAN_ADAPTERS: 'none' }));
  });

  afterAll(async () => {
    await gateway?.close();
    await stopAdapter?.();
  });

  it('seeds the log from the shipped catalog on first start: every procedure at version 1, by "seed", 2.001417 among them', async () => {
    const list = await httpCall<{ source: string; catalogVersion: string; procedures: ProcedureEntry[] }>(base, 'GET', '/v1/procedures', {
      token: tokens.readOnly,
    });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ source: 'log', location: 'motlan.procedures.v1', catalogVersion: expect.stringMatching(/\S/) });
    expect(list.body.procedures.length).toBeGreaterThanOrEqual(13);
    expect(list.body.procedures.every((p) => p.version === 1 && p.updatedBy === 'seed')).toBe(true);
    const judicial = list.body.procedures.find((p) => p.code === '2.001417');
    expect(judicial?.procedure.access).toEqual(expect.arrayContaining([expect.objectContaining({ registry: 'judicial-records', dataset: 'criminal-record' })]));
  });

  it('registers a new registry, puts a procedure that reads it, and answers its lookups at once: no restart', async () => {
    // Nothing names the registry yet: not a registry at all.
    expect((await lookupExample()).body).toMatchObject({ status: 400, code: 'unknown_registry' });
    const registered = await httpCall(base, 'POST', '/v1/adapters', {
      token: tokens.adapters,
      body: {
        id: 'example-template',
        registry: 'example',
        endpoint: adapter.endpoint,
        tls: { insecure: true },
        timeoutMs: 2000,
        maxConcurrency: 16,
        retry: { attempts: 2, backoffMs: 50 },
      },
    });
    expect(registered.status).toBe(201);
    // A procedure of the shipped catalog does not read it.
    expect((await lookupExample('1.004222')).body).toMatchObject({ status: 403, code: 'purpose_not_allowed' });

    const created = await put(exampleProcedure(), { 'if-match': '"0"' });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.body).toMatchObject({
      code: EXAMPLE_PROCEDURE,
      version: 1,
      updatedBy: 'catalog-admin',
      procedure: { name: 'Xác nhận chứng chỉ nghề (thử nghiệm)' },
    });

    const answer = await lookupExample();
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      registry: 'example',
      dataset: 'certificate',
      data: { holderName: 'Nguyễn Văn An', qualification: 'Electrician, level 2' },
    });
    expect(Object.keys(answer.body.data as object).sort()).toEqual(['holderName', 'qualification']);
    // One-stop software sees it in the catalog it builds its forms from.
    const purposes = await httpCall<{ procedures: Array<{ code: string }> }>(base, 'GET', '/v1/purposes', { token: tokens.lookup });
    expect(purposes.body.procedures.map((p) => p.code)).toContain(EXAMPLE_PROCEDURE);
  });

  it('accepts a procedure naming a registry no adapter serves yet; its lookups answer 503 registry_not_connected', async () => {
    const path = `/v1/registries/vehicle-registration/vehicle/${EXAMPLE_SUBJECTS.holder}`;
    const lookup = () => httpCall(base, 'GET', path, { token: tokens.lookup, headers: officerHeaders('officer-procedures', UNCONNECTED_PROCEDURE) });
    expect((await lookup()).body).toMatchObject({ status: 400, code: 'unknown_registry' });
    const procedure = {
      code: UNCONNECTED_PROCEDURE,
      name: 'Thủ tục thử nghiệm đọc đăng ký xe',
      access: [{ registry: 'vehicle-registration', dataset: 'vehicle', fields: ['plateNumber'] }],
    };
    expect((await put(procedure, {}, tokens.catalog, UNCONNECTED_PROCEDURE)).status).toBe(201);
    const after = await lookup();
    expect(after.status).toBe(503);
    expect(after.body).toMatchObject({ code: 'registry_not_connected', registry: 'vehicle-registration' });
    expect(after.headers.get('retry-after')).toMatch(/^\d+$/);
    // The shipped catalog names judicial records, whose adapter is not configured here: the same answer.
    const judicial = await httpCall(base, 'GET', `/v1/registries/judicial-records/criminal-record/${EXAMPLE_SUBJECTS.holder}`, {
      token: tokens.lookup,
      headers: officerHeaders('officer-procedures', '2.001417'),
    });
    expect(judicial.body).toMatchObject({ status: 503, code: 'registry_not_connected', registry: 'judicial-records' });
  });

  it('versions every change: a stale If-Match or body version is 409 and changes nothing', async () => {
    const stale = await put(exampleProcedure(), { 'if-match': '"0"' });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'procedure_version_conflict', currentVersion: 1 });
    expect(Object.keys((await lookupExample()).body.data as object).sort()).toEqual(['holderName', 'qualification']);

    const narrowed = await put({ ...exampleProcedure(['holderName']), form: [], components: [], version: 1 });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.version).toBe(2);
    expect(Object.keys((await lookupExample()).body.data as object)).toEqual(['holderName']);

    expect((await put(exampleProcedure(), { 'if-match': '"1"' })).body).toMatchObject({ status: 409, code: 'procedure_version_conflict', currentVersion: 2 });
    const staleDelete = await httpCall(base, 'DELETE', `/v1/procedures/${EXAMPLE_PROCEDURE}`, { token: tokens.catalog, headers: { 'if-match': '"1"' } });
    expect(staleDelete.body).toMatchObject({ status: 409, code: 'procedure_version_conflict' });

    const removed = await httpCall(base, 'DELETE', `/v1/procedures/${EXAMPLE_PROCEDURE}`, { token: tokens.catalog, headers: { 'if-match': '"2"' } });
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ code: EXAMPLE_PROCEDURE, version: 3 });
    expect((await lookupExample()).body).toMatchObject({ status: 403, code: 'purpose_unknown' });
    expect((await httpCall(base, 'DELETE', `/v1/procedures/${EXAMPLE_PROCEDURE}`, { token: tokens.catalog })).body).toMatchObject({
      status: 404,
      code: 'procedure_not_found',
    });

    // Created again: versions keep counting across the removal.
    const again = await put(exampleProcedure(), { 'if-match': '"0"' });
    expect({ status: again.status, version: again.body.version }).toEqual({ status: 201, version: 4 });
    expect((await lookupExample()).status).toBe(200);
  });

  it('refuses a token without procedures:write (403) and invalid procedures (400) naming the path', async () => {
    const readOnly = await put(exampleProcedure(), {}, tokens.readOnly);
    expect(readOnly.body).toMatchObject({ status: 403, code: 'missing_scope', requiredScope: 'procedures:write' });
    const deleteReadOnly = await httpCall(base, 'DELETE', `/v1/procedures/${EXAMPLE_PROCEDURE}`, { token: tokens.readOnly });
    expect(deleteReadOnly.body).toMatchObject({ status: 403, code: 'missing_scope', requiredScope: 'procedures:write' });
    expect((await httpCall(base, 'GET', '/v1/procedures', { token: tokens.lookup })).body).toMatchObject({
      status: 403,
      code: 'missing_scope',
      requiredScope: 'procedures:read',
    });

    const badRegistry = await put({
      ...exampleProcedure(),
      access: [{ registry: 'Example!', dataset: 'certificate', fields: ['holderName'] }],
      form: [],
      components: [],
    });
    expect(badRegistry.status).toBe(400);
    expect(badRegistry.body).toMatchObject({ code: 'validation_failed' });
    expect(badRegistry.body.invalidParams?.map((p) => p.name)).toContain('access[0].registry');
    expect((await put({ ...exampleProcedure(), acess: [] })).body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await put(exampleProcedure(), {}, tokens.catalog, '9.000003')).body).toMatchObject({ status: 400, code: 'procedure_code_mismatch' });
    expect((await put(exampleProcedure(), { 'if-match': 'soon' })).body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await httpCall(base, 'DELETE', '/v1/procedures/not-a-code', { token: tokens.catalog })).body).toMatchObject({
      status: 400,
      code: 'validation_failed',
    });
    // None of the refusals changed anything.
    const list = await httpCall<{ procedures: ProcedureEntry[] }>(base, 'GET', '/v1/procedures', { token: tokens.readOnly });
    expect(list.body.procedures.find((p) => p.code === EXAMPLE_PROCEDURE)?.version).toBe(4);
  });

  it('audits every change: who, which action, the version, and the procedure before and after', () => {
    const records = auditOf(EXAMPLE_PROCEDURE);
    expect(records.map((r) => [r.action, r.version, r.clientId])).toEqual([
      ['create', 1, 'catalog-admin'],
      ['update', 2, 'catalog-admin'],
      ['remove', 3, 'catalog-admin'],
      ['create', 4, 'catalog-admin'],
    ]);
    expect(records[1]).toMatchObject({
      before: { access: [{ fields: ['holderName', 'qualification'] }] },
      after: { access: [{ fields: ['holderName'] }] },
      requestId: expect.any(String),
    });
    expect(records[2]).toMatchObject({ before: { code: EXAMPLE_PROCEDURE }, after: null });
    expect(auditOf(UNCONNECTED_PROCEDURE).map((r) => r.action)).toEqual(['create']);
  });

  it('lists, puts and deletes through the CLI, exiting 1 on a refusal', async () => {
    const chunks = { out: [] as string[], err: [] as string[] };
    const cli = async (...argv: string[]) => {
      chunks.out.length = 0;
      chunks.err.length = 0;
      const write = (into: string[]) => ({ write: (text: string) => into.push(text) });
      const code = await runMotlanCli(argv, { MOTLAN_URL: base, MOTLAN_DATA_DIR: dataDir }, write(chunks.out), write(chunks.err));
      return { code, out: chunks.out.join(''), err: chunks.err.join('') };
    };
    const file = path.join(dataDir, 'cli-procedure.json');
    writeFileSync(
      file,
      JSON.stringify({
        code: '9.000005',
        name: 'Thủ tục thử nghiệm qua CLI',
        version: 0,
        access: [{ registry: 'example', dataset: 'certificate', fields: ['issuer'] }],
      }),
    );
    const put = await cli('procedures', 'put', file);
    expect(put).toMatchObject({ code: 0, err: '' });
    expect(put.out).toContain('put 9.000005 (Thủ tục thử nghiệm qua CLI): version 1, reads example/certificate');
    // The file still says version 0: a second put is a stale change.
    const again = await cli('procedures', 'put', file);
    expect(again.code).toBe(1);
    expect(again.err).toContain('409 procedure_version_conflict');
    const list = await cli('procedures', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^9\.000005\s+1\s+operator-cli\s/m);
    expect(list.out).toMatch(/^2\.001417\s+1\s+seed\s.*judicial-records\/criminal-record/m);
    expect(await cli('procedures', 'delete', '9.000005')).toMatchObject({ code: 0, out: 'removed 9.000005 (version 2)\n' });
    expect((await cli('procedures', 'delete')).code).toBe(2);
  });

  it('keeps the catalog across a restart: read back from the log, not seeded again', async () => {
    await gateway.close();
    ({ app: gateway, base } = await startGateway({ MOTLAN_ADAPTERS: 'none' }));
    const list = await httpCall<{ procedures: ProcedureEntry[] }>(base, 'GET', '/v1/procedures', { token: tokens.readOnly });
    expect(list.body.procedures.find((p) => p.code === EXAMPLE_PROCEDURE)).toMatchObject({ version: 4, updatedBy: 'catalog-admin' });
    expect(list.body.procedures.find((p) => p.code === '1.004222')).toMatchObject({ version: 1, updatedBy: 'seed' });
  });
});

describe('judicial records, the simulator sixth registry, under procedure 2.001417', () => {
  let sim: RunningRegistrySim;
  let gateway: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    sim = await startSim({ seed: 5, persons: 20_000 });
    ({ app: gateway, base } = await startGateway({ MOTLAN_ADAPTERS: simAdapters(sim) }));
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await sim?.stop();
  });

  it('reads a criminal-record extract on the procedure legal basis (no consent), signed and audited; other procedures may not', async () => {
    const [person] = await simSamples(sim.controlUrl, 'judicial-records', 'criminal-record', 1);
    const url = `/v1/registries/judicial-records/criminal-record/${person}`;
    const answer = await httpCall<{ data: Record<string, unknown>; evidence: string }>(base, 'GET', url, {
      token: tokens.lookup,
      headers: officerHeaders('officer-judicial', '2.001417'),
    });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body.data).sort()).toEqual([
      'bannedFromPositions',
      'convictions',
      'dateOfBirth',
      'fullName',
      'hasConvictions',
      'lastUpdatedDate',
      'personId',
    ]);
    expect(answer.body.data.personId).toBe(person);
    expect(typeof answer.body.data.hasConvictions).toBe('boolean');
    expect(answer.body.evidence.split('.')).toHaveLength(3);
    const audited = readAuditRecords<{ type: string; officerId?: string; registry?: string; outcome?: string; purpose?: string; subjectId?: string }>(
      path.join(dataDir, 'audit'),
    );
    expect(audited.filter((r) => r.type === 'access' && r.officerId === 'officer-judicial')).toEqual([
      expect.objectContaining({ outcome: 'answered', registry: 'judicial-records', purpose: '2.001417', subjectId: person }),
    ]);

    // The dataset is sensitive: a procedure without a legal basis for it needs the citizen's consent.
    const noBasis = {
      code: '9.000004',
      name: 'Thủ tục thử nghiệm không có căn cứ pháp lý',
      access: [{ registry: 'judicial-records', dataset: 'criminal-record', fields: ['hasConvictions'] }],
    };
    expect((await httpCall(base, 'PUT', '/v1/procedures/9.000004', { token: tokens.catalog, body: noBasis })).status).toBe(201);
    const refused = await httpCall(base, 'GET', url, { token: tokens.lookup, headers: officerHeaders('officer-judicial', '9.000004') });
    expect(refused.body).toMatchObject({ status: 403, code: 'consent_required' });
    const permanentResidence = await httpCall(base, 'GET', url, { token: tokens.lookup, headers: officerHeaders('officer-judicial', '1.004222') });
    expect(permanentResidence.body).toMatchObject({ status: 403, code: 'purpose_not_allowed' });
  });
});
