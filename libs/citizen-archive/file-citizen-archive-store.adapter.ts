import path from 'node:path';
import { AppendOnlyLines } from '@motlan/files/append-only-lines.js';
import { writeFileAtomic } from '@motlan/files/atomic-file.js';
import { newestFirst, parseShare, parseStoredItem, type ArchiveShare, type DossierLink, type StoredArchiveItem } from './archive-item.js';
import { CitizenArchiveStore, CitizenArchiveStoreUnavailableError, newestShareFirst, type CitizenArchiveStoreOptions } from './citizen-archive-store.port.js';

/** `<data dir>/citizen-archive/archive.jsonl`: the embedded profile's archives. */
export function embeddedArchiveFile(dataDir: string): string {
  return path.join(dataDir, 'citizen-archive', 'archive.jsonl');
}

type Line =
  | { kind: 'item'; item: StoredArchiveItem }
  | { kind: 'remove'; subjectKey: string; id: string }
  | { kind: 'share'; share: ArchiveShare }
  | { kind: 'link'; link: DossierLink };

/**
 * The embedded profile's store: held in memory, every change appended to a file (fsynced before it
 * counts) and replayed at start. Deleted and forgotten entries are dropped from the file itself,
 * not only hidden: the file is rewritten without them at start and whenever the lines no longer
 * needed outnumber the live ones, so a deletion leaves no sealed copy behind for long. One process
 * owns the file, as it owns the other embedded stores.
 */
