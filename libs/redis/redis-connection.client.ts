/**
 * The one place ioredis clients are made: every Redis adapter (cache, fetch coordination, rate
 * limits, revocations, access log, dossier bindings, sync figures) takes its clients from here, so
 * the connection options, the reconnect backoff and the readiness wait are the same everywhere and
 * differ only where an adapter says so (its command timeout).
 */
import { Redis } from 'ioredis';

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
  const client = new Redis(url, {
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
  const client = new Redis(url, { retryStrategy: reconnectDelayMs, maxRetriesPerRequest: null });
  client.on('error', () => undefined);
  return client;
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
