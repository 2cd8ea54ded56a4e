/**
 * The gateway's configuration: read once from the environment at start-up, validated, typed and
 * frozen. Bad values stop the process with one line each, naming the variable, the value and what
 * was expected (libs/config/env-reader.ts).
 */
import path from 'node:path';
import { parseEndpointPattern } from '@motlan/adapter-catalog/endpoint-allow-list.js';
import { DEFAULT_TLS_ENV_PREFIX, DEFAULT_TLS_MAX_BYTES } from '@motlan/adapter-catalog/tls-material.js';
import { defaultInstanceId } from '@motlan/audit/audit-chain.js';
import { SIMULATOR_PORT_OFFSETS } from '@motlan/contracts/simulator-ports.js';
import type { KeyedRelayOptions } from '@motlan/event-log/keyed-relay.js';
import { Topics } from '@motlan/events/topics.js';
import { DEFAULT_LAG_SETTINGS } from '@motlan/consumer-lag/lag-settings.js';
import { loadKafkaSettings, type KafkaSettings } from '@motlan/events/kafka-settings.js';
import { defaultProcedureCatalogFile, PROCEDURE_CATALOG_ENV } from '@motlan/procedure-catalog/catalog-file.js';
import { loadServiceIndicatorsConfig, type ServiceIndicatorsConfig } from '../service-indicators/service-indicators.config.js';
import { DEFAULT_ROLES, parseRoles, rolesRefusal, ROLES_VARIABLE, type ProcessRoles } from './process-roles.js';
import { configProblem, EnvReader, InvalidConfigError, type ConfigProblem, type Env } from '@motlan/config/env-reader.js';
import { formatSentinelUrl, isSentinelUrl, parseSentinelAddresses, parseSentinelUrl, RedisTargetError } from '@motlan/redis/connection-target.js';

/** How a relay delivers (libs/event-log/keyed-relay.ts): the portal sync's and the registry-event relay's, each from its own variables. */
export type RelayDeliverySettings = Pick<
  KeyedRelayOptions,
  'deliveryTimeoutMs' | 'inlineAttempts' | 'inlineBackoffMs' | 'maxAttempts' | 'retryBackoffMs' | 'outageBackoffMaxMs'
>;

