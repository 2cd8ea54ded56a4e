import { Logger } from '@nestjs/common';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { AdapterCatalogStore, type CatalogChangeListener } from './adapter-catalog-store.port.js';
import type { AdapterCatalogChange, AdapterCatalogEntry } from './adapter-manifest.js';
import { checkCatalogEntry, encodeCatalogEntry } from './catalog-entry-codec.js';

/** Where the embedded profile keeps the adapter catalog. */
export function embeddedAdapterCatalogFile(dataDir: string): string {
  return path.join(dataDir, 'adapters', 'catalog.jsonl');
}

export interface FileAdapterCatalogStoreOptions {
  file: string;
  /** How often the file is checked for lines appended by this or another process. */
  pollMs?: number;
}

const NEWLINE = 0x0a;

/**
 * Embedded profile: an append-only JSON-lines file, one line per change
 * (`{"id":…,"entry":{…}}`, or `"entry":null` for a removal). Every process sharing the data
 * directory replays it from the start and then follows it, so they converge. Own writes reach the
 * listener through the same reader (at the end of put/remove), hence exactly once and in file order.
 */
export class FileAdapterCatalogStore extends AdapterCatalogStore {
  readonly location: string;
  private readonly logger = new Logger('AdapterCatalog');
  private readonly file: string;
  private readonly pollMs: number;
  private listener?: CatalogChangeListener;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Bytes of the file already split into lines; `remainder` holds a last line without its newline yet. */
  private offset = 0;
  private remainder = Buffer.alloc(0);
  private lineNumber = 0;
  private reads: Promise<void> = Promise.resolve();
  private queuedReads = 0;
  private writes: Promise<void> = Promise.resolve();

  constructor(options: FileAdapterCatalogStoreOptions) {
    super();
    this.file = options.file;
    this.location = options.file;
    this.pollMs = options.pollMs ?? 250;
  }

  async start(listener: CatalogChangeListener): Promise<void> {
    if (this.listener) throw new Error(`adapter catalog ${this.file}: already started`);
    this.listener = listener;
    this.stopped = false;
    this.offset = 0;
    this.remainder = Buffer.alloc(0);
    this.lineNumber = 0;
    try {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      // A read error here rejects start (the catalog cannot be read at all); later ones are only logged.
      await this.catchUp();
    } catch (error) {
      this.listener = undefined;
      throw error;
    }
    if (this.stopped) return;
    this.timer = setInterval(() => {
      if (this.queuedReads > 0) return;
      this.catchUp().catch((error: Error) => this.logger.warn({ file: this.file, reason: error.message }, 'reading the adapter catalog failed'));
    }, this.pollMs);
    this.timer.unref();
  }

  put(entry: AdapterCatalogEntry): Promise<void> {
    return this.append({ id: entry.manifest.id, entry });
  }

  async remove(id: string): Promise<void> {
    if (!id) throw new Error('adapter catalog: remove needs an adapter id');
    return this.append({ id, entry: null });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.reads.catch(() => undefined);
    await this.writes.catch(() => undefined);
    this.listener = undefined;
  }

  private async append(change: AdapterCatalogChange): Promise<void> {
    const line = `{"id":${JSON.stringify(change.id)},"entry":${change.entry ? encodeCatalogEntry(change.entry) : 'null'}}\n`;
    // One write at a time from this process; O_APPEND keeps whole lines from different processes apart.
    const written = this.writes.catch(() => undefined).then(() => this.appendDurably(line));
    this.writes = written;
    await written;
    // The line is durable: a failure to read it back is only logged, the poll will deliver it later.
    if (this.listener && !this.stopped) {
      await this.catchUp().catch((error: Error) => this.logger.warn({ file: this.file, reason: error.message }, 'reading the adapter catalog failed'));
    }
  }

  private async appendDurably(line: string): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const handle = await open(this.file, 'a+', 0o600);
    let created = false;
    try {
      const { size } = await handle.stat();
      created = size === 0;
      let data = Buffer.from(line, 'utf8');
      if (size > 0) {
        // A writer that crashed mid-line left no newline: start on a fresh line so only the torn one is lost.
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== NEWLINE) data = Buffer.concat([Buffer.from('\n'), data]);
      }
      await handle.write(data);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    // A new file is only durable once its directory entry is.
    if (created) await syncDirectory(path.dirname(this.file));
  }

  /** Reads what was appended since the last read and delivers it; reads never overlap. */
  private catchUp(): Promise<void> {
    this.queuedReads++;
    const read = this.reads
      .catch(() => undefined)
      .then(() => this.readNewLines())
      .finally(() => this.queuedReads--);
    this.reads = read;
    return read;
  }

  private async readNewLines(): Promise<void> {
    let handle;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing written yet
      throw error;
    }
    let chunk: Buffer;
    try {
      const { size } = await handle.stat();
      if (size < this.offset) {
        // Only an append-only file is supported; if someone truncated it, what was delivered stays and reading starts over.
        this.logger.warn({ file: this.file }, 'adapter catalog file shrank; reading it again from the start');
        this.offset = 0;
        this.remainder = Buffer.alloc(0);
        this.lineNumber = 0;
      }
      if (size === this.offset) return;
      chunk = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.offset);
      chunk = chunk.subarray(0, bytesRead);
      this.offset += bytesRead;
    } finally {
      await handle.close();
    }
    // Split on bytes, not on a decoded string: a read may end inside a multi-byte character.
    const data = this.remainder.length ? Buffer.concat([this.remainder, chunk]) : chunk;
    const end = data.lastIndexOf(NEWLINE);
    this.remainder = Buffer.from(data.subarray(end + 1));
    if (end < 0) return;
    for (const line of data.subarray(0, end).toString('utf8').split('\n')) {
      this.lineNumber++;
      if (this.stopped) continue;
      if (line.trim()) this.deliver(line, this.lineNumber);
    }
  }

  private deliver(line: string, lineNumber: number): void {
    let change: AdapterCatalogChange;
    try {
      change = parseLine(line);
    } catch (error) {
      this.logger.warn({ file: this.file, line: lineNumber, reason: (error as Error).message }, 'adapter catalog line skipped');
      return;
    }
    try {
      this.listener?.(change);
    } catch (error) {
      this.logger.warn({ file: this.file, line: lineNumber, reason: (error as Error).message }, 'adapter catalog listener failed');
    }
  }
}

function parseLine(line: string): AdapterCatalogChange {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error('not valid JSON');
  }
  if (typeof value !== 'object' || value === null) throw new Error('line is not an object');
  const { id, entry } = value as { id?: unknown; entry?: unknown };
  if (typeof id !== 'string' || !id) throw new Error('id is not a non-empty string');
  if (entry === null) return { id, entry: null };
  if (entry === undefined) throw new Error('entry is missing');
  return { id, entry: checkCatalogEntry(entry, id) };
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the file itself is already synced.
  } finally {
    await handle.close();
  }
}
