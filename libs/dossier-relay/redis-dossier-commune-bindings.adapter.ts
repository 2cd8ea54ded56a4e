import type { Redis } from 'ioredis';
import { createCommandClient, waitUntilReady } from '@motlan/redis/redis-connection.client.js';
import { DossierBindingUnavailableError, DossierCommuneBindings, parseBinding, type DossierCommuneBinding } from './dossier-commune-bindings.port.js';

export interface RedisDossierCommuneBindingsOptions {
  url: string;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  /** Per-command timeout in ms (default 1000): a status waits at most this long for its binding. */
  commandTimeoutMs?: number;
}

/** Returns the stored binding, or sets ARGV[1] and returns nil: one atomic step, one round trip. */
const BIND_IF_ABSENT = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1])
return false
`;

/** Sets ARGV[1] and returns what was there (nil when nothing). */
const REBIND = `
local previous = redis.call('GET', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1])
return previous
`;

type RedisWithScripts = Redis & {
  bindIfAbsent(key: string, json: string): Promise<string | null>;
  rebindDossier(key: string, json: string): Promise<string | null>;
};

/**
 * The bindings of the production profile, shared by every gateway instance: one key per dossier
 * (`<prefix><dossierId>`, a JSON value, no expiry), so a deployment spread over a Redis cluster
 * still binds each dossier in one atomic script. The bindings must outlive restarts: Redis should
 * persist its data (AOF), as for the revocation list. When Redis cannot answer, every call rejects
 * and the intake refuses (503) rather than relay an unbound status.
 */
export class RedisDossierCommuneBindings extends DossierCommuneBindings {
  private readonly redis: RedisWithScripts;
  private readonly prefix: string;

  constructor(options: RedisDossierCommuneBindingsOptions) {
    super();
    this.prefix = options.prefix ?? 'motlan:dossier-commune:v1:';
    // Failures surface on the calls (503); the connection retries by itself.
    this.redis = createCommandClient(options.url, { commandTimeoutMs: options.commandTimeoutMs ?? 1000 }) as RedisWithScripts;
    this.redis.defineCommand('bindIfAbsent', { numberOfKeys: 1, lua: BIND_IF_ABSENT });
    this.redis.defineCommand('rebindDossier', { numberOfKeys: 1, lua: REBIND });
  }

  /** Resolves true once connected, false after `timeoutMs` (the gateway starts anyway). */
  async waitUntilReady(timeoutMs = 3000): Promise<boolean> {
    return waitUntilReady(this.redis, timeoutMs);
  }

  async bindIfAbsent(dossierId: string, binding: DossierCommuneBinding): Promise<DossierCommuneBinding> {
    const stored = await this.call(() => this.redis.bindIfAbsent(this.key(dossierId), JSON.stringify(binding)));
    return stored === null ? binding : this.parsed(dossierId, stored);
  }

  async rebind(dossierId: string, binding: DossierCommuneBinding): Promise<DossierCommuneBinding | null> {
    const previous = await this.call(() => this.redis.rebindDossier(this.key(dossierId), JSON.stringify(binding)));
    return previous === null ? null : parseBinding(previous);
  }

  async get(dossierId: string): Promise<DossierCommuneBinding | null> {
    const stored = await this.call(() => this.redis.get(this.key(dossierId)));
    return stored === null ? null : this.parsed(dossierId, stored);
  }

  async onModuleDestroy(): Promise<void> {
    this.redis.disconnect(false);
  }

  private key(dossierId: string): string {
    return `${this.prefix}${dossierId}`;
  }

  /** An entry that cannot be read is not "no binding": answering as if it were would let anyone rebind the dossier. */
  private parsed(dossierId: string, stored: string): DossierCommuneBinding {
    const binding = parseBinding(stored);
    if (!binding) throw new DossierBindingUnavailableError(`the stored binding of dossier ${dossierId} cannot be read`);
    return binding;
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new DossierBindingUnavailableError(`dossier bindings unavailable: ${(error as Error).message}`);
    }
  }
}