export interface GatewayConfig {
  profile: 'embedded' | 'production';
  /** What this process does (MOTLAN_ROLES): serve the HTTP API, run the background jobs, or both (process-roles.ts). */
  roles: ProcessRoles;
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    /** Slow clients (issue 13): the whole request, headers and body, must arrive within `requestTimeoutMs`, its headers within `headersTimeoutMs`; a socket idle for `idleTimeoutMs` is closed, an idle keep-alive connection after `keepAliveTimeoutMs`. */
    requestTimeoutMs: number;
    headersTimeoutMs: number;
    idleTimeoutMs: number;
    keepAliveTimeoutMs: number;
    /** SIGTERM/SIGINT to exit, at most: drain requests in flight, then close clients, then exit regardless (apps/gateway/src/shutdown/graceful-shutdown.ts). */
    shutdownGraceMs: number;
  };
  /** Requests refused without a verified token: limited per source address (`perSecond: 0` disables it), and audited one by one only up to the `audit*` allowances per interval, the rest counted in one summary record. */
  anonymous: { perSecond: number; burst: number; auditIntervalMs: number; auditFullPerAddress: number; auditFullTotal: number };
  dataDir: string;
  logLevel: string;
  /** registry -> adapter endpoint host:port, fixed at start-up (MOTLAN_ADAPTERS); more come from the adapter catalog. */
  adapters: Record<string, string>;
  /** Plaintext gRPC to non-loopback adapters registered in the catalog (trusted networks only). */
  allowInsecureAdapters: boolean;
  /** Catalog adapters' TLS references: `file:` only inside `dir` (MOTLAN_ADAPTER_TLS_DIR), at most `maxBytes`; `env:` only for variables starting with `envPrefix`. */
  adapterTls: { dir: string; maxBytes: number; envPrefix: string };
  /** Host patterns catalog adapters may point at (MOTLAN_ADAPTER_ENDPOINT_ALLOW; default "loopback"). */
  adapterEndpointAllow: string[];
  registryTimeoutMs: number;
  describeRetryMs: number;
  /** Per-adapter protection (see ResilientRegistryClient). */
  resilience: {
    maxConcurrency: number;
    retry: { attempts: number; backoffMs: number };
    breaker: { failureThreshold: number; errorRate: number; minCalls: number; windowMs: number; openMs: number; halfOpenProbes: number };
    /** The breakers' clock; never set from the environment: tests move it instead of waiting for the open pause to pass. */
    now?: () => number;
  };
  auth: {
    issuer: string;
    audience: string;
    jwks: { file: string } | { url: string };
    algorithms: string[];
    clockToleranceSec: number;
    /** Longest accepted `exp - iat` (and remaining lifetime), s; bounds how long a revocation entry must be kept. */
    maxTokenLifetimeSec: number;
    /** Minimum time between two key set reloads caused by an unknown `kid`. */
    jwksRefreshMinMs: number;
  };
  /** Citizens' tokens from the national e-identity (VNeID): another issuer and key set than clients'; they open GET /v1/me/access-log only. */
  citizenAuth: { issuer: string; audience: string; jwks: { file: string } | { url: string }; algorithms: string[] };
  /** The citizen access log, built from the audit trail (Redis in production, memory embedded); `projector`: this instance builds it (worker role, unless MOTLAN_ACCESS_LOG_PROJECTOR=false), in consumer group `group`. */
  accessLog: { retentionDays: number; maxPerCitizen: number; maxRefusalsPerCitizen: number; maxRefusalOnlyCitizens: number; projector: boolean; group: string };
  /** Citizens' consents (libs/consent): how long a counter request waits for approval, the longest a consent may last, how long it stays listed after it ended, and where the approval link points. */
  consent: { requestTtlSec: number; maxValidityDays: number; retentionDays: number; linkBase: string };
  /** The citizen's data archive (libs/citizen-archive): how long an item is kept, the longest a share may last, the bound on evidence waiting to be archived, and whether this instance archives returned results (worker role) in consumer group `group`. */
  archive: { retentionDays: number; shareMaxDays: number; queueMax: number; results: boolean; group: string };
  /** Per-client token buckets (abuse protection); `perSecond: 0` disables them. */
  rateLimit: { perSecond: number; burst: number; overrides: Record<string, { perSecond: number; burst: number } | null> };
  /** Evidence signing: lifetime of evidence (`exp - iat`), and how often the key directory is checked for rotations and revocations made by the CLI. */
  evidence: { issuer: string; keyDir: string; algorithm: 'EdDSA' | 'ES256'; ttlSeconds: number; keyReloadMs: number };
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
  /** The audit trail: a chained file (embedded) or the Kafka topic (production); see libs/audit/audit-chain.ts. */
  audit: { dir: string; sync: boolean; topic: string; timeoutMs: number };
  /** This gateway instance (MOTLAN_INSTANCE_ID, default hostname-pid-random): its audit chain's writer id starts with it. */
  instanceId: string;
  /** Procedure catalog (purposes) file: MOTLAN_PROCEDURE_CATALOG, default the shipped deploy/catalog/procedures.v1.json. */
  procedureCatalogFile: string;
  /**
   * The procedure catalog at run time: stored on the sync log (`topic`, compacted on Kafka), seeded
   * from the shipped file when empty; with MOTLAN_PROCEDURE_CATALOG set (`fixedFile`) that file is
   * the catalog and the operator API is read-only. A change waits `applyTimeoutMs` at most to be
   * read back from the log.
   */
  procedures: { fixedFile: boolean; topic: string; applyTimeoutMs: number };
  events: { cacheSyncGroup: string; adapterCatalogTopic: string };
  /** Dossier status to the national portal (docs/sync-monitoring.md). */
  portalSync: RelayDeliverySettings & {
    /** host:port of the national portal's gRPC endpoint (default: the simulator's). */
    portalEndpoint: string;
    /** Run the delivery worker in this process: worker role, unless MOTLAN_PORTAL_SYNC_WORKER=false (any number of worker processes share the work). */
    worker: boolean;
    /** Embedded profile: where the file-backed sync log lives. */
    logDir: string;
    /** Per-commune figures: snapshot interval and de-duplication window (docs/decisions/0001-bounded-sync-figures.md). */
    figures: { snapshotIntervalMs: number; dedupWindowMs: number; dedupMaxKeys: number };
  };
  /** The relay of registry events and corrections to registries' adapters (docs/registry-events.md). */
  registryEvents: {
    relay: RelayDeliverySettings;
  };
  lagMonitor: { intervalMs: number; windowMs: number; allowance: number; stopAfterMs: number; historyMs: number };
  communeThresholds: { yellowPendingAgeMs: number; redPendingAgeMs: number; yellowFailureRatio: number; redFailureRatio: number };
  /** Service indicators and colours per commune and province (docs/service-indicators.md). */
  serviceIndicators: ServiceIndicatorsConfig;
  /**
   * Where Redis is (libs/redis/connection-target.ts): REDIS_URL as given, or the `redis-sentinel://` target
   * built from REDIS_SENTINELS and REDIS_SENTINEL_NAME. Holds credentials: never log it.
   */
  redisUrl?: string;
  kafkaBrokers?: string[];
  /** Brokers, TLS/SASL and topic placement for every Kafka client (docs/kafka-cluster.md); set with KAFKA_BROKERS. */
  kafka?: KafkaSettings;
}

/**
 * Every bad variable found at start-up, one line each (`invalid configuration: NAME what was
 * expected, got "value"`); `variable` is the first one's.
 */
