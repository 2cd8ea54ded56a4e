/**
 * The template registry adapter (apps/adapter-template) plugged into a real gateway the way a
 * registry operator does it: the Nest gRPC microservice on a real port, registered over HTTP with
 * POST /v1/adapters and a token scoped to its registry, then described, health-checked and listed
 * by the gateway. Embedded profile, no configured adapters (MOTLAN_ADAPTERS=none).
 */
import path from 'node:path';
import { pino } from 'pino';
import { startAdapter, type RunningAdapter } from '../../apps/adapter-template/src/adapter-grpc.server.js';
import { loadAdapterConfig } from '../../apps/adapter-template/src/config/adapter.config.js';
import { EXAMPLE_SUBJECTS } from '../../apps/adapter-template/src/records/in-memory-record-source.adapter.js';
import { freePort } from '../../deploy/kafka-dev/kafka-dev.mjs';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders } from '../support/http.js';
import { e2eStack, onCleanup } from '../support/e2e-harness.js';

let adapter: RunningAdapter;
let base: string;
const tokens = { operator: '', otherRegistry: '', lookup: '' };

const stack = e2eStack({
  dataDirPrefix: 'motlan-adapter-template-',
  sim: false,
  env: ({ dataDir }) => ({
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    MOTLAN_DESCRIBE_RETRY_MS: '200',
  }),
  beforeGateway: async () => {
    adapter = await startAdapter(loadAdapterConfig({ ADAPTER_PORT: String(await freePort()) }), pino({ level: 'silent' }));
    onCleanup('template adapter', () => adapter.stop());
  },
});

beforeAll(async () => {
  ({ base } = stack);
  const issuer = stack.clients;
  // What `npm run -s token -- --sub example-operator --scope "adapters:read adapters:write:example"` prints.
  tokens.operator = await issuer.issue({ sub: 'example-operator', scope: 'adapters:read adapters:write:example' });
  tokens.otherRegistry = await issuer.issue({ sub: 'population-operator', scope: 'adapters:read adapters:write:population' });
  tokens.lookup = await issuer.issue({ sub: 'commune-00004', scope: 'example:read' });
});

const manifest = {
  id: 'example-template',
  registry: 'example',
  endpoint: '',
  tls: { insecure: true },
  timeoutMs: 2000,
  maxConcurrency: 16,
  retry: { attempts: 2, backoffMs: 50 },
};

describe('the template adapter registered with a running gateway', () => {
  it('is refused to an operator of another registry, registered by its own (201, described), listed and SERVING', async () => {
    const body = { ...manifest, endpoint: adapter.endpoint };
    const foreign = await httpCall(base, 'POST', '/v1/adapters', { token: tokens.otherRegistry, body });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatchObject({ code: 'registry_not_permitted', registry: 'example', requiredScope: 'adapters:write:example' });

    const created = await httpCall(base, 'POST', '/v1/adapters', { token: tokens.operator, body });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toMatch(/\/v1\/adapters\/example-template$/);
    expect(created.body).toMatchObject({
      id: 'example-template',
      registry: 'example',
      endpoint: adapter.endpoint,
      state: 'described',
      datasets: ['certificate'],
      source: 'catalog',
      owner: 'example-operator',
    });

    const list = await httpCall<{ adapters: Array<Record<string, unknown>> }>(base, 'GET', '/v1/adapters', { token: tokens.operator });
    expect(list.status).toBe(200);
    expect(list.body.adapters).toEqual([
      expect.objectContaining({ id: 'example-template', registry: 'example', state: 'described', datasets: ['certificate'] }),
    ]);

    const health = await eventually('the adapter health through the gateway', async () => {
      const answer = await httpCall(base, 'GET', '/v1/adapters/example-template/health', { token: tokens.operator });
      return answer.status === 200 && answer.body.grpcHealth === 'SERVING' ? answer.body : undefined;
    });
    expect(health).toMatchObject({ id: 'example-template', grpcHealth: 'SERVING' });
  });

  it('makes the example registry and its dataset known to clients (fields and the personal flag from Describe)', async () => {
    const registries = await httpCall<{
      registries: Array<{
        registry: string;
        state: string;
        datasets: Array<{ name: string; subjectKey: { name: string }; fields: Array<{ name: string; personal: boolean }> }>;
      }>;
    }>(base, 'GET', '/v1/registries', { token: tokens.lookup });
    expect(registries.status).toBe(200);
    const example = registries.body.registries.find((r) => r.registry === 'example');
    expect(example?.datasets).toEqual([
      expect.objectContaining({
        name: 'certificate',
        subjectKey: expect.objectContaining({ name: 'cccd' }),
        fields: expect.arrayContaining([
          expect.objectContaining({ name: 'holderName', personal: true }),
          expect.objectContaining({ name: 'issuer', personal: false }),
        ]),
      }),
    ]);
  });

  it('refuses lookups of the registry under a procedure that does not read it (403 purpose_not_allowed)', async () => {
    // deploy/catalog/procedures.v1.json names the registries and datasets each procedure may read;
    // none names "example". A procedure put through PUT /v1/procedures can (procedures.e2e.spec.ts).
    const lookup = await httpCall(base, 'GET', `/v1/registries/example/certificate/${EXAMPLE_SUBJECTS.holder}`, {
      token: tokens.lookup,
      headers: officerHeaders(),
    });
    expect(lookup.status).toBe(403);
    expect(lookup.body).toMatchObject({ code: 'purpose_not_allowed' });
  });
});
