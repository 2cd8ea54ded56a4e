/**
 * Configuration of the simulator from the environment, validated once at start-up: bad values stop
 * the process with one line each, naming the variable and what was expected (libs/config/env-reader.ts).
 */
import { parseFaultPatch, type FaultPatch } from './registries/fault-injector.js';
import { SIMULATOR_PORTAL_PORT_OFFSET } from '@motlan/contracts/simulator-ports.js';
import { isRegistryName, MAX_REGISTRY_PORT_OFFSET, REGISTRY_NAMES, REGISTRY_PORT_OFFSETS, type RegistryName } from './registries/sim-dataset.js';
import { MAX_CHANGES_PER_SECOND } from './registries/sim-registries.js';
import { InvalidRequestError } from './registries/sim-errors.js';
import { isHttpUrl, MAX_DOSSIERS_PER_SECOND, type DossierTrafficOptions } from './traffic/dossier-traffic.js';
import { validateVariation, VARIATION_DEFAULTS, type TrafficVariation } from './traffic/service-variation.js';
import { loadKafkaSettings, type KafkaSettings } from '@motlan/events/kafka-settings.js';
import { EnvReader, InvalidConfigError, type ConfigProblem } from '@motlan/config/env-reader.js';

export type SimFaults = Partial<Record<RegistryName, FaultPatch>>;

/** One more gRPC adapter of a registry over the same data: a replica, or a shard of some provinces. */
export interface ExtraAdapterSpec {
  /** Unique name, e.g. population-north: letters, digits, '.', '_' and '-'. */
  id: string;
  registry: RegistryName;
  /** Current (2025) 2-digit province codes the adapter holds; absent: all (a replica). */
  provinces?: string[];
  /** 0 or absent: an ephemeral port. */
  port?: number;
  /** What Describe reports instead of the contract version the simulator implements. */
  contractVersion?: string;
  /** Mutual TLS instead of plaintext: the client must present a certificate signed by `ca`. */
  tls?: ExtraAdapterTls;
}

/** PEM text (not file references: the simulator is embedded in tests that generate it). */
export interface ExtraAdapterTls {
  /** CA that signs the client certificates this adapter accepts. */
  ca: string;
  /** The adapter's server certificate (chain). */
  cert: string;
  /** The adapter's private key. */
  key: string;
}

export interface SimConfig {
  seed: number;
  persons: number;
  host: string;
  grpcBasePort: number;
  controlPort: number;
  faults: SimFaults;
  changesPerSecond: number;
  logLevel: string;
  extraAdapters: ExtraAdapterSpec[];
  /** gRPC port of the simulated national portal: SIM_PORTAL_PORT, default SIM_GRPC_BASE_PORT+5 (0 with an ephemeral base). */
  portalPort: number;
  /** Commune traffic to the gateway; absent unless SIM_DOSSIERS_PER_SECOND > 0 or SIM_GATEWAY_TOKEN is set. */
  dossierTraffic?: DossierTrafficOptions;
  /** Change events to Kafka (KAFKA_BROKERS, with the same TLS/SASL settings as the gateway's); absent: the data directory's event log. */
  kafka?: KafkaSettings;
}

export const SIM_DEFAULTS = {
  seed: 1,
  persons: 1_000_000,
  host: '127.0.0.1',
  grpcBasePort: 50051,
  controlPort: 3100,
  /** The portal listens on grpcBasePort + portalOffset, after the first five registries (judicial records is at +6), unless told otherwise. */
  portalOffset: SIMULATOR_PORTAL_PORT_OFFSET,
  gatewayUrl: 'http://127.0.0.1:3000',
} as const;

/**
 * Every bad variable, one line each, as the simulator has always written them (`NAME must be …`,
 * `NAME: …`); a single line can be given as it is.
 */
export class SimConfigError extends InvalidConfigError {
  override readonly name = 'SimConfigError';

  constructor(problems: readonly ConfigProblem[] | string) {
    super(typeof problems === 'string' ? [lineProblem(problems)] : problems);
  }
}

