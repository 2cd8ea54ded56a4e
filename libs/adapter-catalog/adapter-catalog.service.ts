import { Logger } from '@nestjs/common';
import type { AdapterCatalogAuditRecord } from '@motlan/audit/audit-record.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import {
  ConflictError,
  ErrorCodes,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  UnavailableError,
  UnprocessableError,
  type DomainError,
} from '@motlan/errors/domain-error.js';
import { AdapterPool, AdapterVerificationError, type AdapterSpec, type PooledAdapter, type VerificationFailure } from '@motlan/registry-client/adapter-pool.js';
import { AdapterCatalogStore } from './adapter-catalog-store.service.js';
import type { AdapterCatalogChange, AdapterCatalogEntry, AdapterManifest } from './adapter-manifest.js';
import type { AdapterHealthView, AdapterView } from './adapter-view.types.js';
import type { BreakerOptions } from '@motlan/registry-client/adapter-resilience.types.js';
import type { AdapterWriteRights } from './adapter-write-rights.js';
import type { EndpointAllowList } from './endpoint-allow-list.js';
import { isLoopbackEndpoint, TlsMaterialError, type TlsMaterial, type TlsMaterialReader } from './tls-material.js';

export interface AdapterCatalogOptions {
  /** Breaker settings for manifests that leave them out. */
  defaultBreaker: BreakerOptions;
  /** Plaintext adapters beyond loopback (never in production unless the network is trusted). */
  allowInsecureRemote: boolean;
  /** Valid 2025 province codes for shard rules. */
  provinceCodes: ReadonlySet<string>;
  /** Reads `file:`/`env:` TLS references, confined to the adapter TLS directory and variable prefix. */
  tlsMaterial: TlsMaterialReader;
  /** Hosts catalog adapters may point at (MOTLAN_ADAPTER_ENDPOINT_ALLOW). */
  endpointAllowList: EndpointAllowList;
}

/** Who asks for a catalog change, for the audit trail. */
export interface CatalogActor {
  clientId: string;
  requestId: string;
  /** What the client's token lets it change (see adapter-write-rights.ts). */
  rights: AdapterWriteRights;
}

export type { AdapterHealthView, AdapterList, AdapterView } from './adapter-view.types.js';

const VERIFICATION_CODES: Record<VerificationFailure, string> = {
  unreachable: ErrorCodes.adapterUnreachable,
  contract_mismatch: ErrorCodes.adapterContractMismatch,
  registry_mismatch: ErrorCodes.adapterRegistryMismatch,
  dataset_mismatch: ErrorCodes.adapterDatasetMismatch,
  routing_conflict: ErrorCodes.adapterRoutingConflict,
};

/**
 * The adapter catalog: operators register, update and remove adapters through it; every change is
 * checked against the live adapter, written durably to the shared store, applied to the pool,
 * and audited. Changes made by other gateway instances arrive through the store and are applied
 * the same way, so every instance converges on the last change written.
 */
