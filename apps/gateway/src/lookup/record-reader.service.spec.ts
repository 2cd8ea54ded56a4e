import { describe, expect, it } from '@jest/globals';
import { ErrorCodes, InvalidRequestError, UnavailableError } from '@motlan/errors/domain-error.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { LocalFetchCoordinator } from '@motlan/registry-cache/fetch-coordinator.port.js';
import { InMemoryRegistryCache } from '@motlan/registry-cache/in-memory-registry-cache.adapter.js';
import type { CachedRecord, RecordKey } from '@motlan/registry-cache/registry-cache.port.js';
import { RegistryRejectedError } from '@motlan/registry-client/guarded-adapter.js';
import { RegistryCallError, RegistryClient, type DatasetDescriptor, type RegistryRecord } from '@motlan/registry-client/registry-client.port.js';
import { RecordReaderService, type RecordReaderOptions } from './record-reader.service.js';

const descriptor: DatasetDescriptor = {
  registry: 'population',
  name: 'person',
  subjectKey: { name: 'cccd', pattern: '^\\d{12}$', description: 'CCCD number' },
  fields: [{ name: 'fullName', type: 'string', description: 'name', personal: true }],
  fieldNames: new Set(['fullName']),
  maxAgeSeconds: 60,
  sensitivity: 'normal',
  description: 'people',
};
const SUBJECT = '001203004567';
const KEY: RecordKey = { registry: 'population', dataset: 'person', subjectId: SUBJECT };
const CONTEXT = { requestId: 'req-a', clientId: 'commune-00004', officerId: 'officer-1', purpose: '1.004222' };

/** A registry whose every answer the test scripts: a record, an error, or a call that waits. */
class ScriptedRegistry extends RegistryClient {
  calls = 0;
  answer: () => Promise<RegistryRecord> = () =>
    Promise.resolve({ found: true, data: { fullName: 'Nguyễn Văn An' }, version: '3', asOf: '2026-12-01T00:00:00Z' });

  registries(): string[] {
    return ['population'];
  }
  resolve(): DatasetDescriptor {
    return descriptor;
  }
  lookup(): Promise<RegistryRecord> {
    this.calls += 1;
    return this.answer();
  }
}

/** A cache whose writes fail, to show a registry answer is still served. */
class FailingWriteCache extends InMemoryRegistryCache {
  override set(): Promise<void> {
    return Promise.reject(new Error('cache down'));
  }
}

function setup(options: Partial<RecordReaderOptions> = {}, cache = new InMemoryRegistryCache({ maxEntries: 100 })) {
  const registry = new ScriptedRegistry();
  const metrics = new GatewayMetrics();
  const reader = new RecordReaderService(cache, registry, new LocalFetchCoordinator(), metrics, {
    maxStaleSeconds: 300,
    negativeTtlSeconds: 30,
    ...options,
  });
  return { registry, cache, metrics, reader };
}

function cached(overrides: Partial<CachedRecord>): CachedRecord {
  const now = Date.now();
  return { found: true, data: { fullName: 'Cached Name' }, version: '2', asOf: '2026-11-01T00:00:00Z', fetchedAt: now, freshUntil: now + 60_000, ...overrides };
}

async function registryCallCount(metrics: GatewayMetrics, result: string): Promise<number> {
  const values = (await metrics.registryCalls.get()).values;
  return values.find((v) => v.labels.result === result)?.value ?? 0;
}

/** A cache whose first read is held until the test lets it answer (what it read is what was there when it started). */
class SlowFirstReadCache extends InMemoryRegistryCache {
  release!: () => void;
  private first = true;
  override async get(key: RecordKey): Promise<CachedRecord | undefined> {
    if (!this.first) return super.get(key);
    this.first = false;
    const seen = await super.get(key);
    await new Promise<void>((resolve) => (this.release = resolve));
    return seen;
  }
}