export class ConfigError extends InvalidConfigError {
  constructor(variableOrProblems: string | readonly ConfigProblem[], expected = '') {
    super(typeof variableOrProblems === 'string' ? [configProblem(variableOrProblems, expected)] : variableOrProblems, 'invalid configuration: ');
    this.name = 'ConfigError';
  }
}

export const DEFAULT_SIM_GRPC_BASE_PORT = 50051;
export const DEFAULT_TOKEN_ISSUER = 'urn:motlan:dev-issuer';
export const DEFAULT_TOKEN_AUDIENCE = 'motlan-gateway';
/** As libs/auth/citizen-token.ts: the dev citizen issuer of the embedded profile. */
export const DEFAULT_CITIZEN_TOKEN_ISSUER = 'urn:motlan:dev-citizen-issuer';
export const DEFAULT_CITIZEN_TOKEN_AUDIENCE = 'motlan-citizen';

export function loadGatewayConfig(variables: Env = process.env): GatewayConfig {
  // Reads on past a bad value, so that the error names every bad variable at once.
  const env = new EnvReader(variables);
  const dataDir = path.resolve(env.string('MOTLAN_DATA_DIR', '.data'));
  const redisUrl = redisTarget(env);
  const kafka = env.optional('KAFKA_BROKERS');
  const jwksUrl = env.optional('MOTLAN_TOKEN_JWKS_URL');
  const roles = processRoles(env, Boolean(redisUrl && kafka));
  const config: GatewayConfig = {
    profile: redisUrl && kafka ? 'production' : 'embedded',
    roles,
    http: {
      host: env.string('HOST', '127.0.0.1'),
      port: env.int('PORT', 3000, 0, 65535),
      bodyLimitBytes: env.int('MOTLAN_BODY_LIMIT_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
      requestTimeoutMs: env.int('MOTLAN_HTTP_REQUEST_TIMEOUT_MS', 30_000, 500, 600_000),
      headersTimeoutMs: env.int('MOTLAN_HTTP_HEADERS_TIMEOUT_MS', 10_000, 500, 600_000),
      // Longer than any lookup may take (a socket is idle while its request is being served).
      idleTimeoutMs: env.int('MOTLAN_HTTP_IDLE_TIMEOUT_MS', 120_000, 1000, 3_600_000),
      // Fastify's default: above the 60 s idle timeout of common load balancers.
      keepAliveTimeoutMs: env.int('MOTLAN_HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 1000, 3_600_000),
      // 8 s: within the 10 s an orchestrator may wait (Kubernetes' default grace period is 30 s), with
      // room for the process to exit after its deadline.
      shutdownGraceMs: env.int('MOTLAN_SHUTDOWN_GRACE_MS', 8000, 1000, 600_000),
    },
    anonymous: {
      perSecond: env.int('MOTLAN_ANON_RATE_LIMIT_PER_SECOND', 5, 0, 1_000_000),
      burst: env.int('MOTLAN_ANON_RATE_LIMIT_BURST', 50, 1, 10_000_000),
      auditIntervalMs: env.int('MOTLAN_ANON_AUDIT_INTERVAL_MS', 60_000, 100, 3_600_000),
      auditFullPerAddress: env.int('MOTLAN_ANON_AUDIT_FULL_PER_ADDRESS', 20, 0, 100_000_000),
      auditFullTotal: env.int('MOTLAN_ANON_AUDIT_FULL_TOTAL', 600, 0, 100_000_000),
    },
    dataDir,
    logLevel: env.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    adapters: adapters(env),
    allowInsecureAdapters: env.bool('MOTLAN_ADAPTERS_ALLOW_INSECURE', false),
    adapterTls: {
      dir: path.resolve(env.string('MOTLAN_ADAPTER_TLS_DIR', path.join(dataDir, 'adapter-tls'))),
      maxBytes: env.int('MOTLAN_ADAPTER_TLS_MAX_BYTES', DEFAULT_TLS_MAX_BYTES, 1024, 1024 * 1024),
      envPrefix: DEFAULT_TLS_ENV_PREFIX,
    },
    adapterEndpointAllow: endpointAllow(env),
    registryTimeoutMs: env.int('MOTLAN_REGISTRY_TIMEOUT_MS', 2000, 10, 60000),
    describeRetryMs: env.int('MOTLAN_DESCRIBE_RETRY_MS', 3000, 100, 600000),
    resilience: {
      maxConcurrency: env.int('MOTLAN_ADAPTER_MAX_CONCURRENCY', 64, 1, 100000),
      retry: {
        attempts: env.int('MOTLAN_ADAPTER_RETRY_ATTEMPTS', 2, 1, 10),
        backoffMs: env.int('MOTLAN_ADAPTER_RETRY_BACKOFF_MS', 50, 0, 60000),
      },
      breaker: {
        failureThreshold: env.int('MOTLAN_BREAKER_FAILURE_THRESHOLD', 5, 1, 100000),
        errorRate: env.fraction('MOTLAN_BREAKER_ERROR_RATE', 0.5),
        minCalls: env.int('MOTLAN_BREAKER_MIN_CALLS', 20, 1, 1000000),
        windowMs: env.int('MOTLAN_BREAKER_WINDOW_MS', 10000, 100, 3600000),
        openMs: env.int('MOTLAN_BREAKER_OPEN_MS', 5000, 10, 3600000),
        halfOpenProbes: env.int('MOTLAN_BREAKER_HALF_OPEN_PROBES', 1, 1, 1000),
      },
    },
    auth: {
      issuer: env.string('MOTLAN_TOKEN_ISSUER', DEFAULT_TOKEN_ISSUER),
      audience: env.string('MOTLAN_TOKEN_AUDIENCE', DEFAULT_TOKEN_AUDIENCE),
      jwks: jwksUrl ? { url: jwksUrl } : { file: path.resolve(env.string('MOTLAN_TOKEN_JWKS_FILE', path.join(dataDir, 'dev-issuer', 'jwks.json'))) },
      algorithms: env.list('MOTLAN_TOKEN_ALGORITHMS', ['EdDSA', 'ES256']),
      clockToleranceSec: env.int('MOTLAN_TOKEN_CLOCK_TOLERANCE_SEC', 30, 0, 300),
      maxTokenLifetimeSec: env.int('MOTLAN_TOKEN_MAX_LIFETIME_SEC', 86400, 60, 7 * 86400),
      jwksRefreshMinMs: env.int('MOTLAN_TOKEN_JWKS_REFRESH_MIN_MS', 30000, 100, 3600000),
    },
    citizenAuth: {
      issuer: env.string('MOTLAN_CITIZEN_TOKEN_ISSUER', DEFAULT_CITIZEN_TOKEN_ISSUER),
      audience: env.string('MOTLAN_CITIZEN_TOKEN_AUDIENCE', DEFAULT_CITIZEN_TOKEN_AUDIENCE),
      jwks: citizenJwks(env, dataDir),
      algorithms: env.list('MOTLAN_CITIZEN_TOKEN_ALGORITHMS', ['EdDSA', 'ES256', 'RS256']),
    },
    accessLog: {
      retentionDays: env.int('MOTLAN_ACCESS_LOG_RETENTION_DAYS', 730, 1, 3650),
      maxPerCitizen: env.int('MOTLAN_ACCESS_LOG_MAX_PER_CITIZEN', 100000, 100, 10_000_000),
      // Refusals are kept apart and bounded on their own: a token without rights cannot push accesses out nor grow the store without bound.
      maxRefusalsPerCitizen: env.int('MOTLAN_ACCESS_LOG_MAX_REFUSALS_PER_CITIZEN', 200, 1, 100_000),
      maxRefusalOnlyCitizens: env.int('MOTLAN_ACCESS_LOG_MAX_REFUSAL_ONLY_CITIZENS', 100000, 1, 100_000_000),
      // A finer switch inside the worker role: the role decides, this may only turn the job off.
      projector: roles.worker && env.bool('MOTLAN_ACCESS_LOG_PROJECTOR', true),
      // One group per environment, like the audit topic: environments sharing a Kafka cluster keep their own logs.
      group: env.string('MOTLAN_ACCESS_LOG_GROUP', 'motlan-access-log'),
    },
    consent: {
      requestTtlSec: env.int('MOTLAN_CONSENT_REQUEST_TTL_SEC', 900, 1, 3600),
      maxValidityDays: env.int('MOTLAN_CONSENT_MAX_VALIDITY_DAYS', 365, 1, 365),
      retentionDays: env.int('MOTLAN_CONSENT_RETENTION_DAYS', 90, 1, 3650),
      linkBase: env.string('MOTLAN_CONSENT_LINK_BASE', '/v1/me/consent-requests/'),
    },
    archive: {
      retentionDays: env.int('MOTLAN_ARCHIVE_RETENTION_DAYS', 1825, 1, 3650),
      shareMaxDays: env.int('MOTLAN_ARCHIVE_SHARE_MAX_DAYS', 30, 1, 365),
      queueMax: env.int('MOTLAN_ARCHIVE_QUEUE_MAX', 10000, 0, 1_000_000),
      // Like the access-log projector: the worker role decides, this may only turn the job off.
      results: roles.worker && env.bool('MOTLAN_ARCHIVE_RESULTS', true),
      group: env.string('MOTLAN_ARCHIVE_GROUP', 'motlan-citizen-archive'),
    },
    rateLimit: {
      perSecond: env.int('MOTLAN_RATE_LIMIT_PER_SECOND', 50, 0, 1_000_000),
      burst: env.int('MOTLAN_RATE_LIMIT_BURST', 100, 1, 10_000_000),
      overrides: rateLimitOverrides(env),
    },
    evidence: {
      issuer: env.string('MOTLAN_EVIDENCE_ISSUER', 'urn:motlan:gateway'),
      keyDir: path.resolve(env.string('MOTLAN_EVIDENCE_KEY_DIR', path.join(dataDir, 'evidence-keys'))),
      algorithm: env.oneOf('MOTLAN_EVIDENCE_ALG', 'EdDSA', ['EdDSA', 'ES256']),
      ttlSeconds: env.int('MOTLAN_EVIDENCE_TTL_SECONDS', 90 * 86400, 60, 10 * 365 * 86400),
      // At most 5 s: a key revoked with the CLI must stop signing within seconds.
      keyReloadMs: env.int('MOTLAN_EVIDENCE_KEY_RELOAD_MS', 2000, 100, 5000),
    },
    cache: {
      maxEntries: env.int('MOTLAN_CACHE_MAX_ENTRIES', 200000, 1, 100_000_000),
      maxStaleSeconds: env.int('MOTLAN_CACHE_MAX_STALE_SECONDS', 86400, 0, 30 * 86400),
      negativeTtlSeconds: env.int('MOTLAN_CACHE_NEGATIVE_TTL_SECONDS', 30, 0, 86400),
      secret: cacheSecret(env, dataDir),
      localTtlMs: env.int('MOTLAN_CACHE_LOCAL_TTL_MS', 1000, 0, 60000),
      maxAgeCapSeconds: env.int('MOTLAN_CACHE_MAX_AGE_CAP_SECONDS', undefined, 0, 30 * 86400),
    },
    events: {
      cacheSyncGroup: env.string('MOTLAN_CACHE_SYNC_GROUP', 'motlan-cache-sync'),
      // One catalog per environment; another name lets two environments (or test runs) share a Kafka cluster.
      adapterCatalogTopic: env.string('MOTLAN_ADAPTER_CATALOG_TOPIC', Topics.adapterCatalog),
    },
    portalSync: {
      portalEndpoint: env.string(
        'MOTLAN_PORTAL_ENDPOINT',
        `${env.string('SIM_HOST', '127.0.0.1')}:${env.int('SIM_PORTAL_PORT', env.int('SIM_GRPC_BASE_PORT', DEFAULT_SIM_GRPC_BASE_PORT, 1, 65530) + 5, 1, 65535)}`,
      ),
      worker: roles.worker && env.bool('MOTLAN_PORTAL_SYNC_WORKER', true),
      deliveryTimeoutMs: env.int('MOTLAN_PORTAL_TIMEOUT_MS', 5000, 10, 120000),
      inlineAttempts: env.int('MOTLAN_PORTAL_INLINE_ATTEMPTS', 3, 1, 20),
      inlineBackoffMs: env.int('MOTLAN_PORTAL_INLINE_BACKOFF_MS', 200, 0, 60000),
      maxAttempts: env.int('MOTLAN_PORTAL_MAX_ATTEMPTS', 8, 1, 100),
      retryBackoffMs: env.int('MOTLAN_PORTAL_RETRY_BACKOFF_MS', 2000, 0, 3600000),
      outageBackoffMaxMs: env.int('MOTLAN_PORTAL_OUTAGE_BACKOFF_MAX_MS', 5000, 100, 600000),
      logDir: path.resolve(env.string('MOTLAN_SYNC_LOG_DIR', path.join(dataDir, 'sync-log'))),
      figures: {
        snapshotIntervalMs: env.int('MOTLAN_SYNC_FIGURES_SNAPSHOT_MS', 30_000, 0, 3_600_000),
        dedupWindowMs: env.int('MOTLAN_SYNC_FIGURES_DEDUP_WINDOW_MS', 24 * 3_600_000, 0, 30 * 86_400_000),
        dedupMaxKeys: env.int('MOTLAN_SYNC_FIGURES_DEDUP_MAX', 200_000, 0, 10_000_000),
      },
    },
    registryEvents: {
      relay: {
        deliveryTimeoutMs: env.int('MOTLAN_REGISTRY_RELAY_TIMEOUT_MS', 5000, 10, 120000),
        inlineAttempts: env.int('MOTLAN_REGISTRY_RELAY_INLINE_ATTEMPTS', 3, 1, 20),
        inlineBackoffMs: env.int('MOTLAN_REGISTRY_RELAY_INLINE_BACKOFF_MS', 200, 0, 60000),
        maxAttempts: env.int('MOTLAN_REGISTRY_RELAY_MAX_ATTEMPTS', 8, 1, 100),
        retryBackoffMs: env.int('MOTLAN_REGISTRY_RELAY_RETRY_BACKOFF_MS', 2000, 0, 3600000),
        // How long a delivery to a registry that is down steps aside before it is tried again.
        outageBackoffMaxMs: env.int('MOTLAN_REGISTRY_RELAY_OUTAGE_BACKOFF_MS', 10000, 100, 600000),
      },
    },
    lagMonitor: {
      intervalMs: env.int('MOTLAN_LAG_INTERVAL_MS', DEFAULT_LAG_SETTINGS.intervalMs, 100, 600000),
      windowMs: env.int('MOTLAN_LAG_WINDOW_MS', DEFAULT_LAG_SETTINGS.windowMs, 500, 3600000),
      allowance: env.int('MOTLAN_LAG_ALLOWANCE', DEFAULT_LAG_SETTINGS.allowance, 0, 100_000_000),
      stopAfterMs: env.int('MOTLAN_LAG_STOP_AFTER_MS', DEFAULT_LAG_SETTINGS.stopAfterMs, 1000, 86400000),
      historyMs: env.int('MOTLAN_LAG_HISTORY_MS', DEFAULT_LAG_SETTINGS.historyMs, 10000, 7 * 86400000),
    },
    serviceIndicators: serviceIndicators(env, variables),
    communeThresholds: {
      yellowPendingAgeMs: env.int('MOTLAN_COMMUNE_YELLOW_PENDING_MS', 15 * 60000, 0, 30 * 86400000),
      redPendingAgeMs: env.int('MOTLAN_COMMUNE_RED_PENDING_MS', 60 * 60000, 0, 30 * 86400000),
      yellowFailureRatio: env.fraction('MOTLAN_COMMUNE_YELLOW_FAILURE_RATIO', 0.01),
      redFailureRatio: env.fraction('MOTLAN_COMMUNE_RED_FAILURE_RATIO', 0.05),
    },
    audit: {
      // Embedded: the audit topic of a file log of its own in this directory (earlier releases' audit.jsonl there is moved into it).
      dir: path.resolve(env.string('MOTLAN_AUDIT_DIR', path.join(dataDir, 'audit'))),
      sync: env.bool('MOTLAN_AUDIT_FSYNC', false),
      topic: env.string('MOTLAN_AUDIT_TOPIC', Topics.audit),
      // Kafka down: a lookup waits this long for its audit record at most, then answers 503.
      timeoutMs: env.int('MOTLAN_AUDIT_TIMEOUT_MS', 5000, 100, 120000),
    },
    instanceId: instanceId(env),
    procedureCatalogFile: path.resolve(env.optional(PROCEDURE_CATALOG_ENV) ?? defaultProcedureCatalogFile()),
    procedures: {
      fixedFile: env.optional(PROCEDURE_CATALOG_ENV) !== undefined,
      topic: env.string('MOTLAN_PROCEDURE_CATALOG_TOPIC', Topics.procedureCatalog),
      applyTimeoutMs: env.int('MOTLAN_PROCEDURE_APPLY_TIMEOUT_MS', 10000, 100, 120000),
    },
    redisUrl,
    kafkaBrokers: kafka ? kafka.split(',').map((b) => b.trim()) : undefined,
    kafka: kafkaSettings(env, variables),
  };
  // Node refuses a headers timeout above the request timeout.
  env.require(
    config.http.headersTimeoutMs <= config.http.requestTimeoutMs,
    'MOTLAN_HTTP_HEADERS_TIMEOUT_MS',
    'must be at most MOTLAN_HTTP_REQUEST_TIMEOUT_MS',
    ['MOTLAN_HTTP_REQUEST_TIMEOUT_MS'],
  );
  // Silently ignoring it would send the trail somewhere the operator does not look.
  env.require(
    env.optional('MOTLAN_AUDIT_FILE') === undefined,
    'MOTLAN_AUDIT_FILE',
    'is no longer read: the embedded audit trail is a topic of the event log; set MOTLAN_AUDIT_DIR (default <data dir>/audit) instead',
  );
  const { lagMonitor, communeThresholds } = config;
  env.require(lagMonitor.windowMs >= lagMonitor.intervalMs, 'MOTLAN_LAG_WINDOW_MS', 'must be at least MOTLAN_LAG_INTERVAL_MS', ['MOTLAN_LAG_INTERVAL_MS']);
  env.require(lagMonitor.stopAfterMs > lagMonitor.windowMs, 'MOTLAN_LAG_STOP_AFTER_MS', 'must be longer than MOTLAN_LAG_WINDOW_MS', ['MOTLAN_LAG_WINDOW_MS']);
  env.require(lagMonitor.historyMs >= lagMonitor.windowMs, 'MOTLAN_LAG_HISTORY_MS', 'must be at least MOTLAN_LAG_WINDOW_MS', ['MOTLAN_LAG_WINDOW_MS']);
  env.require(
    communeThresholds.redPendingAgeMs >= communeThresholds.yellowPendingAgeMs,
    'MOTLAN_COMMUNE_RED_PENDING_MS',
    'must be at least MOTLAN_COMMUNE_YELLOW_PENDING_MS',
    ['MOTLAN_COMMUNE_YELLOW_PENDING_MS'],
  );
  const symmetric = (algorithms: string[]) => algorithms.some((a) => a === 'none' || a.startsWith('HS'));
  env.require(!symmetric(config.auth.algorithms), 'MOTLAN_TOKEN_ALGORITHMS', 'must list asymmetric algorithms only (no "none", no HS*)');
  env.require(!symmetric(config.citizenAuth.algorithms), 'MOTLAN_CITIZEN_TOKEN_ALGORITHMS', 'must list asymmetric algorithms only (no "none", no HS*)');
  // The issuer is what keeps a client token from opening a citizen's log, and a citizen token from a lookup.
  env.require(config.citizenAuth.issuer !== config.auth.issuer, 'MOTLAN_CITIZEN_TOKEN_ISSUER', 'must differ from MOTLAN_TOKEN_ISSUER');
  env.throwIfInvalid(ConfigError);
  return Object.freeze(config);
}

/**
 * MOTLAN_ADAPTERS="population=host:port,residence=host:port,…", or "none" when every adapter comes
 * from the catalog; default: the simulator's ports.
 */
function serviceIndicators(env: EnvReader, variables: Env): ServiceIndicatorsConfig {
  return env.include(() => loadServiceIndicatorsConfig(variables)) ?? loadServiceIndicatorsConfig({});
}

function adapters(env: EnvReader): Record<string, string> {
  const raw = env.optional('MOTLAN_ADAPTERS');
  if (raw === 'none') return {};
  if (!raw) {
    const base = env.int('SIM_GRPC_BASE_PORT', DEFAULT_SIM_GRPC_BASE_PORT, 1, 65535 - Math.max(...Object.values(SIMULATOR_PORT_OFFSETS)));
    const host = env.string('SIM_HOST', '127.0.0.1');
    // The simulator's adapters (data, not a list of accepted registries: any adapter may describe a new one).
    return Object.fromEntries(Object.entries(SIMULATOR_PORT_OFFSETS).map(([name, offset]) => [name, `${host}:${base + offset}`]));
  }
  const result: Record<string, string> = {};
  for (const pair of raw.split(',').filter(Boolean)) {
    const match = /^\s*([a-z][a-z0-9-]*)\s*=\s*([A-Za-z0-9.\-[\]:]+:\d{1,5})\s*$/.exec(pair);
    if (match) result[match[1]] = match[2];
    else env.problem('MOTLAN_ADAPTERS', `expected "registry=host:port,…", got "${pair}"`);
  }
  return result;
}

/**
 * MOTLAN_ADAPTER_ENDPOINT_ALLOW="*.registry.gov.vn,10.20.0.0/16,loopback": hosts catalog adapters
 * may point at. Default "loopback" only: a gateway that has not been told where its registries
 * are connects nowhere else (a write scope must not become an internal port scanner).
 */
function endpointAllow(env: EnvReader): string[] {
  return env.list('MOTLAN_ADAPTER_ENDPOINT_ALLOW', ['loopback'], {
    valid: (pattern) => parseEndpointPattern(pattern) !== undefined,
    expected: 'expected comma-separated host patterns (loopback, *.domain, host name, IP, IPv4 CIDR)',
  });
}

/** The Kafka settings live with the Kafka client (the simulator and the CLI read them too); their problems are listed with the gateway's. */
function kafkaSettings(env: EnvReader, variables: Env): KafkaSettings | undefined {
  return env.include(() => loadKafkaSettings(variables));
}

/** Goes into every audit record's writer id and a Kafka key: a short, plain name. */
function instanceId(env: EnvReader): string {
  const raw = env.optional('MOTLAN_INSTANCE_ID');
  if (raw === undefined) return defaultInstanceId();
  if (/^[A-Za-z0-9._:-]{1,100}$/.test(raw)) return raw;
  env.problem('MOTLAN_INSTANCE_ID', `must be 1-100 characters of A-Z a-z 0-9 . _ : -, got "${raw}"`);
  return defaultInstanceId();
}

/** MOTLAN_CITIZEN_JWKS_URL (the e-identity's jwks_uri), else MOTLAN_CITIZEN_JWKS_FILE, default the dev citizen issuer's. */
function citizenJwks(env: EnvReader, dataDir: string): { file: string } | { url: string } {
  const url = env.optional('MOTLAN_CITIZEN_JWKS_URL');
  if (url) return { url };
  return { file: path.resolve(env.string('MOTLAN_CITIZEN_JWKS_FILE', path.join(dataDir, 'dev-citizen-issuer', 'jwks.json'))) };
}

function cacheSecret(env: EnvReader, dataDir: string): { base64: string } | { file: string } {
  const raw = env.optional('MOTLAN_CACHE_SECRET');
  if (raw) {
    env.require(Buffer.from(raw, 'base64').length >= 32, 'MOTLAN_CACHE_SECRET', 'must be at least 32 bytes, base64-encoded (openssl rand -base64 32)');
    return { base64: raw };
  }
  return { file: path.resolve(env.string('MOTLAN_CACHE_SECRET_FILE', path.join(dataDir, 'cache-secret.key'))) };
}

/** MOTLAN_RATE_LIMIT_OVERRIDES="client-a=200:400,client-b=unlimited": per-client perSecond:burst. */
function rateLimitOverrides(env: EnvReader): Record<string, { perSecond: number; burst: number } | null> {
  const raw = env.optional('MOTLAN_RATE_LIMIT_OVERRIDES');
  // No prototype: a client id such as "__proto__" must be a key like any other.
  const result: Record<string, { perSecond: number; burst: number } | null> = Object.create(null);
  for (const pair of raw ? raw.split(',').filter((p) => p.trim()) : []) {
    const match = /^\s*([^=\s]+)\s*=\s*(?:(unlimited)|(\d+):(\d+))\s*$/.exec(pair);
    const perSecond = Number(match?.[3]);
    const burst = Number(match?.[4]);
    if (!match || (!match[2] && (perSecond < 1 || perSecond > 1_000_000 || burst < 1 || burst > 10_000_000))) {
      env.problem('MOTLAN_RATE_LIMIT_OVERRIDES', `expected "clientId=perSecond:burst" or "clientId=unlimited", comma-separated, got "${pair}"`);
      continue;
    }
    result[match[1]] = match[2] ? null : { perSecond, burst };
  }
  return result;
}

/** MOTLAN_ROLES="api", "worker" or "api,worker" (default); split roles only on the production profile. */
function processRoles(env: EnvReader, production: boolean): ProcessRoles {
  const parsed = parseRoles(env.string(ROLES_VARIABLE, DEFAULT_ROLES));
  if (!parsed.ok) {
    env.problem(ROLES_VARIABLE, parsed.expected);
    return { api: true, worker: true };
  }
  const refusal = rolesRefusal(parsed.roles, production);
  // A refused Redis or Kafka setting makes the profile look embedded: that is the one to fix.
  if (refusal) env.require(false, ROLES_VARIABLE, refusal, ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_SENTINEL_NAME', 'KAFKA_BROKERS']);
  return parsed.roles;
}

/**
 * REDIS_URL (one server, or a `redis-sentinel://` URL) or REDIS_SENTINELS + REDIS_SENTINEL_NAME
 * (+ REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD): one way or the other, never both, so no one wonders
 * which of two settings the gateway followed.
 */
function redisTarget(env: EnvReader): string | undefined {
  const url = env.optional('REDIS_URL');
  const sentinels = env.optional('REDIS_SENTINELS');
  const name = env.optional('REDIS_SENTINEL_NAME');
  const sentinelOnly = ['REDIS_SENTINEL_NAME', 'REDIS_PASSWORD', 'REDIS_USERNAME', 'REDIS_SENTINEL_PASSWORD', 'REDIS_SENTINEL_USERNAME', 'REDIS_DB'].filter(
    (n) => env.optional(n),
  );
  /** The parsers of libs/redis throw RedisTargetError with the text that follows the variable's name. */
  const valid = (variable: string, parse: () => unknown): boolean => {
    try {
      parse();
      return true;
    } catch (error) {
      if (!(error instanceof RedisTargetError)) throw error;
      env.problem(variable, error.message);
      return false;
    }
  };
  if (url) {
    if (sentinels || sentinelOnly.length > 0) {
      env.problem(
        sentinels ? 'REDIS_SENTINELS' : sentinelOnly[0],
        'cannot be set with REDIS_URL: give REDIS_URL alone, or REDIS_SENTINELS and REDIS_SENTINEL_NAME',
      );
      return undefined;
    }
    return !isSentinelUrl(url) || valid('REDIS_URL', () => parseSentinelUrl(url)) ? url : undefined;
  }
  if (!sentinels) {
    if (sentinelOnly.length > 0) env.problem(sentinelOnly[0], 'needs REDIS_SENTINELS (host:port of each sentinel, comma-separated)');
    return undefined;
  }
  if (!name) {
    env.problem('REDIS_SENTINEL_NAME', 'must be set with REDIS_SENTINELS: the master name the sentinels monitor');
    return undefined;
  }
  if (!valid('REDIS_SENTINELS', () => parseSentinelAddresses(sentinels))) return undefined;
  return formatSentinelUrl({
    sentinels: parseSentinelAddresses(sentinels),
    name,
    username: env.optional('REDIS_USERNAME'),
    password: env.optional('REDIS_PASSWORD'),
    sentinelUsername: env.optional('REDIS_SENTINEL_USERNAME'),
    sentinelPassword: env.optional('REDIS_SENTINEL_PASSWORD'),
    db: env.int('REDIS_DB', undefined, 0, 15),
  });
}
