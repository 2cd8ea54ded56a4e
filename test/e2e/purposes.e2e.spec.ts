/**
 * The procedure catalog (purposes) end to end on the embedded profile: the real gateway with the
 * shipped catalog against the real registry simulator, over real HTTP. What a procedure may read
 * is what is answered, signed and audited; everything else is refused by name.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeJwt } from 'jose';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import type { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import type { RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders, type HttpAnswer } from '../support/http.js';
import { simSamples } from '../support/sim-control.js';
import { readAuditRecords } from '../support/audit-trail.js';
import { e2eStack, startGateway as startStackGateway } from '../support/e2e-harness.js';

const ALL_SCOPES = 'population:read residence:read land:read business:read civil-status:read';

interface CatalogAnswer {
  version: string;
  procedures: Array<{ code: string; name: string; codeVerified: boolean; access: Array<{ registry: string; dataset: string; fields: string[] }> }>;
}
interface LookupBody {
  data: Record<string, unknown>;
  evidence: string;
  code?: string;
  fields?: string[];
  allowedFields?: string[];
  purpose?: string;
  detail?: string;
}
interface BatchBody {
  results: Array<{ status: number; answer?: LookupBody; problem?: { code: string; fields?: string[]; purpose?: string } }>;
}

let sim: RunningRegistrySim;
let base: string;
let dataDir: string;
let issuer: DevTokenIssuer;
let token: string;
let adapters: string;
let catalog: CatalogAnswer;
/** registry/dataset -> the fields its adapter describes. */
const described = new Map<string, Set<string>>();

const lookup = (url: string, purpose: string, officerId = 'officer-purposes') =>
  httpCall<LookupBody>(base, 'GET', url, { token, headers: officerHeaders(officerId, purpose) });
const batch = (purpose: string, items: unknown[], officerId = 'officer-purposes') =>
  httpCall<BatchBody>(base, 'POST', '/v1/lookups', { token, headers: officerHeaders(officerId, purpose), body: { items } });
const sample = async (registry: string, dataset: string) => (await simSamples(sim.controlUrl, registry, dataset, 1))[0];

/** What the catalog lets `purpose` read of the dataset that the adapter also has, sorted. */
function expectedFields(purpose: string, registry: string, dataset: string): string[] {
  const access = catalog.procedures.find((p) => p.code === purpose)?.access.find((a) => a.registry === registry && a.dataset === dataset);
  if (!access) throw new Error(`${purpose} does not read ${registry}/${dataset}`);
  return access.fields.filter((f) => described.get(`${registry}/${dataset}`)!.has(f)).sort();
}

function expectForbidden(answer: HttpAnswer<LookupBody>, code: string): void {
  expect(answer.status).toBe(403);
  expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(answer.body).toMatchObject({ status: 403, code });
  expect(answer.body.data).toBeUndefined();
  expect(answer.body.evidence).toBeUndefined();
}

function auditRecords(): AuditRecord[] {
  return readAuditRecords<AuditRecord>(path.join(dataDir, 'audit'));
}

const stack = e2eStack({ dataDirPrefix: 'motlan-purposes-', sim: { seed: 13, persons: 50_000 } });

/** Another gateway over the same data directory and simulator (closed at the end of the file at the latest). */
async function startGateway(env: Record<string, string> = {}): Promise<NestFastifyApplication> {
  return (await startStackGateway(stack.gatewayEnv(env))).app;
}

beforeAll(async () => {
  ({ sim, dataDir, base, adapters, clients: issuer } = stack);
  token = await issuer.issue({ sub: 'commune-00004', scope: ALL_SCOPES });
  catalog = (await httpCall<CatalogAnswer>(base, 'GET', '/v1/purposes', { token })).body;
  const registries = await httpCall<{ registries: Array<{ registry: string; datasets: Array<{ name: string; fields: Array<{ name: string }> }> }> }>(
    base,
    'GET',
    '/v1/registries',
    { token },
  );
  for (const r of registries.body.registries) for (const d of r.datasets) described.set(`${r.registry}/${d.name}`, new Set(d.fields.map((f) => f.name)));
});

