import { Injectable, Logger } from '@nestjs/common';
import { ErrorCodes, InvalidRequestError, UnavailableError } from '@motlan/errors/domain-error.js';
import { subjectTag } from '@motlan/logging/pino-nest-logger.js';
import { GatewayMetrics } from '@motlan/metrics/gateway-metrics.js';
import { FetchCoordinator } from '@motlan/registry-cache/fetch-coordinator.port.js';
import { RegistryCache, recordKeyString, type CachedRecord, type RecordKey } from '@motlan/registry-cache/registry-cache.port.js';
import { RegistryCallError, RegistryClient, type DatasetDescriptor, type LookupContext } from '@motlan/registry-client/registry-client.port.js';
import { RegistryRejectedError } from '@motlan/registry-client/guarded-adapter.js';

export type CacheState = 'HIT' | 'MISS' | 'STALE';

export interface ReadResult {
  record: CachedRecord;
  cache: CacheState;
}

export interface RecordReaderOptions {
  /** How long past its max age a cached record may still be served when the registry fails. */
  maxStaleSeconds: number;
  /** How long a "not found" answer is remembered. */
  negativeTtlSeconds: number;
  /** Upper bound on any dataset's max age (operator policy). */
  maxAgeCapSeconds?: number;
}

/**
 * Read-through access to registry records: fresh cache entries are served as HIT; otherwise one
 * registry call per record is made however many requests wait for it (in-process coalescing, and
 * across instances through the FetchCoordinator), and
 * when the registry cannot answer, a cached entry within the stale window is served as STALE.
 */
@Injectable()
export class RecordReaderService {
  private readonly logger = new Logger(RecordReaderService.name);
  private readonly inFlight = new Map<string, Promise<CachedRecord>>();

  constructor(
    private readonly cache: RegistryCache,
    private readonly registries: RegistryClient,
    private readonly coordinator: FetchCoordinator,
    private readonly metrics: GatewayMetrics,
    private readonly options: RecordReaderOptions,
  ) {}

  async read(descriptor: DatasetDescriptor, subjectId: string, context: LookupContext): Promise<ReadResult> {
    const key: RecordKey = { registry: descriptor.registry, dataset: descriptor.name, subjectId };
    const entry = await this.cache.get(key);
    // An invalidated entry only guards the version floor; it is never served.
    const cached = entry && !entry.invalidated ? entry : undefined;
    const now = Date.now();
    if (cached && cached.freshUntil > now) return { record: cached, cache: 'HIT' };
    try {
      return { record: await this.fetchCoalesced(key, descriptor, context), cache: 'MISS' };
    } catch (error) {
      if (error instanceof RegistryCallError && error.kind === 'invalid_argument') {
        throw new InvalidRequestError(ErrorCodes.invalidSubjectId, `registry ${key.registry} refused the subject id: ${error.message}`, [
          { name: 'subjectId', reason: error.message },
        ]);
      }
      if (cached && now - cached.freshUntil <= this.options.maxStaleSeconds * 1000) {
        this.logger.warn({ registry: key.registry, dataset: key.dataset, subject: subjectTag(subjectId), reason: describe(error) }, 'serving stale record');
        return { record: cached, cache: 'STALE' };
      }
      throw toUnavailable(key.registry, error);
    }
  }

  private fetchCoalesced(key: RecordKey, descriptor: DatasetDescriptor, context: LookupContext): Promise<CachedRecord> {
    const id = recordKeyString(key);
    let pending = this.inFlight.get(id);
    if (!pending) {
      const readFresh = async (): Promise<CachedRecord | undefined> => {
        const cached = await this.cache.get(key);
        return cached && !cached.invalidated && cached.freshUntil > Date.now() ? cached : undefined;
      };
      pending = this.coordinator
        .coordinate(
          id,
          // Read the cache again before calling the registry: this request's first read may have
          // started before another fetch of the record (here, or on another instance) stored it and
          // ended after that fetch left `inFlight` / released its lock; without this second read it
          // would call the registry a second time (seen: 2 calls for 200 concurrent lookups in CI).
          // Costs one cache read per miss, none per hit.
          async () => (await readFresh()) ?? this.fetch(key, descriptor, context),
          // Another instance fetched it meanwhile: take its result if it is fresh.
          readFresh,
        )
        .finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    return pending;
  }

  private async fetch(key: RecordKey, descriptor: DatasetDescriptor, context: LookupContext): Promise<CachedRecord> {
    let answer;
    try {
      answer = await this.registries.lookup(key.registry, key.dataset, key.subjectId, context);
    } catch (error) {
      this.metrics.registryCalls.inc({ registry: key.registry, result: error instanceof RegistryCallError ? error.kind : 'internal' });
      throw error;
    }
    this.metrics.registryCalls.inc({ registry: key.registry, result: answer.found ? 'found' : 'not_found' });
    const fetchedAt = Date.now();
    const maxAge = Math.min(descriptor.maxAgeSeconds, this.options.maxAgeCapSeconds ?? Infinity);
    const ttlSeconds = answer.found ? maxAge : this.options.negativeTtlSeconds;
    const record: CachedRecord = {
      found: answer.found,
      data: answer.data,
      version: answer.version,
      asOf: answer.asOf,
      fetchedAt,
      freshUntil: fetchedAt + ttlSeconds * 1000,
    };
    if (ttlSeconds > 0) {
      const retain = answer.found ? ttlSeconds + this.options.maxStaleSeconds : ttlSeconds;
      // A cache that cannot store must not fail the lookup: the registry answered.
      await this.cache.set(key, record, retain).catch((error: Error) => this.logger.warn({ reason: error.message }, 'cache write failed'));
    }
    return record;
  }
}

function describe(error: unknown): string {
  return error instanceof RegistryCallError ? `${error.kind}: ${error.message}` : String((error as Error)?.message ?? error);
}

function toUnavailable(registry: string, error: unknown): UnavailableError {
  if (error instanceof RegistryRejectedError) {
    // Tell the client when trying again makes sense: when the breaker lets probes through, or
    // (busy) about one call later. Retry-After is whole seconds, at least 1.
    const retryAfter = Math.max(1, Math.ceil(error.retryAfterMs / 1000));
    return error.kind === 'circuit_open'
      ? new UnavailableError(ErrorCodes.registryCircuitOpen, `registry ${registry} keeps failing; calls to it are paused`, retryAfter, { registry })
      : new UnavailableError(ErrorCodes.registryBusy, `registry ${registry} has too many requests in flight`, retryAfter, { registry });
  }
  if (error instanceof RegistryCallError && error.kind === 'timeout') {
    return new UnavailableError(ErrorCodes.registryTimeout, `registry ${registry} did not answer in time`, 5, { registry });
  }
  return new UnavailableError(ErrorCodes.registryUnavailable, `registry ${registry} cannot answer now`, 5, { registry });
}