export class AdapterCatalogService {
  private readonly logger = new Logger('AdapterCatalog');
  private readonly entries = new Map<string, AdapterCatalogEntry>();
  /** Serializes changes made through this instance, so a check-then-write cannot interleave. */
  private changeQueue: Promise<unknown> = Promise.resolve();
  /** Changes read from the store, applied one after another in store order (reading TLS material is asynchronous). */
  private applyQueue: Promise<void> = Promise.resolve();
  private loaded = false;
  private stopped = false;
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly store: AdapterCatalogStore,
    private readonly pool: AdapterPool,
    private readonly audit: AuditSink,
    private readonly options: AdapterCatalogOptions,
  ) {}

  /**
   * Replays the stored catalog into the pool (adapters are described in the background) and
   * follows it. If the store cannot be read now (Kafka down at start-up), the gateway still
   * starts with its configured adapters and tries again every `retryMs`; catalog changes are
   * refused with 503 until the catalog is loaded.
   */
  async start(retryMs = 5000): Promise<void> {
    if (this.stopped) return;
    try {
      await this.store.start((change) => this.apply(change));
      await this.applyQueue;
      this.loaded = true;
      // Describe the replayed adapters before the gateway serves, so its first lookups are routed.
      await this.pool.refresh();
      this.logger.log(
        { adapters: this.entries.size, location: this.store.location },
        `adapter catalog loaded: ${this.entries.size} adapters from ${this.store.location}`,
      );
    } catch (error) {
      this.logger.error({ location: this.store.location, reason: (error as Error).message }, `adapter catalog cannot be read now; retrying in ${retryMs} ms`);
      await this.store.stop().catch(() => undefined);
      this.retryTimer = setTimeout(() => void this.start(retryMs), retryMs);
      this.retryTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.store.stop();
  }

  /** Nest lifecycle hook (the service is built by a factory provider). */
  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  list(): AdapterView[] {
    return this.pool.list().map((adapter) => this.view(adapter));
  }

  get(id: string): AdapterView {
    return this.view(this.require(id));
  }

  async health(id: string): Promise<AdapterHealthView> {
    const adapter = this.require(id);
    return {
      id,
      registry: adapter.spec.registry,
      endpoint: adapter.spec.endpoint,
      state: adapter.state,
      grpcHealth: await adapter.guarded.health(),
      resilience: adapter.guarded.state(),
    };
  }

  register(manifest: AdapterManifest, actor: CatalogActor): Promise<AdapterView> {
    return this.serialized(async () => {
      // Before anything about the id is told: a client without the registry's right learns nothing.
      authorize(actor, manifest.id, manifest.registry);
      const existing = this.pool.get(manifest.id);
      if (existing?.source === 'config') throw managedByConfig(manifest.id);
      if (existing)
        throw new ConflictError(ErrorCodes.adapterExists, `adapter ${manifest.id} is already registered; use PUT /v1/adapters/${manifest.id} to change it`);
      const adapter = await this.verified(manifest);
      const entry: AdapterCatalogEntry = { manifest, owner: actor.clientId, updatedBy: actor.clientId, updatedAt: new Date().toISOString(), revision: 1 };
      await this.persist(adapter, entry);
      this.pool.install(adapter);
      await this.record(actor, 'register', manifest.id, manifest.registry, null, manifest);
      return this.view(adapter);
    });
  }

  /** Switches an adapter to a new manifest: calls in flight finish on the old connection, new ones go to the new. */
  update(id: string, manifest: AdapterManifest, actor: CatalogActor): Promise<AdapterView> {
    return this.serialized(async () => {
      if (manifest.id !== id) {
        throw new InvalidRequestError(ErrorCodes.adapterIdMismatch, `manifest id "${manifest.id}" differs from the adapter id in the path "${id}"`, [
          { name: 'id', reason: 'must equal the id in the path' },
        ]);
      }
      const current = this.requireCatalogEntry(id);
      authorize(actor, id, current.manifest.registry, current);
      if (current.manifest.registry !== manifest.registry) {
        throw new InvalidRequestError(
          ErrorCodes.validation,
          `an adapter cannot move from registry ${current.manifest.registry} to ${manifest.registry}; register a new one`,
          [{ name: 'registry', reason: 'cannot change' }],
        );
      }
      const adapter = await this.verified(manifest, id);
      // The owner stays who registered it, also when an administrator changes it.
      const entry: AdapterCatalogEntry = {
        manifest,
        ...(current.owner === undefined ? {} : { owner: current.owner }),
        updatedBy: actor.clientId,
        updatedAt: new Date().toISOString(),
        revision: current.revision + 1,
      };
      await this.persist(adapter, entry);
      this.pool.install(adapter);
      await this.record(actor, 'update', id, manifest.registry, current.manifest, manifest);
      return this.view(adapter);
    });
  }

  /** Removes an adapter: out of routing at once, then waits for its calls in flight to end. */
  remove(id: string, actor: CatalogActor): Promise<{ id: string; drained: boolean; waitedMs: number }> {
    return this.serialized(async () => {
      const current = this.requireCatalogEntry(id);
      authorize(actor, id, current.manifest.registry, current);
      // Forgotten before the write, so that our own tombstone, read back from the store, is a no-op.
      this.entries.delete(id);
      try {
        await this.store.remove(id);
      } catch (error) {
        this.entries.set(id, current);
        throw catalogUnavailable(this.store.location, error);
      }
      const drain = (await this.pool.remove(id)) ?? { drained: true, waitedMs: 0 };
      await this.record(actor, 'remove', id, current.manifest.registry, current.manifest, null);
      return { id, ...drain };
    });
  }

  /** A change read from the store, queued behind the ones read before it. */
  private apply(change: AdapterCatalogChange): void {
    this.applyQueue = this.applyQueue.then(
      () => this.applyNow(change),
      () => this.applyNow(change),
    );
  }

  /** A change read from the store: ours (already applied, skipped) or another instance's. */
  private async applyNow(change: AdapterCatalogChange): Promise<void> {
    const current = this.entries.get(change.id);
    if (change.entry === null) {
      // Unknown here, or removed through this instance (which drains it itself).
      if (!current) return;
      this.entries.delete(change.id);
      if (this.pool.get(change.id)?.source === 'catalog') void this.pool.remove(change.id);
      this.logger.log({ adapter: change.id }, `adapter ${change.id} removed from the catalog`);
      return;
    }
    const { entry } = change;
    if (current && current.revision === entry.revision && JSON.stringify(current.manifest) === JSON.stringify(entry.manifest)) return;
    // Our own earlier write read back after a later one: applying it would roll the adapter back.
    if (current && entry.revision < current.revision) return;
    if (this.pool.get(change.id)?.source === 'config') {
      this.logger.warn({ adapter: change.id }, `catalog entry ${change.id} ignored: that id is configured by MOTLAN_ADAPTERS`);
      return;
    }
    let spec: AdapterSpec;
    try {
      spec = await this.toSpec(entry.manifest);
    } catch (error) {
      this.logger.error({ adapter: change.id, reason: (error as Error).message }, `catalog entry ${change.id} cannot be used on this instance`);
      return;
    }
    // Changed through this instance while the material was read: that change is newer than this one.
    if (this.entries.get(change.id) !== current) return;
    this.entries.set(change.id, entry);
    this.pool.add(spec, 'catalog');
  }

  private async verified(manifest: AdapterManifest, replacing?: string): Promise<PooledAdapter> {
    try {
      return await this.pool.verify(await this.toSpec(manifest), 'catalog', replacing);
    } catch (error) {
      if (error instanceof AdapterVerificationError)
        throw new UnprocessableError(VERIFICATION_CODES[error.failure], error.message, { adapter: manifest.id, failure: error.failure });
      throw error;
    }
  }

  /**
   * Writes an entry to the store; if that fails the verified connection is closed and nothing
   * changes. The entry is known locally before the write, so that our own change, read back
   * from the store, is recognised and not applied a second time.
   */
  private async persist(adapter: PooledAdapter, entry: AdapterCatalogEntry): Promise<void> {
    const previous = this.entries.get(entry.manifest.id);
    this.entries.set(entry.manifest.id, entry);
    try {
      await this.store.put(entry);
    } catch (error) {
      if (previous) this.entries.set(entry.manifest.id, previous);
      else this.entries.delete(entry.manifest.id);
      adapter.guarded.close();
      throw catalogUnavailable(this.store.location, error);
    }
  }

  private async toSpec(manifest: AdapterManifest): Promise<AdapterSpec> {
    if ('insecure' in manifest.tls && !this.options.allowInsecureRemote && !isLoopbackEndpoint(manifest.endpoint)) {
      throw new InvalidRequestError(
        ErrorCodes.insecureNotAllowed,
        `plaintext is allowed for loopback endpoints only; ${manifest.endpoint} needs tls { ca, cert, key } (or MOTLAN_ADAPTERS_ALLOW_INSECURE=true on a trusted network)`,
        [{ name: 'tls.insecure', reason: 'not allowed for a non-loopback endpoint' }],
      );
    }
    if (!this.options.endpointAllowList.allows(manifest.endpoint)) {
      throw new InvalidRequestError(
        ErrorCodes.adapterEndpointNotAllowed,
        `endpoint ${manifest.endpoint} is not among the hosts the gateway may connect to adapters on (MOTLAN_ADAPTER_ENDPOINT_ALLOW); ask the gateway's operators to add it`,
        [{ name: 'endpoint', reason: 'host not in the gateway endpoint allow-list' }],
      );
    }
    const unknown = (manifest.routing?.provinces ?? []).filter((p) => !this.options.provinceCodes.has(p));
    if (unknown.length) {
      throw new InvalidRequestError(ErrorCodes.validation, `unknown province code(s) ${unknown.join(', ')}; codes are the 34 two-digit 2025 codes`, [
        { name: 'routing.provinces', reason: `unknown: ${unknown.join(', ')}` },
      ]);
    }
    let tls: TlsMaterial | undefined;
    try {
      tls = await this.options.tlsMaterial.resolve(manifest.tls);
    } catch (error) {
      if (!(error instanceof TlsMaterialError)) throw error;
      // The concrete cause is for the gateway's operators; the client gets the generic reason.
      this.logger.warn(
        { adapter: manifest.id, field: error.field, failure: error.failure, cause: error.logDetail },
        `TLS material of adapter ${manifest.id} refused: ${error.field}`,
      );
      const code = error.failure === 'invalid' ? ErrorCodes.tlsMaterialInvalid : ErrorCodes.tlsMaterialUnreadable;
      throw new InvalidRequestError(code, error.message, [{ name: error.field, reason: error.reason }]);
    }
    return {
      id: manifest.id,
      registry: manifest.registry,
      endpoint: manifest.endpoint,
      tls,
      provinces: manifest.routing?.provinces,
      resilience: {
        timeoutMs: manifest.timeoutMs,
        maxConcurrency: manifest.maxConcurrency,
        retry: manifest.retry,
        breaker: { ...this.options.defaultBreaker, ...manifest.breaker },
      },
    };
  }

  private view(adapter: PooledAdapter): AdapterView {
    const entry = adapter.source === 'catalog' ? this.entries.get(adapter.id) : undefined;
    const { spec } = adapter;
    return {
      id: spec.id,
      registry: spec.registry,
      endpoint: spec.endpoint,
      tls: spec.tls ? 'mutual-tls' : 'insecure',
      timeoutMs: spec.resilience.timeoutMs,
      maxConcurrency: spec.resilience.maxConcurrency,
      retry: spec.resilience.retry,
      breaker: spec.resilience.breaker,
      routing: adapter.provinces ? { provinces: [...adapter.provinces] } : null,
      source: adapter.source,
      revision: entry?.revision ?? null,
      owner: entry?.owner ?? null,
      updatedBy: entry?.updatedBy ?? null,
      updatedAt: entry?.updatedAt ?? null,
      state: adapter.state,
      reason: adapter.reason,
      contractVersion: adapter.description?.contractVersion ?? null,
      adapterVersion: adapter.description?.adapterVersion ?? null,
      datasets: [...adapter.datasets.keys()],
    };
  }

  private require(id: string): PooledAdapter {
    const adapter = this.pool.get(id);
    if (!adapter) throw new NotFoundError(ErrorCodes.adapterNotFound, `no adapter with id "${id.slice(0, 64)}"`);
    return adapter;
  }

  private requireCatalogEntry(id: string): AdapterCatalogEntry {
    const adapter = this.require(id);
    if (adapter.source === 'config') throw managedByConfig(id);
    const entry = this.entries.get(id);
    if (!entry) throw new NotFoundError(ErrorCodes.adapterNotFound, `no adapter with id "${id}" in the catalog`);
    return entry;
  }

  private async record(
    actor: CatalogActor,
    action: AdapterCatalogAuditRecord['action'],
    adapterId: string,
    registry: string,
    before: AdapterManifest | null,
    after: AdapterManifest | null,
  ): Promise<void> {
    // The change is already durable and applied; a failed audit write is an operational alarm, not a reason to undo it.
    await this.audit
      .append({
        type: 'adapter_catalog',
        time: new Date().toISOString(),
        requestId: actor.requestId,
        clientId: actor.clientId,
        action,
        adapterId,
        registry,
        before,
        after,
      })
      .catch((error: Error) => this.logger.error({ adapter: adapterId, reason: error.message }, 'audit write failed for an adapter catalog change'));
  }

  private serialized<T>(change: () => Promise<T>): Promise<T> {
    if (!this.loaded)
      return Promise.reject(
        new UnavailableError(ErrorCodes.catalogUnavailable, `the adapter catalog (${this.store.location}) is not loaded yet; try again shortly`, 5),
      );
    const result = this.changeQueue.then(change, change);
    this.changeQueue = result.catch(() => undefined);
    return result;
  }
}