/** A line the simulator wrote whole: its variable is the name it starts with. */
function lineProblem(message: string): ConfigProblem {
  return { variable: /^[A-Z0-9_]+/.exec(message)?.[0] ?? '', message };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** @throws SimConfigError listing every bad variable */
export function loadSimConfig(variables: NodeJS.ProcessEnv): SimConfig {
  const env = new EnvReader(variables);
  const grpcBasePort = env.int('SIM_GRPC_BASE_PORT', SIM_DEFAULTS.grpcBasePort, 0, 65535 - MAX_REGISTRY_PORT_OFFSET);
  const controlPort = env.int('SIM_PORT', SIM_DEFAULTS.controlPort, 0, 65535);
  const extraAdaptersText = env.optional('SIM_EXTRA_ADAPTERS');
  const extraAdapters = (extraAdaptersText && env.include(() => parseExtraAdapters(extraAdaptersText))) || [];
  const portalPort = env.int('SIM_PORTAL_PORT', defaultPortalPort(grpcBasePort), 0, 65535);
  if (portalPort > 65535) {
    env.add(
      lineProblem(`SIM_GRPC_BASE_PORT ${grpcBasePort} leaves no port for the portal at SIM_GRPC_BASE_PORT+${SIM_DEFAULTS.portalOffset}: set SIM_PORTAL_PORT`),
    );
  }
  // Caught here rather than as a bind error at start, which would not say which variable to fix.
  const taken = new Map<number, string>([[controlPort, 'SIM_PORT']]);
  if (grpcBasePort !== 0)
    REGISTRY_NAMES.forEach((name) =>
      taken.set(grpcBasePort + REGISTRY_PORT_OFFSETS[name], `the ${name} registry (SIM_GRPC_BASE_PORT+${REGISTRY_PORT_OFFSETS[name]})`),
    );
  if (portalPort !== 0) {
    const owner = taken.get(portalPort);
    if (owner !== undefined) env.add(lineProblem(`SIM_PORTAL_PORT: port ${portalPort} is already taken by ${owner}`));
    taken.set(portalPort, 'the portal (SIM_PORTAL_PORT)');
  }
  for (const { id, port } of extraAdapters) {
    const owner = port ? taken.get(port) : undefined;
    if (owner !== undefined) env.add(lineProblem(`SIM_EXTRA_ADAPTERS: port ${port} of "${id}" is already taken by ${owner}`));
  }
  const dossierTraffic = loadDossierTraffic(env);
  const kafka = env.include(() => loadKafkaSettings(variables));
  const faultsText = env.optional('SIM_FAULTS');
  const config: SimConfig = {
    seed: env.int('SIM_SEED', SIM_DEFAULTS.seed, 0, 0xffff_ffff),
    persons: env.int('SIM_PERSONS', SIM_DEFAULTS.persons, 1, 100_000_000),
    host: env.string('SIM_HOST', SIM_DEFAULTS.host),
    grpcBasePort,
    controlPort,
    faults: (faultsText && env.include(() => parseSimFaultsJson(faultsText))) || {},
    changesPerSecond: env.number('SIM_CHANGES_PER_SECOND', 0, 0, MAX_CHANGES_PER_SECOND),
    logLevel: env.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    extraAdapters,
    portalPort,
    ...(dossierTraffic && { dossierTraffic }),
    ...(kafka && { kafka }),
  };
  env.throwIfInvalid(SimConfigError);
  return config;
}

/** SIM_GRPC_BASE_PORT+5, or 0 (ephemeral) with an ephemeral base; above 65535 when the base leaves no room. */
export function defaultPortalPort(grpcBasePort: number): number {
  return grpcBasePort === 0 ? 0 : grpcBasePort + SIM_DEFAULTS.portalOffset;
}

/**
 * SIM_DOSSIERS_PER_SECOND (0), SIM_GATEWAY_URL (http://127.0.0.1:3000), SIM_GATEWAY_TOKEN. A token
 * alone sets the generator up idle, to be started with PUT /sim/traffic; a rate needs a token.
 * How provinces and communes differ: {@link loadTrafficVariation}.
 */
function loadDossierTraffic(env: EnvReader): DossierTrafficOptions | undefined {
  const perSecond = env.number('SIM_DOSSIERS_PER_SECOND', 0, 0, MAX_DOSSIERS_PER_SECOND);
  const gatewayUrl = env.string('SIM_GATEWAY_URL', SIM_DEFAULTS.gatewayUrl);
  env.require(isHttpUrl(gatewayUrl), 'SIM_GATEWAY_URL', `must be an http(s) URL, got "${gatewayUrl}"`);
  const token = env.optional('SIM_GATEWAY_TOKEN') ?? '';
  if (token === '') {
    env.require(perSecond === 0, 'SIM_DOSSIERS_PER_SECOND', 'needs SIM_GATEWAY_TOKEN, a gateway token the commune requests carry');
    return undefined;
  }
  const variation = loadTrafficVariation(env);
  return { gatewayUrl: gatewayUrl.replace(/\/+$/, ''), token, perSecond, ...(variation && { variation }) };
}

/**
 * The commune traffic's variation (traffic/service-variation.ts), each setting optional:
 * - SIM_TRAFFIC_COMMUNES_PER_PROVINCE (all): reporting communes in each of the 34 provinces, a number or "all";
 * - SIM_TRAFFIC_SILENT_SHARE (0.1): mean share of them that go silent, drawn per province from 0 to twice it;
 * - SIM_TRAFFIC_SILENT_AFTER_MS (0): when they go silent, after the traffic starts (0: they never report);
 * - SIM_TRAFFIC_LATE_SHARE (0.12): mean share of dossiers whose result comes after the due date;
 * - SIM_TRAFFIC_OVERDUE_SHARE (0.05): mean share of dossiers left open past their due date;
 * - SIM_TRAFFIC_EXEMPLARY_SHARE (0.25): share of provinces that serve well throughout (online, electronic, on time);
 * - SIM_TRAFFIC_PROVINCES: JSON profiles fixed by hand per province over the drawn ones, e.g.
 *   `{"01":{"onlineShare":0.3273,"electronicResultShare":0.053}}` (that one, and Cao Bằng's many
 *   silent communes, are the defaults: REPORTED_PROFILES). Fields: onlineShare, postShare,
 *   onlinePaymentShare, electronicResultShare, lateShare, overdueShare, reuseShare, silentShare.
 * Profiles are drawn from SIM_SEED: the same seed gives the same provinces, communes and shares.
 */
export function loadTrafficVariation(env: EnvReader): Partial<TrafficVariation> | undefined {
  const out: Record<string, unknown> = {};
  const settings: [string, keyof TrafficVariation, number, number][] = [
    ['SIM_TRAFFIC_COMMUNES_PER_PROVINCE', 'communesPerProvince', 1, 200],
    ['SIM_TRAFFIC_SILENT_SHARE', 'silentShare', 0, 1],
    ['SIM_TRAFFIC_SILENT_AFTER_MS', 'silentAfterMs', 0, 7 * 86_400_000],
    ['SIM_TRAFFIC_LATE_SHARE', 'lateShare', 0, 1],
    ['SIM_TRAFFIC_OVERDUE_SHARE', 'overdueShare', 0, 1],
    ['SIM_TRAFFIC_EXEMPLARY_SHARE', 'exemplaryShare', 0, 1],
  ];
  for (const [name, key, min, max] of settings) {
    const raw = env.optional(name);
    if (raw === undefined) continue;
    const fallback = VARIATION_DEFAULTS[key] as number;
    if (key === 'communesPerProvince' && raw === 'all') out[key] = 'all';
    else if (key === 'communesPerProvince' || key === 'silentAfterMs') out[key] = env.int(name, fallback, min, max);
    else out[key] = env.number(name, fallback, min, max);
  }
  const provinces = env.optional('SIM_TRAFFIC_PROVINCES');
  if (provinces !== undefined) {
    try {
      out.provinces = JSON.parse(provinces);
    } catch {
      env.problem('SIM_TRAFFIC_PROVINCES', 'must be JSON, e.g. {"01":{"onlineShare":0.3273}}');
    }
  }
  if (Object.keys(out).length === 0) return undefined;
  try {
    return validateVariation(out, 'SIM_TRAFFIC');
  } catch (error) {
    env.add(lineProblem((error as Error).message.replace('SIM_TRAFFIC.provinces', 'SIM_TRAFFIC_PROVINCES')));
    return undefined;
  }
}

const EXTRA_ADAPTER_SYNTAX = 'id=registry[@provinces]:port, e.g. population-north=population@01,04:50061';
const EXTRA_ADAPTER_ENTRY = /^([^=]*)=([^@:]*)(?:@([^:]*))?:(.*)$/;

/**
 * SIM_EXTRA_ADAPTERS: `;`-separated `id=registry[@provinces]:port`, provinces comma-separated, e.g.
 * `population-north=population@01,04:50061;population-south=population@79:50062;business-2=business:50063`.
 * Port 0 is an ephemeral port. Province codes are checked against the directory at start.
 */
export function parseExtraAdapters(text: string): ExtraAdapterSpec[] {
  const specs: ExtraAdapterSpec[] = [];
  for (const raw of text.split(';')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const match = EXTRA_ADAPTER_ENTRY.exec(entry);
    if (!match) throw new SimConfigError(`SIM_EXTRA_ADAPTERS: "${entry}" must be ${EXTRA_ADAPTER_SYNTAX}`);
    const [, id, registry, provinces, port] = match.map((part) => part?.trim());
    if (!/^\d{1,5}$/.test(port)) throw new SimConfigError(`SIM_EXTRA_ADAPTERS: "${entry}" needs a port from 0 to 65535 after ':', got "${port}"`);
    const spec: ExtraAdapterSpec = { id, registry: registry as RegistryName, port: Number(port) };
    if (provinces !== undefined) spec.provinces = provinces.split(',').map((p) => p.trim());
    specs.push(spec);
  }
  if (specs.length === 0) throw new SimConfigError(`SIM_EXTRA_ADAPTERS has no adapter; expected ${EXTRA_ADAPTER_SYNTAX}`);
  try {
    return validateExtraAdapters(specs, 'SIM_EXTRA_ADAPTERS');
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    throw new SimConfigError(error.message);
  }
}

const ADAPTER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const CONTRACT_VERSION = /^\d+\.\d+$/;

/**
 * Checks the shape of extra adapter specs: ids unique and not a registry name, known registries,
 * 2-digit province codes, ports, "MAJOR.MINOR" contract versions. Whether the provinces exist is
 * for the caller, who has the directory.
 * @throws InvalidRequestError naming the offending adapter
 */
export function validateExtraAdapters(value: unknown, where = 'extraAdapters'): ExtraAdapterSpec[] {
  if (!Array.isArray(value)) throw new InvalidRequestError(`${where} must be an array of adapters`);
  const ids = new Set<string>();
  const ports = new Map<number, string>();
  return value.map((item: unknown, index): ExtraAdapterSpec => {
    if (typeof item !== 'object' || item === null) throw new InvalidRequestError(`${where}[${index}] must be an object`);
    const { id, registry, provinces, port, contractVersion, tls } = item as Record<string, unknown>;
    if (typeof id !== 'string' || !ADAPTER_ID.test(id)) {
      throw new InvalidRequestError(`${where}: adapter id "${String(id)}" must be 1-63 letters, digits, '.', '_' or '-'`);
    }
    const name = `${where}: adapter "${id}"`;
    if (ids.has(id)) throw new InvalidRequestError(`${name} is named twice`);
    ids.add(id);
    if (isRegistryName(id)) throw new InvalidRequestError(`${name} must not be named like a registry`);
    if (typeof registry !== 'string' || !isRegistryName(registry)) {
      throw new InvalidRequestError(`${name}: unknown registry "${String(registry)}" (have: ${REGISTRY_NAMES.join(', ')})`);
    }
    const spec: ExtraAdapterSpec = { id, registry };
    if (provinces !== undefined) {
      if (!Array.isArray(provinces) || provinces.length === 0) {
        throw new InvalidRequestError(`${name}: provinces must be a non-empty list of 2-digit province codes`);
      }
      for (const code of provinces) {
        if (typeof code !== 'string' || !/^\d{2}$/.test(code)) {
          throw new InvalidRequestError(`${name}: province "${String(code)}" is not a 2-digit province code`);
        }
      }
      if (new Set(provinces).size !== provinces.length) throw new InvalidRequestError(`${name} names a province twice`);
      spec.provinces = [...(provinces as string[])];
    }
    if (port !== undefined) {
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
        throw new InvalidRequestError(`${name}: port must be an integer from 0 to 65535, got ${String(port)}`);
      }
      const other = ports.get(port);
      if (port !== 0 && other !== undefined) throw new InvalidRequestError(`${name}: port ${port} is already taken by "${other}"`);
      ports.set(port, id);
      spec.port = port;
    }
    if (contractVersion !== undefined) {
      if (typeof contractVersion !== 'string' || !CONTRACT_VERSION.test(contractVersion)) {
        throw new InvalidRequestError(`${name}: contractVersion must be "MAJOR.MINOR", got "${String(contractVersion)}"`);
      }
      spec.contractVersion = contractVersion;
    }
    if (tls !== undefined) spec.tls = validateTls(tls, name);
    return spec;
  });
}

