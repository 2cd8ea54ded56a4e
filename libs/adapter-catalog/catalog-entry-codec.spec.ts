import { describe, expect, it } from '@jest/globals';
import type { AdapterCatalogEntry } from './adapter-manifest.js';
import { decodeCatalogEntry, encodeCatalogEntry } from './catalog-entry-codec.js';

const manifest: AdapterCatalogEntry['manifest'] = {
  id: 'population-hn-1',
  registry: 'population',
  endpoint: '127.0.0.1:50051',
  tls: { insecure: true },
  timeoutMs: 800,
  maxConcurrency: 64,
  retry: { attempts: 2, backoffMs: 50 },
};

describe('catalog entry codec: owner', () => {
  it('keeps the owner through encode and decode (file and Kafka stores write this form)', () => {
    const entry: AdapterCatalogEntry = {
      manifest,
      owner: 'population-operator',
      updatedBy: 'national-admin',
      updatedAt: '2026-01-02T03:04:05.000Z',
      revision: 3,
    };
    expect(decodeCatalogEntry(encodeCatalogEntry(entry), manifest.id)).toEqual(entry);
  });

  it('reads entries written before owners were recorded, without inventing one', () => {
    const legacy = JSON.stringify({ manifest, updatedBy: 'registry-operator-1', updatedAt: '2025-07-01T08:00:00.000Z', revision: 1 });
    const decoded = decodeCatalogEntry(legacy, manifest.id);
    expect(decoded.owner).toBeUndefined();
    expect(decoded.updatedBy).toBe('registry-operator-1');
  });

  it('refuses an owner that is not a non-empty string', () => {
    for (const owner of ['', 42, null]) {
      expect(() => decodeCatalogEntry(JSON.stringify({ manifest, owner, updatedBy: 'x', updatedAt: '2025-07-01T08:00:00.000Z', revision: 1 }))).toThrow(
        'owner is not a non-empty string',
      );
    }
  });
});
