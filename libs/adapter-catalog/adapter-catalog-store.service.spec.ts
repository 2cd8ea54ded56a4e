/**
 * The adapter catalog store on the embedded event log (real files in a temp directory): replay,
 * own writes, two instances, corrupt messages, torn lines, restart, the move of a catalog file of
 * an earlier release into the log. The Kafka path: test/integration/adapter-catalog-store.int.spec.ts.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Topics } from '@motlan/events/topics.js';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import { AdapterCatalogStore } from './adapter-catalog-store.service.js';
import type { AdapterCatalogChange, AdapterCatalogEntry } from './adapter-manifest.js';
import { embeddedAdapterCatalogLog, legacyAdapterCatalogFile, migrateLegacyCatalogFile } from './embedded-adapter-catalog.js';

const root = mkdtempSync(path.join(tmpdir(), 'motlan-catalog-'));
const topic = Topics.adapterCatalog;
let dir: string;
/** The catalog's one partition file. */
let file: string;
let warnings: string[];
const stores: AdapterCatalogStore[] = [];
const logs: FileEventLog[] = [];

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

/** A line of the catalog file of earlier releases. */
function legacyLine(id: string, value: AdapterCatalogEntry | null): string {
  return JSON.stringify({ id, entry: value }) + '\n';
}

/** A raw line of the log's partition file (what FileEventLog writes). */
function logLine(key: string, value: string | null): string {
  return JSON.stringify({ k: key, v: value, h: {}, t: Date.now() }) + '\n';
}

/** A store plus what its listener saw, in order. */
function open(pollMs = 50): { store: AdapterCatalogStore; seen: AdapterCatalogChange[]; catalog: () => Map<string, AdapterCatalogEntry> } {
  const store = new AdapterCatalogStore({ ...embeddedAdapterCatalogLog(dir, pollMs), ownsLog: true });
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

/** Writes raw lines into the catalog's partition file, as a crashed or foreign writer would. */
function rawLines(text: string | Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  appendFileSync(file, text);
}

beforeEach(() => {
  dir = mkdtempSync(path.join(root, 'data-'));
  file = path.join(dir, 'adapters', topic, '0.jsonl');
  warnings = [];
  jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown, ...rest: unknown[]) => {
    warnings.push(JSON.stringify([message, ...rest]));
  });
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.stop()));
  await Promise.all(logs.splice(0).map((l) => l.close()));
  jest.restoreAllMocks();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('AdapterCatalogStore on the embedded event log', () => {
  it('lives in <dataDir>/adapters and says so in location', () => {
    expect(open().store.location).toBe(path.join(dir, 'adapters'));
  });

  it('starts on an empty log with an empty catalog; directories are 0700, files 0600', async () => {
    const { store, seen } = await started();
    expect(seen).toEqual([]);
    await store.put(entry('population-1'));
    expect(statSync(path.join(dir, 'adapters')).mode & 0o777).toBe(0o700);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
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
    // Key = adapter id, value = entry JSON, a removal is a tombstone.
    expect(JSON.parse(readFileSync(file, 'utf8').split('\n')[3])).toMatchObject({ k: 'land-1', v: null });
  });

  it('skips corrupt messages with a warning naming the offset and the reason, and keeps going', async () => {
    const noRetry = { ...entry('land-1'), manifest: { ...entry('land-1').manifest, retry: undefined } };
    const keyInline = {
      ...entry('civil-1'),
      manifest: { ...entry('civil-1').manifest, tls: { ca: 'file:/ca.pem', cert: 'file:/c.pem', key: '-----BEGIN PRIVATE KEY-----' } },
    };
    rawLines(
      logLine('population-1', JSON.stringify(entry('population-1'))) +
        logLine('broken', '{"manifest": {') +
        logLine('land-1', JSON.stringify(noRetry)) +
        logLine('other-id', JSON.stringify(entry('business-1'))) +
        logLine('civil-1', JSON.stringify(keyInline)) +
        logLine('', JSON.stringify(entry('business-2'))) +
        logLine('business-1', JSON.stringify(entry('business-1'))),
    );
    const { seen } = await started();
    expect(seen.map((c) => c.id)).toEqual(['population-1', 'business-1']);
    expect(warnings).toHaveLength(5);
    expect(warnings[0]).toContain('"offset":"1"');
    expect(warnings[0]).toContain('not valid JSON');
    expect(warnings[1]).toContain('"offset":"2"');
    expect(warnings[1]).toContain('manifest.retry is not an object');
    expect(warnings[2]).toContain('"offset":"3"');
    expect(warnings[2]).toContain('manifest.id differs from the catalog key');
    expect(warnings[3]).toContain('"offset":"4"');
    expect(warnings[3]).toContain('manifest.tls.key is not a file: or env: reference');
    expect(warnings[4]).toContain('message has no key');
    // The reason names the field, never the value.
    expect(warnings.join()).not.toContain('BEGIN PRIVATE KEY');
  });

  it('refuses to write an entry that readers would skip, and writes nothing', async () => {
    const { store } = await started();
    const bad = { ...entry('civil-1'), revision: 0 };
    await expect(store.put(bad)).rejects.toThrow('revision is not an integer >= 1');
    await expect(store.put({ ...entry('civil-1'), updatedAt: 'yesterday' })).rejects.toThrow('updatedAt is not a date');
    await expect(store.remove('')).rejects.toThrow('remove needs an adapter id');
    expect(existsSync(file)).toBe(false);
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
    expect(seen.map((c) => c.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `population-${i}`).sort());
    expect(readFileSync(file, 'utf8').trimEnd().split('\n')).toHaveLength(20);
    expect(warnings).toEqual([]);
  });

  it("a second instance on the same directory sees the first one's writes", async () => {
    const a = await started();
    const b = await started();
    await a.store.put(entry('population-1'));
    await a.store.put(entry('land-1'));
    await a.store.remove('population-1');
    await eventually(() => b.seen.length === 3, 5000);
    expect([...b.catalog().keys()]).toEqual(['land-1']);
    expect(b.catalog()).toEqual(a.catalog());

    await b.store.put(entry('business-1'));
    await eventually(() => a.catalog().has('business-1'), 5000);
    expect(a.seen).toHaveLength(4);
  });

  it('holds a partial last line until its newline arrives, even inside a multi-byte character', async () => {
    const full = logLine('population-1', JSON.stringify(entry('population-1', 1, 'cán-bộ')));
    const bytes = Buffer.from(full, 'utf8');
    const cut = bytes.indexOf(Buffer.from('á', 'utf8')) + 1; // in the middle of "á"
    rawLines(Buffer.concat([Buffer.from(logLine('land-1', JSON.stringify(entry('land-1')))), bytes.subarray(0, cut)]));

    const { seen } = await started(20);
    expect(seen.map((c) => c.id)).toEqual(['land-1']);
    await sleep(100);
    expect(seen).toHaveLength(1);

    appendFileSync(file, bytes.subarray(cut, bytes.length - 1)); // everything but the newline
    await sleep(100);
    expect(seen).toHaveLength(1);

    appendFileSync(file, '\n');
    await eventually(() => seen.length === 2, 5000);
    expect(seen[1]).toEqual({ id: 'population-1', entry: entry('population-1', 1, 'cán-bộ') });
    expect(warnings).toEqual([]);
  });

  it('after a torn write, the next put starts a new line: only the torn line is lost', async () => {
    rawLines(logLine('land-1', JSON.stringify(entry('land-1'))) + logLine('population-1', JSON.stringify(entry('population-1'))).slice(0, 30));
    const { store, seen } = await started();
    await store.put(entry('business-1'));
    expect(seen.map((c) => c.id)).toEqual(['land-1', 'business-1']);

    const again = await started();
    expect(again.seen.map((c) => c.id)).toEqual(['land-1', 'business-1']);
    expect(warnings.some((w) => w.includes('torn write'))).toBe(true);
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
    mkdirSync(path.join(dir, 'adapters'), { recursive: true });
    writeFileSync(path.join(dir, 'adapters', topic), 'a file where the topic directory should be');
    const { store } = open();
    await expect(store.start(() => undefined)).rejects.toThrow(/adapter catalog \(.*adapters\): cannot read it: .*(ENOTDIR|EEXIST)/);
  });
});

