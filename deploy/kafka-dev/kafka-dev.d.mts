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
