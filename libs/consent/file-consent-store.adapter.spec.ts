import { mkdtempSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { consent, consentStoreContract, CITIZEN_A } from '../../test/support/consent-store-contract.js';
import { FileConsentStore } from './file-consent-store.adapter.js';

describe('FileConsentStore', () => {
  consentStoreContract(async ({ now, retentionMs }) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'motlan-consents-')), 'consents.jsonl');
    const opened: FileConsentStore[] = [];
    const open = async () => {
      const store = new FileConsentStore({ file, now, retentionMs });
      await store.load();
      opened.push(store);
      return store;
    };
    const store = await open();
    return { store, reopen: open, close: async () => void (await Promise.all(opened.map((s) => s.close()))) };
  });

  it('skips a torn last line and lines that are not consents when read back', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'motlan-consents-')), 'consents.jsonl');
    const store = new FileConsentStore({ file });
    const kept = consent(CITIZEN_A, Date.now());
    await store.add(kept);
    await store.close();
    await appendFile(file, '{"kind":"consent","consent":{"id":"x"}}\n{"kind":"revoke","id":');
    const reopened = new FileConsentStore({ file });
    await reopened.load();
    expect(await reopened.listBySubject(CITIZEN_A)).toEqual([kept]);
    await reopened.close();
  });
});
