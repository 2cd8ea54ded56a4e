/**
 * Extra gRPC adapters of the simulated registries: more endpoints serving one registry's data, as
 * replicas or as shards by province, for the gateway's routing and failover tests. Each can be
 * stopped abruptly (a crash) and started again on the same port, and counts what it served.
 */
import type { Logger } from 'pino';
import { AdapterStats, type AdapterStatsSnapshot } from '../registries/adapter-stats.js';
import type { RegistryName } from '../registries/sim-dataset.js';
import { UnknownAdapterError } from '../registries/sim-errors.js';
import type { SimRegistries } from '../registries/sim-registries.js';
import type { ExtraAdapterSpec } from '../sim-config.js';
import { RegistryGrpcServer } from './registry-grpc.server.js';

/** One extra adapter as the control API shows it. */
export interface ExtraAdapterInfo {
  id: string;
  registry: RegistryName;
  /** Null for a replica (the whole registry). */
  provinces: string[] | null;
  contractVersion: string;
  /** host:port; kept while stopped, where it comes back. Null before the first start. */
  endpoint: string | null;
  running: boolean;
  stats: AdapterStatsSnapshot;
}

interface ExtraAdapter {
  spec: ExtraAdapterSpec;
  server: RegistryGrpcServer;
  stats: AdapterStats;
}

export class ExtraAdapters {
  private readonly adapters: ReadonlyMap<string, ExtraAdapter>;
  /** id → host:port, updated in place so holders of the record see restarts. */
  readonly endpoints: Record<string, string> = {};
  private host: string | undefined;
  private readonly starting = new Map<string, Promise<string>>();

  /** @throws Error when a shard names a province the directory does not know */
  constructor(specs: readonly ExtraAdapterSpec[], registries: SimRegistries, logger: Logger) {
    const directory = registries.population.directory;
    const adapters = new Map<string, ExtraAdapter>();
    for (const spec of specs) {
      const unknown = spec.provinces?.filter((code) => directory.province(code) === undefined) ?? [];
      if (unknown.length > 0) {
        throw new RangeError(`extra adapter "${spec.id}": unknown province code ${unknown.join(', ')} (${directory.source} directory)`);
      }
      const stats = new AdapterStats();
      const server = new RegistryGrpcServer(spec.registry, registries, logger.child({ registry: spec.registry, adapter: spec.id }), {
        id: spec.id,
        provinces: spec.provinces,
        contractVersion: spec.contractVersion,
        stats,
        tls: spec.tls,
      });
      adapters.set(spec.id, { spec, server, stats });
    }
    this.adapters = adapters;
  }

  get ids(): string[] {
    return [...this.adapters.keys()];
  }

  /** Ids of the extra adapters of one registry. */
  of(registry: RegistryName): string[] {
    return [...this.adapters.values()].filter((a) => a.spec.registry === registry).map((a) => a.spec.id);
  }

  /** Starts every adapter on its configured port. */
  async startAll(host: string): Promise<void> {
    this.host = host;
    for (const adapter of this.adapters.values()) {
      this.endpoints[adapter.spec.id] = await adapter.server.start(host, adapter.spec.port ?? 0);
    }
  }

  /**
   * Starts a stopped adapter again on the port it had. An adapter configured with port 0 moves to
   * another ephemeral port when its old one has been taken meanwhile; a configured port never moves.
   * Resolves with the endpoint; does nothing to a running adapter.
   * @throws UnknownAdapterError
   */
  start(id: string): Promise<string> {
    const adapter = this.get(id);
    if (adapter.server.running) return Promise.resolve(adapter.server.endpoint);
    // Two starts at once would bind twice and leak one server: the second waits for the first.
    let pending = this.starting.get(id);
    if (!pending) {
      pending = this.restart(adapter).finally(() => this.starting.delete(id));
      this.starting.set(id, pending);
    }
    return pending;
  }

  private async restart({ spec, server }: ExtraAdapter): Promise<string> {
    const id = spec.id;
    if (this.host === undefined) throw new Error('extra adapters not started yet');
    const previous = this.endpoints[id];
    const previousPort = previous === undefined ? (spec.port ?? 0) : Number(previous.slice(previous.lastIndexOf(':') + 1));
    let endpoint: string;
    try {
      endpoint = await server.start(this.host, previousPort);
    } catch (error) {
      if (spec.port || previousPort === 0) throw error;
      endpoint = await server.start(this.host, 0);
    }
    this.endpoints[id] = endpoint;
    return endpoint;
  }

  /** Stops an adapter at once, like a crash. Its endpoint stays known. @throws UnknownAdapterError */
  stop(id: string): Promise<void> {
    this.get(id).server.kill();
    return Promise.resolve();
  }

  /** @throws UnknownAdapterError */
  stats(id: string): AdapterStatsSnapshot {
    return this.get(id).stats.snapshot();
  }

  resetStats(): void {
    for (const adapter of this.adapters.values()) adapter.stats.reset();
  }

  /** @throws UnknownAdapterError */
  info(id: string): ExtraAdapterInfo {
    const { spec, server, stats } = this.get(id);
    return {
      id,
      registry: spec.registry,
      provinces: spec.provinces ? [...spec.provinces] : null,
      contractVersion: server.contractVersion,
      endpoint: this.endpoints[id] ?? null,
      running: server.running,
      stats: stats.snapshot(),
    };
  }

  list(): ExtraAdapterInfo[] {
    return this.ids.map((id) => this.info(id));
  }

  /** Graceful stop of every adapter, for the simulator's own stop. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.adapters.values()].map((a) => a.server.stop()));
  }

  private get(id: string): ExtraAdapter {
    const adapter = this.adapters.get(id);
    if (!adapter) throw new UnknownAdapterError(`unknown adapter "${id}" (have: ${this.ids.join(', ') || 'none'})`);
    return adapter;
  }
}
