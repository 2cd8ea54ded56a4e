/**
 * The one place ioredis clients are made: every Redis adapter (cache, fetch coordination, rate
 * limits, revocations, access log, dossier bindings, sync figures) takes its clients from here, so
 * the connection options, the reconnect backoff and the readiness wait are the same everywhere and
 * differ only where an adapter says so (its command timeout).
 *
 * The `url` is a target (connection-target.ts): `redis://…` for one server, `redis-sentinel://…` for a
 * Sentinel-managed primary. With Sentinel every client asks the sentinels for the primary on each
 * (re)connect, so all adapters follow a fail-over the same way; docs/redis-sentinel.md has the
 * measured gap.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { isSentinelUrl, parseSentinelUrl } from './connection-target.js';

/** Reconnect backoff: 100 ms more per attempt, at most 2 s (a Redis failover takes seconds). */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(100 * attempt, 2000);
}

export interface CommandClientOptions {
  /**
   * How long one command may take before it fails. Chosen per adapter: short where the caller
   * fails open or falls back (rate limiter 100 ms, cache 250 ms), longer where it must be answered
   * (bindings, access log 1 s; snapshots 5 s).
   */
  commandTimeoutMs: number;
  /** Batch the commands of one event-loop turn into one round trip (hot paths). */
  autoPipelining?: boolean;
  /** Connect on the first command instead of at once. */
  lazyConnect?: boolean;
}

/**
 * A client for commands that fails fast: while disconnected a command fails at once (no offline
 * queue, no per-command retries) so the caller answers, falls back or fails open instead of
 * hanging; the connection itself keeps reconnecting in the background. Error events must be
 * handled by the adapter (ioredis throws unhandled ones): pass `onError`, or they are ignored
 * because every failure also surfaces on the command that met it.
 */
export function createCommandClient(url: string, options: CommandClientOptions, onError: (error: Error) => void = () => undefined): Redis {
  const client = connect(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: 2000,
    enableAutoPipelining: options.autoPipelining ?? false,
    lazyConnect: options.lazyConnect ?? false,
    retryStrategy: reconnectDelayMs,
  });
  client.on('error', onError);
  return client;
}

/**
 * A client for SUBSCRIBE: it keeps an offline queue so it subscribes again by itself after a
 * reconnect (what was announced meanwhile is the adapter's to catch up on, e.g. by reloading).
 */
export function createSubscriberClient(url: string): Redis {
  const client = connect(url, { retryStrategy: reconnectDelayMs, maxRetriesPerRequest: null });
  client.on('error', () => undefined);
  return client;
}

/**
 * A write refused by a replica: this client still talks to a node that was demoted (a fail-over
 * the connection did not see break, e.g. a manual `SENTINEL FAILOVER` or a network partition that
 * healed). Reconnecting asks the sentinels again and reaches the new primary. 1 = reconnect
 * without resending: the command already failed to its caller, which falls back or answers.
 */
export function reconnectOnReadonly(error: Error): 1 | false {
  return error.message.startsWith('READONLY') ? 1 : false;
}

/** The Sentinel options of a `redis-sentinel://` target (exported for the unit spec). */
export function sentinelOptions(url: string): RedisOptions {
  const target = parseSentinelUrl(url);
  return {
    sentinels: target.sentinels,
    name: target.name,
    role: 'master',
    username: target.username,
    password: target.password,
    sentinelUsername: target.sentinelUsername,
    sentinelPassword: target.sentinelPassword,
    db: target.db ?? 0,
    // All sentinels unreachable: try them again with the same backoff as a lost data connection
    // (ioredis' default gives up after 10 ms × attempts capped at 1 s, which is fine too, but one
    // backoff everywhere is easier to reason about in docs/redis-sentinel.md).
    sentinelRetryStrategy: reconnectDelayMs,
    // A sentinel that accepts the connection but does not answer must not stall the reconnect.
    sentinelCommandTimeout: 1000,
    // Subscribe to the sentinels' +switch-master: a client whose old primary is still reachable
    // (manual fail-over, healed partition) reconnects at the switch instead of at its first error.
    failoverDetector: true,
    reconnectOnError: reconnectOnReadonly,
  };
}

/** One ioredis client for a target: a URL as ioredis reads it, or the Sentinel options. */
function connect(url: string, options: RedisOptions): Redis {
  return isSentinelUrl(url) ? new Redis({ ...options, ...sentinelOptions(url) }) : new Redis(url, options);
}

/** Resolves true once the client is connected, false after `timeoutMs` (the gateway starts either way). */
export function waitUntilReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once('ready', onReady);
  });
}