export class FileCitizenArchiveStore extends CitizenArchiveStore {
  /** subjectKey → id → item. */
  private readonly items = new Map<string, Map<string, StoredArchiveItem>>();
  /** subjectKey → id → share. */
  private readonly shares = new Map<string, Map<string, ArchiveShare>>();
  /** `commune\ndossier` → subjectKey → link. */
  private readonly links = new Map<string, Map<string, DossierLink>>();
  private lines: AppendOnlyLines;
  private readonly now: () => number;
  /** Lines in the file that hold nothing live any more (removed, replaced, forgotten). */
  private deadLines = 0;
  private liveLines = 0;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: CitizenArchiveStoreOptions & { file: string }) {
    super();
    this.lines = new AppendOnlyLines(options.file);
    this.now = options.now ?? Date.now;
  }

  /** Replays the file, then rewrites it without what is gone. */
  async load(): Promise<void> {
    let total = 0;
    for (const text of await this.lines.readLines()) {
      total++;
      try {
        this.apply(JSON.parse(text) as Partial<Line> & Record<string, unknown>);
      } catch {
        continue;
      }
    }
    const live = this.live().length;
    if (total > live) await this.exclusive(() => this.compact());
    else this.liveLines = live;
  }

  async put(item: StoredArchiveItem): Promise<boolean> {
    if (this.itemOf(item.subjectKey, item.id)) return false;
    await this.write({ kind: 'item', item });
    mapOf(this.items, item.subjectKey).set(item.id, item);
    return true;
  }

  async list(subjectKey: string): Promise<StoredArchiveItem[]> {
    return [...(this.items.get(subjectKey)?.values() ?? [])].filter((i) => this.kept(i.forgetAt)).sort(newestFirst);
  }

  async get(subjectKey: string, id: string): Promise<StoredArchiveItem | null> {
    return this.itemOf(subjectKey, id);
  }

  async remove(subjectKey: string, id: string): Promise<boolean> {
    if (!this.itemOf(subjectKey, id)) return false;
    await this.write({ kind: 'remove', subjectKey, id });
    this.dropItem(subjectKey, id);
    if (this.deadLines > Math.max(100, this.liveLines)) await this.exclusive(() => this.compact()).catch(() => undefined);
    return true;
  }

  async addShare(share: ArchiveShare): Promise<void> {
    await this.write({ kind: 'share', share });
    mapOf(this.shares, share.subjectKey).set(share.id, share);
  }

  async getShare(subjectKey: string, id: string): Promise<ArchiveShare | null> {
    const share = this.shares.get(subjectKey)?.get(id);
    return share && this.kept(share.validUntil) ? share : null;
  }

  async listShares(subjectKey: string): Promise<ArchiveShare[]> {
    return [...(this.shares.get(subjectKey)?.values() ?? [])].filter((s) => this.kept(s.validUntil)).sort(newestShareFirst);
  }

  async linkDossier(link: DossierLink): Promise<void> {
    const known = this.links.get(dossierKey(link.communeCode, link.dossierId))?.get(link.subjectKey);
    // Known for about as long already (within a day): nothing to write (every lookup of a dossier links its citizen again).
    if (known && Date.parse(known.forgetAt) + 86_400_000 >= Date.parse(link.forgetAt)) return;
    await this.write({ kind: 'link', link });
    mapOf(this.links, dossierKey(link.communeCode, link.dossierId)).set(link.subjectKey, link);
  }

  async dossierSubjects(communeCode: string, dossierId: string): Promise<string[]> {
    return [...(this.links.get(dossierKey(communeCode, dossierId))?.values() ?? [])].filter((l) => this.kept(l.forgetAt)).map((l) => l.subjectKey);
  }

  async close(): Promise<void> {
    await this.lines.close();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  private itemOf(subjectKey: string, id: string): StoredArchiveItem | null {
    const item = this.items.get(subjectKey)?.get(id);
    return item && this.kept(item.forgetAt) ? item : null;
  }

  private dropItem(subjectKey: string, id: string): void {
    this.items.get(subjectKey)?.delete(id);
    const shares = this.shares.get(subjectKey);
    for (const share of shares?.values() ?? []) if (share.itemId === id) shares?.delete(share.id);
  }

  private kept(until: string): boolean {
    return Date.parse(until) > this.now();
  }

  private apply(line: Partial<Line> & Record<string, unknown>): void {
    switch (line.kind) {
      case 'item': {
        const item = parseStoredItem(line.item);
        if (item && this.kept(item.forgetAt)) mapOf(this.items, item.subjectKey).set(item.id, item);
        break;
      }
      case 'remove':
        if (typeof line.subjectKey === 'string' && typeof line.id === 'string') this.dropItem(line.subjectKey, line.id);
        break;
      case 'share': {
        const share = parseShare(line.share);
        if (share && this.kept(share.validUntil) && this.items.get(share.subjectKey)?.has(share.itemId))
          mapOf(this.shares, share.subjectKey).set(share.id, share);
        break;
      }
      case 'link': {
        const link = line.link as DossierLink | undefined;
        if (
          link &&
          typeof link.communeCode === 'string' &&
          typeof link.dossierId === 'string' &&
          typeof link.subjectKey === 'string' &&
          typeof link.forgetAt === 'string'
        )
          if (this.kept(link.forgetAt)) mapOf(this.links, dossierKey(link.communeCode, link.dossierId)).set(link.subjectKey, link);
        break;
      }
      default:
        break;
    }
  }

  /** Every line still live, in an order that replays to the same state. */
  private live(): Line[] {
    const lines: Line[] = [];
    for (const items of this.items.values()) for (const item of items.values()) if (this.kept(item.forgetAt)) lines.push({ kind: 'item', item });
    for (const shares of this.shares.values()) for (const share of shares.values()) if (this.kept(share.validUntil)) lines.push({ kind: 'share', share });
    for (const links of this.links.values()) for (const link of links.values()) if (this.kept(link.forgetAt)) lines.push({ kind: 'link', link });
    return lines;
  }

  /** Rewrites the file with the live lines only (atomically), then appends to the new file. */
  private async compact(): Promise<void> {
    const live = this.live();
    await this.lines.close();
    try {
      await writeFileAtomic(this.options.file, live.map((line) => `${JSON.stringify(line)}\n`).join(''), 0o600);
    } finally {
      this.lines = new AppendOnlyLines(this.options.file);
    }
    this.liveLines = live.length;
    this.deadLines = 0;
  }

  /** Appends and rewrites one at a time: a rewrite swaps the file under the writer. */
  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.turn.then(operation);
    this.turn = result.catch(() => undefined);
    return result;
  }

  private async write(line: Line): Promise<void> {
    try {
      await this.exclusive(() => this.lines.append(JSON.stringify(line)));
    } catch (error) {
      throw new CitizenArchiveStoreUnavailableError(`archive could not be saved: ${(error as Error).message}`);
    }
    if (line.kind === 'remove') this.deadLines += 2;
    else this.liveLines++;
  }
}

function dossierKey(communeCode: string, dossierId: string): string {
  return `${communeCode}\n${dossierId}`;
}

function mapOf<V>(maps: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let map = maps.get(key);
  if (!map) maps.set(key, (map = new Map()));
  return map;
}
