/** The embedded archive store: the shared contract, and what the file itself holds after a deletion. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { citizenArchiveStoreContract } from '../../test/support/citizen-archive-store-contract.js';
import { embeddedArchiveFile, FileCitizenArchiveStore } from './file-citizen-archive-store.adapter.js';

describe('FileCitizenArchiveStore', () => {
  citizenArchiveStoreContract(async ({ now }) => {
    const file = embeddedArchiveFile(mkdtempSync(path.join(tmpdir(), 'motlan-archive-')));
    const opened: FileCitizenArchiveStore[] = [];
    const open = async () => {
      const store = new FileCitizenArchiveStore({ file, now });
      await store.load();
      opened.push(store);
      return store;
    };
    const store = await open();
    return { store, reopen: open, close: async () => void (await Promise.all(opened.map((s) => s.close()))) };
  });

  it('leaves no copy of a deleted item in the file once it is reopened', async () => {
    const file = embeddedArchiveFile(mkdtempSync(path.join(tmpdir(), 'motlan-archive-')));
    const store = new FileCitizenArchiveStore({ file });
    await store.load();
    const storedAt = new Date().toISOString();
    const forgetAt = new Date(Date.now() + 86_400_000).toISOString();
    await store.put({ id: 'arc_keptkeptkeptkeptkept0', subjectKey: 'k', storedAt, forgetAt, sealed: 'KEPT-SEALED' });
    await store.put({ id: 'arc_gonegonegonegonegone0', subjectKey: 'k', storedAt, forgetAt, sealed: 'GONE-SEALED' });
    await store.remove('k', 'arc_gonegonegonegonegone0');
    expect(readFileSync(file, 'utf8')).toContain('GONE-SEALED');
    await store.close();
    const reopened = new FileCitizenArchiveStore({ file });
    await reopened.load();
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('KEPT-SEALED');
    expect(text).not.toContain('GONE-SEALED');
    expect((await reopened.list('k')).map((i) => i.id)).toEqual(['arc_keptkeptkeptkeptkept0']);
    await reopened.put({ id: 'arc_latelatelatelatelate0', subjectKey: 'k', storedAt, forgetAt, sealed: 'LATE' });
    await reopened.close();
    const third = new FileCitizenArchiveStore({ file });
    await third.load();
    expect((await third.list('k')).map((i) => i.id).sort()).toEqual(['arc_keptkeptkeptkeptkept0', 'arc_latelatelatelatelate0']);
    await third.close();
  });
});
