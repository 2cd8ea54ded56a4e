import type { JsonObject } from '@motlan/contracts/struct-codec.js';

/** Identifies one record of one registry dataset. */
export interface RecordKey {
  registry: string;
  dataset: string;
  subjectId: string;
}

/**
 * What the cache keeps for a record: the whole record as the registry returned it (every field),
 * so one entry serves every field selection; the answer is minimized per request afterwards.
 */
export interface CachedRecord {
  found: boolean;
  /** The full record; null for a cached "not found". */
  data: JsonObject | null;
  /** Registry record version (decimal string, monotonic per record). */
  version: string;
  /** When the registry last changed the record (RFC 3339). */
  asOf: string;
  /** When the gateway fetched it from the registry (epoch ms). */
  fetchedAt: number;
  /** Until when it may be served without asking the registry (epoch ms); after it, only as STALE. */
  freshUntil: number;
  /**
   * Set when a registry announced a newer version than the one cached: the entry holds no data,
   * is never served (not even STALE), and makes older in-flight fetches unable to overwrite it.
   */
  invalidated?: boolean;
}

/** The placeholder stored by {@link RegistryCache.invalidate}. */
export function invalidationMarker(version: string, asOf: string): CachedRecord {
  return { found: true, data: null, version, asOf, fetchedAt: Date.now(), freshUntil: 0, invalidated: true };
}

/**
 * Cache port of the lookup path. Embedded profile: in-memory LRU; production: Redis.
 * Implementations must never throw for a backing-store outage on `get` (answer undefined, so the
 * gateway falls back to the registry) and must keep an entry at most `retainSeconds`.
 */
export abstract class RegistryCache {
  abstract get(key: RecordKey): Promise<CachedRecord | undefined>;
  /** Stores the entry unless the cache already holds a newer version of the record. */
  abstract set(key: RecordKey, record: CachedRecord, retainSeconds: number): Promise<void>;
  abstract delete(key: RecordKey): Promise<void>;

  /**
   * A registry announced `version` of this record. If the cache holds that version or a newer one,
   * nothing happens (an older event never overwrites a newer entry) and false is returned;
   * otherwise the entry is replaced by an invalidation marker, so the next lookup fetches the new
   * version, and true is returned.
   */
  async invalidate(key: RecordKey, version: string, asOf: string, retainSeconds: number): Promise<boolean> {
    const current = await this.get(key);
    if (current && current.found && compareVersions(current.version, version) >= 0) return false;
    await this.set(key, invalidationMarker(version, asOf), retainSeconds);
    return true;
  }

  /** Whether the backing store is usable; 'degraded' means lookups bypass it (reported by /health/ready). */
  availability(): CacheAvailability {
    return { state: 'up', backend: 'memory' };
  }
}

export interface CacheAvailability {
  state: 'up' | 'degraded';
  backend: string;
  detail?: string;
}

/** The in-process map key of a record: cheap to build, unambiguous (NUL never occurs in ids). */
export function recordKeyString(key: RecordKey): string {
  return `${key.registry}\u0000${key.dataset}\u0000${key.subjectId}`;
}

/** Compares decimal version strings without converting to Number (versions are uint64). */
export function compareVersions(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
