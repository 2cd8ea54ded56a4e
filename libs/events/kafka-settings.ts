import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * How Motlan reaches Kafka: the bootstrap brokers, the connection's security (TLS, SASL) and how
 * the topics it creates are placed (partitions, replication). Read once from the environment by
 * each app's config (gateway, registry simulator, CLI) and handed to createKafka, the one kafkajs
 * factory, so every client the code opens connects the same way.
 */
export interface KafkaSettings {
  brokers: string[];
  security: KafkaSecurity;
  topics: KafkaTopicPlacement;
}

/** TLS and SASL of every connection; both empty = plaintext (the dev broker). */
export interface KafkaSecurity {
  /** Present = TLS. Files are PEM; no CA file = the system's CAs; cert and key = a client certificate (mutual TLS). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
}

export const KAFKA_SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/**
 * Placement of the topics the code creates (ensureTopics). Unset values follow the cluster: see
 * topicReplication(). Topics that exist already are left as they are.
 */
export interface KafkaTopicPlacement {
  /** Partitions of the topics the code creates with more than one (one-partition topics keep one: their single order matters). */
  partitions?: number;
  replicationFactor?: number;
  minInsyncReplicas?: number;
}

/** The replication factor a cluster of this many brokers gets by default: 3 where there are 3, else every broker. */
export const DEFAULT_MAX_REPLICATION_FACTOR = 3;

/**
 * The replication of a topic created on a cluster of `brokers` live brokers. Default replication
 * factor min(3, brokers): production's 3 on a cluster of three or more, and the single dev broker
 * keeps working with 1. Default min.insync.replicas: 2 once there are 3 replicas (an acks=all write
 * survives one broker down and is still on two), else 1 (with 1 or 2 replicas, 2 would stop every
 * write as soon as one broker is down).
 */
export function topicReplication(placement: KafkaTopicPlacement, brokers: number): { replicationFactor: number; minInsyncReplicas: number } {
  const replicationFactor = placement.replicationFactor ?? Math.max(1, Math.min(DEFAULT_MAX_REPLICATION_FACTOR, brokers));
  const minInsyncReplicas = placement.minInsyncReplicas ?? (replicationFactor >= 3 ? 2 : 1);
  if (minInsyncReplicas > replicationFactor) {
    throw new KafkaConfigError(
      'MOTLAN_KAFKA_MIN_INSYNC_REPLICAS',
      `must not exceed the replication factor (${replicationFactor}${placement.replicationFactor ? '' : `, from ${brokers} live brokers`}), got ${minInsyncReplicas}`,
    );
  }
  return { replicationFactor, minInsyncReplicas };
}

export class KafkaConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
  ) {
    super(`invalid configuration: ${variable} ${expected}`);
    this.name = 'KafkaConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * The Kafka settings of the environment, undefined without KAFKA_BROKERS (no Kafka: the embedded
 * profile). Files are resolved against `cwd` and must be readable now: a missing certificate stops
 * the process at start with the variable's name, not at the first connection.
 *
 *   KAFKA_BROKERS                  host:port,… (bootstrap)
 *   KAFKA_SSL                      true = TLS with the system's CAs (implied by any KAFKA_SSL_*_FILE)
 *   KAFKA_SSL_CA_FILE              PEM CA bundle the brokers' certificates are checked against
 *   KAFKA_SSL_CERT_FILE / _KEY_FILE  PEM client certificate and unencrypted key (mutual TLS), both or neither
 *   KAFKA_SASL_MECHANISM           scram-sha-512 (recommended), scram-sha-256 or plain (plain only over TLS)
 *   KAFKA_SASL_USERNAME            SASL user
 *   KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE
 *   MOTLAN_KAFKA_PARTITIONS, MOTLAN_KAFKA_REPLICATION_FACTOR, MOTLAN_KAFKA_MIN_INSYNC_REPLICAS
 */
