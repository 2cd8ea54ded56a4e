/**
 * Programmatic entry of the registry simulator: five registries on their own loopback gRPC
 * endpoints plus the HTTP control API, in this process. Gateway tests start it with ephemeral ports
 * (`grpcBasePort: 0, controlPort: 0`) to run against real gRPC without anything else installed.
 */
import { pino, type Logger } from 'pino';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { SimControlServer } from './control/sim-control.server.js';
import { RegistryGrpcServer } from './grpc/registry-grpc.server.js';
import { REGISTRY_NAMES, type RegistryName } from './registries/sim-dataset.js';
import { SimRegistries } from './registries/sim-registries.js';
import { SIM_DEFAULTS, validateSimFaults, type SimFaults } from './sim-config.js';

export type { RegistryName } from './registries/sim-dataset.js';
export type { RecordChange, ChangeListener, SimRegistries } from './registries/sim-registries.js';
export type { FaultPatch, FaultSettings } from './registries/fault-injector.js';

export interface RegistrySimOptions {
  /** Seed of all synthetic data (default 1): same seed, same persons, ids and records. */
  seed?: number;
  /** Persons in the population (default 1,000,000), rounded up to a whole number of 16-person groups. */
  persons?: number;
  /** Interface for the gRPC endpoints and the control API (default 127.0.0.1). */
  host?: string;
  /** Port of the population registry; the others follow in REGISTRY_NAMES order. 0 = ephemeral ports. Default 50051. */
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
}

export interface RunningRegistrySim {
  /** host:port of each registry's gRPC endpoint. */
  endpoints: Readonly<Record<RegistryName, string>>;
  /** Base URL of the control API, e.g. http://127.0.0.1:3100. */
  controlUrl: string;
  /** The registries: `changeRecord`, `onChange`, `setFaults`, `samples`, `stats`, `lookup`. */
  registries: SimRegistries;
  /** Stops the servers and background changes. Safe to call twice. */
  stop(): Promise<void>;
}

export async function startRegistrySim(options: RegistrySimOptions = {}): Promise<RunningRegistrySim> {
  // Embedded in tests by default: quiet unless something goes wrong. main.ts passes its configured logger.
  const logger = options.logger ?? pino({ name: 'registry-sim', level: 'warn' });
  const host = options.host ?? SIM_DEFAULTS.host;
  const basePort = port(options.grpcBasePort ?? SIM_DEFAULTS.grpcBasePort, 'grpcBasePort', REGISTRY_NAMES.length - 1);
  const controlPort = port(options.controlPort ?? SIM_DEFAULTS.controlPort, 'controlPort', 0);
  const seed = options.seed ?? SIM_DEFAULTS.seed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError(`seed must be an integer from 0 to 2^32-1, got ${seed}`);

  const registries = new SimRegistries({
    seed,
    persons: options.persons ?? SIM_DEFAULTS.persons,
    directory: options.vnAdmin ?? VnAdminDirectory.load({ logger }),
    logger,
    faults: validateSimFaults(options.faults ?? {}),
    changesPerSecond: options.changesPerSecond ?? 0,
  });
  const grpcServers = REGISTRY_NAMES.map((name) => new RegistryGrpcServer(name, registries, logger.child({ registry: name })));
  const endpoints = {} as Record<RegistryName, string>;
  const control = new SimControlServer(registries, () => endpoints, logger);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      registries.close();
      await Promise.allSettled([control.stop(), ...grpcServers.map((s) => s.stop())]);
      logger.info('registry simulator stopped');
    })());

  try {
    for (const [i, server] of grpcServers.entries()) {
      endpoints[server.registry] = await server.start(host, basePort === 0 ? 0 : basePort + i);
    }
    const controlUrl = await control.start(host, controlPort);
    logger.info(
      { seed, persons: registries.population.personCount, vnAdmin: registries.population.directory.source, endpoints, controlUrl },
      'registry simulator started',
    );
    return { endpoints, controlUrl, registries, stop };
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
