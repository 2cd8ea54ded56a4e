/**
 * Small file primitives for state that several processes may create or replace at the same time
 * (development issuer keys, evidence keys, secrets): readers never see a partial file, and an
 * existing file is never silently replaced by a racing creator.
 */
import { randomUUID } from 'node:crypto';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';

/** Parsed JSON of `file`, or undefined when it does not exist. */
export async function readJsonIfExists(file: string): Promise<unknown> {
  const text = await readTextIfExists(file, ['ENOENT']);
  return text === undefined ? undefined : (JSON.parse(text) as unknown);
}

/**
 * The file's text; undefined when reading fails with one of `absent` (default: no such file, or no
 * directory where its own would be).
 */
export async function readTextIfExists(file: string, absent: string[] = ['ENOENT', 'ENOTDIR']): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (absent.includes((error as NodeJS.ErrnoException).code ?? '')) return undefined;
    throw error;
  }
}

/** Replaces `file` atomically: readers see the old or the new content, never a partial write. */
export async function writeFileAtomic(file: string, content: string, mode: number): Promise<void> {
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temp, content, { mode, flag: 'wx' });
  try {
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/**
 * Creates `file` with `content` unless it exists; returns whether this call created it. Written to
 * a temp file and hard-linked into place, so the file appears complete, and (unlike rename) an
 * existing file is never replaced: two racing processes cannot end up signing with different keys.
 */
export async function createFileExclusive(file: string, content: string, mode: number): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temp, content, { mode, flag: 'wx' });
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EXDEV') {
      // File systems without hard links (some container volume drivers): exclusive create instead.
      try {
        await writeFile(file, content, { mode, flag: 'wx' });
        return true;
      } catch (fallbackError) {
        if ((fallbackError as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw fallbackError;
      }
    }
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
