/**
 * The OpenAPI document as a vendor uses it: served by the real gateway, clean under Redocly's
 * `recommended` rules, turned into TypeScript types by openapi-typescript, and those types used to
 * call the gateway with the registry simulator behind it.
 *
 * The types are committed (test/support/generated/openapi.d.ts) rather than generated into a
 * temporary folder, so that `npm run typecheck` compiles test/support/openapi-client.ts and the calls
 * below against them; this suite fails when they are not what the served document generates. After
 * a deliberate change of the API, regenerate them with
 *   MOTLAN_WRITE_OPENAPI_TYPES=1 npm run test:e2e -- test/e2e/openapi.e2e.spec.ts
 * and review the diff: a change a vendor's client would not compile against is a breaking change.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import type { components, operations } from '../support/generated/openapi.js';
import { callApi, type MethodOf, type Path } from '../support/openapi-client.js';
import { simSamples } from '../support/sim-control.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const GENERATED_TYPES = path.join(ROOT, 'test', 'support', 'generated', 'openapi.d.ts');
const REDOCLY_CLI = path.join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');

/**
 * The warnings left on purpose. The public routes (key sets, health, metrics) answer every request
 * they receive: they have no 4xx to document. The gateway has no licence to name (the package is
 * UNLICENSED). Any other warning fails the suite, so a new route without its problems does too.
 */
const ACCEPTED_WARNINGS = [
  'info-license #/info',
  'operation-4xx-response #/paths/~1.well-known~1jwks.json/get/responses',
  'operation-4xx-response #/paths/~1.well-known~1motlan-revoked-keys.json/get/responses',
  'operation-4xx-response #/paths/~1health~1live/get/responses',
  'operation-4xx-response #/paths/~1health~1ready/get/responses',
  'operation-4xx-response #/paths/~1metrics/get/responses',
];

interface OpenApiOperation {
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}
interface RedoclyReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: 'error' | 'warn'; message: string; location: Array<{ pointer: string }> }>;
}

let sim: RunningRegistrySim;
let app: NestFastifyApplication;
let base: string;
let workDir: string;
let token: string;
let documentText: string;
let document: OpenApiDocument;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'motlan-openapi-'));
  sim = await startRegistrySim({ seed: 7, persons: 100_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }) });
  const issuer = new DevTokenIssuer({ dataDir: workDir });
  await issuer.ensureKeys();
  token = await issuer.issue({ sub: 'commune-00004', scope: 'population:read residence:read' });
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: workDir,
    PORT: '0',
    MOTLAN_ADAPTERS: Object.entries(sim.endpoints)
      .map(([registry, endpoint]) => `${registry}=${endpoint}`)
      .join(','),
  });
  ({ app } = await createGatewayApp(config, pino({ level: 'silent' })));
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
  const served = await fetch(`${base}/openapi.json`);
  expect(served.status).toBe(200);
  documentText = await served.text();
  document = JSON.parse(documentText) as OpenApiDocument;
});

afterAll(async () => {
  await app?.close();
  await sim?.stop();
});

/** Every operation of the document as [path, method, operation]. */
function operationsOf(doc: OpenApiDocument): Array<[string, string, OpenApiOperation]> {
  return Object.entries(doc.paths).flatMap(([route, item]) =>
    Object.entries(item).map(([method, operation]): [string, string, OpenApiOperation] => [route, method, operation]),
  );
}

describe('the OpenAPI document', () => {
  it("passes Redocly CLI's recommended rules with no error and only the accepted warnings", () => {
    const file = path.join(workDir, 'openapi.json');
    writeFileSync(file, documentText);
    // Run from the temporary folder, with no telemetry, update check or user configuration: the result depends on the document alone.
    const lint = spawnSync(process.execPath, [REDOCLY_CLI, 'lint', '--extends', 'recommended', '--format', 'json', file], {
      cwd: workDir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: workDir, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    });
    expect(lint.error).toBeUndefined();
    const jsonStart = lint.stdout.indexOf('{');
    if (jsonStart < 0) throw new Error(`redocly lint printed no report (exit ${lint.status}):\n${lint.stdout}\n${lint.stderr}`);
    const report = JSON.parse(lint.stdout.slice(jsonStart)) as RedoclyReport;
    const found = report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location.map((l) => l.pointer).join(' ')}: ${p.message}`);
    expect(found.filter((p) => p.startsWith('error'))).toEqual([]);
    expect(report.totals.errors).toBe(0);
    expect(report.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}`).sort()).toEqual([...ACCEPTED_WARNINGS].sort());
    expect(lint.status).toBe(0);
  });

  it('documents the problem+json answers of every route behind a token, and says which routes are public', () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThanOrEqual(27);
    for (const [route, method, operation] of operations) {
      const where = `${method.toUpperCase()} ${route}`;
      // Explicit either way: a bearer token, or none (`security: []`).
      expect({ where, security: Array.isArray(operation.security) }).toEqual({ where, security: true });
      const statuses = Object.keys(operation.responses);
      expect({ where, success: statuses.some((s) => s.startsWith('2')) }).toEqual({ where, success: true });
      if (operation.security!.length > 0) {
        expect({ where, statuses: ['401', '429'].filter((s) => statuses.includes(s)) }).toEqual({ where, statuses: ['401', '429'] });
      }
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        // /health/ready answers 503 with the health document itself, not a problem.
        if (route === '/health/ready') continue;
        expect({ where, status, content: operation.responses[status].content }).toEqual({
          where,
          status,
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        });
      }
    }
  });

  it('generates the committed TypeScript types (test/support/generated/openapi.d.ts) with openapi-typescript', async () => {
    const generated = COMMENT_HEADER + astToString(await openapiTS(JSON.parse(documentText) as Parameters<typeof openapiTS>[0]));
    if (process.env.MOTLAN_WRITE_OPENAPI_TYPES === '1') writeFileSync(GENERATED_TYPES, generated);
    const committed = readFileSync(GENERATED_TYPES, 'utf8');
    if (committed !== generated) {
      const committedLines = committed.split('\n');
      const line = generated.split('\n').findIndex((text, i) => text !== committedLines[i]);
      throw new Error(
        `test/support/generated/openapi.d.ts is not what the served document generates (first difference at line ${line + 1}). ` +
          'If the API change is deliberate: MOTLAN_WRITE_OPENAPI_TYPES=1 npm run test:e2e -- test/e2e/openapi.e2e.spec.ts, then npm run typecheck.',
      );
    }
    expect(committed).toBe(generated);
  });
});

