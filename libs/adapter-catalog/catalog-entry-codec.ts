import type { MessageCodec } from '@motlan/event-log/message-codec.js';
import type { AdapterCatalogChange, AdapterCatalogEntry } from './adapter-manifest.js';

/**
 * JSON form of one catalog entry, as stored in the catalog file and on the Kafka topic. Decoding
 * checks the structure, so a corrupt line or message can be skipped with a reason instead of
 * reaching the gateway. Reasons name the field, never its value: a manifest may hold certificates.
 */
export function encodeCatalogEntry(entry: AdapterCatalogEntry): string {
  // Checked on the way out too, so nothing is written that every reader would then skip.
  return JSON.stringify(checkCatalogEntry(entry));
}

/**
 * The catalog topic's messages: key = adapter id, value = entry JSON, null (a tombstone) = removed.
 * Checked both ways: nothing is written that readers would skip, nothing read reaches the gateway
 * unchecked.
 */
export const catalogChangeCodec: MessageCodec<AdapterCatalogChange> = {
  encode: ({ id, entry }) => {
    if (!id) throw new Error('adapter catalog: a change needs an adapter id');
    return { key: id, value: entry ? encodeCatalogEntry(entry) : null };
  },
  decode: ({ key, value }) => {
    if (!key) return { ok: false, reason: 'message has no key' };
    if (value === null) return { ok: true, value: { id: key, entry: null } };
    try {
      return { ok: true, value: { id: key, entry: decodeCatalogEntry(value, key) } };
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
  },
};

/** Parses and checks one entry; throws an Error naming what is wrong. */
export function decodeCatalogEntry(json: string, expectedId?: string): AdapterCatalogEntry {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('not valid JSON');
  }
  return checkCatalogEntry(value, expectedId);
}

/**
 * Checks an already parsed value. With `expectedId` (the line's id or the message key), the
 * manifest must carry that id: a mismatch would file the adapter under the wrong key.
 */
export function checkCatalogEntry(value: unknown, expectedId?: string): AdapterCatalogEntry {
  const entry = object(value, 'entry');
  const manifest = object(entry.manifest, 'manifest');
  text(manifest.id, 'manifest.id');
  if (expectedId !== undefined && manifest.id !== expectedId) throw new Error('manifest.id differs from the catalog key');
  text(manifest.registry, 'manifest.registry');
  text(manifest.endpoint, 'manifest.endpoint');
  const tls = object(manifest.tls, 'manifest.tls');
  if (tls.insecure !== true) {
    text(tls.ca, 'manifest.tls.ca');
    text(tls.cert, 'manifest.tls.cert');
    text(tls.key, 'manifest.tls.key');
    // The catalog is replicated to every instance and kept forever: a private key must stay a reference.
    if (!/^(file|env):./.test(tls.key as string)) throw new Error('manifest.tls.key is not a file: or env: reference');
  }
  count(manifest.timeoutMs, 'manifest.timeoutMs');
  count(manifest.maxConcurrency, 'manifest.maxConcurrency');
  const retry = object(manifest.retry, 'manifest.retry');
  count(retry.attempts, 'manifest.retry.attempts');
  count(retry.backoffMs, 'manifest.retry.backoffMs', 0);
  if (manifest.routing !== undefined) {
    const routing = object(manifest.routing, 'manifest.routing');
    if (routing.provinces !== undefined) {
      if (!Array.isArray(routing.provinces)) throw new Error('manifest.routing.provinces is not an array');
      routing.provinces.forEach((p, i) => text(p, `manifest.routing.provinces[${i}]`));
    }
  }
  // Optional: entries written before owners were recorded have none and stay readable.
  if (entry.owner !== undefined) text(entry.owner, 'owner');
  text(entry.updatedBy, 'updatedBy');
  text(entry.updatedAt, 'updatedAt');
  if (Number.isNaN(Date.parse(entry.updatedAt as string))) throw new Error('updatedAt is not a date');
  count(entry.revision, 'revision');
  return value as AdapterCatalogEntry;
}

function object(value: unknown, name: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${name} is not an object`);
  return value as Record<string, unknown>;
}

function text(value: unknown, name: string): void {
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${name} is not a non-empty string`);
}

function count(value: unknown, name: string, min = 1): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new Error(`${name} is not an integer >= ${min}`);
}
