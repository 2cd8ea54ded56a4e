/**
 * Where Redis is: one string, so every adapter keeps taking a single `url` and the one connection
 * factory (redis-connection.client.ts) decides how to reach it.
 *
 * - `redis://[[user]:password@]host:port[/db]` (or `rediss://`): one server, as ioredis reads it.
 * - `redis-sentinel://[[user]:password@]host:port,host:port,…/<master name>[?db=N&sentinelUsername=…&sentinelPassword=…]`:
 *   a Sentinel-managed primary. The addresses are the sentinels'; the credentials before `@` are the
 *   data nodes' (primary and replicas), the query's are the sentinels' own (Redis lets them differ).
 *   Lettuce and Spring spell Sentinel URLs the same way (`redis-sentinel://`, comma-separated
 *   sentinels); the master name goes in the path because `#` is easy to lose in a shell.
 *
 * The gateway builds the Sentinel form from REDIS_SENTINELS and REDIS_SENTINEL_NAME
 * (apps/gateway/src/config/gateway.config.ts), so passwords never need URL-encoding by hand.
 * No ioredis import here: configuration validates targets without loading the client.
 */

export const SENTINEL_SCHEME = 'redis-sentinel:';

export interface SentinelAddress {
  host: string;
  port: number;
}

/** A Sentinel-managed Redis: the sentinels to ask, the master name they watch, the credentials. */
export interface RedisSentinelTarget {
  sentinels: SentinelAddress[];
  /** The master group name in the sentinels' configuration (`sentinel monitor <name> …`). */
  name: string;
  /** Credentials of the data nodes (primary and replicas). */
  username?: string;
  password?: string;
  /** Credentials of the sentinels themselves (`requirepass` in sentinel.conf), when they have any. */
  sentinelUsername?: string;
  sentinelPassword?: string;
  db?: number;
}

/** A target that cannot be used, with what was expected (the caller names the variable). */
export class RedisTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisTargetError';
  }
}

export function isSentinelUrl(url: string): boolean {
  return url.slice(0, SENTINEL_SCHEME.length).toLowerCase() === SENTINEL_SCHEME;
}

/** Parses `host:port,host:port` (IPv6 in brackets: `[::1]:26379`). Port is required: sentinels default to 26379 but saying it avoids a wrong guess. */
export function parseSentinelAddresses(list: string): SentinelAddress[] {
  const items = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new RedisTargetError('must list at least one sentinel as host:port');
  return items.map((item) => {
    const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(item);
    const port = match ? Number(match[3]) : NaN;
    if (!match || port < 1 || port > 65535) throw new RedisTargetError(`must be host:port[,host:port…], got "${item}"`);
    return { host: match[1] ?? match[2], port };
  });
}

/** The `redis-sentinel://` URL of a target (credentials percent-encoded). */
export function formatSentinelUrl(target: RedisSentinelTarget): string {
  const enc = encodeURIComponent;
  const auth = target.username || target.password ? `${enc(target.username ?? '')}:${enc(target.password ?? '')}@` : '';
  const hosts = target.sentinels.map((s) => `${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`).join(',');
  const query = new URLSearchParams();
  if (target.db !== undefined) query.set('db', String(target.db));
  if (target.sentinelUsername) query.set('sentinelUsername', target.sentinelUsername);
  if (target.sentinelPassword) query.set('sentinelPassword', target.sentinelPassword);
  const qs = query.toString();
  return `redis-sentinel://${auth}${hosts}/${enc(target.name)}${qs ? `?${qs}` : ''}`;
}

/** Parses a `redis-sentinel://` URL (see the module comment). */
export function parseSentinelUrl(url: string): RedisSentinelTarget {
  if (!isSentinelUrl(url)) throw new RedisTargetError(`must start with redis-sentinel://, got "${url.split('://')[0]}://…"`);
  const rest = url.slice(`${SENTINEL_SCHEME}//`.length);
  const slash = rest.indexOf('/');
  if (slash < 0) throw new RedisTargetError('must name the master after the sentinels: redis-sentinel://host:port,…/<master name>');
  const authority = rest.slice(0, slash);
  const [pathPart, queryPart = ''] = rest.slice(slash + 1).split('?', 2);
  const at = authority.lastIndexOf('@');
  const hosts = at >= 0 ? authority.slice(at + 1) : authority;
  const target: RedisSentinelTarget = { sentinels: parseSentinelAddresses(hosts), name: decodeURIComponent(pathPart) };
  if (!target.name) throw new RedisTargetError('must name the master after the sentinels: redis-sentinel://host:port,…/<master name>');
  if (at >= 0) {
    const credentials = authority.slice(0, at);
    const colon = credentials.indexOf(':');
    const username = decodeURIComponent(colon >= 0 ? credentials.slice(0, colon) : credentials);
    const password = colon >= 0 ? decodeURIComponent(credentials.slice(colon + 1)) : '';
    if (username) target.username = username;
    if (password) target.password = password;
  }
  const query = new URLSearchParams(queryPart);
  for (const key of query.keys()) {
    if (!['db', 'sentinelUsername', 'sentinelPassword'].includes(key))
      throw new RedisTargetError(`has an unknown parameter "${key}" (known: db, sentinelUsername, sentinelPassword)`);
  }
  const db = query.get('db');
  if (db !== null) {
    if (!/^\d{1,2}$/.test(db)) throw new RedisTargetError(`db must be a database number, got "${db}"`);
    target.db = Number(db);
  }
  const sentinelUsername = query.get('sentinelUsername');
  const sentinelPassword = query.get('sentinelPassword');
  if (sentinelUsername) target.sentinelUsername = sentinelUsername;
  if (sentinelPassword) target.sentinelPassword = sentinelPassword;
  return target;
}
