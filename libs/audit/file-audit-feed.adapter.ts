import { Logger } from '@nestjs/common';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { AuditFeed, type AuditFeedHandler, type RunningAuditFeed } from './audit-feed.port.js';
import { parseTrailText, readCompleteLines, toFeedDelivery } from './audit-trail-reader.js';

export interface FileAuditFeedOptions {
  /** The audit JSON-lines file the FileAuditSink writes. */
  file: string;
  /** How often the end of the file is checked for new lines (default 100 ms). */
  pollMs?: number;
}

/** First pause after a handler threw; doubled per failed attempt of the same entry, up to the maximum. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 5_000;

/**
 * Embedded-profile AuditFeed: tails the append-only audit file from its first line; the position
 * is the line number (from 1). The consumer name is not used: the file keeps no offsets, so every
 * follow() reads the whole file again (embedded projections live in memory and are rebuilt on
 * start). A file that does not exist yet is waited for. Lines that are not JSON are skipped with a
 * warning (the verify command reports them).
 */
export class FileAuditFeed extends AuditFeed {
  private readonly logger = new Logger('AuditFeed');

  constructor(private readonly options: FileAuditFeedOptions) {
    super();
  }

  async follow(_consumer: string, handler: AuditFeedHandler): Promise<RunningAuditFeed> {
    const end = await stat(this.options.file).then(
      (s) => s.size,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return 0;
        throw error;
      },
    );
    const tail = new FileTail(this.options.file, end, this.options.pollMs ?? 100, handler, this.logger);
    tail.start();
    return tail;
  }
}

class FileTail implements RunningAuditFeed {
  private stopping = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private offset = 0;
  private line = 0;
  private resolveCaughtUp!: () => void;
  private rejectCaughtUp!: (error: Error) => void;
  private readonly caught = new Promise<void>((resolve, reject) => {
    this.resolveCaughtUp = resolve;
    this.rejectCaughtUp = reject;
  });

  constructor(
    private readonly file: string,
    /** File size when follow() was called: caught up once every line before it was handled. */
    private readonly end: number,
    private readonly pollMs: number,
    private readonly handler: AuditFeedHandler,
    private readonly logger: Logger,
  ) {
    // Nobody may ask for caughtUp(); its rejection on stop must not count as unhandled then.
    this.caught.catch(() => undefined);
    if (end === 0) this.resolveCaughtUp();
  }

  start(): void {
    this.loop = this.run().catch((error: Error) => {
      this.logger.error({ file: this.file, reason: error.message }, 'audit feed stopped');
      this.rejectCaughtUp(error);
    });
  }

  private async run(): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      while (!this.stopping) {
        handle ??= await open(this.file, 'r').catch((error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return undefined;
          throw error;
        });
        if (handle) this.offset = await readCompleteLines(handle, this.offset, (text) => this.deliver(text), () => this.stopping);
        if (this.offset >= this.end) this.resolveCaughtUp();
        if (!this.stopping) await this.sleep(this.pollMs);
      }
    } finally {
      await handle?.close();
    }
  }

  private async deliver(text: string): Promise<void> {
    this.line++;
    if (text.trim() === '') return;
    const value = parseTrailText(text);
    if (!value) {
      this.logger.warn({ file: this.file, line: this.line }, 'audit file line is not a JSON object; skipped');
      return;
    }
    const { entry, position } = toFeedDelivery(value, String(this.line));
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        await this.handler(entry, position);
        return;
      } catch (error) {
        if (this.stopping) break;
        const pauseMs = Math.min(RETRY_FIRST_MS * 2 ** (attempt - 1), RETRY_MAX_MS);
        this.logger.warn({ file: this.file, line: this.line, attempt, retryInMs: pauseMs, reason: (error as Error)?.message }, 'audit feed handler failed; the same entry is handled again after a pause');
        await this.sleep(pauseMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    this.rejectCaughtUp(new Error('audit feed stopped before it caught up'));
    await this.loop;
  }

  caughtUp(): Promise<void> {
    return this.caught;
  }
}
