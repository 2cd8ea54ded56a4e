import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AdapterCatalogChange, AdapterCatalogEntry } from './adapter-manifest.js';
import { embeddedAdapterCatalogFile, FileAdapterCatalogStore } from './file-adapter-catalog-store.adapter.js';

const root = mkdtempSync(path.join(tmpdir(), 'motlan-catalog-'));
let dir: string;
let file: string;
let warnings: string[];
const stores: FileAdapterCatalogStore[] = [];

function entry(id: string, revision = 1, updatedBy = 'ops-client'): AdapterCatalogEntry {
  return {
    manifest: {
      id,
      registry: 'population',
      endpoint: '127.0.0.1:50051',
      tls: { insecure: true },
      timeoutMs: 800,
      maxConcurrency: 64,
      retry: { attempts: 2, backoffMs: 50 },
      routing: { provinces: ['01', '79'] },
    },
    updatedBy,
    updatedAt: '2025-07-01T08:00:00.000Z',
    revision,
  };
}

function line(id: string, value: AdapterCatalogEntry | null): string {
  return JSON.stringify({ id, entry: value }) + '\n';
}

/** A store plus what its listener saw, in order. */
function open(pollMs = 50): { store: FileAdapterCatalogStore; seen: AdapterCatalogChange[]; catalog: () => Map<string, AdapterCatalogEntry> } {
  const store = new FileAdapterCatalogStore({ file, pollMs });
  stores.push(store);
  const seen: AdapterCatalogChange[] = [];
  const catalog = () => {
    const map = new Map<string, AdapterCatalogEntry>();
    for (const change of seen) {
      if (change.entry) map.set(change.id, change.entry);
      else map.delete(change.id);
    }
    return map;
  };
  return { store, seen, catalog };
}

async function started(pollMs = 50) {
  const opened = open(pollMs);
  await opened.store.start((change) => opened.seen.push(change));
  return opened;
}