export function loadKafkaSettings(env: Env, cwd: string = process.cwd()): KafkaSettings | undefined {
  const brokers = (optional(env, 'KAFKA_BROKERS') ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) return undefined;
  for (const broker of brokers) {
    if (!/^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(broker))
      throw new KafkaConfigError('KAFKA_BROKERS', `must be host:port pairs, comma-separated, got "${broker}"`);
  }
  const security: KafkaSecurity = {};
  const file = (name: string) => {
    const value = optional(env, name);
    if (value === undefined) return undefined;
    const resolved = path.resolve(cwd, value);
    try {
      readFileSync(resolved);
    } catch (error) {
      throw new KafkaConfigError(name, `must name a readable file, got "${value}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    return resolved;
  };
  const caFile = file('KAFKA_SSL_CA_FILE');
  const certFile = file('KAFKA_SSL_CERT_FILE');
  const keyFile = file('KAFKA_SSL_KEY_FILE');
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new KafkaConfigError(
      certFile ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE',
      'must be set with its pair: a client certificate needs its key, and a key its certificate',
    );
  }
  if (bool(env, 'KAFKA_SSL', false) || caFile || certFile) security.tls = { caFile, certFile, keyFile };
  const mechanism = optional(env, 'KAFKA_SASL_MECHANISM')?.toLowerCase();
  if (mechanism !== undefined) {
    if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new KafkaConfigError('KAFKA_SASL_MECHANISM', `must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}, got "${mechanism}"`);
    }
    // PLAIN sends the password itself: only inside TLS. SCRAM sends a proof, not the password.
    if (mechanism === 'plain' && !security.tls)
      throw new KafkaConfigError('KAFKA_SASL_MECHANISM', 'plain sends the password as it is: set KAFKA_SSL=true (or a KAFKA_SSL_*_FILE) too');
    const username = optional(env, 'KAFKA_SASL_USERNAME');
    if (!username) throw new KafkaConfigError('KAFKA_SASL_USERNAME', `must be set with KAFKA_SASL_MECHANISM=${mechanism}`);
    security.sasl = { mechanism: mechanism as KafkaSaslMechanism, username, password: password(env, cwd, mechanism) };
  } else {
    for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE']) {
      if (optional(env, name) !== undefined) throw new KafkaConfigError('KAFKA_SASL_MECHANISM', `must be set when ${name} is (scram-sha-512 for SCRAM users)`);
    }
  }
  const topics: KafkaTopicPlacement = {
    partitions: int(env, 'MOTLAN_KAFKA_PARTITIONS', 1, 1000),
    replicationFactor: int(env, 'MOTLAN_KAFKA_REPLICATION_FACTOR', 1, 10),
    minInsyncReplicas: int(env, 'MOTLAN_KAFKA_MIN_INSYNC_REPLICAS', 1, 10),
  };
  if (topics.replicationFactor !== undefined && topics.minInsyncReplicas !== undefined && topics.minInsyncReplicas > topics.replicationFactor) {
    throw new KafkaConfigError(
      'MOTLAN_KAFKA_MIN_INSYNC_REPLICAS',
      `must not exceed MOTLAN_KAFKA_REPLICATION_FACTOR (${topics.replicationFactor}), got ${topics.minInsyncReplicas}`,
    );
  }
  return { brokers, security, topics };
}

/** KAFKA_SASL_PASSWORD, else the first line of KAFKA_SASL_PASSWORD_FILE (a mounted Kubernetes secret ends with a newline or not). */
function password(env: Env, cwd: string, mechanism: string): string {
  const inline = env.KAFKA_SASL_PASSWORD;
  const fileName = optional(env, 'KAFKA_SASL_PASSWORD_FILE');
  if (inline && fileName) throw new KafkaConfigError('KAFKA_SASL_PASSWORD', 'and KAFKA_SASL_PASSWORD_FILE are both set: keep one');
  if (inline) return inline;
  if (!fileName) throw new KafkaConfigError('KAFKA_SASL_PASSWORD', `(or KAFKA_SASL_PASSWORD_FILE) must be set with KAFKA_SASL_MECHANISM=${mechanism}`);
  let text: string;
  try {
    text = readFileSync(path.resolve(cwd, fileName), 'utf8');
  } catch (error) {
    throw new KafkaConfigError(
      'KAFKA_SASL_PASSWORD_FILE',
      `must name a readable file, got "${fileName}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const value = text.replace(/\r?\n$/, '');
  if (!value) throw new KafkaConfigError('KAFKA_SASL_PASSWORD_FILE', `names an empty file: "${fileName}"`);
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function int(env: Env, name: string, min: number, max: number): number | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new KafkaConfigError(name, `must be an integer between ${min} and ${max}, got "${raw}"`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new KafkaConfigError(name, `must be true or false, got "${raw}"`);
}
