import { Injectable } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AuditChain, chainWriterId, defaultInstanceId, type SealedBatch } from './audit-chain.js';
import { ChainedAuditSink } from './chained-audit-sink.js';

export interface FileAuditSinkOptions {
  /** JSON-lines file, opened for append (created with its directory). */
  file: string;
  /** fdatasync after each write batch: survives a power loss, costs a disk flush per batch. */
  sync: boolean;
  /** Writer id of this sink's chain (default: a new one for a default instance id). */
  writer?: string;
}

/**
 * Embedded-profile audit trail: an append-only JSON-lines file, one chained record per line
 * (audit-chain.ts). Concurrent appends are grouped into one write (group commit, see
 * ChainedAuditSink) so throughput does not depend on one syscall per lookup, and each caller is
 * released only after the write holding its line has completed. Several writers (gateway
 * processes) may share the file: every batch is one O_APPEND write, so their lines never
 * interleave on a local file system, and each keeps its own chain.
 */
@Injectable()
export class FileAuditSink extends ChainedAuditSink {
  private handle?: Promise<FileHandle>;
  /** A write failed: it may have left a partial line, which the next write must not continue. */
  private torn = false;

  constructor(private readonly options: FileAuditSinkOptions) {
    super({ chain: new AuditChain(options.writer ?? chainWriterId(defaultInstanceId())) });
  }

  protected async write(batch: SealedBatch): Promise<void> {
    try {
      const handle = await this.open();
      // The file is opened with O_APPEND: a plain write appends, without appendFile's per-call stat.
      // After a failed write the batch starts on a fresh line: a partial line stays one unreadable line.
      const text = (this.torn ? '\n' : '') + batch.lines.join('\n') + '\n';
      const bytes = Buffer.from(text, 'utf8');
      for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset)).bytesWritten;
      this.torn = false;
      if (this.options.sync) await handle.datasync();
    } catch (error) {
      this.torn = true;
      const handle = this.handle;
      this.handle = undefined;
      await handle?.then((h) => h.close()).catch(() => undefined);
      throw error;
    }
  }

  private open(): Promise<FileHandle> {
    if (!this.handle) {
      mkdirSync(path.dirname(this.options.file), { recursive: true });
      this.handle = open(this.options.file, 'a', 0o600);
    }
    return this.handle;
  }

  protected async release(): Promise<void> {
    const handle = await this.handle?.catch(() => undefined);
    this.handle = undefined;
    await handle?.close();
  }
}