describe('the catalog file of earlier releases', () => {
  function migrateWith(): FileEventLog {
    const log = new FileEventLog({ dir: path.join(dir, 'adapters'), partitions: 1, private: true });
    logs.push(log);
    return log;
  }

  it('is moved into the log once, in file order, corrupt lines skipped, and set aside', async () => {
    const legacy = legacyAdapterCatalogFile(dir);
    expect(legacy).toBe(path.join(dir, 'adapters', 'catalog.jsonl'));
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(
      legacy,
      legacyLine('population-1', entry('population-1')) +
        '{"id":"broken", "entry": {\n' +
        legacyLine('land-1', entry('land-1')) +
        '\n' +
        legacyLine('population-1', null),
    );
    await expect(migrateLegacyCatalogFile(legacy, migrateWith(), topic)).resolves.toBe(3);
    expect(existsSync(legacy)).toBe(false);
    expect(existsSync(`${legacy}.migrated`)).toBe(true);
    expect(warnings.filter((w) => w.includes('"line":2') && w.includes('not valid JSON'))).toHaveLength(1);

    const { seen, catalog } = await started();
    expect(seen.map((c) => [c.id, c.entry?.revision ?? null])).toEqual([
      ['population-1', 1],
      ['land-1', 1],
      ['population-1', null],
    ]);
    expect([...catalog().keys()]).toEqual(['land-1']);
    // Nothing left to move: a second start leaves the log as it is.
    await expect(migrateLegacyCatalogFile(legacy, migrateWith(), topic)).resolves.toBe(0);
  });

  it('is only set aside when the log already holds the catalog (a crash between the two steps)', async () => {
    const writer = open().store;
    await writer.put(entry('business-1'));
    const legacy = legacyAdapterCatalogFile(dir);
    writeFileSync(legacy, legacyLine('population-1', entry('population-1')));
    await expect(migrateLegacyCatalogFile(legacy, migrateWith(), topic)).resolves.toBe(0);
    expect(existsSync(`${legacy}.migrated`)).toBe(true);
    const { seen } = await started();
    expect(seen.map((c) => c.id)).toEqual(['business-1']);
  });
});
