import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { AuditRecord } from './audit-record.js';
import { AuditSink } from './audit-sink.port.js';

export interface FileAuditSinkOptions {
  /** JSON-lines file, opened for append (created with its directory). */
  file: string;
  /** fdatasync after each write batch: survives a power loss, costs a disk flush per batch. */
  sync: boolean;
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Embedded-profile audit trail: an append-only JSON-lines file. Concurrent appends are grouped
 * into one write (group commit) so throughput does not depend on one syscall per lookup, and each
 * caller is released only after the write holding its line has completed.
 */
@Injectable()
export class FileAuditSink extends AuditSink implements OnModuleDestroy {
  private handle?: Promise<FileHandle>;
  private queue: Pending[] = [];
  private writing = false;

  constructor(private readonly options: FileAuditSinkOptions) {
    super();
  }

  append(record: AuditRecord): Promise<void> {
    return this.enqueue([JSON.stringify(record) + '\n']);
  }

  appendMany(records: AuditRecord[]): Promise<void> {
    return this.enqueue(records.map((r) => JSON.stringify(r) + '\n'));
  }

  private enqueue(lines: string[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      // Only the last line's promise matters for a group: all lines of one call are written together.
      lines.forEach((line, index) =>
        this.queue.push({ line, resolve: index === lines.length - 1 ? resolve : noop, reject: index === lines.length - 1 ? reject : noop }),
      );
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          const handle = await this.open();
          // The file is opened with O_APPEND: a plain write appends, without appendFile's per-call stat.
          const bytes = Buffer.from(batch.map((p) => p.line).join(''), 'utf8');
          for (let offset = 0; offset < bytes.length; ) offset += (await handle.write(bytes, offset)).bytesWritten;
          if (this.options.sync) await handle.datasync();
          for (const pending of batch) pending.resolve();
        } catch (error) {
          this.handle = undefined;
          for (const pending of batch) pending.reject(error as Error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private open(): Promise<FileHandle> {
    if (!this.handle) {
      mkdirSync(path.dirname(this.options.file), { recursive: true });
      this.handle = open(this.options.file, 'a', 0o600);
    }
    return this.handle;
  }

  async onModuleDestroy(): Promise<void> {
    while (this.writing) await new Promise((r) => setTimeout(r, 5));
    const handle = await this.handle?.catch(() => undefined);
    await handle?.close();
    this.handle = undefined;
  }
}

function noop(): void {}
