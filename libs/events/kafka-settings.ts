import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configProblem, EnvReader, InvalidConfigError, type ConfigProblem, type Env } from '@motlan/config/env-reader.js';

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

/** Every bad Kafka variable, one line each (`invalid configuration: NAME …`); `variable` is the first one's. */
export class KafkaConfigError extends InvalidConfigError {
  constructor(variableOrProblems: string | readonly ConfigProblem[], expected = '') {
    super(typeof variableOrProblems === 'string' ? [configProblem(variableOrProblems, expected)] : variableOrProblems, 'invalid configuration: ');
    this.name = 'KafkaConfigError';
  }
}

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
export function loadKafkaSettings(variables: Env, cwd: string = process.cwd()): KafkaSettings | undefined {
  const env = new EnvReader(variables);
  const brokers = env.list('KAFKA_BROKERS', [], {
    valid: (broker) => /^(\[[0-9A-Fa-f:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(broker),
    expected: 'must be host:port pairs, comma-separated',
  });
  if (brokers.length === 0) {
    env.throwIfInvalid(KafkaConfigError);
    return undefined;
  }
  const security: KafkaSecurity = {};
  const file = (name: string) => {
    const value = env.optional(name);
    if (value === undefined) return undefined;
    const resolved = path.resolve(cwd, value);
    const unreadable = readError(resolved);
    if (unreadable === undefined) return resolved;
    env.problem(name, `must name a readable file, got "${value}" (${unreadable})`);
    return undefined;
  };
  const caFile = file('KAFKA_SSL_CA_FILE');
  const certFile = file('KAFKA_SSL_CERT_FILE');
  const keyFile = file('KAFKA_SSL_KEY_FILE');
  env.require(
    Boolean(certFile) === Boolean(keyFile),
    certFile ? 'KAFKA_SSL_KEY_FILE' : 'KAFKA_SSL_CERT_FILE',
    'must be set with its pair: a client certificate needs its key, and a key its certificate',
    ['KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE'],
  );
  if (env.bool('KAFKA_SSL', false) || caFile || certFile) security.tls = { caFile, certFile, keyFile };
  const mechanism = env.optional('KAFKA_SASL_MECHANISM')?.toLowerCase();
  if (mechanism !== undefined) {
    if (!(KAFKA_SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      env.problem('KAFKA_SASL_MECHANISM', `must be one of ${KAFKA_SASL_MECHANISMS.join(', ')}, got "${mechanism}"`);
    }
    // PLAIN sends the password itself: only inside TLS. SCRAM sends a proof, not the password.
    env.require(
      mechanism !== 'plain' || security.tls !== undefined,
      'KAFKA_SASL_MECHANISM',
      'plain sends the password as it is: set KAFKA_SSL=true (or a KAFKA_SSL_*_FILE) too',
    );
    const username = env.optional('KAFKA_SASL_USERNAME');
    env.require(username !== undefined, 'KAFKA_SASL_USERNAME', `must be set with KAFKA_SASL_MECHANISM=${mechanism}`);
    const secret = password(env, variables, cwd, mechanism);
    if (username !== undefined && secret !== undefined) security.sasl = { mechanism: mechanism as KafkaSaslMechanism, username, password: secret };
  } else {
    const orphan = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_PASSWORD_FILE'].find((name) => env.optional(name) !== undefined);
    if (orphan) env.problem('KAFKA_SASL_MECHANISM', `must be set when ${orphan} is (scram-sha-512 for SCRAM users)`);
  }
  const topics: KafkaTopicPlacement = {
    partitions: env.int('MOTLAN_KAFKA_PARTITIONS', undefined, 1, 1000),
    replicationFactor: env.int('MOTLAN_KAFKA_REPLICATION_FACTOR', undefined, 1, 10),
    minInsyncReplicas: env.int('MOTLAN_KAFKA_MIN_INSYNC_REPLICAS', undefined, 1, 10),
  };
  const { replicationFactor, minInsyncReplicas } = topics;
  env.require(
    replicationFactor === undefined || minInsyncReplicas === undefined || minInsyncReplicas <= replicationFactor,
    'MOTLAN_KAFKA_MIN_INSYNC_REPLICAS',
    `must not exceed MOTLAN_KAFKA_REPLICATION_FACTOR (${replicationFactor}), got ${minInsyncReplicas}`,
  );
  env.throwIfInvalid(KafkaConfigError);
  return { brokers, security, topics };
}

/** Why `file` cannot be read (the error code), or undefined when it can. */
function readError(file: string): string | undefined {
  try {
    readFileSync(file);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

/**
 * KAFKA_SASL_PASSWORD (as it is: a password may end in white space), else the first line of
 * KAFKA_SASL_PASSWORD_FILE (a mounted Kubernetes secret ends with a newline or not).
 */
function password(env: EnvReader, variables: Env, cwd: string, mechanism: string): string | undefined {
  const inline = variables.KAFKA_SASL_PASSWORD;
  const fileName = env.optional('KAFKA_SASL_PASSWORD_FILE');
  if (inline && fileName) {
    env.problem('KAFKA_SASL_PASSWORD', 'and KAFKA_SASL_PASSWORD_FILE are both set: keep one');
    return undefined;
  }
  if (inline) return inline;
  if (!fileName) {
    env.problem('KAFKA_SASL_PASSWORD', `(or KAFKA_SASL_PASSWORD_FILE) must be set with KAFKA_SASL_MECHANISM=${mechanism}`);
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(path.resolve(cwd, fileName), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    env.problem('KAFKA_SASL_PASSWORD_FILE', `must name a readable file, got "${fileName}" (${code})`);
    return undefined;
  }
  const value = text.replace(/\r?\n$/, '');
  if (!value) env.problem('KAFKA_SASL_PASSWORD_FILE', `names an empty file: "${fileName}"`);
  return value || undefined;
}