async function eventually(probe: () => boolean, timeoutMs = 1000): Promise<number> {
  const begin = Date.now();
  while (!probe()) {
    if (Date.now() - begin > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - begin;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  dir = mkdtempSync(path.join(root, 'data-'));
  file = embeddedAdapterCatalogFile(dir);
  warnings = [];
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown, ...rest: unknown[]) => {
    warnings.push(JSON.stringify([message, ...rest]));
  });
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.stop()));
  jest.restoreAllMocks();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('FileAdapterCatalogStore', () => {
  it('lives in <dataDir>/adapters/catalog.jsonl and says so in location', () => {
    expect(file).toBe(path.join(dir, 'adapters', 'catalog.jsonl'));
    expect(new FileAdapterCatalogStore({ file }).location).toBe(file);
  });

  it('starts on a missing file with an empty catalog and creates the directory 0700, the file 0600', async () => {
    const { store, seen } = await started();
    expect(seen).toEqual([]);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    await store.put(entry('population-1'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('replays every change in write order, updates and removals included', async () => {
    const writer = open().store;
    await writer.put(entry('population-1'));
    await writer.put(entry('land-1'));
    await writer.put(entry('population-1', 2));
    await writer.remove('land-1');

    const { seen, catalog } = await started();
    expect(seen).toEqual([
      { id: 'population-1', entry: entry('population-1') },
      { id: 'land-1', entry: entry('land-1') },
      { id: 'population-1', entry: entry('population-1', 2) },
      { id: 'land-1', entry: null },
    ]);
    expect([...catalog().entries()]).toEqual([['population-1', entry('population-1', 2)]]);
    expect(readFileSync(file, 'utf8').split('\n')[3]).toBe('{"id":"land-1","entry":null}');
  });

  it('skips corrupt lines with a warning naming the line and the reason, and keeps going', async () => {
    mkdirSync(path.dirname(file), { recursive: true });
    const noRetry = { ...entry('land-1'), manifest: { ...entry('land-1').manifest, retry: undefined } };
    const keyInline = { ...entry('civil-1'), manifest: { ...entry('civil-1').manifest, tls: { ca: 'file:/ca.pem', cert: 'file:/c.pem', key: '-----BEGIN PRIVATE KEY-----' } } };
    writeFileSync(
      file,
      line('population-1', entry('population-1')) +
        '{"id":"broken", "entry": {\n' +
        line('land-1', noRetry as unknown as AdapterCatalogEntry) +
        line('other-id', entry('business-1')) +
        line('civil-1', keyInline) +
        '\n' +
        line('business-1', entry('business-1')),
    );
    const { seen } = await started();
    expect(seen.map((c) => c.id)).toEqual(['population-1', 'business-1']);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toContain('"line":2');
    expect(warnings[0]).toContain('not valid JSON');
    expect(warnings[1]).toContain('"line":3');
    expect(warnings[1]).toContain('manifest.retry is not an object');
    expect(warnings[2]).toContain('"line":4');
    expect(warnings[2]).toContain('manifest.id differs from the catalog key');
    expect(warnings[3]).toContain('"line":5');
    expect(warnings[3]).toContain('manifest.tls.key is not a file: or env: reference');
    // The reason names the field, never the value.
    expect(warnings.join()).not.toContain('BEGIN PRIVATE KEY');
  });

  it('refuses to write an entry that readers would skip, and writes nothing', async () => {
    const { store } = await started();
    const bad = { ...entry('civil-1'), revision: 0 };
    await expect(store.put(bad)).rejects.toThrow('revision is not an integer >= 1');
    await expect(store.put({ ...entry('civil-1'), updatedAt: 'yesterday' })).rejects.toThrow('updatedAt is not a date');
    await expect(store.remove('')).rejects.toThrow('remove needs an adapter id');
    expect(() => statSync(file)).toThrow();
  });

  it('delivers its own writes exactly once, before put/remove resolve', async () => {
    const { store, seen } = await started(20);
    await store.put(entry('population-1'));
    expect(seen).toEqual([{ id: 'population-1', entry: entry('population-1') }]);
    await store.remove('population-1');
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual({ id: 'population-1', entry: null });
    await sleep(150); // several polls
    expect(seen).toHaveLength(2);
  });

  it('serializes concurrent writes into whole lines, each delivered once', async () => {
    const { store, seen } = await started(20);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put(entry(`population-${i}`))));
    await sleep(100);
    expect(seen.map((c) => c.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `population-${i}`).sort());
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(20);
    expect(warnings).toEqual([]);
  });

  it('a second instance on the same file sees the first one\'s writes within a second', async () => {
    const a = await started();
    const b = await started(250); // the default poll interval
    await a.store.put(entry('population-1'));
    await a.store.put(entry('land-1'));
    await a.store.remove('population-1');
    const took = await eventually(() => b.seen.length === 3, 1000);
    expect(took).toBeLessThan(1000);
    expect([...b.catalog().keys()]).toEqual(['land-1']);
    expect(b.catalog()).toEqual(a.catalog());

    await b.store.put(entry('business-1'));
    await eventually(() => a.catalog().has('business-1'), 1000);
    expect(a.seen).toHaveLength(4);
  });

  it('holds a partial last line until its newline arrives, even inside a multi-byte character', async () => {
    const full = line('population-1', entry('population-1', 1, 'cán-bộ'));
    const bytes = Buffer.from(full, 'utf8');
    const cut = bytes.indexOf(Buffer.from('á', 'utf8')) + 1; // in the middle of "á"
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, Buffer.concat([Buffer.from(line('land-1', entry('land-1'))), bytes.subarray(0, cut)]));

    const { seen } = await started(20);
    expect(seen.map((c) => c.id)).toEqual(['land-1']);
    await sleep(100);
    expect(seen).toHaveLength(1);

    appendFileSync(file, bytes.subarray(cut, bytes.length - 1)); // everything but the newline
    await sleep(100);
    expect(seen).toHaveLength(1);

    appendFileSync(file, '\n');
    await eventually(() => seen.length === 2);
    expect(seen[1]).toEqual({ id: 'population-1', entry: entry('population-1', 1, 'cán-bộ') });
    expect(warnings).toEqual([]);
  });

  it('after a torn write, the next put starts a new line: only the torn line is lost', async () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, line('land-1', entry('land-1')) + line('population-1', entry('population-1')).slice(0, 30));
    const { store, seen } = await started();
    await store.put(entry('business-1'));
    expect(seen.map((c) => c.id)).toEqual(['land-1', 'business-1']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"line":2');

    const again = await started();
    expect(again.seen.map((c) => c.id)).toEqual(['land-1', 'business-1']);
  });

  it('keeps the catalog across a restart, and a stopped store delivers nothing more', async () => {
    const first = await started();
    await first.store.put(entry('population-1'));
    await first.store.put(entry('land-1'));
    await first.store.remove('land-1');
    await first.store.put(entry('business-1'));
    await first.store.stop();
    await first.store.stop(); // twice is fine

    const writer = open().store; // never started: writes only
    await writer.put(entry('civil-1'));
    await sleep(150);
    expect(first.seen).toHaveLength(4);

    const second = await started();
    expect([...second.catalog().entries()]).toEqual([
      ['population-1', entry('population-1')],
      ['business-1', entry('business-1')],
      ['civil-1', entry('civil-1')],
    ]);

    // The same instance can be started again and replays from the start.
    const replayed: AdapterCatalogChange[] = [];
    await first.store.start((c) => replayed.push(c));
    expect(replayed).toHaveLength(5);
  });

  it('rejects start when the catalog cannot be read', async () => {
    mkdirSync(file, { recursive: true }); // a directory where the file should be
    const { store } = open();
    await expect(store.start(() => undefined)).rejects.toThrow(/EISDIR/);
  });
});
