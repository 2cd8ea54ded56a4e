/** The production consent store against a real Redis (the Jest global setup provides one). */
import { randomBytes, randomUUID } from 'node:crypto';
import { consentStoreContract } from '../../test/support/consent-store-contract.js';
import { requireRedisUrl } from '../../test/support/services.js';
import { RedisConsentStore } from './redis-consent-store.adapter.js';
import { ConsentStoreUnavailableError } from './consent-store.port.js';

describe('RedisConsentStore', () => {
  consentStoreContract(async ({ now, retentionMs }) => {
    const prefix = `motlan:test:consent:${randomUUID()}:`;
    const secret = randomBytes(32);
    const opened: RedisConsentStore[] = [];
    const open = async () => {
      const store = new RedisConsentStore({ url: requireRedisUrl(), secret, prefix, now, retentionMs });
      expect(await store.waitUntilReady()).toBe(true);
      opened.push(store);
      return store;
    };
    const store = await open();
    return { store, reopen: open, close: async () => void (await Promise.all(opened.map((s) => s.close()))) };
  });

  it('rejects with ConsentStoreUnavailableError when Redis cannot be reached', async () => {
    const store = new RedisConsentStore({ url: 'redis://127.0.0.1:1', secret: randomBytes(32), commandTimeoutMs: 200 });
    try {
      await expect(store.get('cns_AAAAAAAAAAAAAAAAAAAAAA')).rejects.toBeInstanceOf(ConsentStoreUnavailableError);
    } finally {
      await store.close();
    }
  });
});
