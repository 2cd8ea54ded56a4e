import { jest } from '@jest/globals';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppendOnlyFile } from './append-only-file.js';

/** Counts the fsyncs of the file handles opened while `run` runs. */
async function countingSyncs<T>(run: (syncs: { count: number }) => Promise<T>): Promise<T> {
  const syncs = { count: 0 };
  const fs = await import('node:fs/promises');
  const handle = await fs.open(os.devNull, 'r');
  const prototype = Object.getPrototypeOf(handle) as FileHandle;
  await handle.close();
  const original = prototype.sync;
  const spy = jest.spyOn(prototype, 'sync').mockImplementation(function (this: FileHandle) {
    syncs.count++;
    return original.call(this);
  });
  try {
    return await run(syncs);
  } finally {
    spy.mockRestore();
  }
}

describe('AppendOnlyFile', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'append-only-file-'));
    file = path.join(dir, 'sub', 'lines.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes appends that arrive together as one fsynced write, in arrival order, each resolved only after it', async () => {
    const writer = new AppendOnlyFile(file);
    await countingSyncs(async (syncs) => {
      await writer.append('first\n'); // opens the file; one fsync for the file (+ one for its directory)
      const afterFirst = syncs.count;
      expect(afterFirst).toBeGreaterThanOrEqual(1); // the counter sees fsyncs at all
      const resolved: number[] = [];
      const appends = Array.from({ length: 50 }, (_, i) => writer.append(`line ${i}\n`).then(() => resolved.push(i)));
      await Promise.all(appends);
      // The first of the fifty goes out alone (nothing else was queued yet), the other 49 together.
      expect(syncs.count - afterFirst).toBeLessThanOrEqual(2);
      expect(resolved).toHaveLength(50);
    });
    await writer.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toEqual(['first', ...Array.from({ length: 50 }, (_, i) => `line ${i}`), '']);
  });

  it('starts on a line of its own after a torn last line, and notices another process appending', async () => {
    const writer = new AppendOnlyFile(file);
    await writer.append('a\n');
    appendFileSync(file, 'other process\n'); // whole line by someone else: nothing to repair
    await writer.append('b\n');
    appendFileSync(file, '{"torn'); // a writer killed mid-line
    await writer.append('c\n');
    await writer.close();
    expect(readFileSync(file, 'utf8')).toBe('a\nother process\nb\n{"torn\nc\n');
  });

  it('refuses every append of a write that failed, and writes again on the next append', async () => {
    const writer = new AppendOnlyFile(file);
    await writer.append('ok\n');
    const fs = await import('node:fs/promises');
    const handle = await fs.open(os.devNull, 'r');
    const prototype = Object.getPrototypeOf(handle) as FileHandle;
    await handle.close();
    const spy = jest.spyOn(prototype, 'write').mockRejectedValue(new Error('disk full') as never);
    const failed = await Promise.allSettled([writer.append('x\n'), writer.append('y\n'), writer.append('z\n')]);
    spy.mockRestore();
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    await writer.append('after\n');
    await writer.close();
    expect(readFileSync(file, 'utf8')).toBe('ok\nafter\n');
  });

  it('close waits for queued appends', async () => {
    const writer = new AppendOnlyFile(file, { fsync: false });
    const appends = [writer.append('1\n'), writer.append('2\n'), writer.append('3\n')];
    await writer.close();
    await Promise.all(appends);
    expect(readFileSync(file, 'utf8')).toBe('1\n2\n3\n');
  });
});
