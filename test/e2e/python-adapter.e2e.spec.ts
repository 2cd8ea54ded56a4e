/**
 * A registry in another language (issue 17): the Python adapter of docs/examples/python-adapter,
 * a registry no simulator and no code of the gateway knows (`vehicle-registration`, dataset
 * `vehicle` keyed by number plate), taken from nothing to answering lookups by one running
 * gateway, with no restart: the adapter is registered over POST /v1/adapters, a procedure that
 * reads it is put through PUT /v1/procedures, a plate is looked up; a second Python replica is
 * registered, the first is killed (SIGKILL), and the next lookup is answered by the second.
 * Embedded profile, no configured adapters (MOTLAN_ADAPTERS=none). The walkthrough in
 * docs/adapters.md ("A registry in Python, step by step") runs the same steps by hand.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino } from 'pino';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';
import { loadGatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { eventually } from '../support/eventually.js';
import { httpCall, officerHeaders } from '../support/http.js';

/** Debian's Python, where python3-grpcio and python3-grpc-tools install (.ci/run installs them). */
const PYTHON = '/usr/bin/python3';
const ADAPTER_SCRIPT = path.resolve(import.meta.dirname, '..', '..', 'docs', 'examples', 'python-adapter', 'adapter.py');
const REGISTRY = 'vehicle-registration';
const PROCEDURE = '9.000101';
/** Two plates the adapter holds (docs/examples/python-adapter/adapter.py, RECORDS). */
const PLATES = { first: '30A-123.45', second: '51F-678.90' };

interface PythonAdapter {
  endpoint: string;
  child: ChildProcess;
  output(): string;
}

const running: ChildProcess[] = [];