describe('RecordReaderService', () => {
  it('does not call the registry again for a read whose cache miss was seen before another fetch stored the record and ended', async () => {
    const cache = new SlowFirstReadCache({ maxEntries: 100 });
    const { registry, reader } = setup({}, cache);
    // The late read starts first: its cache read sees nothing, and is held.
    const late = reader.read(descriptor, SUBJECT, CONTEXT);
    await new Promise((resolve) => setImmediate(resolve));
    // Meanwhile another read fetches the record, stores it and leaves the in-flight map.
    expect((await reader.read(descriptor, SUBJECT, CONTEXT)).cache).toBe('MISS');
    expect(registry.calls).toBe(1);
    cache.release();
    expect((await late).record.data).toEqual({ fullName: 'Nguyễn Văn An' });
    expect(registry.calls).toBe(1);
  });

  it('fetches a miss from the registry, stores it for the dataset max age, and serves the next read as a HIT', async () => {
    const { registry, cache, reader, metrics } = setup();
    const first = await reader.read(descriptor, SUBJECT, CONTEXT);
    expect(first.cache).toBe('MISS');
    expect(first.record.data).toEqual({ fullName: 'Nguyễn Văn An' });
    const stored = await cache.get(KEY);
    expect(stored?.freshUntil).toBe(stored!.fetchedAt + 60_000);

    const second = await reader.read(descriptor, SUBJECT, CONTEXT);
    expect(second.cache).toBe('HIT');
    expect(registry.calls).toBe(1);
    expect(await registryCallCount(metrics, 'found')).toBe(1);
  });

  it('caps the freshness at the operator policy (maxAgeCapSeconds) below the dataset max age', async () => {
    const { cache, reader } = setup({ maxAgeCapSeconds: 5 });
    await reader.read(descriptor, SUBJECT, CONTEXT);
    const stored = await cache.get(KEY);
    expect(stored!.freshUntil - stored!.fetchedAt).toBe(5_000);
  });

  it('remembers "not found" for the negative TTL only, and not at all when it is 0', async () => {
    const remembering = setup({ negativeTtlSeconds: 30 });
    remembering.registry.answer = () => Promise.resolve({ found: false, data: null, version: '0', asOf: '' });
    expect((await remembering.reader.read(descriptor, SUBJECT, CONTEXT)).record.found).toBe(false);
    const stored = await remembering.cache.get(KEY);
    expect(stored!.freshUntil - stored!.fetchedAt).toBe(30_000);

    const forgetting = setup({ negativeTtlSeconds: 0 });
    forgetting.registry.answer = () => Promise.resolve({ found: false, data: null, version: '0', asOf: '' });
    await forgetting.reader.read(descriptor, SUBJECT, CONTEXT);
    await forgetting.reader.read(descriptor, SUBJECT, CONTEXT);
    expect(forgetting.registry.calls).toBe(2);
    expect(await forgetting.cache.get(KEY)).toBeUndefined();
  });

  it('joins concurrent misses of one record on one registry call', async () => {
    const { registry, reader } = setup();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    registry.answer = async () => {
      await gate;
      return { found: true, data: { fullName: 'Nguyễn Văn An' }, version: '3', asOf: '2026-12-01T00:00:00Z' };
    };
    const reads = Array.from({ length: 20 }, () => reader.read(descriptor, SUBJECT, CONTEXT));
    release();
    const results = await Promise.all(reads);
    expect(registry.calls).toBe(1);
    expect(results.every((r) => r.cache === 'MISS' && r.record.version === '3')).toBe(true);
  });

  it('never serves an invalidated entry, even within its freshness', async () => {
    const { registry, cache, reader } = setup();
    await cache.set(KEY, cached({ invalidated: true }), 60);
    const result = await reader.read(descriptor, SUBJECT, CONTEXT);
    expect(result.cache).toBe('MISS');
    expect(registry.calls).toBe(1);
  });

  it('serves an expired entry as STALE when the registry fails within the stale window, and 503 beyond it', async () => {
    const { registry, cache, reader } = setup({ maxStaleSeconds: 300 });
    registry.answer = () => Promise.reject(new RegistryCallError('population', 'unavailable', 'connection refused'));
    await cache.set(KEY, cached({ freshUntil: Date.now() - 10_000 }), 600);
    const stale = await reader.read(descriptor, SUBJECT, CONTEXT);
    expect(stale.cache).toBe('STALE');
    expect(stale.record.data).toEqual({ fullName: 'Cached Name' });

    await cache.set(KEY, cached({ version: '4', freshUntil: Date.now() - 301_000 }), 600);
    const error = await reader.read(descriptor, SUBJECT, CONTEXT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).code).toBe(ErrorCodes.registryUnavailable);
  });

  it('turns a registry refusing the subject id into 400 invalid_subject_id, never serving stale data for it', async () => {
    const { registry, cache, reader } = setup();
    registry.answer = () => Promise.reject(new RegistryCallError('population', 'invalid_argument', 'checksum does not match'));
    await cache.set(KEY, cached({ freshUntil: Date.now() - 1_000 }), 600);
    const error = await reader.read(descriptor, SUBJECT, CONTEXT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).code).toBe(ErrorCodes.invalidSubjectId);
  });

  it('maps timeouts, open breakers and busy registries to their own 503 codes with a useful Retry-After', async () => {
    const { registry, reader } = setup();
    registry.answer = () => Promise.reject(new RegistryCallError('population', 'timeout', 'deadline exceeded'));
    const timeout = (await reader.read(descriptor, SUBJECT, CONTEXT).catch((e: unknown) => e)) as UnavailableError;
    expect(timeout.code).toBe(ErrorCodes.registryTimeout);

    registry.answer = () => Promise.reject(new RegistryRejectedError('population', 'circuit_open', 'open', 2_500));
    const open = (await reader.read(descriptor, SUBJECT, CONTEXT).catch((e: unknown) => e)) as UnavailableError;
    expect(open.code).toBe(ErrorCodes.registryCircuitOpen);
    expect(open.retryAfterSeconds).toBe(3);

    registry.answer = () => Promise.reject(new RegistryRejectedError('population', 'busy', 'busy', 10));
    const busy = (await reader.read(descriptor, SUBJECT, CONTEXT).catch((e: unknown) => e)) as UnavailableError;
    expect(busy.code).toBe(ErrorCodes.registryBusy);
    expect(busy.retryAfterSeconds).toBe(1);
  });

  it('answers from the registry when the cache cannot store the record', async () => {
    const { reader, registry } = setup({}, new FailingWriteCache({ maxEntries: 10 }));
    const result = await reader.read(descriptor, SUBJECT, CONTEXT);
    expect(result.cache).toBe('MISS');
    expect(result.record.data).toEqual({ fullName: 'Nguyễn Văn An' });
    expect(registry.calls).toBe(1);
  });
});
