export interface RedisHandle {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}
export function attachRedis(state: { port: number; pid: number; timeoutMs?: number; detached?: boolean }): RedisHandle;
export function startRedis(options?: { port?: number; timeoutMs?: number; detached?: boolean }): Promise<RedisHandle>;
