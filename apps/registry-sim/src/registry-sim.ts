/**
 * Programmatic entry of the registry simulator: five registries on their own loopback gRPC
 * endpoints plus the HTTP control API, in this process. Gateway tests start it with ephemeral ports
 * (`grpcBasePort: 0, controlPort: 0`) to run against real gRPC without anything else installed.
 * `extraAdapters` adds replicas and province shards of a registry, for routing and failover tests.
 * The simulated national portal (`sim.portal`) receives the gateway's dossier statuses on its own
 * gRPC endpoint; `dossierTraffic` plays the commune systems that send them to the gateway.
 */
import { pino, type Logger } from 'pino';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { SimControlServer } from './control/sim-control.server.js';
import { ExtraAdapters } from './grpc/extra-adapters.js';
import { RegistryGrpcServer } from './grpc/registry-grpc.server.js';
import { MAX_REGISTRY_PORT_OFFSET, REGISTRY_NAMES, REGISTRY_PORT_OFFSETS, type RegistryName } from './registries/sim-dataset.js';
import type { AdapterStatsSnapshot } from './registries/adapter-stats.js';
import { SimRegistries } from './registries/sim-registries.js';
import { defaultPortalPort, SIM_DEFAULTS, validateExtraAdapters, validateSimFaults, type ExtraAdapterSpec, type SimFaults } from './sim-config.js';
import { SimPortal } from './portal/sim-portal.js';
import { DossierTraffic, validateDossierTraffic, type DossierTrafficOptions } from './traffic/dossier-traffic.js';

export type { RegistryName } from './registries/sim-dataset.js';
export type { RecordChange, ChangeListener, SimRegistries } from './registries/sim-registries.js';
export type { FaultPatch, FaultSettings } from './registries/fault-injector.js';
export type { AdapterStatsSnapshot } from './registries/adapter-stats.js';
export type { ExtraAdapterInfo } from './grpc/extra-adapters.js';
export type { ExtraAdapterSpec, ExtraAdapterTls } from './sim-config.js';
export type { SimPortal, SimPortalInfo } from './portal/sim-portal.js';
export type { PortalCounts, PortalStats, PortalRejection, PortalRejectionRules, RecordedPortalStatus } from './portal/portal-ledger.js';
export type { DossierTraffic, DossierTrafficOptions, DossierTrafficStats } from './traffic/dossier-traffic.js';

export interface RegistrySimOptions {
  /** Seed of all synthetic data (default 1): same seed, same persons, ids and records. */
  seed?: number;
  /** Persons in the population (default 1,000,000), rounded up to a whole number of 16-person groups. */
  persons?: number;
  /** Interface for the gRPC endpoints and the control API (default 127.0.0.1). */
  host?: string;
  /** Port of the population registry; the others at their REGISTRY_PORT_OFFSETS from it (judicial records +6). 0 = ephemeral ports. Default 50051. */
  grpcBasePort?: number;
  /** Port of the HTTP control API; 0 = ephemeral. Default 3100. */
  controlPort?: number;
  /** Faults from the start, keyed by registry. */
  faults?: SimFaults;
  /** Background changes of random records per second (default 0). */
  changesPerSecond?: number;
  /** Structured logger; default pino at level warn. Never given names or full ids. */
  logger?: Logger;
  /** Administrative units; default: the official files found by VnAdminDirectory.load(). */
  vnAdmin?: VnAdminDirectory;
  /**
   * More gRPC adapters over the same registries' data: replicas, or shards holding only the
   * subjects of some provinces (others are answered found = false). They share their registry's
   * faults; each can be stopped and started on its own. Ports default to ephemeral. With `tls`
   * an adapter serves mutual TLS only.
   */
  extraAdapters?: ExtraAdapterSpec[];
  /**
   * gRPC port of the simulated national portal. Default grpcBasePort + 5 (50056), or an ephemeral
   * port when grpcBasePort is 0; 0 = ephemeral.
   */
  portalPort?: number;
  /**
   * Commune systems sending dossier statuses to the gateway (`PUT /v1/dossiers/{id}/status`).
   * Off when absent; with perSecond 0 it is set up idle (see `traffic.setRate`, `PUT /sim/traffic`).
   */
  dossierTraffic?: DossierTrafficOptions;
}

