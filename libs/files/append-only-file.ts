import { mkdir, open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

const NEWLINE = 0x0a;
/** How long a partial last line must stay unchanged before an appender takes it for a dead writer's. */
const TORN_CHECK_MS = 10;

export interface AppendOnlyFileOptions {
  /** Mode of the directory when it is created (default 0700). */
  dirMode?: number;
  /** Mode of the file when it is created (default 0600). */
  fileMode?: number;
  /** fsync the file (and once its directory) before an append resolves (default true). */
  fsync?: boolean;
}

interface PendingAppend {
  text: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A file of lines that only grows, shared by every file-backed store of the embedded profile (the
 * event log's partition files, the dossier bindings, the consents): each append is written whole
 * with O_APPEND and fsynced before it resolves unless told otherwise. A process killed mid-write
 * leaves a torn last line; the next append starts on a line of its own, so the torn one stays one
 * line readers skip.
 *
 * Group commit: appends that arrive while a write and its fsync are under way wait and then go out
 * together, in arrival order, as one write and one fsync. Under load (fifty dossier statuses at
 * once) that is one fsync for the lot instead of fifty in turn, each waiting for the ones before;
 * each append's text still lands contiguous, and each caller still hears back only once its own
 * text is on disk (or that the write failed: then every append of that write is refused).
 */
export class AppendOnlyFile {
  private queue: PendingAppend[] = [];
  /** The drain loop in progress, if any (close waits for it). */
  private draining?: Promise<void>;
  private handle?: FileHandle;
  private dirSynced = false;
  /** The file's size after this writer's last write, which ended in a newline (-1: unknown). */
  private sizeAfterOwnWrite = -1;
  private readonly options: Required<AppendOnlyFileOptions>;

  constructor(
    private readonly file: string,
    options: AppendOnlyFileOptions = {},
  ) {
    this.options = { dirMode: options.dirMode ?? 0o700, fileMode: options.fileMode ?? 0o600, fsync: options.fsync ?? true };
  }

  /** Appends `text` (whole lines, each ending in a newline); resolves once written (and synced). */
  append(text: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ text, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  async close(): Promise<void> {
    await this.draining;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    this.sizeAfterOwnWrite = -1;
  }

  /** Writes what is queued, one write per round, until nothing is. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.write(batch.length === 1 ? batch[0].text : batch.map((a) => a.text).join(''));
          for (const a of batch) a.resolve();
        } catch (error) {
          for (const a of batch) a.reject(error);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async write(text: string): Promise<void> {
    if (!this.handle) {
      await mkdir(path.dirname(this.file), { recursive: true, mode: this.options.dirMode });
      this.handle = await open(this.file, 'a+', this.options.fileMode);
    }
    const handle = this.handle;
    try {
      let data = Buffer.from(text, 'utf8');
      const { size } = await handle.stat();
      // Unchanged since this writer's own last write (which ended in a newline): nobody else wrote,
      // so the end is whole. Sizes only grow, so an append by another process shows as a change.
      if (size !== this.sizeAfterOwnWrite && (await endsTorn(handle, size))) data = Buffer.concat([Buffer.from('\n'), data]);
      // O_APPEND: the whole buffer lands at the end of the file, even with other processes appending.
      const { bytesWritten } = await handle.write(data);
      if (bytesWritten !== data.length) throw new Error(`short write to ${this.file} (${bytesWritten} of ${data.length} bytes)`);
      // Right only if nobody appended between the stat and the write; if somebody did, the next
      // stat differs and the end is checked in full.
      this.sizeAfterOwnWrite = size + bytesWritten;
      if (this.options.fsync) {
        await handle.sync();
        if (!this.dirSynced) {
          // The file's directory entry must be durable too, or a new file may vanish in a crash.
          await syncDir(path.dirname(this.file));
          this.dirSynced = true;
        }
      }
    } catch (error) {
      // Reopened on the next append: the handle may be what failed.
      this.handle = undefined;
      this.sizeAfterOwnWrite = -1;
      await handle.close().catch(() => undefined);
      throw error;
    }
  }
}

/**
 * Whether the file ends in a line without its newline that nobody is still writing. Another
 * process's append in progress can show as a partial line for a moment (the size grows page by
 * page), so a partial end counts as torn only once it stopped changing; if a writer is that slow
 * after all, the cost is a blank line (skipped by readers).
 */
async function endsTorn(handle: FileHandle, knownSize: number): Promise<boolean> {
  let previous = -1;
  for (let look = 0; look < 5; look++) {
    const size = look === 0 ? knownSize : (await handle.stat()).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === NEWLINE) return false;
    if (size === previous) return true;
    previous = size;
    await new Promise((r) => setTimeout(r, TORN_CHECK_MS));
  }
  return true;
}

/** fsyncs a directory, so a file created in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms cannot fsync a directory; the file's own fsync is then all there is.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