describe('GET /v1/purposes', () => {
  it('serves the shipped catalog to any authenticated client, and to no one else', async () => {
    const noScopes = await issuer.issue({ sub: 'commune-00004', scope: 'dossiers:write' });
    const answer = await httpCall<CatalogAnswer>(base, 'GET', '/v1/purposes', { token: noScopes });
    expect(answer.status).toBe(200);
    expect(answer.body.version).toMatch(/\S/);
    expect(answer.body.procedures.length).toBeGreaterThanOrEqual(10);
    expect(answer.body.procedures.find((p) => p.code === '1.004222')).toMatchObject({ name: 'Đăng ký thường trú', codeVerified: true });
    expect(answer.body.procedures.find((p) => p.code === '1.003010')).toMatchObject({ codeVerified: false });
    expect((await httpCall(base, 'GET', '/v1/purposes')).status).toBe(401);
    // Every dataset and field the shipped catalog names is one the simulator's adapters describe.
    for (const procedure of answer.body.procedures) {
      for (const access of procedure.access) {
        const fields = described.get(`${access.registry}/${access.dataset}`);
        expect({ procedure: procedure.code, dataset: `${access.registry}/${access.dataset}`, unknown: access.fields.filter((f) => !fields?.has(f)) }).toEqual({
          procedure: procedure.code,
          dataset: `${access.registry}/${access.dataset}`,
          unknown: [],
        });
      }
    }
  });

  it('is documented in the OpenAPI description with the 403 codes of the lookup routes', async () => {
    const openapi = await httpCall<{ paths: Record<string, Record<string, { description?: string; responses: Record<string, { description: string }> }>> }>(
      base,
      'GET',
      '/openapi.json',
    );
    expect(openapi.body.paths['/v1/purposes'].get).toBeDefined();
    const single = openapi.body.paths['/v1/registries/{registry}/{dataset}/{subjectId}'].get;
    for (const code of ['purpose_unknown', 'purpose_not_allowed', 'field_not_allowed', 'missing_scope'])
      expect(single.responses['403'].description).toContain(code);
    expect(single.description).toContain('GET /v1/purposes');
    expect(openapi.body.paths['/v1/lookups'].post.description).toContain('GET /v1/purposes');
  });
});