/** Shape only: whether the PEM parses is found when the adapter's server is built. */
function validateTls(value: unknown, name: string): ExtraAdapterTls {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError(`${name}: tls must be an object { ca, cert, key } of PEM text`);
  }
  const fields = value as Record<string, unknown>;
  const pem = (field: keyof ExtraAdapterTls): string => {
    const text = fields[field];
    if (typeof text !== 'string' || !text.includes('-----BEGIN ')) throw new InvalidRequestError(`${name}: tls.${field} must be PEM text`);
    return text;
  };
  return { ca: pem('ca'), cert: pem('cert'), key: pem('key') };
}

/** SIM_FAULTS: `{"land":{"latencyMs":20},"business":{"down":true}}`. */
export function parseSimFaultsJson(text: string): SimFaults {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SimConfigError('SIM_FAULTS must be JSON, e.g. {"land":{"latencyMs":20}}');
  }
  try {
    return validateSimFaults(value, 'SIM_FAULTS');
  } catch (error) {
    throw new SimConfigError((error as Error).message);
  }
}

/** Checks faults keyed by registry name. @throws InvalidRequestError naming the offending key */
export function validateSimFaults(value: unknown, where = 'faults'): SimFaults {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError(`${where} must be an object keyed by registry name`);
  }
  const faults: SimFaults = {};
  for (const [registry, patch] of Object.entries(value)) {
    if (!isRegistryName(registry)) {
      throw new InvalidRequestError(`${where}: unknown registry "${registry}" (have: ${REGISTRY_NAMES.join(', ')})`);
    }
    faults[registry] = parseFaultPatch(patch, `${where}.${registry}`);
  }
  return faults;
}
