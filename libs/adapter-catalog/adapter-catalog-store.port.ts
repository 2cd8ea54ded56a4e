import type { AdapterCatalogChange, AdapterCatalogEntry } from './adapter-manifest.js';

export type CatalogChangeListener = (change: AdapterCatalogChange) => void;

/**
 * Durable, shared home of the adapter catalog. Every gateway instance replays the whole catalog on
 * start and then follows changes made by any instance, so all converge on the same adapters and
 * the catalog survives restarts of every instance. Embedded profile: an append-only file;
 * production: the compacted Kafka topic motlan.adapters.v1 (key = adapter id, tombstone on delete).
 */
export abstract class AdapterCatalogStore {
  /** Where the catalog lives, for logs and errors (a file path or a topic). */
  abstract readonly location: string;

  /**
   * Replays every change in write order to `listener`, resolves once it has caught up with what
   * was written before the call, then keeps delivering later changes (including this instance's
   * own writes) until {@link stop}. Rejects if the store cannot be read at all.
   */
  abstract start(listener: CatalogChangeListener): Promise<void>;

  /** Writes an entry durably (fsync / acks=all) before resolving. */
  abstract put(entry: AdapterCatalogEntry): Promise<void>;

  /** Writes a tombstone for `id` durably before resolving. */
  abstract remove(id: string): Promise<void>;

  /** Stops following; safe to call twice or without start. */
  abstract stop(): Promise<void>;
}