/** Starts one replica on a port of its choosing; resolves once it prints the address it listens on. */
async function startPythonAdapter(replica: string): Promise<PythonAdapter> {
  const child = spawn(PYTHON, [ADAPTER_SCRIPT, '--port', '0', '--replica', replica], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const endpoint = await eventually(
    `the Python adapter ${replica} to listen`,
    async () => {
      if (child.exitCode !== null) throw new Error('exited');
      return /listening on (127\.0\.0\.1:\d+)/.exec(output)?.[1];
    },
    30_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message} (exit code ${child.exitCode}); its output:\n${output}`);
  });
  return { endpoint, child, output: () => output };
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

let dataDir: string;
let gateway: NestFastifyApplication | undefined;
let base: string;
const tokens = { operator: '', catalog: '', lookup: '' };

beforeAll(async () => {
  // Not skipped: without gRPC for Python the scenario cannot be shown, and that is a failure.
  const probe = spawnSync(PYTHON, ['-c', 'import grpc, grpc_tools'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `${PYTHON} cannot import grpc and grpc_tools: sudo apt-get install -y python3-grpcio python3-grpc-tools\n${probe.stderr ?? String(probe.error)}`,
    );
  }
  dataDir = mkdtempSync(path.join(tmpdir(), 'motlan-python-adapter-'));
  const issuer = new DevTokenIssuer({ dataDir });
  await issuer.ensureKeys();
  // What `npm run -s token -- --sub … --scope …` prints for each role of the walkthrough.
  tokens.operator = await issuer.issue({ sub: 'vehicle-registration-operator', scope: `adapters:read adapters:write:${REGISTRY}` });
  tokens.catalog = await issuer.issue({ sub: 'catalog-admin', scope: 'procedures:read procedures:write' });
  tokens.lookup = await issuer.issue({ sub: 'commune-00004', scope: `${REGISTRY}:read` });
  const config = loadGatewayConfig({
    MOTLAN_DATA_DIR: dataDir,
    MOTLAN_TOKEN_JWKS_FILE: path.join(dataDir, 'dev-issuer', 'jwks.json'),
    PORT: '0',
    MOTLAN_ADAPTERS: 'none',
    MOTLAN_DESCRIBE_RETRY_MS: '200',
  });
  ({ app: gateway } = await createGatewayApp(config, pino({ level: process.env.E2E_LOG ?? 'silent' })));
  await gateway.listen(0, '127.0.0.1');
  base = await gateway.getUrl();
});

afterAll(async () => {
  // Whatever happened above: no Python process outlives the suite.
  await Promise.all(running.map(killHard));
  await gateway?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function manifest(id: string, endpoint: string): Record<string, unknown> {
  return { id, registry: REGISTRY, endpoint, tls: { insecure: true }, timeoutMs: 2000, maxConcurrency: 16, retry: { attempts: 2, backoffMs: 50 } };
}

function lookup(plate: string, requestId: string) {
  return httpCall<{ registry: string; dataset: string; subjectId: string; data: Record<string, unknown>; meta: { cache: string; version: string } }>(
    base,
    'GET',
    `/v1/registries/${REGISTRY}/vehicle/${encodeURIComponent(plate)}`,
    { token: tokens.lookup, headers: { ...officerHeaders('officer-python', PROCEDURE), 'x-request-id': requestId } },
  );
}

describe('a registry whose adapter is written in Python, from nothing to replicas, with no gateway restart', () => {
  let first: PythonAdapter;
  let second: PythonAdapter;

  it('registers the Python adapter, learns its registry from Describe, and sees its health service SERVING', async () => {
    first = await startPythonAdapter('vehicle-a');
    // Nothing names the registry yet: the gateway has never heard of it.
    expect((await lookup(PLATES.first, 'py-before')).body).toMatchObject({ status: 400, code: 'unknown_registry' });

    const created = await httpCall(base, 'POST', '/v1/adapters', { token: tokens.operator, body: manifest('vehicle-registration-a', first.endpoint) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'vehicle-registration-a',
      registry: REGISTRY,
      state: 'described',
      datasets: ['vehicle'],
      source: 'catalog',
      owner: 'vehicle-registration-operator',
    });

    const health = await eventually('the Python adapter health through the gateway', async () => {
      const answer = await httpCall(base, 'GET', '/v1/adapters/vehicle-registration-a/health', { token: tokens.operator });
      return answer.status === 200 && answer.body.grpcHealth === 'SERVING' ? answer.body : undefined;
    });
    expect(health).toMatchObject({ id: 'vehicle-registration-a', registry: REGISTRY, grpcHealth: 'SERVING' });

    // The dataset as the Python adapter described it: its own subject key format, the personal flags.
    const registries = await httpCall<{ registries: Array<{ registry: string; datasets: Array<Record<string, unknown>> }> }>(base, 'GET', '/v1/registries', {
      token: tokens.lookup,
    });
    expect(registries.body.registries.find((r) => r.registry === REGISTRY)?.datasets).toEqual([
      expect.objectContaining({
        name: 'vehicle',
        subjectKey: expect.objectContaining({ name: 'vn-plate' }),
        fields: expect.arrayContaining([
          expect.objectContaining({ name: 'ownerName', personal: true }),
          expect.objectContaining({ name: 'brand', personal: false }),
        ]),
      }),
    ]);
  });

  it('answers lookups once a procedure of the catalog reads the registry', async () => {
    // Registered, but no procedure reads it: the purpose is refused.
    expect((await lookup(PLATES.first, 'py-no-procedure')).status).toBe(403);

    const put = await httpCall(base, 'PUT', `/v1/procedures/${PROCEDURE}`, {
      token: tokens.catalog,
      headers: { 'if-match': '"0"' },
      body: {
        code: PROCEDURE,
        name: 'Tra cứu đăng ký xe (thử nghiệm)',
        codeVerified: false,
        access: [{ registry: REGISTRY, dataset: 'vehicle', fields: ['plateNumber', 'ownerName', 'brand', 'model'], reason: 'Thông tin đăng ký xe' }],
      },
    });
    expect(put.status).toBe(201);

    const answer = await lookup(PLATES.first, 'py-first-lookup');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      registry: REGISTRY,
      dataset: 'vehicle',
      subjectId: PLATES.first,
      data: { plateNumber: PLATES.first, ownerName: 'Nguyễn Văn An', brand: 'VinFast', model: 'VF 8' },
      meta: { cache: 'MISS', version: '3' },
    });
    // Only what the procedure grants, though the adapter holds more.
    expect(Object.keys(answer.body.data).sort()).toEqual(['brand', 'model', 'ownerName', 'plateNumber']);
    expect(first.output()).toMatch(/lookup request_id=py-first-lookup replica=vehicle-a found=true/);
    // An id that is not a plate is refused by the gateway with the adapter's own pattern.
    expect((await lookup('not-a-plate', 'py-bad-plate')).body).toMatchObject({ status: 400 });
  });

  it('takes a second replica, loses the first to SIGKILL, and answers from the second', async () => {
    second = await startPythonAdapter('vehicle-b');
    const created = await httpCall(base, 'POST', '/v1/adapters', { token: tokens.operator, body: manifest('vehicle-registration-b', second.endpoint) });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'vehicle-registration-b', registry: REGISTRY, state: 'described', datasets: ['vehicle'] });

    await killHard(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');

    // Another plate, so the answer cannot come from the gateway's cache.
    const answer = await lookup(PLATES.second, 'py-after-kill');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      registry: REGISTRY,
      subjectId: PLATES.second,
      data: { plateNumber: PLATES.second, ownerName: 'Trần Thị Bình', brand: 'Toyota' },
      meta: { cache: 'MISS', version: '1' },
    });
    expect(second.output()).toMatch(/lookup request_id=py-after-kill replica=vehicle-b found=true/);

    // The gateway sees the dead replica as such, and the live one as SERVING.
    const dead = await httpCall(base, 'GET', '/v1/adapters/vehicle-registration-a/health', { token: tokens.operator });
    expect(dead.body.grpcHealth).not.toBe('SERVING');
    const live = await httpCall(base, 'GET', '/v1/adapters/vehicle-registration-b/health', { token: tokens.operator });
    expect(live.body).toMatchObject({ grpcHealth: 'SERVING' });
  });
});
