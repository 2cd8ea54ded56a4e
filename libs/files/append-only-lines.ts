import { readFile } from 'node:fs/promises';
import { AppendOnlyFile } from './append-only-file.js';

/**
 * A file of lines that only grows, for small durable state of the embedded profile (one line per
 * change, the last one for a key wins): each append is one fsynced line (AppendOnlyFile), appends
 * in turn. A torn last line left by a killed process is skipped by the caller's parser.
 */
export class AppendOnlyLines {
  private readonly writer: AppendOnlyFile;

  constructor(private readonly file: string) {
    this.writer = new AppendOnlyFile(file);
  }

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
    return this.writer.append(`${line}\n`);
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
