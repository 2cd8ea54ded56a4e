import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EndpointAllowList, parseEndpointPattern } from './endpoint-allow-list.js';
import { TlsMaterialError, TlsMaterialReader } from './tls-material.js';

const root = mkdtempSync(path.join(tmpdir(), 'motlan-tls-reader-'));
/** The configured TLS directory. */
const dir = path.join(root, 'adapter-tls');
/** A sibling directory outside it, holding files a reference must never reach. */
const outside = path.join(root, 'elsewhere');
const MAX = 8 * 1024;
const KEY_VAR = 'MOTLAN_ADAPTER_TLS_UNIT_KEY';

let reader: TlsMaterialReader;
let ca: string;
let cert: string;
let key: string;
let otherKey: string;

function openssl(...args: string[]): void {
  execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

beforeAll(() => {
  mkdirSync(dir);
  mkdirSync(outside);
  openssl('req', '-x509', ...EC_KEY, '-keyout', 'client.key', '-out', 'client.pem', '-days', '2', '-subj', '/CN=client');
  openssl('req', '-x509', ...EC_KEY, '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=other');
  [ca, cert, key, otherKey] = ['other.pem', 'client.pem', 'client.key', 'other.key'].map((f) => readFileSync(path.join(dir, f), 'utf8'));
  writeFileSync(path.join(outside, 'secret.pem'), cert);
  writeFileSync(path.join(dir, 'big.pem'), `-----BEGIN CERTIFICATE-----\n${'A'.repeat(MAX)}\n`);
  symlinkSync(path.join(outside, 'secret.pem'), path.join(dir, 'link-out.pem'));
  symlinkSync(path.join(dir, 'client.pem'), path.join(dir, 'link-in.pem'));
  mkdirSync(path.join(dir, 'sub'));
  execFileSync('mkfifo', [path.join(dir, 'pipe.pem')]);
  reader = new TlsMaterialReader({
    dir,
    maxBytes: MAX,
    envPrefix: 'MOTLAN_ADAPTER_TLS_',
    env: { [KEY_VAR]: key, HOME: '/root', MOTLAN_ADAPTER_TLS_EMPTY: '' },
  });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const inDir = (name: string) => `file:${path.join(dir, name)}`;

/** The error a resolve rejects with (fails the test when it resolves). */
async function refusal(tls: { ca: string; cert: string; key: string }): Promise<TlsMaterialError> {
  const error = await reader.resolve(tls).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TlsMaterialError);
  return error as TlsMaterialError;
}

describe('TlsMaterialReader', () => {
  it('reads files inside the TLS directory, a symlink that stays inside it, inline PEM and prefixed variables', async () => {
    const material = await reader.resolve({ ca: inDir('other.pem'), cert: inDir('link-in.pem'), key: `env:${KEY_VAR}` });
    expect(material?.cert.toString()).toBe(cert);
    expect(material?.key.toString()).toBe(key);
    const inline = await reader.resolve({ ca, cert, key: inDir('client.key') });
    expect(inline?.ca.toString()).toBe(ca);
    expect(await reader.resolve({ insecure: true })).toBeUndefined();
  });

  it('gives one and the same answer for every file it will not read: outside, missing, via .. or a symlink, a directory, a FIFO, too large', async () => {
    const refs = [
      `file:${path.join(outside, 'secret.pem')}`,
      `file:${path.join(outside, 'missing.pem')}`,
      '/etc/shadow',
      '/etc/no-such-file',
      `${dir}/../elsewhere/secret.pem`,
      path.join(dir, 'link-out.pem'),
      path.join(dir, 'missing.pem'),
      path.join(dir, 'sub'),
      path.join(dir, 'pipe.pem'),
      path.join(dir, 'big.pem'),
    ].map((r) => (r.startsWith('file:') ? r : `file:${r}`));
    const answers = new Set<string>();
    for (const ref of refs) {
      const error = await refusal({ ca: ref, cert: inDir('client.pem'), key: inDir('client.key') });
      expect({ ref, field: error.field, failure: error.failure }).toEqual({ ref, field: 'tls.ca', failure: 'unreadable' });
      answers.add(error.message);
      expect(error.message).not.toMatch(/ENOENT|EACCES|FIFO|exist|shadow|PEM text/);
    }
    expect(answers.size).toBe(1);
  });

  it('never blocks on a FIFO: the read is refused although no writer ever opens it', async () => {
    const error = await refusal({ ca: inDir('pipe.pem'), cert: inDir('client.pem'), key: inDir('client.key') });
    expect(error.logDetail).toContain('FIFO');
  });

  it('answers set and unset variables, prefixed or not, the same', async () => {
    const answers = new Set<string>();
    for (const name of ['HOME', 'PATH_UNSET', 'MOTLAN_ADAPTER_TLS_UNSET', 'MOTLAN_ADAPTER_TLS_EMPTY']) {
      const error = await refusal({ ca: inDir('other.pem'), cert: inDir('client.pem'), key: `env:${name}` });
      expect(error).toMatchObject({ field: 'tls.key', failure: 'unreadable' });
      answers.add(error.message);
    }
    expect(answers.size).toBe(1);
  });

  it('refuses material that does not make a TLS configuration, naming the field: not PEM, bad certificate, key not matching', async () => {
    expect(await refusal({ ca: 'hello', cert, key: `env:${KEY_VAR}` })).toMatchObject({ field: 'tls.ca', failure: 'invalid' });
    expect(await refusal({ ca: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n', cert, key: `env:${KEY_VAR}` })).toMatchObject({
      field: 'tls.ca',
      failure: 'invalid',
    });
    expect(await refusal({ ca, cert: ca.replace(/[A-Za-z0-9+/]{60}/, 'x'.repeat(60)), key: `env:${KEY_VAR}` })).toMatchObject({
      field: 'tls.cert',
      failure: 'invalid',
    });
    const mismatch = await refusal({ ca, cert, key: inDir('other.key') });
    expect(mismatch).toMatchObject({ field: 'tls.key', failure: 'invalid', reason: 'not a private key matching tls.cert' });
    expect(mismatch.message).not.toContain(otherKey.slice(40, 80));
  });
});

describe('EndpointAllowList', () => {
  it('allows loopback by default pattern, domains below a wildcard, exact hosts and IPv4 networks', () => {
    const list = new EndpointAllowList(['loopback', '*.registry.gov.vn', 'adapter.example.vn', '10.20.0.0/16', 'fd00::11']);
    for (const endpoint of [
      '127.0.0.1:50051',
      'localhost:1',
      '[::1]:443',
      'a.registry.gov.vn:7443',
      'A.B.Registry.gov.vn:1',
      'adapter.example.vn:9',
      '10.20.255.1:7443',
      '[fd00::11]:7443',
    ]) {
      expect({ endpoint, allowed: list.allows(endpoint) }).toEqual({ endpoint, allowed: true });
    }
    for (const endpoint of [
      'registry.gov.vn:1',
      'evilregistry.gov.vn:1',
      'x.example.vn:9',
      '10.21.0.1:7443',
      '169.254.169.254:80',
      '127.1:80',
      '2130706433:80',
      '[fd00::12]:1',
    ]) {
      expect({ endpoint, allowed: list.allows(endpoint) }).toEqual({ endpoint, allowed: false });
    }
    expect(new EndpointAllowList(['loopback']).allows('10.0.0.1:1')).toBe(false);
  });

  it('rejects malformed patterns', () => {
    for (const bad of ['*', '10.0.0.0/33', 'http://x', '*.', 'a b']) expect({ bad, rule: parseEndpointPattern(bad) }).toEqual({ bad, rule: undefined });
    expect(() => new EndpointAllowList(['*'])).toThrow(/not a host pattern/);
  });
});
