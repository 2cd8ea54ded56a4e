export interface RedisHandle {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}
export interface RedisSentinelHandle {
  /** The master name the sentinels monitor. */
  name: string;
  /** `redis-sentinel://host:port,…/<name>` (libs/redis/connection-target.ts). */
  url: string;
  /** What to give the gateway: REDIS_SENTINELS and REDIS_SENTINEL_NAME. */
  env: { REDIS_SENTINELS: string; REDIS_SENTINEL_NAME: string };
  sentinels: RedisHandle[];
  /** The two data nodes: the first primary, then its replica (which is primary after a fail-over). */
  nodes: RedisHandle[];
  /** The port of the data node the sentinels call primary now. */
  primaryPort(): Promise<number>;
  stop(): Promise<void>;
}
export function attachRedis(state: { port: number; pid: number; timeoutMs?: number; detached?: boolean; args?: string[] }): RedisHandle;
export function startRedis(options?: { port?: number; timeoutMs?: number; detached?: boolean }): Promise<RedisHandle>;
export function startRedisSentinel(options?: {
  name?: string;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
  timeoutMs?: number;
  detached?: boolean;
}): Promise<RedisSentinelHandle>;
/** One command through redis-cli; its raw reply, or '' when the server does not answer. */
export function redisCli(port: number, ...args: string[]): Promise<string>;
