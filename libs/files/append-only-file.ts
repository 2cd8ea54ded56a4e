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

/**
 * A file of lines that only grows, shared by every file-backed store of the embedded profile (the
 * event log's partition files, the dossier bindings, the consents): each append is one O_APPEND
 * write of whole lines, appends in turn, fsynced before they resolve unless told otherwise. A
 * process killed mid-write leaves a torn last line; the next append starts on a line of its own, so
 * the torn one stays one line readers skip.
 */
export class AppendOnlyFile {
  private tail: Promise<void> = Promise.resolve();
  private handle?: FileHandle;
  private dirSynced = false;
  private readonly options: Required<AppendOnlyFileOptions>;

  constructor(
    private readonly file: string,
    options: AppendOnlyFileOptions = {},
  ) {
    this.options = { dirMode: options.dirMode ?? 0o700, fileMode: options.fileMode ?? 0o600, fsync: options.fsync ?? true };
  }

  /** Appends `text` (whole lines, each ending in a newline); resolves once written (and synced). */
  append(text: string): Promise<void> {
    const run = this.tail.then(() => this.write(text));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.tail;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  private async write(text: string): Promise<void> {
    if (!this.handle) {
      await mkdir(path.dirname(this.file), { recursive: true, mode: this.options.dirMode });
      this.handle = await open(this.file, 'a+', this.options.fileMode);
    }
    const handle = this.handle;
    try {
      let data = Buffer.from(text, 'utf8');
      if (await endsTorn(handle)) data = Buffer.concat([Buffer.from('\n'), data]);
      // O_APPEND: the whole buffer lands at the end of the file, even with other processes appending.
      const { bytesWritten } = await handle.write(data);
      if (bytesWritten !== data.length) throw new Error(`short write to ${this.file} (${bytesWritten} of ${data.length} bytes)`);
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
async function endsTorn(handle: FileHandle): Promise<boolean> {
  let previous = -1;
  for (let look = 0; look < 5; look++) {
    const { size } = await handle.stat();
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
