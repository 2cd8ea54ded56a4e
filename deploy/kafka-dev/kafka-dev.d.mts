export interface KafkaHandle {
  brokers: string[];
  port: number;
  dir: string;
  pid: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}
export const repoRoot: string;
export const CONSUMER_GROUP_COMMAND: string;
export function kafkaDevHome(): string;
export function kafkaClasspath(options?: { quiet?: boolean }): string;
export function runKafkaTool(mainClass: string, args: string[], options?: { timeoutMs?: number }): string;
export function freePort(): Promise<number>;
export function alive(pid: number | undefined): boolean;
export function terminate(pid: number | undefined, graceMs?: number): Promise<void>;
export function attachKafka(state: { port: number; dir: string; pid: number; timeoutMs?: number; detached?: boolean }): KafkaHandle;
export function startKafka(options?: { port?: number; dir?: string; timeoutMs?: number; detached?: boolean }): Promise<KafkaHandle>;
export interface KafkaClusterNode {
  nodeId: number;
  port: number;
  dir: string;
  pid: number;
  brokers: string[];
  /** SIGTERM: a controlled shutdown. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** Back on the same port with the same data; resolves when it serves. */
  restart(): Promise<void>;
}
/** kafkajs ssl/sasl options of a secured cluster's `motlan` client (empty on plaintext). */
export interface KafkaClusterClient {
  ssl?: { ca: string[]; cert: string; key: string };
  sasl?: { mechanism: 'scram-sha-512'; username: string; password: string };
}
export interface KafkaCluster {
  brokers: string[];
  nodes: KafkaClusterNode[];
  dir: string;
  /** KAFKA_BROKERS and, with saslSsl, the KAFKA_SSL_* / KAFKA_SASL_* variables for Motlan. */
  env: Record<string, string>;
  client: KafkaClusterClient;
  stop(): Promise<void>;
}
export interface SaslSslMaterial {
  caFile: string;
  brokerPem: string;
  clientCertFile: string;
  clientKeyFile: string;
  users: { admin: string; motlan: string };
  passwordFile: string;
}
export function makeSaslSslMaterial(dir: string): SaslSslMaterial;
export function startKafkaCluster(options?: {
  brokers?: number;
  dir?: string;
  saslSsl?: boolean;
  timeoutMs?: number;
  detached?: boolean;
}): Promise<KafkaCluster>;
export function attachClusterNode(state: {
  nodeId: number;
  port: number;
  dir: string;
  pid: number;
  timeoutMs?: number;
  detached?: boolean;
  client?: KafkaClusterClient;
}): KafkaClusterNode;
