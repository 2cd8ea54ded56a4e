import type { Redis } from 'ioredis';
import { createCommandClient, waitUntilReady } from '@motlan/redis/redis-connection.client.js';
import { newestFirst, parseShare, parseStoredItem, type ArchiveShare, type DossierLink, type StoredArchiveItem } from './archive-item.js';
import { CitizenArchiveStore, CitizenArchiveStoreUnavailableError, newestShareFirst, type CitizenArchiveStoreOptions } from './citizen-archive-store.port.js';

export interface RedisCitizenArchiveStoreOptions extends CitizenArchiveStoreOptions {
  url: string;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  /** Per-command timeout in ms (default 1000). */
  commandTimeoutMs?: number;
}

/** Deletes an item and its shares (fields whose JSON names it), in one step. KEYS: items hash, shares hash. ARGV: item id. */
const REMOVE = `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
local shares = redis.call('HGETALL', KEYS[2])
for i = 1, #shares, 2 do
  local ok, share = pcall(cjson.decode, shares[i + 1])
  if ok and type(share) == 'table' and share.itemId == ARGV[1] then redis.call('HDEL', KEYS[2], shares[i]) end
end
return 1
`;

type RedisWithScripts = Redis & { removeArchiveItem(items: string, shares: string, id: string): Promise<number> };

/**
 * The production store, shared by every gateway instance. Per citizen (`subjectKey`, a keyed hash:
 * key names carry no personal id) one hash of items (`<prefix>i:<subjectKey>`, field = item id,
 * value = the stored item with its sealed content) and one of shares (`<prefix>s:<subjectKey>`);
 * per commune dossier a set of the citizens it concerns (`<prefix>d:<commune>:<dossier>`). Redis
 * expires a hash with its longest-lived field; fields past their own time are skipped when read
 * and deleted then. Redis should persist its data (AOF).
 */
export class RedisCitizenArchiveStore extends CitizenArchiveStore {
  private readonly redis: RedisWithScripts;
  private readonly prefix: string;
  private readonly now: () => number;

  constructor(options: RedisCitizenArchiveStoreOptions) {
    super();
    this.prefix = options.prefix ?? 'motlan:archive:v1:';
    this.now = options.now ?? Date.now;
    this.redis = createCommandClient(options.url, { commandTimeoutMs: options.commandTimeoutMs ?? 1000 }) as RedisWithScripts;
    this.redis.defineCommand('removeArchiveItem', { numberOfKeys: 2, lua: REMOVE });
  }

  /** Resolves true once connected, false after `timeoutMs` (the gateway starts anyway). */
  async waitUntilReady(timeoutMs = 3000): Promise<boolean> {
    return waitUntilReady(this.redis, timeoutMs);
  }

  async put(item: StoredArchiveItem): Promise<boolean> {
    const key = this.itemsKey(item.subjectKey);
    const forgetAt = Date.parse(item.forgetAt);
    const results = await this.call(() =>
      this.redis.pipeline().hsetnx(key, item.id, JSON.stringify(item)).pexpireat(key, forgetAt, 'GT').pexpireat(key, forgetAt, 'NX').exec(),
    );
    for (const [error] of results ?? []) if (error) throw new CitizenArchiveStoreUnavailableError(`archive unavailable: ${error.message}`);
    return results?.[0]?.[1] === 1;
  }

  async list(subjectKey: string): Promise<StoredArchiveItem[]> {
    const key = this.itemsKey(subjectKey);
    const hash = await this.call(() => this.redis.hgetall(key));
    return this.keptOf(key, hash, parseStoredItem, (i) => i.forgetAt, subjectKey).sort(newestFirst);
  }

  async get(subjectKey: string, id: string): Promise<StoredArchiveItem | null> {
    const text = await this.call(() => this.redis.hget(this.itemsKey(subjectKey), id));
    const item = text === null ? null : parseJson(text, parseStoredItem);
    return item && item.subjectKey === subjectKey && this.kept(item.forgetAt) ? item : null;
  }

  async remove(subjectKey: string, id: string): Promise<boolean> {
    return (await this.call(() => this.redis.removeArchiveItem(this.itemsKey(subjectKey), this.sharesKey(subjectKey), id))) === 1;
  }

  async addShare(share: ArchiveShare): Promise<void> {
    const key = this.sharesKey(share.subjectKey);
    const until = Date.parse(share.validUntil);
    const results = await this.call(() =>
      this.redis.pipeline().hset(key, share.id, JSON.stringify(share)).pexpireat(key, until, 'GT').pexpireat(key, until, 'NX').exec(),
    );
    for (const [error] of results ?? []) if (error) throw new CitizenArchiveStoreUnavailableError(`archive unavailable: ${error.message}`);
  }

  async getShare(subjectKey: string, id: string): Promise<ArchiveShare | null> {
    const text = await this.call(() => this.redis.hget(this.sharesKey(subjectKey), id));
    const share = text === null ? null : parseJson(text, parseShare);
    return share && share.subjectKey === subjectKey && this.kept(share.validUntil) ? share : null;
  }

  async listShares(subjectKey: string): Promise<ArchiveShare[]> {
    const key = this.sharesKey(subjectKey);
    const hash = await this.call(() => this.redis.hgetall(key));
    return this.keptOf(key, hash, parseShare, (s) => s.validUntil, subjectKey).sort(newestShareFirst);
  }

  async linkDossier(link: DossierLink): Promise<void> {
    const key = this.dossierKey(link.communeCode, link.dossierId);
    const forgetAt = Date.parse(link.forgetAt);
    // The set expires with its newest link; a link is not forgotten before the set is (links outlive dossiers by far).
    const results = await this.call(() =>
      this.redis.pipeline().sadd(key, link.subjectKey).pexpireat(key, forgetAt, 'GT').pexpireat(key, forgetAt, 'NX').exec(),
    );
    for (const [error] of results ?? []) if (error) throw new CitizenArchiveStoreUnavailableError(`archive unavailable: ${error.message}`);
  }

  async dossierSubjects(communeCode: string, dossierId: string): Promise<string[]> {
    return (await this.call(() => this.redis.smembers(this.dossierKey(communeCode, dossierId)))).sort();
  }

  async close(): Promise<void> {
    this.redis.disconnect(false);
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private itemsKey(subjectKey: string): string {
    return `${this.prefix}i:${subjectKey}`;
  }

  private sharesKey(subjectKey: string): string {
    return `${this.prefix}s:${subjectKey}`;
  }

  private dossierKey(communeCode: string, dossierId: string): string {
    return `${this.prefix}d:${communeCode}:${dossierId}`;
  }

  private kept(until: string): boolean {
    return Date.parse(until) > this.now();
  }

  /** The hash's values still kept; the others are deleted (best effort: the next read skips them anyway). */
  private keptOf<T extends { id: string; subjectKey: string }>(
    key: string,
    hash: Record<string, string>,
    parse: (value: unknown) => T | null,
    until: (value: T) => string,
    subjectKey: string,
  ): T[] {
    const kept: T[] = [];
    const gone: string[] = [];
    for (const [field, text] of Object.entries(hash)) {
      const value = parseJson(text, parse);
      if (value && value.id === field && value.subjectKey === subjectKey && this.kept(until(value))) kept.push(value);
      else gone.push(field);
    }
    if (gone.length > 0) void this.redis.hdel(key, ...gone).catch(() => undefined);
    return kept;
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new CitizenArchiveStoreUnavailableError(`archive unavailable: ${(error as Error).message}`);
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
