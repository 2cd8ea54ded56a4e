import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@motlan/files/atomic-file.js';
import { SyncFiguresSnapshotStore } from './sync-figures-snapshot.port.js';

/** The embedded profile's snapshot file, beside the rest of the data directory's state. */
export function embeddedSyncFiguresSnapshotFile(dataDir: string): string {
  return path.join(dataDir, 'sync-figures', 'snapshot.json');
}

/**
 * The figures' snapshot in one file, replaced atomically (temp file + rename): processes sharing
 * the data directory see a whole snapshot or the previous one. Not fsynced: a snapshot lost in a
 * crash only means reading more of the log at the next start.
 */
export class FileSyncFiguresSnapshotStore extends SyncFiguresSnapshotStore {
  constructor(private readonly file: string) {
    super();
  }

  async load(): Promise<string | undefined> {
    try {
      return await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async save(text: string): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFileAtomic(this.file, text, 0o644);
  }

  async close(): Promise<void> {
    // Nothing held open.
  }
}