export interface RunningRegistrySim {
  /** host:port of each registry's gRPC endpoint. */
  endpoints: Readonly<Record<RegistryName, string>>;
  /** Base URL of the control API, e.g. http://127.0.0.1:3100. */
  controlUrl: string;
  /** The registries: `changeRecord`, `onChange`, `setFaults`, `samples`, `stats`, `lookup`. */
  registries: SimRegistries;
  /** host:port of each extra adapter by id; kept while an adapter is stopped, updated when it restarts. */
  extraEndpoints: Readonly<Record<string, string>>;
  /** Stops an extra adapter abruptly, like a crash: calls in flight fail, new connections are refused. */
  stopAdapter(id: string): Promise<void>;
  /** Starts a stopped extra adapter again (on its previous port when possible); resolves with its endpoint. */
  startAdapter(id: string): Promise<string>;
  /** Lookups served by an extra adapter: total, by province, outside its shard, failed. */
  adapterStats(id: string): AdapterStatsSnapshot;
  /**
   * The simulated national portal: `stats()`, `statusesOf(dossierId)`, `setFaults`, `clearFaults`,
   * `reject({ dossierIds, procedureCodes })`, `clearRejections`, `reset`, abrupt `stop()` and `start()`.
   */
  portal: SimPortal;
  /** host:port of the portal's gRPC endpoint (follows a restart on another port). */
  readonly portalEndpoint: string;
  /** The commune traffic generator, or null when not configured. */
  traffic: DossierTraffic | null;
  /** Stops the servers, the traffic and background changes. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startRegistrySim(options: RegistrySimOptions = {}): Promise<RunningRegistrySim> {
  // Embedded in tests by default: quiet unless something goes wrong. main.ts passes its configured logger.
  const logger = options.logger ?? pino({ name: 'registry-sim', level: 'warn' });
  const host = options.host ?? SIM_DEFAULTS.host;
  const basePort = port(options.grpcBasePort ?? SIM_DEFAULTS.grpcBasePort, 'grpcBasePort', MAX_REGISTRY_PORT_OFFSET);
  const controlPort = port(options.controlPort ?? SIM_DEFAULTS.controlPort, 'controlPort', 0);
  const seed = options.seed ?? SIM_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError(`seed must be an integer from 0 to 2^32-1, got ${seed}`);
  const extraSpecs = validateExtraAdapters(options.extraAdapters ?? []);
  const portalPort = options.portalPort ?? defaultPortalPort(basePort);
  if (!Number.isInteger(portalPort) || portalPort < 0 || portalPort > 65535) {
    throw new RangeError(
      options.portalPort === undefined
        ? `grpcBasePort ${basePort} leaves no port for the portal at grpcBasePort+${SIM_DEFAULTS.portalOffset}: set portalPort`
        : `portalPort must be an integer from 0 to 65535, got ${portalPort}`,
    );
  }
  const trafficOptions = options.dossierTraffic && validateDossierTraffic(options.dossierTraffic);

  const registries = new SimRegistries({
    seed,
    persons: options.persons ?? SIM_DEFAULTS.persons,
    directory: options.vnAdmin ?? VnAdminDirectory.load({ logger }),
    logger,
    faults: validateSimFaults(options.faults ?? {}),
    changesPerSecond: options.changesPerSecond ?? 0,
  });
  let extra: ExtraAdapters;
  let traffic: DossierTraffic | null;
  try {
    extra = new ExtraAdapters(extraSpecs, registries, logger);
    traffic = trafficOptions ? new DossierTraffic(trafficOptions, registries.population.directory, seed, logger.child({ component: 'dossier-traffic' })) : null;
  } catch (error) {
    registries.close();
    throw error;
  }
  const grpcServers = REGISTRY_NAMES.map((name) => new RegistryGrpcServer(name, registries, logger.child({ registry: name })));
  const endpoints = {} as Record<RegistryName, string>;
  const portal = new SimPortal(logger.child({ component: 'portal' }));
  const control = new SimControlServer(registries, () => endpoints, logger, extra, { portal, traffic });

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      registries.close();
      await traffic?.stop();
      await Promise.allSettled([control.stop(), ...grpcServers.map((s) => s.stop()), extra.close(), portal.close()]);
      logger.info('registry simulator stopped');
    })());

  try {
    for (const server of grpcServers) {
      endpoints[server.registry] = await server.start(host, basePort === 0 ? 0 : basePort + REGISTRY_PORT_OFFSETS[server.registry]);
    }
    await extra.startAll(host);
    const portalEndpoint = await portal.listen(host, portalPort);
    const controlUrl = await control.start(host, controlPort);
    traffic?.start();
    logger.info(
      {
        seed,
        persons: registries.population.personCount,
        vnAdmin: registries.population.directory.source,
        endpoints,
        extraAdapters: extra.list().map(({ id, registry, provinces, contractVersion, endpoint }) => ({ id, registry, provinces, contractVersion, endpoint })),
        portalEndpoint,
        dossierTraffic: traffic && { gatewayUrl: trafficOptions?.gatewayUrl, perSecond: traffic.rate },
        controlUrl,
      },
      'registry simulator started',
    );
    return {
      endpoints,
      controlUrl,
      registries,
      extraEndpoints: extra.endpoints,
      stopAdapter: async (id) => {
        await extra.stop(id);
        logger.info({ adapter: id }, 'extra adapter stopped');
      },
      startAdapter: async (id) => {
        const endpoint = await extra.start(id);
        logger.info({ adapter: id, endpoint }, 'extra adapter started');
        return endpoint;
      },
      adapterStats: (id) => extra.stats(id),
      portal,
      get portalEndpoint() {
        return portal.endpoint;
      },
      traffic,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function port(value: number, name: string, following: number): number {
  if (!Number.isInteger(value) || value < 0 || value + following > 65535) {
    throw new RangeError(`${name} must be an integer from 0 to ${65535 - following}, got ${value}`);
  }
  return value;
}
