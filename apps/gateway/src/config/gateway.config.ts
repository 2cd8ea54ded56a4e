/**
 * The gateway's configuration: read once from the environment at start-up, validated, typed and
 * frozen. A bad value stops the process with one line naming the variable and what was expected.
 */
import path from 'node:path';

export const REGISTRY_NAMES = ['population', 'residence', 'land', 'business', 'civil-status'] as const;

export interface GatewayConfig {
  profile: 'embedded' | 'production';
  http: { host: string; port: number; bodyLimitBytes: number };
  dataDir: string;
  logLevel: string;
  /** registry -> adapter endpoint host:port */
  adapters: Record<string, string>;
  registryTimeoutMs: number;
  describeRetryMs: number;
  /** Per-adapter protection (see ResilientRegistryClient). */
  resilience: {
    maxConcurrency: number;
    retry: { attempts: number; backoffMs: number };
    breaker: { failureThreshold: number; errorRate: number; minCalls: number; windowMs: number; openMs: number; halfOpenProbes: number };
  };
  auth: {
    issuer: string;
    audience: string;
    jwks: { file: string } | { url: string };
    algorithms: string[];
    clockToleranceSec: number;
  };
  evidence: { issuer: string; keyDir: string; algorithm: 'EdDSA' | 'ES256' };
  cache: {
    maxEntries: number;
    maxStaleSeconds: number;
    negativeTtlSeconds: number;
    /** Operator policy: never treat a record as fresh for longer than this, whatever its dataset allows. */
    maxAgeCapSeconds?: number;
    /** Production: lifetime of the in-process near cache in front of Redis (0 disables it). */
    localTtlMs: number;
    /** Production: secret sealing cached records in Redis; base64 in env or a file (created in the data dir for development). */
    secret: { base64: string } | { file: string };
  };
  audit: { file: string; sync: boolean };
  events: { cacheSyncGroup: string };
  redisUrl?: string;
  kafkaBrokers?: string[];
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    expected: string,
  ) {
    super(`invalid configuration: ${variable} ${expected}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export const DEFAULT_SIM_GRPC_BASE_PORT = 50051;
export const DEFAULT_TOKEN_ISSUER = 'urn:motlan:dev-issuer';
export const DEFAULT_TOKEN_AUDIENCE = 'motlan-gateway';

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const dataDir = path.resolve(str(env, 'MOTLAN_DATA_DIR', '.data'));
  const redisUrl = optional(env, 'REDIS_URL');
  const kafka = optional(env, 'KAFKA_BROKERS');
  const jwksUrl = optional(env, 'MOTLAN_TOKEN_JWKS_URL');
  const config: GatewayConfig = {
    profile: redisUrl && kafka ? 'production' : 'embedded',
    http: {
      host: str(env, 'HOST', '127.0.0.1'),
      port: int(env, 'PORT', 3000, 0, 65535),
      bodyLimitBytes: int(env, 'MOTLAN_BODY_LIMIT_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    },
    dataDir,
    logLevel: oneOf(env, 'LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    adapters: adapters(env),
    registryTimeoutMs: int(env, 'MOTLAN_REGISTRY_TIMEOUT_MS', 2000, 10, 60000),
    describeRetryMs: int(env, 'MOTLAN_DESCRIBE_RETRY_MS', 3000, 100, 600000),
    resilience: {
      maxConcurrency: int(env, 'MOTLAN_ADAPTER_MAX_CONCURRENCY', 64, 1, 100000),
      retry: {
        attempts: int(env, 'MOTLAN_ADAPTER_RETRY_ATTEMPTS', 2, 1, 10),
        backoffMs: int(env, 'MOTLAN_ADAPTER_RETRY_BACKOFF_MS', 50, 0, 60000),
      },
      breaker: {
        failureThreshold: int(env, 'MOTLAN_BREAKER_FAILURE_THRESHOLD', 5, 1, 100000),
        errorRate: fraction(env, 'MOTLAN_BREAKER_ERROR_RATE', 0.5),
        minCalls: int(env, 'MOTLAN_BREAKER_MIN_CALLS', 20, 1, 1000000),
        windowMs: int(env, 'MOTLAN_BREAKER_WINDOW_MS', 10000, 100, 3600000),
        openMs: int(env, 'MOTLAN_BREAKER_OPEN_MS', 5000, 10, 3600000),
        halfOpenProbes: int(env, 'MOTLAN_BREAKER_HALF_OPEN_PROBES', 1, 1, 1000),
      },
    },
    auth: {
      issuer: str(env, 'MOTLAN_TOKEN_ISSUER', DEFAULT_TOKEN_ISSUER),
      audience: str(env, 'MOTLAN_TOKEN_AUDIENCE', DEFAULT_TOKEN_AUDIENCE),
      jwks: jwksUrl
        ? { url: jwksUrl }
        : { file: path.resolve(str(env, 'MOTLAN_TOKEN_JWKS_FILE', path.join(dataDir, 'dev-issuer', 'jwks.json'))) },
      algorithms: list(env, 'MOTLAN_TOKEN_ALGORITHMS', ['EdDSA', 'ES256']),
      clockToleranceSec: int(env, 'MOTLAN_TOKEN_CLOCK_TOLERANCE_SEC', 30, 0, 300),
    },
    evidence: {
      issuer: str(env, 'MOTLAN_EVIDENCE_ISSUER', 'urn:motlan:gateway'),
      keyDir: path.resolve(str(env, 'MOTLAN_EVIDENCE_KEY_DIR', path.join(dataDir, 'evidence-keys'))),
      algorithm: oneOf(env, 'MOTLAN_EVIDENCE_ALG', 'EdDSA', ['EdDSA', 'ES256']),
    },
    cache: {
      maxEntries: int(env, 'MOTLAN_CACHE_MAX_ENTRIES', 200000, 1, 100_000_000),
      maxStaleSeconds: int(env, 'MOTLAN_CACHE_MAX_STALE_SECONDS', 86400, 0, 30 * 86400),
      negativeTtlSeconds: int(env, 'MOTLAN_CACHE_NEGATIVE_TTL_SECONDS', 30, 0, 86400),
      secret: cacheSecret(env, dataDir),
      localTtlMs: int(env, 'MOTLAN_CACHE_LOCAL_TTL_MS', 1000, 0, 60000),
      maxAgeCapSeconds: optional(env, 'MOTLAN_CACHE_MAX_AGE_CAP_SECONDS') ? int(env, 'MOTLAN_CACHE_MAX_AGE_CAP_SECONDS', 0, 0, 30 * 86400) : undefined,
    },
    events: { cacheSyncGroup: str(env, 'MOTLAN_CACHE_SYNC_GROUP', 'motlan-cache-sync') },
    audit: {
      file: path.resolve(str(env, 'MOTLAN_AUDIT_FILE', path.join(dataDir, 'audit', 'audit.jsonl'))),
      sync: bool(env, 'MOTLAN_AUDIT_FSYNC', false),
    },
    redisUrl,
    kafkaBrokers: kafka ? kafka.split(',').map((b) => b.trim()) : undefined,
  };
  if (config.auth.algorithms.some((a) => a === 'none' || a.startsWith('HS'))) {
    throw new ConfigError('MOTLAN_TOKEN_ALGORITHMS', 'must list asymmetric algorithms only (no "none", no HS*)');
  }
  return Object.freeze(config);
}

/** MOTLAN_ADAPTERS="population=host:port,residence=host:port,…"; default: the simulator's ports. */
function adapters(env: Env): Record<string, string> {
  const raw = optional(env, 'MOTLAN_ADAPTERS');
  if (!raw) {
    const base = int(env, 'SIM_GRPC_BASE_PORT', DEFAULT_SIM_GRPC_BASE_PORT, 1, 65530);
    const host = str(env, 'SIM_HOST', '127.0.0.1');
    return Object.fromEntries(REGISTRY_NAMES.map((name, i) => [name, `${host}:${base + i}`]));
  }
  const result: Record<string, string> = {};
  for (const pair of raw.split(',').filter(Boolean)) {
    const match = /^\s*([a-z][a-z0-9-]*)\s*=\s*([A-Za-z0-9.\-[\]:]+:\d{1,5})\s*$/.exec(pair);
    if (!match) throw new ConfigError('MOTLAN_ADAPTERS', `expected "registry=host:port,…", got "${pair}"`);
    result[match[1]] = match[2];
  }
  return result;
}

function cacheSecret(env: Env, dataDir: string): { base64: string } | { file: string } {
  const raw = optional(env, 'MOTLAN_CACHE_SECRET');
  if (raw) {
    if (Buffer.from(raw, 'base64').length < 32) throw new ConfigError('MOTLAN_CACHE_SECRET', 'must be at least 32 bytes, base64-encoded (openssl rand -base64 32)');
    return { base64: raw };
  }
  return { file: path.resolve(str(env, 'MOTLAN_CACHE_SECRET_FILE', path.join(dataDir, 'cache-secret.key'))) };
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function str(env: Env, name: string, fallback: string): string {
  return optional(env, name) ?? fallback;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

/** A rate in (0, 1]: 0 would open the breaker on the first failure counted, which is what the threshold is for. */
function fraction(env: Env, name: string, fallback: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 1) throw new ConfigError(name, `must be a number greater than 0 and at most 1, got "${raw}"`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function list(env: Env, name: string, fallback: string[]): string[] {
  const raw = optional(env, name);
  return raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : fallback;
}
