/**
 * The template adapter checked from the gateway's side: the Nest microservice on a real port, called
 * with the gateway's own gRPC client (libs/registry-client GrpcAdapterConnection) and stubs loaded
 * by libs/contracts, so a drift between the template and what the gateway expects fails here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { ADAPTER_CONTRACT_VERSION, adapterContract, healthContract } from '@motlan/contracts/grpc-contracts.js';
import { fromStruct } from '@motlan/contracts/struct-codec.js';
import type { HealthClient } from '@motlan/contracts/generated/grpc/health/v1/Health.js';
import type { LookupResponse__Output } from '@motlan/contracts/generated/motlan/adapter/v1/LookupResponse.js';
import type { RegistryAdapterClient } from '@motlan/contracts/generated/motlan/adapter/v1/RegistryAdapter.js';
import { GrpcAdapterConnection } from '@motlan/registry-client/grpc-adapter.client.js';
import { RegistryCallError } from '@motlan/registry-client/registry-client.port.js';
import { freePort } from '../../../deploy/kafka-dev/kafka-dev.mjs';
import { eventually } from '../../../test/support/eventually.js';
import { startAdapter, type RunningAdapter } from './adapter-grpc.server.js';
import { AdapterConfigError, loadAdapterConfig } from './config/adapter.config.js';
import { EXAMPLE_SUBJECTS, InMemoryRecordSource } from './records/in-memory-record-source.adapter.js';
import { ADAPTER_VERSION } from './records/registry-description.js';

const silent = pino({ level: 'silent' });
const CONTEXT = { requestId: 'req-template-1', clientId: 'commune-00004', officerId: 'officer-001', purpose: '1.004222' };

async function start(env: Record<string, string> = {}): Promise<RunningAdapter> {
  return startAdapter(loadAdapterConfig({ ADAPTER_PORT: String(await freePort()), ADAPTER_HEALTH_WATCH_MS: '20', ...env }), silent);
}

/** The reason a promise rejected (fails the test if it resolved). */
async function rejection(promise: Promise<unknown>): Promise<RegistryCallError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(RegistryCallError);
  return outcome.error as RegistryCallError;
}