describe('single lookups', () => {
  it('refuses a purpose that is not in the catalog with 403 purpose_unknown, audited as refused', async () => {
    const person = await sample('population', 'person');
    const answer = await lookup(`/v1/registries/population/person/${person}?fields=fullName`, '9.999999', 'officer-unknown-purpose');
    expectForbidden(answer, 'purpose_unknown');
    expect(answer.body.purpose).toBe('9.999999');
    const record = await eventually('the refusal in the audit trail', async () => auditRecords().find((r) => r.officerId === 'officer-unknown-purpose'));
    expect(record).toMatchObject({ outcome: 'refused', status: 403, code: 'purpose_unknown', purpose: '9.999999', registry: 'population', dataset: 'person' });
  });

  it('refuses a field outside the purpose, asked explicitly, with 403 field_not_allowed naming it', async () => {
    const person = await sample('population', 'person');
    const answer = await lookup(`/v1/registries/population/person/${person}?fields=fullName,religion,occupation,religion`, '1.004222', 'officer-field');
    expectForbidden(answer, 'field_not_allowed');
    expect(answer.body.fields).toEqual(['occupation', 'religion']);
    expect(answer.body.detail).toContain('occupation, religion');
    expect(answer.body.allowedFields).toEqual(expectedFields('1.004222', 'population', 'person'));
    const record = await eventually('the refusal in the audit trail', async () => auditRecords().find((r) => r.officerId === 'officer-field'));
    expect(record).toMatchObject({ outcome: 'refused', status: 403, code: 'field_not_allowed' });
    // A field the dataset does not have at all stays the caller's mistake: 400.
    expect((await lookup(`/v1/registries/population/person/${person}?fields=religion,shoeSize`, '1.004222')).body.code).toBe('unknown_field');
  });

  it('refuses a dataset the purpose does not read with 403 purpose_not_allowed', async () => {
    const parcel = await sample('land', 'parcel');
    const answer = await lookup(`/v1/registries/land/parcel/${parcel}`, '1.001193');
    expectForbidden(answer, 'purpose_not_allowed');
    expect(answer.body.detail).toContain('Đăng ký khai sinh');
  });

  it("without fields answers exactly the purpose's fields of the dataset, and the evidence covers exactly those", async () => {
    const cases: Array<[string, string, string]> = [
      ['1.004222', 'population', 'person'],
      ['1.004222', 'residence', 'household'],
      ['1.004222', 'land', 'parcel'],
      ['1.004222', 'civil-status', 'birth'],
      ['1.003010', 'business', 'enterprise'],
      ['1.000656', 'civil-status', 'death'],
      ['1.000894', 'civil-status', 'marriage'],
      ['2.000635', 'civil-status', 'birth'],
    ];
    for (const [purpose, registry, dataset] of cases) {
      const subject = await sample(registry, dataset);
      const answer = await lookup(`/v1/registries/${registry}/${dataset}/${subject}`, purpose);
      const expected = expectedFields(purpose, registry, dataset);
      expect({ purpose, registry, dataset, status: answer.status, keys: Object.keys(answer.body.data ?? {}).sort() }).toEqual({
        purpose,
        registry,
        dataset,
        status: 200,
        keys: expected,
      });
      const claims = decodeJwt(answer.body.evidence) as { fields: string[]; data: Record<string, unknown> };
      expect(claims.fields).toEqual(expected);
      expect(Object.keys(claims.data).sort()).toEqual(expected);
    }
    // The same record under a narrower purpose: less data.
    const person = await sample('population', 'person');
    const birth = await lookup(`/v1/registries/population/person/${person}`, '1.001193');
    expect(Object.keys(birth.body.data).sort()).toEqual(expectedFields('1.001193', 'population', 'person'));
    expect(birth.body.data.sex).toBeUndefined();
  });

  it('answers explicit fields within the purpose, and still needs the registry scope', async () => {
    const person = await sample('population', 'person');
    const answer = await lookup(`/v1/registries/population/person/${person}?fields=sex,fullName`, '1.004222');
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body.data).sort()).toEqual(['fullName', 'sex']);
    const populationOnly = await issuer.issue({ sub: 'commune-00004', scope: 'population:read' });
    const household = await httpCall<LookupBody>(base, 'GET', `/v1/registries/residence/household/${person}`, {
      token: populationOnly,
      headers: officerHeaders('officer-purposes', '1.004222'),
    });
    expectForbidden(household, 'missing_scope');
  });
});

