import type { ArchiveShare, DossierLink, StoredArchiveItem } from './archive-item.js';

/** Thrown when the store cannot be read or written now (answered 503 `archive_unavailable`). */
export class CitizenArchiveStoreUnavailableError extends Error {
  override readonly name = 'CitizenArchiveStoreUnavailableError';
}

export interface CitizenArchiveStoreOptions {
  /** Epoch ms; tests move it. Default Date.now. */
  now?: () => number;
}

/**
 * The citizens' archives, shared by every gateway instance of a deployment (Redis in production, a
 * file under the data directory embedded): sealed items per citizen (by `subjectKey`, a keyed hash
 * of the personal id), the shares of those items, and which citizens a commune's dossier concerns.
 * Items and links are forgotten at their `forgetAt`, shares at their `validUntil`; a store never
 * answers with one past that time. Every method rejects with
 * {@link CitizenArchiveStoreUnavailableError} when the store cannot answer.
 */
export abstract class CitizenArchiveStore {
  /** Stores an item unless this citizen has one with its id already (then false: archiving is idempotent). */
  abstract put(item: StoredArchiveItem): Promise<boolean>;

  /** The citizen's items not yet forgotten, newest first. */
  abstract list(subjectKey: string): Promise<StoredArchiveItem[]>;

  /** One item of this citizen, or null (another citizen's id reads as unknown). */
  abstract get(subjectKey: string, id: string): Promise<StoredArchiveItem | null>;

  /** Deletes the item and every share of it; false when this citizen had no such item. */
  abstract remove(subjectKey: string, id: string): Promise<boolean>;

  abstract addShare(share: ArchiveShare): Promise<void>;

  /** A share of this citizen still valid, or null (expired ones are forgotten; a deleted item's shares are gone). */
  abstract getShare(subjectKey: string, id: string): Promise<ArchiveShare | null>;

  /** The citizen's shares still valid, newest first. */
  abstract listShares(subjectKey: string): Promise<ArchiveShare[]>;

  /** Notes that a commune's dossier concerns a citizen (idempotent; a later `forgetAt` extends it). */
  abstract linkDossier(link: DossierLink): Promise<void>;

  /** The `subjectKey`s of the citizens a commune's dossier concerns. */
  abstract dossierSubjects(communeCode: string, dossierId: string): Promise<string[]>;

  abstract close(): Promise<void>;
}

/** Newest share first, then by id. */
export function newestShareFirst(a: ArchiveShare, b: ArchiveShare): number {
  return b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id);
}
