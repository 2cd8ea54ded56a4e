export interface KafkaHandle {
  brokers: string[];
  port: number;
  dir: string;
  pid: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}
export const repoRoot: string;
export function kafkaClasspath(options?: { quiet?: boolean }): string;
export function runKafkaTool(mainClass: string, args: string[]): string;
export function freePort(): Promise<number>;
export function alive(pid: number | undefined): boolean;
export function terminate(pid: number | undefined, graceMs?: number): Promise<void>;
export function attachKafka(state: { port: number; dir: string; pid: number; timeoutMs?: number }): KafkaHandle;
export function startKafka(options?: { port?: number; dir?: string; timeoutMs?: number }): Promise<KafkaHandle>;