describe('template adapter, plaintext, called by the gateway’s client', () => {
  let adapter: RunningAdapter;
  let gateway: GrpcAdapterConnection;
  /** A raw contract stub, for what the gateway's client never sends (a field list). */
  let stub: RegistryAdapterClient;

  beforeAll(async () => {
    adapter = await start();
    gateway = new GrpcAdapterConnection({ registry: 'example', endpoint: adapter.endpoint });
    stub = new (adapterContract().RegistryAdapter)(adapter.endpoint, grpc.credentials.createInsecure()) as unknown as RegistryAdapterClient;
  });

  afterAll(async () => {
    gateway?.close();
    (stub as unknown as grpc.Client | undefined)?.close();
    await adapter?.stop();
  });

  const rawLookup = (dataset: string, subjectId: string, fields: string[]) =>
    new Promise<LookupResponse__Output>((resolve, reject) =>
      stub.lookup({ dataset, subjectId, fields, context: CONTEXT }, (error, response) => (error || !response ? reject(error) : resolve(response))),
    );

  it('describes the example registry as the gateway reads it', async () => {
    const description = await gateway.describe(2000);
    expect(description).toMatchObject({ registry: 'example', contractVersion: ADAPTER_CONTRACT_VERSION, adapterVersion: ADAPTER_VERSION });
    expect(description.datasets).toHaveLength(1);
    const [certificate] = description.datasets;
    expect(certificate).toMatchObject({
      registry: 'example',
      name: 'certificate',
      subjectKey: { name: 'cccd', pattern: '^\\d{12}$' },
      maxAgeSeconds: 3600,
      sensitivity: 'normal',
    });
    expect(certificate.fields.map((f) => [f.name, f.type, f.personal])).toEqual([
      ['holderName', 'string', true],
      ['qualification', 'string', false],
      ['issuedOn', 'date', false],
      ['issuer', 'string', false],
    ]);
  });

  it('answers a subject it holds with the whole record, its version and when it changed', async () => {
    const record = await gateway.lookup('certificate', EXAMPLE_SUBJECTS.holder, CONTEXT, 2000);
    expect(record).toEqual({
      found: true,
      data: { holderName: 'Nguyễn Văn An', qualification: 'Electrician, level 2', issuedOn: '2021-06-30', issuer: 'Hà Nội Vocational College' },
      version: '3',
      asOf: '2024-03-01T02:00:00.000Z',
    });
  });

  it('answers only the fields asked for, and INVALID_ARGUMENT for a field the dataset lacks', async () => {
    const response = await rawLookup('certificate', EXAMPLE_SUBJECTS.secondHolder, ['issuer', 'issuedOn']);
    expect(response.found).toBe(true);
    expect(fromStruct(response.record)).toEqual({ issuer: 'Hồ Chí Minh City Tourism College', issuedOn: '2023-11-15' });
    await expect(rawLookup('certificate', EXAMPLE_SUBJECTS.holder, ['issuer', 'bloodGroup'])).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('bloodGroup'),
    });
  });

  it('answers found = false, not an error, for a well-formed id it does not hold', async () => {
    const record = await gateway.lookup('certificate', EXAMPLE_SUBJECTS.unknown, CONTEXT, 2000);
    expect(record).toMatchObject({ found: false, data: null, version: '0' });
  });

  it('refuses an id it cannot parse, and an unknown dataset, with INVALID_ARGUMENT (the gateway’s invalid_argument)', async () => {
    const short = await rejection(gateway.lookup('certificate', '12345', CONTEXT, 2000));
    expect(short).toMatchObject({ kind: 'invalid_argument', registry: 'example' });
    expect(short.message).toContain('12 digits');
    // 12 digits, but a century/sex digit (9) no personal id has.
    const century = await rejection(gateway.lookup('certificate', '001999012345', CONTEXT, 2000));
    expect(century).toMatchObject({ kind: 'invalid_argument' });
    expect(century.message).toContain('4th digit');
    const dataset = await rejection(gateway.lookup('diploma', EXAMPLE_SUBJECTS.holder, CONTEXT, 2000));
    expect(dataset).toMatchObject({ kind: 'invalid_argument' });
    expect(dataset.message).toContain('unknown dataset "diploma"');
  });

  it('health: Check SERVING for the server and the adapter service, NOT_FOUND for another service', async () => {
    expect(await gateway.health(2000)).toBe('SERVING');
    const health = new (healthContract().Health)(adapter.endpoint, grpc.credentials.createInsecure()) as unknown as HealthClient;
    const check = (service: string) =>
      new Promise<string>((resolve, reject) => health.check({ service }, (error, response) => (error || !response ? reject(error) : resolve(response.status))));
    try {
      expect(await check('motlan.adapter.v1.RegistryAdapter')).toBe('SERVING');
      await expect(check('motlan.portal.v1.NationalPortal')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    } finally {
      (health as unknown as grpc.Client).close();
    }
  });

  it('a registry that is down: lookups UNAVAILABLE (the gateway retries), health NOT_SERVING, Watch follows both ways', async () => {
    const source = adapter.app.get(InMemoryRecordSource);
    const health = new (healthContract().Health)(adapter.endpoint, grpc.credentials.createInsecure()) as unknown as HealthClient;
    const seen: string[] = [];
    const watch = health.watch({ service: '' });
    watch.on('data', (response: { status: string }) => seen.push(response.status));
    // Cancelling the watch at the end ends it with CANCELLED: expected.
    watch.on('error', () => undefined);
    try {
      await eventually('the first watch answer', async () => (seen[0] === 'SERVING' ? true : undefined));
      source.setServing(false);
      const down = await rejection(gateway.lookup('certificate', EXAMPLE_SUBJECTS.holder, CONTEXT, 2000));
      expect(down).toMatchObject({ kind: 'unavailable' });
      expect(await gateway.health(2000)).toBe('NOT_SERVING');
      await eventually('NOT_SERVING on the watch', async () => (seen.includes('NOT_SERVING') ? true : undefined));
      source.setServing(true);
      await eventually('SERVING again on the watch', async () => (seen.at(-1) === 'SERVING' && seen.length === 3 ? true : undefined));
      expect(seen).toEqual(['SERVING', 'NOT_SERVING', 'SERVING']);
      expect(await gateway.lookup('certificate', EXAMPLE_SUBJECTS.holder, CONTEXT, 2000)).toMatchObject({ found: true });
    } finally {
      source.setServing(true);
      watch.cancel();
      (health as unknown as grpc.Client).close();
    }
  });
});

