import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import { OPS_PAGE_CSP, opsPageDirectory, opsPagePlugin } from './ops-page.plugin.js';

describe('opsPageDirectory', () => {
  const root = path.resolve(import.meta.dirname, '..', '..', '..', '..');

  it('from dist/: the web/ directory beside the module', () => {
    const module = path.join(root, 'dist', 'apps', 'gateway', 'src', 'ops-page', 'ops-page.plugin.js');
    expect(opsPageDirectory(pathToFileURL(module).href)).toBe(path.join(root, 'dist', 'apps', 'gateway', 'src', 'ops-page', 'web'));
  });

  it('from the TypeScript sources: the same place in dist/ of this repository, where the build puts the compiled page', () => {
    expect(opsPageDirectory(pathToFileURL(path.join(import.meta.dirname, 'ops-page.plugin.ts')).href)).toBe(
      path.join(root, 'dist', 'apps', 'gateway', 'src', 'ops-page', 'web'),
    );
    expect(opsPageDirectory()).toBe(path.join(root, 'dist', 'apps', 'gateway', 'src', 'ops-page', 'web'));
  });
});

describe('opsPagePlugin', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'motlan-ops-page-'));
    writeFileSync(path.join(directory, 'ops.html'), '<!doctype html><title>ops</title>');
    writeFileSync(path.join(directory, 'ops.js'), 'export {};');
    writeFileSync(path.join(directory, 'dom.js'), 'export const x = 1;');
    writeFileSync(path.join(directory, 'ops.css'), 'body { margin: 0 }');
    app = Fastify();
    await app.register(opsPagePlugin, { directory });
    await app.ready();
  });

  afterAll(() => app.close());

  it.each([
    ['/ops', 'text/html; charset=utf-8', '<!doctype html><title>ops</title>'],
    ['/ops/ops.js', 'text/javascript; charset=utf-8', 'export {};'],
    ['/ops/dom.js', 'text/javascript; charset=utf-8', 'export const x = 1;'],
    ['/ops/ops.css', 'text/css; charset=utf-8', 'body { margin: 0 }'],
  ])('GET %s: the file, as %s, with the strict headers and never cached', async (url, type, body) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe(body);
    expect(response.headers).toMatchObject({
      'content-type': type,
      'content-security-policy': OPS_PAGE_CSP,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    expect(response.headers.etag).toBeUndefined();
    expect(response.headers['last-modified']).toBeUndefined();
  });

  it('serves nothing else: unknown files, paths out of the directory and directory listings are 404 or refused', async () => {
    for (const url of ['/ops/missing.js', '/ops/', '/ops/../ops-page.plugin.ts', '/ops/%2e%2e/x', '/ops.js']) {
      const response = await app.inject({ method: 'GET', url });
      expect([url, response.statusCode >= 400 && response.statusCode < 500]).toEqual([url, true]);
      expect(response.body).not.toContain('export');
    }
  });
});
