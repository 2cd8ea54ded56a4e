import { Logger } from '@nestjs/common';
import { ADAPTER_CONTRACT_VERSION } from '@motlan/contracts/grpc-contracts.js';
import { ErrorCodes, InvalidRequestError, UnavailableError } from '@motlan/errors/domain-error.js';
import { GuardedAdapter, type AdapterResilienceState, type ResilienceObserver, type ResilienceOptions } from './guarded-adapter.js';
import {
  RegistryCallError,
  RegistryClient,
  type AdapterConnection,
  type DatasetDescriptor,
  type DeliveryAckResult,
  type LookupContext,
  type RecordEventDelivery,
  type RegistryDescription,
  type RegistryHealth,
  type RegistryRecord,
} from './registry-client.port.js';

/** Everything the pool needs to run one adapter endpoint. */
export interface AdapterSpec {
  id: string;
  registry: string;
  endpoint: string;
  /** Mutual TLS material (PEM); plaintext when absent. */
  tls?: { ca: Buffer; cert: Buffer; key: Buffer };
  resilience: ResilienceOptions;
  /** Shard rule: 2025 province codes served; absent or empty = every province. */
  provinces?: readonly string[];
}

/** Where an adapter came from: MOTLAN_ADAPTERS at start-up, or the operator catalog. */
export type AdapterSource = 'config' | 'catalog';

export type AdapterDescribeState = 'pending' | 'described' | 'incompatible';

export interface AdapterPoolOptions {
  /** Opens the connection to an endpoint (gRPC in the gateway; scripted in tests). */
  connect: (spec: AdapterSpec) => AdapterConnection;
  /** How often adapters that could not be described are tried again. */
  describeRetryMs: number;
  /** Province a subject id reveals (2025 code) for shard routing, or null. */
  provinceOf: (subjectKeyName: string, subjectId: string) => string | null;
  /** Registries that exist even while no adapter serves them (their lookups get 503, not 400). */
  knownRegistries: readonly string[];
  observer?: ResilienceObserver;
}

/** Why an adapter was refused at registration; the operator API answers 422 with it. */
export type VerificationFailure = 'unreachable' | 'contract_mismatch' | 'registry_mismatch' | 'dataset_mismatch' | 'routing_conflict';

export class AdapterVerificationError extends Error {
  constructor(
    readonly failure: VerificationFailure,
    message: string,
  ) {
    super(message);
    this.name = 'AdapterVerificationError';
  }
}

/** One adapter in the pool. Replaced as a whole on update, never mutated in place except its describe state. */
export class PooledAdapter {
  state: AdapterDescribeState = 'pending';
  reason = 'not described yet';
  description?: RegistryDescription;
  datasets = new Map<string, DatasetDescriptor>();
  readonly provinces: ReadonlySet<string> | null;
  /** Adapters with the same key are replicas of one shard ('' = serves every province). */
  readonly shardKey: string;

  constructor(
    readonly spec: AdapterSpec,
    readonly source: AdapterSource,
    readonly guarded: GuardedAdapter,
  ) {
    const provinces = [...new Set(spec.provinces ?? [])].sort();
    this.provinces = provinces.length ? new Set(provinces) : null;
    this.shardKey = provinces.join(',');
  }

  get id(): string {
    return this.spec.id;
  }
}

interface ReplicaGroup {
  adapters: PooledAdapter[];
  next: number;
}

/** How lookups of one registry are routed: by province to a shard, else to the catch-all replicas. */
interface RegistryRoute {
  /** Described adapters only, in registration order; the first one's datasets are the registry's. */
  adapters: PooledAdapter[];
  catchAll?: ReplicaGroup;
  byProvince: Map<string, ReplicaGroup>;
  shards: ReplicaGroup[];
}

export interface RegistrySnapshot {
  registry: string;
  state: 'described' | 'pending' | 'incompatible' | 'no_adapter';
  reason?: string;
  adapters: string[];
  datasets: DatasetDescriptor[];
}

/** Kinds after which the next replica is tried: the adapter could not answer, the caller did nothing wrong. */
const FAILOVER_KINDS = new Set(['unavailable', 'timeout', 'busy', 'circuit_open']);

/**
 * The adapters the gateway talks to, each behind its own resilience guard, and the routing of
 * lookups among them: a registry may have replicas (round-robin, failover to the next replica
 * when one cannot answer, replicas with an open breaker last) and shards by province (the
 * province the subject id reveals; subjects that reveal none are asked of each shard in turn
 * until one has the record). Adapters come and go at run time (operator catalog); a replaced or
 * removed adapter leaves routing at once and is closed once its calls in flight have ended.
 */