describe('a client typed by the generated types', () => {
  /** The answer is one the document lists for the operation, with the content type it names. */
  function expectDocumented<P extends Path>(route: P, method: MethodOf<P>, answer: { status: number; contentType: string | null }): void {
    const documented = document.paths[route][method].responses[String(answer.status)];
    expect({ route, method, status: answer.status, documented: documented !== undefined }).toEqual({ route, method, status: answer.status, documented: true });
    const mediaTypes = Object.keys(documented.content ?? {});
    if (mediaTypes.length > 0) expect(mediaTypes).toContain(answer.contentType?.split(';')[0]);
  }

  const lookupHeaders: operations['LookupController_lookup']['parameters']['header'] = { 'X-Purpose': '1.004222', 'X-Officer-Id': 'officer-openapi' };

  it('looks a person up, MISS then HIT, with the fields it asked for and evidence', async () => {
    const [subjectId] = await simSamples(sim.controlUrl, 'population', 'person', 1);
    const route = '/v1/registries/{registry}/{dataset}/{subjectId}';
    const params = { path: { registry: 'population', dataset: 'person', subjectId }, query: { fields: 'fullName,dateOfBirth' }, header: lookupHeaders };
    const first = await callApi(base, 'get', route, { params, token });
    expectDocumented(route, 'get', first);
    if (first.status !== 200) throw new Error(`lookup answered ${first.status}: ${JSON.stringify(first.body)}`);
    const answer: components['schemas']['LookupAnswerDto'] = first.body;
    expect(answer).toMatchObject({ registry: 'population', dataset: 'person', subjectId, meta: { cache: 'MISS' } });
    expect(Object.keys(answer.data).sort()).toEqual(['dateOfBirth', 'fullName']);
    expect(answer.evidence.split('.')).toHaveLength(3);
    expect(first.headers.get('x-cache')).toBe(answer.meta.cache);
    const second = await callApi(base, 'get', route, { params, token });
    expect(second.status === 200 && second.body.meta.cache).toBe('HIT');
  });

  it('reads a refusal as the Problem the document promises', async () => {
    const [subjectId] = await simSamples(sim.controlUrl, 'population', 'person', 1);
    const route = '/v1/registries/{registry}/{dataset}/{subjectId}';
    const refused = await callApi(base, 'get', route, {
      params: { path: { registry: 'population', dataset: 'person', subjectId }, header: { ...lookupHeaders, 'X-Purpose': '9.999999' } },
      token,
    });
    expectDocumented(route, 'get', refused);
    if (refused.status !== 403) throw new Error(`expected 403, got ${refused.status}: ${JSON.stringify(refused.body)}`);
    const problem: components['schemas']['Problem'] = refused.body;
    expect(problem).toMatchObject({ status: 403, code: 'purpose_unknown', type: expect.any(String), title: expect.any(String), detail: expect.any(String) });

    const anonymous = await callApi(base, 'get', route, { params: { path: { registry: 'population', dataset: 'person', subjectId }, header: lookupHeaders } });
    expectDocumented(route, 'get', anonymous);
    expect(anonymous.status === 401 && anonymous.body.code).toBe('token_missing');
  });

  it('sends a batch and tells answered items from refused ones', async () => {
    const [person] = await simSamples(sim.controlUrl, 'population', 'person', 1);
    const [taxCode] = await simSamples(sim.controlUrl, 'business', 'enterprise', 1);
    // Permanent residence registration (1.004222) does not read enterprises.
    const items: components['schemas']['BatchLookupItemDto'][] = [
      { registry: 'population', dataset: 'person', subjectId: person, fields: ['fullName'] },
      { registry: 'business', dataset: 'enterprise', subjectId: taxCode },
    ];
    const batch = await callApi(base, 'post', '/v1/lookups', { params: { header: lookupHeaders }, body: { items }, token });
    expectDocumented('/v1/lookups', 'post', batch);
    if (batch.status !== 200) throw new Error(`batch answered ${batch.status}: ${JSON.stringify(batch.body)}`);
    const [answered, refused] = batch.body.results;
    expect(answered.status).toBe(200);
    expect(Object.keys(answered.answer?.data ?? {})).toEqual(['fullName']);
    expect(refused.status).toBe(403);
    expect(refused.problem?.code).toBe('purpose_not_allowed');
  });

  it('lists the procedure catalog and reads the public key set without a token', async () => {
    const catalog = await callApi(base, 'get', '/v1/purposes', { params: {}, token });
    expectDocumented('/v1/purposes', 'get', catalog);
    if (catalog.status !== 200) throw new Error(`purposes answered ${catalog.status}`);
    expect(catalog.body.procedures.map((p) => p.code)).toContain(lookupHeaders['X-Purpose']);

    const keys = await callApi(base, 'get', '/.well-known/jwks.json', { params: {} });
    expectDocumented('/.well-known/jwks.json', 'get', keys);
    expect(keys.status).toBe(200);
  });
});
