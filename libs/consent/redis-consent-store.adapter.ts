import { createHmac } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createCommandClient, waitUntilReady } from '@motlan/redis/redis-connection.client.js';
import { parseConsent, parseConsentRequest, type Consent, type ConsentRequest } from './consent.js';
import { ConsentStore, ConsentStoreUnavailableError, DEFAULT_CONSENT_RETENTION_MS, newestFirst, type ConsentStoreOptions } from './consent-store.port.js';

export interface RedisConsentStoreOptions extends ConsentStoreOptions {
  url: string;
  /** Keys the per-citizen index key names (HMAC), so key names do not carry personal ids. */
  secret: Buffer;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  /** Per-command timeout in ms (default 1000): a sensitive lookup waits at most this long for its consent. */
  commandTimeoutMs?: number;
}

/** Sets `revokedAt` unless set, on a consent that exists; returns the hash (or nil). One step, one round trip. */
const REVOKE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSETNX', KEYS[1], 'revokedAt', ARGV[1])
return redis.call('HGETALL', KEYS[1])
`;

/**
 * Replaces a pending request (its JSON) with `approved:<consent id>`, keeping its expiry; 1 when
 * it did, 0 when the request was gone or approved already. One key: one atomic step on any cluster.
 */
const APPROVE = `
local current = redis.call('GET', KEYS[1])
if not current or string.sub(current, 1, 1) ~= '{' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
return 1
`;

const APPROVED = 'approved:';

type RedisWithScripts = Redis & {
  revokeConsent(key: string, revokedAt: string): Promise<string[] | null>;
  approveConsentRequest(key: string, approved: string): Promise<number>;
};

/**
 * The production store, shared by every gateway instance. No local copy: each check of a consent
 * is one HGETALL of its hash (`<prefix>c:<id>`: `consent` JSON, `revokedAt` once taken back), so a
 * revocation on any instance holds for the very next lookup everywhere, at the cost of one round
 * trip per sensitive read (non-sensitive reads never ask). A citizen's consents are listed through a
 * set per citizen (`<prefix>s:<hmac(id)>`); requests are keys of their own (`<prefix>r:<code>`) that
 * Redis expires. Consents expire from Redis `retentionMs` after `validUntil`. Redis should persist
 * its data (AOF), as for the revocation list: a consent lost is a lookup refused, never one allowed.
 */
export class RedisConsentStore extends ConsentStore {
  private readonly redis: RedisWithScripts;
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly retentionMs: number;

  constructor(private readonly options: RedisConsentStoreOptions) {
    super();
    this.prefix = options.prefix ?? 'motlan:consent:v1:';
    this.now = options.now ?? Date.now;
    this.retentionMs = options.retentionMs ?? DEFAULT_CONSENT_RETENTION_MS;
    // Failures surface on the calls (503); the connection retries by itself.
    this.redis = createCommandClient(options.url, { commandTimeoutMs: options.commandTimeoutMs ?? 1000 }) as RedisWithScripts;
    this.redis.defineCommand('revokeConsent', { numberOfKeys: 1, lua: REVOKE });
    this.redis.defineCommand('approveConsentRequest', { numberOfKeys: 1, lua: APPROVE });
  }

  /** Resolves true once connected, false after `timeoutMs` (the gateway starts anyway). */
  async waitUntilReady(timeoutMs = 3000): Promise<boolean> {
    return waitUntilReady(this.redis, timeoutMs);
  }

  async add(consent: Consent): Promise<void> {
    const { revokedAt: _revokedAt, ...body } = consent;
    const forgetAt = Date.parse(consent.validUntil) + this.retentionMs;
    const index = this.indexKey(consent.subjectId);
    await this.call(async () => {
      // Not MULTI: the two keys may live on different cluster slots; the index is only a listing aid
      // (an id in it whose hash is gone is dropped when listed).
      const results = await this.redis
        .pipeline()
        .hset(this.consentKey(consent.id), 'consent', JSON.stringify(body))
        .pexpireat(this.consentKey(consent.id), forgetAt)
        .sadd(index, consent.id)
        .pexpireat(index, forgetAt, 'GT')
        .pexpireat(index, forgetAt, 'NX')
        .exec();
      for (const [error] of results ?? []) if (error) throw error;
    });
  }

  async get(id: string): Promise<Consent | null> {
    const hash = await this.call(() => this.redis.hgetall(this.consentKey(id)));
    return this.parsed(hash);
  }

  async listBySubject(subjectId: string): Promise<Consent[]> {
    const index = this.indexKey(subjectId);
    const ids = await this.call(() => this.redis.smembers(index));
    if (ids.length === 0) return [];
    const hashes = await this.call(async () => {
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.consentKey(id));
      return (await pipeline.exec()) ?? [];
    });
    const consents: Consent[] = [];
    const gone: string[] = [];
    hashes.forEach(([error, hash], i) => {
      if (error) throw new ConsentStoreUnavailableError(`consents unavailable: ${error.message}`);
      const consent = this.parsed(hash as Record<string, string>);
      if (consent && consent.subjectId === subjectId) consents.push(consent);
      else gone.push(ids[i]);
    });
    if (gone.length > 0) await this.redis.srem(index, ...gone).catch(() => undefined);
    return consents.sort(newestFirst);
  }

  async revoke(id: string, subjectId: string, revokedAt: string): Promise<Consent | null> {
    // Checked before writing: a citizen never marks another citizen's consent.
    const consent = await this.get(id);
    if (!consent || consent.subjectId !== subjectId) return null;
    const flat = await this.call(() => this.redis.revokeConsent(this.consentKey(id), revokedAt));
    if (!flat) return null;
    const hash: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]] = flat[i + 1];
    return this.parsed(hash);
  }

  async addRequest(request: ConsentRequest): Promise<void> {
    const ttlMs = Math.max(1, Date.parse(request.expiresAt) - this.now());
    await this.call(() => this.redis.set(this.requestKey(request.code), JSON.stringify(request), 'PX', ttlMs));
  }

  async getRequest(code: string): Promise<ConsentRequest | null> {
    const text = await this.call(() => this.redis.get(this.requestKey(code)));
    if (text === null || text.startsWith(APPROVED)) return null;
    const request = parseJson(text, parseConsentRequest);
    // Redis expires the key; the clock check covers a store clock that runs behind.
    return request && Date.parse(request.expiresAt) > this.now() ? request : null;
  }

  async approveRequest(code: string, consent: Consent): Promise<boolean> {
    // The script answers 1 to exactly one caller: that one approval wins, on whichever instance.
    // The request is no longer pending before the consent exists: a failure in between loses the
    // request (the clerk asks again), never makes it approvable twice.
    if (!(await this.getRequest(code))) return false;
    const won = await this.call(() => this.redis.approveConsentRequest(this.requestKey(code), `${APPROVED}${consent.id}`));
    if (won !== 1) return false;
    await this.add(consent);
    return true;
  }

  async approvedConsentId(code: string): Promise<string | null> {
    const text = await this.call(() => this.redis.get(this.requestKey(code)));
    return text !== null && text.startsWith(APPROVED) ? text.slice(APPROVED.length) : null;
  }

  async close(): Promise<void> {
    this.redis.disconnect(false);
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private consentKey(id: string): string {
    return `${this.prefix}c:${id}`;
  }

  private requestKey(code: string): string {
    return `${this.prefix}r:${code}`;
  }

  private indexKey(subjectId: string): string {
    return `${this.prefix}s:${createHmac('sha256', this.options.secret).update(`consent-subject\n${subjectId}`).digest('base64url')}`;
  }

  /** A hash that is not a consent (torn, foreign, or gone) reads as no consent: a lookup is then refused, never allowed. */
  private parsed(hash: Record<string, string> | null): Consent | null {
    if (!hash || typeof hash.consent !== 'string') return null;
    const consent = parseJson(hash.consent, parseConsent);
    // Redis forgets it by its own clock; this check holds the same line by the store's.
    if (!consent || Date.parse(consent.validUntil) + this.retentionMs <= this.now()) return null;
    return { ...consent, revokedAt: typeof hash.revokedAt === 'string' ? hash.revokedAt : null };
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new ConsentStoreUnavailableError(`consents unavailable: ${(error as Error).message}`);
    }
  }
}

function parseJson<T>(text: string, parse: (value: unknown) => T | null): T | null {
  try {
    return parse(JSON.parse(text));
  } catch {
    return null;
  }
}
