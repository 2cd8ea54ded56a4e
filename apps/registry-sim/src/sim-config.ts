/**
 * Configuration of the simulator from the environment, validated once at start-up: a bad value
 * stops the process with one line naming the variable and what was expected.
 */
import { parseFaultPatch, type FaultPatch } from './registries/fault-injector.js';
import { isRegistryName, REGISTRY_NAMES, type RegistryName } from './registries/sim-dataset.js';
import { MAX_CHANGES_PER_SECOND } from './registries/sim-registries.js';
import { InvalidRequestError } from './registries/sim-errors.js';

export type SimFaults = Partial<Record<RegistryName, FaultPatch>>;

export interface SimConfig {
  seed: number;
  persons: number;
  host: string;
  grpcBasePort: number;
  controlPort: number;
  faults: SimFaults;
  changesPerSecond: number;
  logLevel: string;
}

export const SIM_DEFAULTS = {
  seed: 1,
  persons: 1_000_000,
  host: '127.0.0.1',
  grpcBasePort: 50051,
  controlPort: 3100,
} as const;

export class SimConfigError extends Error {
  override readonly name = 'SimConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadSimConfig(env: NodeJS.ProcessEnv): SimConfig {
  return {
    seed: integer(env, 'SIM_SEED', SIM_DEFAULTS.seed, 0, 0xffff_ffff),
    persons: integer(env, 'SIM_PERSONS', SIM_DEFAULTS.persons, 1, 100_000_000),
    host: env.SIM_HOST || SIM_DEFAULTS.host,
    grpcBasePort: integer(env, 'SIM_GRPC_BASE_PORT', SIM_DEFAULTS.grpcBasePort, 0, 65535 - (REGISTRY_NAMES.length - 1)),
    controlPort: integer(env, 'SIM_PORT', SIM_DEFAULTS.controlPort, 0, 65535),
    faults: env.SIM_FAULTS ? parseSimFaultsJson(env.SIM_FAULTS) : {},
    changesPerSecond: number(env, 'SIM_CHANGES_PER_SECOND', 0, 0, MAX_CHANGES_PER_SECOND),
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', LOG_LEVELS),
  };
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

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const value = number(env, name, fallback, min, max);
  if (!Number.isInteger(value)) throw new SimConfigError(`${name} must be an integer from ${min} to ${max}, got "${env[name]}"`);
  return value;
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new SimConfigError(`${name} must be a number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

function oneOf(env: NodeJS.ProcessEnv, name: string, fallback: string, allowed: readonly string[]): string {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  if (!allowed.includes(text)) throw new SimConfigError(`${name} must be one of ${allowed.join(', ')}, got "${text}"`);
  return text;
}