export class AdapterPool extends RegistryClient {
  private readonly logger = new Logger('AdapterPool');
  private readonly adapters = new Map<string, PooledAdapter>();
  private routes = new Map<string, RegistryRoute>();
  private readonly known: Set<string>;
  /** Named by the procedure catalog (nameRegistries), connected or not. */
  private named: ReadonlySet<string> = new Set();
  private retryTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly options: AdapterPoolOptions) {
    super();
    this.known = new Set(options.knownRegistries);
  }

  // ---- lookup path -------------------------------------------------------------------------

  registries(): string[] {
    return [...new Set([...this.known, ...this.named])];
  }

  /**
   * Registries the procedure catalog names, replacing the previous set: they exist even before an
   * adapter registers, so their lookups answer 503 registry_not_connected rather than 400.
   */
  nameRegistries(names: Iterable<string>): void {
    this.named = new Set(names);
  }

  lookup(registry: string, dataset: string, subjectId: string, context: LookupContext): Promise<RegistryRecord> {
    const route = this.routes.get(registry);
    if (!route) return Promise.reject(new RegistryCallError(registry, 'unavailable', `no adapter serves registry ${registry}`));
    const keyName = route.adapters[0].datasets.get(dataset)?.subjectKey.name;
    const province = keyName ? this.options.provinceOf(keyName, subjectId) : null;
    const group = (province && route.byProvince.get(province)) || route.catchAll;
    if (group) return this.askReplicas(registry, group, dataset, subjectId, context);
    if (province) {
      return Promise.reject(new RegistryCallError(registry, 'unavailable', `no adapter of registry ${registry} serves province ${province}`));
    }
    return this.askEachShard(registry, route.shards, dataset, subjectId, context);
  }

  /**
   * The dataset a lookup names, or the error to answer: 400 for a registry or dataset that does
   * not exist, 503 for a registry that exists but has no adapter able to describe it now.
   */
  resolve(registry: string, dataset: string): DatasetDescriptor {
    const route = this.routes.get(registry);
    if (!route) {
      if (!this.known.has(registry) && !this.named.has(registry)) {
        throw new InvalidRequestError(ErrorCodes.unknownRegistry, `unknown registry "${truncate(registry)}"; known: ${this.registries().join(', ')}`, [
          { name: 'registry', reason: 'unknown registry' },
        ]);
      }
      const pending = this.adaptersOf(registry);
      if (pending.length === 0) {
        throw new UnavailableError(ErrorCodes.registryNotConnected, `no adapter is registered for registry ${registry}`, 30, { registry });
      }
      throw new UnavailableError(
        ErrorCodes.registryUnavailable,
        `registry ${registry} is not available: ${pending.map((a) => `${a.id}: ${a.reason}`).join('; ')}`,
        5,
        {
          registry,
        },
      );
    }
    const descriptor = route.adapters[0].datasets.get(dataset);
    if (!descriptor) {
      throw new InvalidRequestError(
        ErrorCodes.unknownDataset,
        `registry ${registry} has no dataset "${truncate(dataset)}"; it has: ${[...route.adapters[0].datasets.keys()].join(', ')}`,
        [{ name: 'dataset', reason: 'unknown dataset' }],
      );
    }
    return descriptor;
  }

  private async askReplicas(registry: string, group: ReplicaGroup, dataset: string, subjectId: string, context: LookupContext): Promise<RegistryRecord> {
    const { adapters } = group;
    const start = group.next++ % adapters.length;
    if (group.next > 1e9) group.next = 0;
    let lastError: unknown;
    // Round-robin first pass over replicas whose breaker lets calls through, then the refusing ones
    // (their breaker answers at once, and one may be half-open by now).
    for (const pass of [false, true]) {
      for (let i = 0; i < adapters.length; i++) {
        const adapter = adapters[(start + i) % adapters.length];
        if (adapter.guarded.refusing !== pass) continue;
        try {
          return await adapter.guarded.lookup(dataset, subjectId, context);
        } catch (error) {
          if (!(error instanceof RegistryCallError) || !FAILOVER_KINDS.has(error.kind)) throw error;
          lastError = error;
        }
      }
    }
    throw lastError ?? new RegistryCallError(registry, 'unavailable', `no adapter serves registry ${registry}`);
  }

  private async askEachShard(registry: string, shards: ReplicaGroup[], dataset: string, subjectId: string, context: LookupContext): Promise<RegistryRecord> {
    let notFound: RegistryRecord | undefined;
    let lastError: unknown;
    for (const shard of shards) {
      try {
        const record = await this.askReplicas(registry, shard, dataset, subjectId, context);
        if (record.found) return record;
        notFound = record;
      } catch (error) {
        if (error instanceof RegistryCallError && error.kind === 'invalid_argument') throw error;
        lastError = error;
      }
    }
    // "Not found" only if every shard said so; a shard that could not answer might hold it.
    if (lastError) throw lastError;
    return notFound ?? { found: false, data: null, version: '0', asOf: new Date(0).toISOString() };
  }

  // ---- deliveries (registry events, corrections) ------------------------------------------

  /** Whether a described adapter of `registry` takes `eventType` events about `sourceRegistry`/`dataset` (its Describe `accepts`). */
  accepts(registry: string, sourceRegistry: string, dataset: string, eventType: string): boolean {
    return this.acceptingAdapters(registry, sourceRegistry, dataset, eventType).length > 0;
  }

  /**
   * Relays one event to an adapter of `registry` that accepts it, the next one when an adapter cannot
   * answer. Not retried here: the relay that calls it decides when to try again.
   */
  async deliver(registry: string, event: RecordEventDelivery, timeoutMs: number): Promise<DeliveryAckResult> {
    const adapters = this.acceptingAdapters(registry, event.sourceRegistry, event.dataset, event.eventType);
    if (adapters.length === 0) throw new RegistryCallError(registry, 'unavailable', `no adapter of registry ${registry} takes ${event.eventType} events now`);
    let lastError: unknown;
    for (const adapter of adapters) {
      try {
        return await adapter.guarded.deliver(event, timeoutMs);
      } catch (error) {
        if (!(error instanceof RegistryCallError) || !FAILOVER_KINDS.has(error.kind)) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  private acceptingAdapters(registry: string, sourceRegistry: string, dataset: string, eventType: string): PooledAdapter[] {
    return (this.routes.get(registry)?.adapters ?? []).filter((a) =>
      (a.description?.accepts ?? []).some((e) => e.sourceRegistry === sourceRegistry && e.dataset === dataset && e.eventTypes.includes(eventType)),
    );
  }

  // ---- administration ----------------------------------------------------------------------

  /**
   * Connects to a new adapter and checks its Describe: reachable, same contract major version,
   * the registry it claims, the same datasets as the registry's other adapters, and a shard rule
   * that does not half-overlap another shard. Resolves with the adapter ready to install;
   * rejects with an AdapterVerificationError saying what failed (the connection is closed).
   * `replacing` is the id of an adapter this one will replace (left out of the comparisons).
   */
  async verify(spec: AdapterSpec, source: AdapterSource, replacing?: string): Promise<PooledAdapter> {
    let adapter: PooledAdapter;
    try {
      adapter = this.create(spec, source);
    } catch (error) {
      // Material is checked before it gets here; whatever the channel still refuses must not become a 500.
      this.logger.warn({ adapter: spec.id, endpoint: spec.endpoint, cause: (error as Error).message }, `adapter ${spec.id}: cannot open a channel`);
      throw new AdapterVerificationError('unreachable', `adapter at ${spec.endpoint}: the gateway cannot open a channel with this transport configuration`);
    }
    try {
      let description: RegistryDescription;
      try {
        description = await adapter.guarded.describe();
      } catch (error) {
        // The gRPC/OpenSSL text (refused, reset, which handshake step failed) would make the
        // registration answer a probe of whatever the endpoint is: it goes to the log only.
        this.logger.warn(
          { adapter: spec.id, endpoint: spec.endpoint, cause: (error as Error).message },
          `adapter ${spec.id} did not answer Describe at registration`,
        );
        throw new AdapterVerificationError('unreachable', `adapter at ${spec.endpoint} did not answer Describe: ${unreachableReason(error)}`);
      }
      const problem = this.incompatibility(spec, description);
      if (problem) throw new AdapterVerificationError(problem.failure, problem.message);
      const peers = this.adaptersOf(spec.registry).filter((a) => a.id !== (replacing ?? spec.id) && a.state === 'described');
      const reference = peers[0];
      if (reference) {
        const mine = description.datasets
          .map((d) => d.name)
          .sort()
          .join(', ');
        const theirs = [...reference.datasets.keys()].sort().join(', ');
        if (mine !== theirs) {
          throw new AdapterVerificationError(
            'dataset_mismatch',
            `adapter serves datasets [${mine}] but registry ${spec.registry} (adapter ${reference.id}) serves [${theirs}]`,
          );
        }
      }
      const clash = peers.find((peer) => peer.shardKey !== adapter.shardKey && overlaps(peer.provinces, adapter.provinces));
      if (clash) {
        throw new AdapterVerificationError(
          'routing_conflict',
          `provinces [${adapter.shardKey}] overlap adapter ${clash.id}'s [${clash.shardKey}]; replicas of a shard must list the same provinces`,
        );
      }
      this.described(adapter, description);
      return adapter;
    } catch (error) {
      adapter.guarded.close();
      throw error;
    }
  }

  /**
   * Puts a verified adapter into routing, replacing any adapter with the same id: requests already
   * sent to the old one finish there; the old one is drained and closed in the background.
   */
  install(adapter: PooledAdapter): void {
    const previous = this.adapters.get(adapter.id);
    this.known.add(adapter.spec.registry);
    this.adapters.set(adapter.id, adapter);
    this.rebuildRoutes();
    if (previous && previous !== adapter) void this.retire(previous);
  }

  /** Adds (or replaces) an adapter without waiting for it: described in the background, retried until it answers. */
  add(spec: AdapterSpec, source: AdapterSource): PooledAdapter {
    const adapter = this.create(spec, source);
    this.install(adapter);
    void this.describeOne(adapter);
    return adapter;
  }

  /** Takes an adapter out of routing, waits for its calls in flight (at most its timeout) and closes it. */
  async remove(id: string): Promise<{ drained: boolean; waitedMs: number } | undefined> {
    const adapter = this.adapters.get(id);
    if (!adapter) return undefined;
    this.adapters.delete(id);
    this.rebuildRoutes();
    return this.retire(adapter);
  }

  get(id: string): PooledAdapter | undefined {
    return this.adapters.get(id);
  }

  list(): PooledAdapter[] {
    return [...this.adapters.values()];
  }

  adaptersOf(registry: string): PooledAdapter[] {
    return this.list().filter((a) => a.spec.registry === registry);
  }

  /** Tries every adapter not described yet (start-up, and on a timer while any is pending). */
  async refresh(): Promise<void> {
    await Promise.all(
      this.list()
        .filter((a) => a.state === 'pending')
        .map((a) => this.describeOne(a)),
    );
  }

  /** Serving if any described adapter of the registry says so (readiness). */
  async health(registry: string): Promise<RegistryHealth> {
    const answers = await Promise.all(
      this.adaptersOf(registry)
        .filter((a) => a.state === 'described')
        .map((a) => a.guarded.health()),
    );
    if (answers.includes('SERVING')) return 'SERVING';
    return answers.includes('NOT_SERVING') ? 'NOT_SERVING' : 'UNKNOWN';
  }

  resilienceStates(): AdapterResilienceState[] {
    return this.list().map((a) => a.guarded.state());
  }

  /** Every known registry with its state, adapters and datasets, for /v1/registries and readiness. */
  snapshot(): RegistrySnapshot[] {
    return this.registries().map((registry) => {
      const adapters = this.adaptersOf(registry);
      const route = this.routes.get(registry);
      if (route) return { registry, state: 'described', adapters: adapters.map((a) => a.id), datasets: [...route.adapters[0].datasets.values()] };
      if (adapters.length === 0) return { registry, state: 'no_adapter', reason: 'no adapter registered', adapters: [], datasets: [] };
      const state = adapters.every((a) => a.state === 'incompatible') ? 'incompatible' : 'pending';
      return { registry, state, reason: adapters.map((a) => `${a.id}: ${a.reason}`).join('; '), adapters: adapters.map((a) => a.id), datasets: [] };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const adapter of this.adapters.values()) adapter.guarded.close();
    this.adapters.clear();
    this.routes = new Map();
  }

  /** Nest lifecycle: close every connection on shutdown. */
  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  // ---- internals ---------------------------------------------------------------------------

  private create(spec: AdapterSpec, source: AdapterSource): PooledAdapter {
    const guarded = new GuardedAdapter({ id: spec.id, registry: spec.registry }, this.options.connect(spec), spec.resilience, this.options.observer);
    return new PooledAdapter(spec, source, guarded);
  }

  private async describeOne(adapter: PooledAdapter): Promise<void> {
    try {
      const description = await adapter.guarded.describe();
      const problem = this.incompatibility(adapter.spec, description);
      if (problem) this.setState(adapter, 'incompatible', problem.message);
      else this.described(adapter, description);
    } catch (error) {
      // The reason is shown in the listing and in 503 details: generic there, the cause in the log
      // (once per change of state, not on every retry).
      if (adapter.state !== 'pending' || adapter.reason === 'not described yet') {
        this.logger.warn({ adapter: adapter.id, endpoint: adapter.spec.endpoint, cause: (error as Error).message }, `adapter ${adapter.id}: Describe failed`);
      }
      this.setState(adapter, 'pending', `did not answer Describe: ${unreachableReason(error)}`);
    }
    if (this.adapters.get(adapter.id) === adapter) this.rebuildRoutes();
    this.scheduleRetry();
  }

  private incompatibility(spec: AdapterSpec, description: RegistryDescription): { failure: VerificationFailure; message: string } | undefined {
    const major = (v: string) => v.split('.')[0];
    if (major(description.contractVersion) !== major(ADAPTER_CONTRACT_VERSION)) {
      return {
        failure: 'contract_mismatch',
        message: `adapter speaks contract ${description.contractVersion || '(none)'}, the gateway speaks ${ADAPTER_CONTRACT_VERSION} (major versions must match)`,
      };
    }
    if (description.registry !== spec.registry) {
      return { failure: 'registry_mismatch', message: `adapter describes registry "${description.registry}", the manifest says "${spec.registry}"` };
    }
    return undefined;
  }

  private described(adapter: PooledAdapter, description: RegistryDescription): void {
    adapter.description = description;
    adapter.datasets = new Map(description.datasets.map((d) => [d.name, d]));
    this.setState(adapter, 'described', `${description.datasets.length} datasets`);
  }

  private setState(adapter: PooledAdapter, state: AdapterDescribeState, reason: string): void {
    const changed = adapter.state !== state;
    adapter.state = state;
    adapter.reason = reason;
    if (changed) {
      const log = state === 'described' ? this.logger.log.bind(this.logger) : this.logger.warn.bind(this.logger);
      log({ adapter: adapter.id, registry: adapter.spec.registry, state, reason }, `adapter ${adapter.id} (${adapter.spec.registry}): ${state} (${reason})`);
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer || !this.list().some((a) => a.state === 'pending')) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.refresh();
    }, this.options.describeRetryMs);
    this.retryTimer.unref();
  }

  private async retire(adapter: PooledAdapter): Promise<{ drained: boolean; waitedMs: number }> {
    const result = await adapter.guarded.drain(adapter.spec.resilience.timeoutMs + 1000);
    adapter.guarded.close();
    return result;
  }

  /** Routing tables are rebuilt whole on every change (rare) so the lookup path reads them without locks. */
  private rebuildRoutes(): void {
    const routes = new Map<string, RegistryRoute>();
    const previous = this.routes;
    for (const adapter of this.adapters.values()) {
      if (adapter.state !== 'described') continue;
      const registry = adapter.spec.registry;
      let route = routes.get(registry);
      if (!route) routes.set(registry, (route = { adapters: [], byProvince: new Map(), shards: [] }));
      route.adapters.push(adapter);
    }
    for (const [registry, route] of routes) {
      const groups = new Map<string, ReplicaGroup>();
      for (const adapter of route.adapters) {
        let group = groups.get(adapter.shardKey);
        if (!group) groups.set(adapter.shardKey, (group = { adapters: [], next: 0 }));
        group.adapters.push(adapter);
      }
      for (const [key, group] of groups) {
        // Keep round-robin positions across rebuilds so a change does not send every request to one replica.
        group.next = findGroup(previous.get(registry), key)?.next ?? 0;
        if (key === '') {
          route.catchAll = group;
          continue;
        }
        route.shards.push(group);
        for (const province of group.adapters[0].provinces ?? []) {
          if (route.byProvince.has(province))
            this.logger.warn({ registry, province }, `province ${province} is served by two shards of ${registry}; using the first`);
          else route.byProvince.set(province, group);
        }
      }
    }
    this.routes = routes;
  }
}

function findGroup(route: RegistryRoute | undefined, key: string): ReplicaGroup | undefined {
  if (!route) return undefined;
  return key === '' ? route.catchAll : route.shards.find((g) => g.adapters[0].shardKey === key);
}

function overlaps(a: ReadonlySet<string> | null, b: ReadonlySet<string> | null): boolean {
  // A catch-all next to shards is fine: it answers what no shard claims.
  if (!a || !b) return false;
  for (const p of a) if (b.has(p)) return true;
  return false;
}

/** What an operator may be told about a failed call: its kind, never the transport's own text. */
function unreachableReason(error: unknown): string {
  const kind = error instanceof RegistryCallError ? error.kind : 'unavailable';
  if (kind === 'timeout') return 'no answer in time';
  if (kind === 'unavailable')
    return 'no connection (the endpoint refused or could not be reached, or the TLS handshake failed; details are in the gateway log)';
  return `the call failed (${kind})`;
}

/** Echo at most a short, printable prefix of caller input in error messages. */
function truncate(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 40 ? printable.slice(0, 40) + '…' : printable;
}
