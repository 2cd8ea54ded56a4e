import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readJsonIfExists, writeFileAtomic } from '@motlan/files/atomic-file.js';
import {
  newRevocationEntry,
  RevocationList,
  RevocationSnapshot,
  RevocationUnavailableError,
  type RevocationEntry,
  type RevocationSubject,
  type RevokeRequest,
} from './revocation-list.port.js';

export interface InMemoryRevocationListOptions {
  /** How long an entry is kept (see `revocationRetentionMs`). */
  retentionMs: number;
  /** The token verifier's clock tolerance, s: a client revocation covers `iat` up to this much after it (RevocationSnapshot). Default 0. */
  clockToleranceSec?: number;
  /** When set, the list is saved there (JSON, replaced atomically) and read back by `load`, so a restart keeps it. */
  file?: string;
  /** Current time in epoch milliseconds (default `Date.now`); a seam for tests. */
  now?: () => number;
}

/**
 * The embedded profile's list: one gateway process holds it in memory and, given a file, saves it
 * there on every change, so that a revoked token does not come back to life with a restart.
 */
export class InMemoryRevocationList extends RevocationList {
  private snapshot: RevocationSnapshot;
  private readonly now: () => number;
  /** Saves one after the other, so an older list never overwrites a newer one. */
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly options: InMemoryRevocationListOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.snapshot = new RevocationSnapshot([], this.now(), options.clockToleranceSec);
  }

  /** Reads the saved list, if any. */
  async load(): Promise<void> {
    if (!this.options.file) return;
    const saved = (await readJsonIfExists(this.options.file)) as { entries?: RevocationEntry[] } | undefined;
    this.snapshot = new RevocationSnapshot(saved?.entries ?? [], this.now(), this.options.clockToleranceSec);
  }

  async revoke(request: RevokeRequest): Promise<RevocationEntry> {
    const nowMs = this.now();
    const entry = newRevocationEntry(request, nowMs, this.options.retentionMs);
    this.snapshot.prune(nowMs);
    this.snapshot.add(entry, nowMs);
    if (this.options.file) await this.save(this.options.file, nowMs);
    return entry;
  }

  async list(): Promise<RevocationEntry[]> {
    return this.snapshot.list(this.now());
  }

  isRevoked(subject: RevocationSubject): boolean {
    return this.snapshot.isRevoked(subject);
  }

  private save(file: string, nowMs: number): Promise<void> {
    const content = `${JSON.stringify({ entries: this.snapshot.list(nowMs) }, null, 2)}\n`;
    const next = this.saving.then(async () => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, content, 0o600);
    });
    // The revocation is in force in this process either way; the caller learns it was not saved.
    this.saving = next.catch(() => undefined);
    return next.catch((error: Error) => {
      throw new RevocationUnavailableError(`revocation list could not be saved: ${error.message}`);
    });
  }
}
