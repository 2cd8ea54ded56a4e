import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/**
 * A file of lines that only grows, for small durable state of the embedded profile (one line per
 * change, the last one for a key wins): each append is one O_APPEND write, fsynced before it
 * resolves, appends in turn. A process killed mid-write leaves a torn last line; the next append
 * starts on a line of its own, and readers skip what does not parse.
 */
export class AppendOnlyLines {
  private tail: Promise<void> = Promise.resolve();
  private handle?: FileHandle;
  private dirSynced = false;

  constructor(private readonly file: string) {}

  /** The complete lines written so far (the torn last one, if any, too: the caller's parser skips it). */
  async readLines(): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return text.split('\n').filter((line) => line.length > 0);
  }

  /** Appends one line (it must not hold a newline); resolves once it is on disk. */
  append(line: string): Promise<void> {
    if (line.includes('\n')) return Promise.reject(new TypeError('a line must not contain a newline'));
    const run = this.tail.then(() => this.write(line));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.tail;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  private async write(line: string): Promise<void> {
    if (!this.handle) {
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      this.handle = await open(this.file, 'a+', 0o600);
    }
    const handle = this.handle;
    try {
      let data = Buffer.from(`${line}\n`, 'utf8');
      const { size } = await handle.stat();
      if (size > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, size - 1);
        if (last[0] !== 0x0a) data = Buffer.concat([Buffer.from('\n'), data]);
      }
      const { bytesWritten } = await handle.write(data);
      if (bytesWritten !== data.length) throw new Error(`short write to ${this.file} (${bytesWritten} of ${data.length} bytes)`);
      await handle.sync();
      if (!this.dirSynced) {
        // The file's directory entry must be durable too, or a new file may vanish in a crash.
        await syncDir(path.dirname(this.file));
        this.dirSynced = true;
      }
    } catch (error) {
      // Reopened on the next append: the handle may be what failed.
      this.handle = undefined;
      await handle.close().catch(() => undefined);
      throw error;
    }
  }
}

async function syncDir(dir: string): Promise<void> {
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
