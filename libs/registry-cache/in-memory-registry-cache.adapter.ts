import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { compareVersions, RegistryCache, recordKeyString, type CachedRecord, type RecordKey } from './registry-cache.port.js';

export interface InMemoryRegistryCacheOptions {
  /** Entries kept at most; least recently used go first. */
  maxEntries: number;
}

/**
 * Embedded-profile cache: one process, bounded LRU with a per-entry TTL. Entries are returned by
 * reference (no copy on the hot path); callers treat them as read-only.
 */
@Injectable()
export class InMemoryRegistryCache extends RegistryCache {
  private readonly entries: LRUCache<string, CachedRecord>;

  constructor(options: InMemoryRegistryCacheOptions) {
    super();
    this.entries = new LRUCache<string, CachedRecord>({ max: options.maxEntries, ttlAutopurge: false });
  }

  async get(key: RecordKey): Promise<CachedRecord | undefined> {
    return this.entries.get(recordKeyString(key));
  }

  async set(key: RecordKey, record: CachedRecord, retainSeconds: number): Promise<void> {
    const id = recordKeyString(key);
    const current = this.entries.get(id);
    if (current && current.found && record.found && compareVersions(current.version, record.version) > 0) return;
    this.entries.set(id, record, { ttl: Math.max(1, retainSeconds) * 1000 });
  }

  async delete(key: RecordKey): Promise<void> {
    this.entries.delete(recordKeyString(key));
  }

  get size(): number {
    return this.entries.size;
  }
}