describe('batch lookups', () => {
  it('checks each item against the purpose: minimized answers, refusals by name, per item', async () => {
    const person = await sample('population', 'person');
    const parcel = await sample('land', 'parcel');
    const taxCode = await sample('business', 'enterprise');
    const answer = await batch(
      '1.004222',
      [
        { registry: 'population', dataset: 'person', subjectId: person },
        { registry: 'residence', dataset: 'household', subjectId: person, fields: ['head'] },
        { registry: 'population', dataset: 'person', subjectId: person, fields: ['fullName', 'ethnicity'] },
        { registry: 'business', dataset: 'enterprise', subjectId: taxCode },
        { registry: 'land', dataset: 'parcel', subjectId: parcel },
      ],
      'officer-batch',
    );
    expect(answer.status).toBe(200);
    const [all, head, outside, enterprise, land] = answer.body.results;
    expect(Object.keys(all.answer!.data).sort()).toEqual(expectedFields('1.004222', 'population', 'person'));
    expect(Object.keys(head.answer!.data)).toEqual(['head']);
    expect(outside).toMatchObject({ status: 403, problem: { code: 'field_not_allowed', fields: ['ethnicity'] } });
    expect(outside.answer).toBeUndefined();
    expect(enterprise).toMatchObject({ status: 403, problem: { code: 'purpose_not_allowed' } });
    expect(Object.keys(land.answer!.data).sort()).toEqual(expectedFields('1.004222', 'land', 'parcel'));
    const records = await eventually('the batch in the audit trail', async () => {
      const found = auditRecords().filter((r) => r.officerId === 'officer-batch');
      return found.length === 5 ? found : undefined;
    });
    expect(records.map((r) => r.code ?? r.outcome)).toEqual(['answered', 'answered', 'field_not_allowed', 'purpose_not_allowed', 'answered']);
    expect(records[1].fields).toEqual(['head']);
  });

  it('refuses every item under a purpose that is not in the catalog', async () => {
    const person = await sample('population', 'person');
    const answer = await batch('1.999999', [
      { registry: 'population', dataset: 'person', subjectId: person },
      { registry: 'residence', dataset: 'household', subjectId: person, fields: ['head'] },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.results.map((r) => [r.status, r.problem?.code])).toEqual([
      [403, 'purpose_unknown'],
      [403, 'purpose_unknown'],
    ]);
  });
});

describe('the catalog file', () => {
  it('MOTLAN_PROCEDURE_CATALOG points to another catalog, which is then what is enforced', async () => {
    const file = path.join(dataDir, 'narrow.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 1,
        version: 'narrow-1',
        procedures: [
          { code: '1.004222', name: 'Đăng ký thường trú', access: [{ registry: 'population', dataset: 'person', fields: ['fullName', 'notAField'] }] },
        ],
      }),
    );
    const narrow = await startGateway({ MOTLAN_PROCEDURE_CATALOG: file });
    try {
      const url = await narrow.getUrl();
      expect((await httpCall<CatalogAnswer>(url, 'GET', '/v1/purposes', { token })).body).toMatchObject({
        version: 'narrow-1',
        procedures: [{ code: '1.004222' }],
      });
      const person = await sample('population', 'person');
      const answer = await httpCall<LookupBody>(url, 'GET', `/v1/registries/population/person/${person}`, {
        token,
        headers: officerHeaders('officer-narrow', '1.004222'),
      });
      // The field the adapter does not describe is left out (and logged at start-up), never invented.
      expect(Object.keys(answer.body.data)).toEqual(['fullName']);
      const other = await httpCall<LookupBody>(url, 'GET', `/v1/registries/population/person/${person}`, {
        token,
        headers: officerHeaders('officer-narrow', '1.004194'),
      });
      expect(other.body.code).toBe('purpose_unknown');
    } finally {
      await narrow.close();
    }
  });

  it('with an error stops the gateway from starting, naming the file and the JSON path', async () => {
    const file = path.join(dataDir, 'broken.json');
    const procedures = [
      { code: '1.004222', name: 'Đăng ký thường trú', access: [{ registry: 'population', dataset: 'person', fields: ['fullName'] }] },
      {
        code: '1.004194',
        name: 'Đăng ký tạm trú',
        access: [
          { registry: 'residence', dataset: 'household', fields: ['head'] },
          { registry: 'Cadastre', dataset: 'parcel', fields: ['owners'] },
        ],
      },
    ];
    writeFileSync(file, JSON.stringify({ format: 1, version: 'broken-1', procedures }));
    const config = loadGatewayConfig({ MOTLAN_DATA_DIR: dataDir, PORT: '0', MOTLAN_ADAPTERS: adapters, MOTLAN_PROCEDURE_CATALOG: file });
    await expect(createGatewayApp(config, pino({ level: 'silent' }))).rejects.toThrow(
      `invalid procedure catalog ${file}: procedures[1].access[1].registry: "Cadastre" is not a registry name`,
    );
    writeFileSync(file, JSON.stringify({ format: 1, procedures }));
    await expect(createGatewayApp(config, pino({ level: 'silent' }))).rejects.toThrow('version: is required');
  });
});