/**
 * 403 unless the client may change adapters of `registry` and, for an existing adapter, owns it;
 * an administrator may do both for any adapter. Entries without an owner are an administrator's.
 */
function authorize(actor: CatalogActor, id: string, registry: string, current?: AdapterCatalogEntry): void {
  if (actor.rights.admin) return;
  if (!actor.rights.registries.has(registry)) {
    throw new ForbiddenError(
      ErrorCodes.registryNotPermitted,
      `this client may not change adapters of registry ${registry}; that needs scope adapters:write:${registry}`,
      {
        registry,
        requiredScope: `adapters:write:${registry}`,
      },
    );
  }
  if (current && current.owner !== actor.clientId) {
    throw new ForbiddenError(
      ErrorCodes.adapterOwnerMismatch,
      `adapter ${id} was registered by another client; only that client or an administrator (adapters:admin) may change or remove it`,
      {
        adapter: id,
      },
    );
  }
}

function managedByConfig(id: string): DomainError {
  return new ConflictError(
    ErrorCodes.adapterManagedByConfig,
    `adapter ${id} is configured by MOTLAN_ADAPTERS on the gateway; change it there, or register adapters under other ids`,
  );
}

function catalogUnavailable(location: string, error: unknown): DomainError {
  return new UnavailableError(ErrorCodes.catalogUnavailable, `the adapter catalog (${location}) cannot be written now: ${(error as Error).message}`, 5);
}