describe('template adapter with mutual TLS', () => {
  let pkiDir: string;
  let adapter: RunningAdapter;
  const pem = (name: string) => readFileSync(path.join(pkiDir, name));
  const openssl = (...args: string[]) => execFileSync('/usr/bin/openssl', args, { cwd: pkiDir, stdio: ['ignore', 'ignore', 'pipe'] });
  const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  function leaf(name: string, ca: string, serial: number, extensions: string): void {
    openssl('req', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(path.join(pkiDir, `${name}.ext`), extensions);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.pem`,
      '-CAkey',
      `${ca}.key`,
      '-set_serial',
      String(serial),
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.pem`,
    );
  }

  beforeAll(async () => {
    pkiDir = mkdtempSync(path.join(tmpdir(), 'motlan-adapter-template-pki-'));
    // One CA signs both sides here; in production the gateway's CA and the registry's CA differ.
    openssl('req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test-ca');
    leaf('server', 'ca', 1, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    leaf('client', 'ca', 2, 'extendedKeyUsage=clientAuth\n');
    openssl('req', '-x509', ...EC_KEY, '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=rogue-gateway');
    adapter = await start({
      ADAPTER_TLS_CA_FILE: path.join(pkiDir, 'ca.pem'),
      ADAPTER_TLS_CERT_FILE: path.join(pkiDir, 'server.pem'),
      ADAPTER_TLS_KEY_FILE: path.join(pkiDir, 'server.key'),
    });
  });

  afterAll(async () => {
    await adapter?.stop();
    if (pkiDir) rmSync(pkiDir, { recursive: true, force: true });
  });

  it('serves a gateway presenting a client certificate of its CA, and refuses one without', async () => {
    const trusted = new GrpcAdapterConnection({
      registry: 'example',
      endpoint: adapter.endpoint,
      tls: { ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key') },
    });
    const rogue = new GrpcAdapterConnection({
      registry: 'example',
      endpoint: adapter.endpoint,
      tls: { ca: pem('ca.pem'), cert: pem('rogue.pem'), key: pem('rogue.key') },
    });
    const plaintext = new GrpcAdapterConnection({ registry: 'example', endpoint: adapter.endpoint });
    try {
      expect((await trusted.describe(2000)).registry).toBe('example');
      expect(await trusted.lookup('certificate', EXAMPLE_SUBJECTS.holder, CONTEXT, 2000)).toMatchObject({ found: true, version: '3' });
      expect(await trusted.health(2000)).toBe('SERVING');
      expect((await rejection(rogue.describe(2000))).kind).toMatch(/^(unavailable|timeout)$/);
      expect((await rejection(plaintext.describe(2000))).kind).toMatch(/^(unavailable|timeout)$/);
    } finally {
      for (const connection of [trusted, rogue, plaintext]) connection.close();
    }
  });

  it('refuses to start with TLS material that does not fit, naming the variables', () => {
    expect(() =>
      loadAdapterConfig({
        ADAPTER_TLS_CA_FILE: path.join(pkiDir, 'ca.pem'),
        ADAPTER_TLS_CERT_FILE: path.join(pkiDir, 'server.pem'),
        ADAPTER_TLS_KEY_FILE: path.join(pkiDir, 'client.key'),
      }),
    ).toThrow(/ADAPTER_TLS_CERT_FILE \/ ADAPTER_TLS_KEY_FILE/);
  });
});

describe('template adapter configuration', () => {
  it('defaults to plaintext on 127.0.0.1:50070', () => {
    expect(loadAdapterConfig({})).toEqual({ host: '127.0.0.1', port: 50070, tls: null, healthWatchMs: 5000, logLevel: 'info' });
  });

  it.each([
    [{ ADAPTER_PORT: 'fifty' }, /^ADAPTER_PORT must be a port number/],
    [{ ADAPTER_PORT: '70000' }, /^ADAPTER_PORT must be a port number/],
    [{ ADAPTER_HEALTH_WATCH_MS: '0' }, /^ADAPTER_HEALTH_WATCH_MS must be/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ ADAPTER_TLS_CA_FILE: '/etc/motlan/ca.pem' }, /^ADAPTER_TLS_CERT_FILE, ADAPTER_TLS_KEY_FILE must be set too/],
    [
      { ADAPTER_TLS_CA_FILE: '/nonexistent/ca.pem', ADAPTER_TLS_CERT_FILE: '/nonexistent/c.pem', ADAPTER_TLS_KEY_FILE: '/nonexistent/k.pem' },
      /^ADAPTER_TLS_CA_FILE must name a readable PEM file.*ENOENT/,
    ],
  ])('refuses %j naming the variable', (env, message) => {
    expect(() => loadAdapterConfig(env)).toThrow(AdapterConfigError);
    expect(() => loadAdapterConfig(env)).toThrow(message);
  });
});
