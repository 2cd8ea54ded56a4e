import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AppendOnlyFile } from '@motlan/files/append-only-file.js';
import { createFileExclusive, readJsonIfExists, writeFileAtomic } from '@motlan/files/atomic-file.js';
import { CatchUp, StopSignal, ephemeralGroupId, handleUntilResolved, requestedStarts, startKey } from './consume-support.js';
import {
  EventLog,
  type ConsumeContext,
  type ConsumedMessage,
  type ConsumerOptions,
  type LogMessage,
  type MessageHandler,
  type PartitionOffset,
  type RunningConsumer,
} from './event-log.port.js';

export interface FileEventLogOptions {
  /** Root of the log: `<dir>/<topic>/<partition>.jsonl`, `<dir>/_groups/<group>/<topic>/<partition>.offset`. */
  dir: string;
  /** Partitions of a topic this instance creates (default 1); a topic keeps the count it was created with. */
  partitions?: number;
  /** How often consumers look for new lines when they have read everything (default 100 ms). */
  pollMs?: number;
  /**
   * Directories 0700 and files 0600, for a log only the gateway's own user may read (the adapter
   * catalog); otherwise directories follow the umask and files are 0644.
   */
  private?: boolean;
  /**
   * fsync before an append resolves (default true). false: an append survives a crash of the
   * process but not of the machine (the embedded audit trail unless MOTLAN_AUDIT_FSYNC is set).
   */
  fsync?: boolean;
}

/** Modes of what the log creates; undefined: the defaults (umask; offset and layout files 0644). */
interface FileModes {
  dir?: number;
  file?: number;
}

/** One line of a partition file. */
interface FileLine {
  k: string;
  v: string | null;
  h: Record<string, string>;
  /** Milliseconds since the epoch of the append. */
  t: number;
}

const NEWLINE = 0x0a;
/** Bytes read from a partition file at a time (a longer line is assembled over several reads). */
const READ_CHUNK = 1 << 20;
/**
 * After handling what a read found, a consumer that has reached the end of the file waits this
 * long (or pollMs, if shorter) before it looks again. Without the pause a follower of a busy file
 * (the audit trail under lookups) woke for every group-committed write, a stat and a read each
 * time, in every follower (the CPU profile of the embedded gateway put about 6 % of a cached
 * lookup's CPU there); with it, at most 50 wake-ups a second per follower, each taking everything
 * written meanwhile. A read that stopped at READ_CHUNK with more to read does not wait.
 */
const FOLLOW_PAUSE_MS = 20;
/** Handled offsets are written out after every read batch, and at least this often meanwhile. */
const COMMIT_INTERVAL_MS = 500;
const GROUPS_DIR = '_groups';
const TOPIC_FILE = 'topic.json';
/** Kafka's legal topic characters: names become directory names here, so nothing else gets in. */
const NAME = /^[A-Za-z0-9._-]+$/;

/**
 * Embedded-profile EventLog: append-only JSON-lines files under a data directory, one per topic and
 * partition; a message's offset is its line index. Appends are fsynced before they resolve;
 * committed offsets are small files replaced atomically after handled messages (in batches and
 * without fsync: a commit lost in a crash only means re-delivery). A consumer finds its committed
 * line by reading the file from the start once; after that it only reads what was appended.
 *
 * Several processes may share the directory: every append is one O_APPEND write (lines of two
 * writers never interleave on a local file system; not for network file systems), and consumers
 * follow the files by their size, so each process sees the others' appends within pollMs. One
 * consumer group, though, is meant to be consumed by one process at a time: there is no group
 * coordination across processes (two would both handle every message and race on the offset
 * files). Within one instance a group can only be consumed once at a time.
 *
 * A topic's partition count is recorded in `<dir>/<topic>/topic.json` by its first user, so every
 * process maps keys to the same partitions whatever its own `partitions` option says.
 */
export class FileEventLog extends EventLog {
  private readonly logger = new Logger('EventLog');
  private readonly dir: string;
  private readonly partitions: number;
  private readonly pollMs: number;
  private readonly modes: FileModes;
  private readonly fsync: boolean;
  private readonly layouts = new Map<string, Promise<number>>();
  private readonly writers = new Map<string, AppendOnlyFile>();
  private readonly counters = new Map<string, LineCounter>();
  private readonly consumers = new Set<FileRunningConsumer>();
  private readonly groupsInUse = new Set<string>();

  constructor(options: FileEventLogOptions) {
    super();
    this.dir = options.dir;
    this.partitions = options.partitions ?? 1;
    this.pollMs = options.pollMs ?? 100;
    this.modes = options.private ? { dir: 0o700, file: 0o600 } : {};
    this.fsync = options.fsync ?? true;
    if (!Number.isInteger(this.partitions) || this.partitions < 1)
      throw new Error(`file sync log: partitions must be a positive integer, not ${options.partitions}`);
  }

  async append(topic: string, messages: LogMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const partitions = await this.partitionsOf(topic);
    const t = Date.now();
    const lines = new Map<number, string[]>();
    for (const { key, value, headers } of messages) {
      if (typeof key !== 'string') throw new Error(`file sync log: message key must be a string (topic ${topic})`);
      const line: FileLine = { k: key, v: value ?? null, h: headers ?? {}, t };
      const partition = partitionOf(key, partitions);
      let list = lines.get(partition);
      if (!list) lines.set(partition, (list = []));
      list.push(JSON.stringify(line));
    }
    // One write per partition file: the call's messages of one key stay together and in order.
    await Promise.all([...lines].map(([partition, list]) => this.writer(topic, partition).append(list.join('\n') + '\n')));
  }

  async consume(options: ConsumerOptions, handler: MessageHandler): Promise<RunningConsumer> {
    const ephemeral = options.ephemeral === true;
    if (options.topics.length === 0) throw new Error('sync log consume: no topics');
    options.topics.forEach((topic) => checkName('topic', topic));
    if (!ephemeral) {
      checkName('group', options.group);
      if (this.groupsInUse.has(options.group)) throw new Error(`file sync log: group ${options.group} is already being consumed by this instance`);
    }
    const groupId = ephemeral ? ephemeralGroupId(options.group) : options.group;
    const starts = requestedStarts(options);
    const partitions: PartitionPlan[] = [];
    const catchUp = new CatchUp();
    for (const topic of options.topics) {
      const count = await this.partitionsOf(topic);
      for (let partition = 0; partition < count; partition++) {
        const end = await this.lineCount(topic, partition);
        // A start past the end waits there for the lines to come (a snapshot of another instance may be ahead of our view).
        let start = Number(starts.get(startKey(topic, partition)) ?? 0n);
        if (!ephemeral) {
          const committed = await this.readCommitted(groupId, topic, partition);
          start = committed ?? (options.fromBeginning ? 0 : end);
        }
        catchUp.target(topic, partition, BigInt(end), BigInt(start));
        partitions.push({
          topic,
          partition,
          start,
          file: this.partitionFile(topic, partition),
          offsetFile: ephemeral ? undefined : this.offsetFile(groupId, topic, partition),
        });
      }
    }
    catchUp.arm();
    const running = new FileRunningConsumer(groupId, partitions, handler, catchUp, this.pollMs, this.logger, this.modes);
    if (!ephemeral) this.groupsInUse.add(groupId);
    this.consumers.add(running);
    running.onStopped = () => {
      this.consumers.delete(running);
      if (!ephemeral) this.groupsInUse.delete(groupId);
    };
    running.start();
    return running;
  }

  async endOffsets(topic: string): Promise<PartitionOffset[]> {
    const count = await this.partitionsOf(topic);
    const offsets: PartitionOffset[] = [];
    for (let partition = 0; partition < count; partition++) offsets.push({ partition, offset: String(await this.lineCount(topic, partition)) });
    return offsets;
  }

  async committedOffsets(group: string, topic: string): Promise<PartitionOffset[]> {
    checkName('group', group);
    const count = await this.partitionsOf(topic);
    const offsets: PartitionOffset[] = [];
    for (let partition = 0; partition < count; partition++) {
      const committed = await this.readCommitted(group, topic, partition);
      offsets.push({ partition, offset: committed === undefined ? '-1' : String(committed) });
    }
    return offsets;
  }

  /**
   * Nothing to create on files (a topic appears with its first append). This only records each
   * topic's layout early, with this instance's `partitions` option: the argument is Kafka's.
   */
  async ensureTopics(topics: string[], _partitions: number): Promise<void> {
    for (const topic of topics) await this.partitionsOf(topic);
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await Promise.all([...this.writers.values()].map((w) => w.close()));
    this.writers.clear();
  }

  /** The topic's partition count: recorded by its first user, read back by everyone else. */
  private partitionsOf(topic: string): Promise<number> {
    let layout = this.layouts.get(topic);
    if (!layout) {
      layout = this.readLayout(topic);
      layout.catch(() => this.layouts.delete(topic));
      this.layouts.set(topic, layout);
    }
    return layout;
  }

  private async readLayout(topic: string): Promise<number> {
    checkName('topic', topic);
    if (topic === GROUPS_DIR) throw new Error(`file sync log: ${GROUPS_DIR} is reserved and cannot be a topic`);
    const file = path.join(this.dir, topic, TOPIC_FILE);
    let recorded = await readJsonIfExists(file);
    if (recorded === undefined) {
      await mkdir(path.dirname(file), { recursive: true, mode: this.modes.dir });
      // Exclusive: two processes starting together cannot record different counts.
      await createFileExclusive(file, JSON.stringify({ partitions: this.partitions }) + '\n', this.modes.file ?? 0o644);
      recorded = await readJsonIfExists(file);
    }
    const partitions = (recorded as { partitions?: unknown } | undefined)?.partitions;
    if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1)
      throw new Error(`file sync log: ${file} does not name a partition count`);
    if (partitions !== this.partitions)
      this.logger.warn({ topic, recorded: partitions, configured: this.partitions }, 'file sync log topic keeps the partition count it was created with');
    return partitions;
  }

  private writer(topic: string, partition: number): AppendOnlyFile {
    const file = this.partitionFile(topic, partition);
    let writer = this.writers.get(file);
    if (!writer)
      this.writers.set(file, (writer = new AppendOnlyFile(file, { dirMode: this.modes.dir ?? 0o777, fileMode: this.modes.file ?? 0o666, fsync: this.fsync })));
    return writer;
  }

  private lineCount(topic: string, partition: number): Promise<number> {
    const file = this.partitionFile(topic, partition);
    let counter = this.counters.get(file);
    if (!counter) this.counters.set(file, (counter = new LineCounter(file, this.logger)));
    return counter.count();
  }

  /** The committed offset, undefined when none; an unreadable file counts as 0 (re-delivery, never a skip). */
  private async readCommitted(group: string, topic: string, partition: number): Promise<number | undefined> {
    const file = this.offsetFile(group, topic, partition);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const trimmed = text.trim();
    if (/^\d+$/.test(trimmed)) return Number(trimmed);
    this.logger.warn({ file }, 'file sync log offset file unreadable; the group reads that partition from the beginning');
    return 0;
  }

  private partitionFile(topic: string, partition: number): string {
    return path.join(this.dir, topic, `${partition}.jsonl`);
  }

  private offsetFile(group: string, topic: string, partition: number): string {
    return path.join(this.dir, GROUPS_DIR, group, topic, `${partition}.offset`);
  }
}

interface PartitionPlan {
  topic: string;
  partition: number;
  /** First line index to hand to the handler. */
  start: number;
  file: string;
  /** Where commits go; undefined for ephemeral readers. */
  offsetFile?: string;
}

class FileRunningConsumer implements RunningConsumer {
  onStopped?: () => void;
  private readonly signal = new StopSignal();
  private readonly context: ConsumeContext;
  private loops: Promise<void>[] = [];
  private stopped?: Promise<void>;

  constructor(
    private readonly groupId: string,
    private readonly plans: PartitionPlan[],
    private readonly handler: MessageHandler,
    private readonly catchUp: CatchUp,
    private readonly pollMs: number,
    private readonly logger: Logger,
    private readonly modes: FileModes,
  ) {
    const signal = this.signal;
    this.context = {
      // Nothing to keep alive: a file group has no membership that could expire.
      heartbeat: async () => undefined,
      get stopping() {
        return signal.stopping;
      },
    };
  }

  start(): void {
    // Partitions run side by side, each one message at a time.
    this.loops = this.plans.map((plan) => this.follow(plan));
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.signal.stop();
      this.catchUp.stop();
      await Promise.all(this.loops);
      this.onStopped?.();
    })();
    return this.stopped;
  }

  caughtUp(): Promise<void> {
    return this.catchUp.done();
  }

  /** Follows one partition file until stopped: reads new complete lines, handles, commits. */
  private async follow(plan: PartitionPlan): Promise<void> {
    const reader = new PartitionReader(plan.file, plan.topic, plan.partition);
    const commits = plan.offsetFile ? new OffsetCommitter(plan.offsetFile, plan.start, this.logger, this.modes) : undefined;
    try {
      while (!this.signal.stopping) {
        let batch: ReadBatch;
        try {
          batch = await reader.next();
        } catch (error) {
          this.logger.warn({ file: plan.file, reason: (error as Error).message }, 'file sync log partition not readable; trying again');
          batch = { first: 0, items: [] };
        }
        if (batch.items.length === 0) {
          await commits?.flush();
          await this.signal.sleep(this.pollMs);
          continue;
        }
        for (let i = 0; i < batch.items.length; i++) {
          const offset = batch.first + i;
          if (offset < plan.start) continue;
          if (this.signal.stopping) return;
          const item = batch.items[i];
          if (item === 'corrupt')
            this.logger.warn({ topic: plan.topic, partition: plan.partition, offset }, 'file sync log line is not a message (torn write?); skipped');
          if (typeof item === 'object') {
            const handled = await handleUntilResolved(item, { handler: this.handler, context: this.context, signal: this.signal, logger: this.logger });
            if (!handled) return;
          }
          // Blank and torn lines (see AppendOnlyFile) hold an offset but no message: they count as handled.
          commits?.handled(offset + 1);
          this.catchUp.advance(plan.topic, plan.partition, BigInt(offset + 1));
        }
        await commits?.flush();
        if (reader.atEnd) await this.signal.sleep(Math.min(this.pollMs, FOLLOW_PAUSE_MS));
      }
    } catch (error) {
      this.logger.error(
        { groupId: this.groupId, topic: plan.topic, partition: plan.partition, reason: (error as Error).message },
        'file sync log consumer stopped on an error',
      );
    } finally {
      // What was handled is committed, also when stopping in the middle of a read batch.
      await commits?.close();
      await reader.close();
    }
  }
}

/** A line of a partition file as read: the message it holds, or why it holds none. */
type ReadItem = ConsumedMessage | 'blank' | 'corrupt';

/** The items a read found: the line at offset `first` and those after it. */
interface ReadBatch {
  first: number;
  items: readonly ReadItem[];
}

/** What one follower read of a partition file: lines from offset `first`, up to byte `to` (after a newline). */
interface SharedRead extends ReadBatch {
  to: number;
  atEnd: boolean;
}

/** Reads of one open partition file kept for the other followers of this process, newest last. */
interface SharedReads {
  readers: number;
  reads: SharedRead[];
  /** Settles when the read in progress, if any, has been kept. */
  reading?: Promise<void>;
}

/** Reads kept per file: enough for followers a few reads apart (one read is at most READ_CHUNK). */
const SHARED_READS_KEPT = 4;

/**
 * Reads of partition files shared by the followers of one process. Several followers often tail
 * one file (the embedded audit trail has three: the access log, the service indicators and data
 * quality, each through a log instance of its own), and each used to read and parse every line
 * itself. Now every read is kept for a moment, parsed, and a follower whose next line lies in one
 * takes the rest of it instead of reading: the same messages, the same objects (handlers must not
 * change them). Within one file a line's offset stands for its byte position, so a follower that
 * holds no partial line can continue from any line of another's read. Keyed by the file's device
 * and inode; a file's reads are kept only while a follower holds it open, so an inode reused after
 * the file was deleted never meets reads of the file it replaced.
 */
const sharedReads = new Map<string, SharedReads>();

/** The messages of a partition file as they are appended, remembering how far it read. */
class PartitionReader {
  private handle?: FileHandle;
  /** Device and inode of the open file: the key of its shared reads. */
  private identity?: string;
  private position = 0;
  /** Offset of the next complete line. */
  private index = 0;
  private partial: Buffer = Buffer.alloc(0);
  /** Whether the last read reached what was the end of the file when it began. */
  atEnd = true;

  constructor(
    private readonly file: string,
    private readonly topic: string,
    private readonly partition: number,
  ) {}

  /** The lines appended since the last call; none when nothing new. */
  async next(): Promise<ReadBatch> {
    if (!this.handle) {
      // Most partitions of a quiet system have no file yet, and every follower asks again each
      // pollMs: a failed open builds an error with a stack each time (seen in the embedded profile's
      // CPU profile), a synchronous existence check is one cheap syscall.
      if (!existsSync(this.file)) return { first: this.index, items: [] };
      let handle: FileHandle;
      try {
        handle = await open(this.file, 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { first: this.index, items: [] };
        throw error;
      }
      const { dev, ino } = await handle.stat();
      this.handle = handle;
      this.identity = `${dev}:${ino}`;
      let shared = sharedReads.get(this.identity);
      if (!shared) sharedReads.set(this.identity, (shared = { readers: 0, reads: [] }));
      shared.readers++;
    }
    const shared = sharedReads.get(this.identity!)!;
    if (this.partial.length === 0) {
      // Followers that woke together wait for the one read in progress rather than each reading.
      if (shared.reading) await shared.reading;
      const taken = this.takeShared(shared);
      if (taken) return taken;
    }
    const reading = this.read(this.handle, shared);
    const settled = reading.then(
      () => undefined,
      () => undefined,
    );
    shared.reading = settled;
    try {
      return await reading;
    } finally {
      if (shared.reading === settled) shared.reading = undefined;
    }
  }

  /**
   * The rest of a kept read that holds this follower's next line. Followers wake at their own
   * times, so another's read usually began before this one's place; within one file, the line
   * offset stands for the byte position.
   */
  private takeShared(shared: SharedReads): ReadBatch | undefined {
    const index = this.index;
    const read = shared.reads.find((r) => r.first <= index && index < r.first + r.items.length);
    if (!read) return undefined;
    this.position = read.to;
    this.index = read.first + read.items.length;
    this.atEnd = read.atEnd;
    return { first: index, items: index === read.first ? read.items : read.items.slice(index - read.first) };
  }

  /** Reads what was appended since this follower's place, and keeps it for the others. */
  private async read(handle: FileHandle, shared: SharedReads): Promise<ReadBatch> {
    const { size } = await handle.stat();
    if (size < this.position) throw new Error(`${this.file} shrank below what was read (${size} < ${this.position} bytes): an append-only file was truncated`);
    if (size === this.position) return { first: this.index, items: [] };
    const chunk = Buffer.allocUnsafe(Math.min(size - this.position, READ_CHUNK));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.position);
    this.position += bytesRead;
    this.atEnd = this.position >= size;
    const data = this.partial.length > 0 ? Buffer.concat([this.partial, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    const first = this.index;
    const items: ReadItem[] = [];
    let start = 0;
    for (let newline = data.indexOf(NEWLINE, start); newline >= 0; newline = data.indexOf(NEWLINE, start)) {
      items.push(this.message(data.subarray(start, newline), this.index++));
      start = newline + 1;
    }
    // A line still being written (no newline yet) waits for the next call; a copy, so the chunk can go.
    this.partial = Buffer.from(data.subarray(start));
    if (items.length > 0) {
      shared.reads.push({ to: this.position - this.partial.length, first, items, atEnd: this.atEnd });
      if (shared.reads.length > SHARED_READS_KEPT) shared.reads.shift();
    }
    return { first, items };
  }

  async close(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    this.handle = undefined;
    const shared = sharedReads.get(this.identity!);
    if (shared && --shared.readers === 0) sharedReads.delete(this.identity!);
    await handle.close().catch(() => undefined);
  }

  private message(raw: Buffer, offset: number): ReadItem {
    const line = parseLine(raw);
    if (typeof line !== 'object') return line;
    return { topic: this.topic, partition: this.partition, offset: String(offset), key: line.k, value: line.v, headers: line.h, timestamp: line.t };
  }
}

/** Counts the complete lines of a file, reading only what was appended since the last count. */
class LineCounter {
  private bytes = 0;
  private lines = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly logger: Logger,
  ) {}

  /** In turn, so a count asked for after an append resolved includes that append. */
  count(): Promise<number> {
    const run = this.queue.then(() => this.update());
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async update(): Promise<number> {
    // The lag monitor asks for the end of every partition, most of which have no file yet (see LineReader.next).
    if (this.bytes === 0 && !existsSync(this.file)) return 0;
    const size = await stat(this.file).then(
      (s) => s.size,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return 0;
        throw error;
      },
    );
    if (size < this.bytes) {
      this.logger.warn({ file: this.file, size, counted: this.bytes }, 'file sync log partition file shrank; counting its lines again');
      this.bytes = 0;
      this.lines = 0;
    }
    if (size === this.bytes) return this.lines;
    const handle = await open(this.file, 'r');
    try {
      const chunk = Buffer.alloc(Math.min(size - this.bytes, READ_CHUNK));
      while (this.bytes < size) {
        const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - this.bytes), this.bytes);
        if (bytesRead === 0) break;
        for (let at = chunk.indexOf(NEWLINE); at >= 0 && at < bytesRead; at = chunk.indexOf(NEWLINE, at + 1)) this.lines++;
        this.bytes += bytesRead;
      }
    } finally {
      await handle.close();
    }
    return this.lines;
  }
}

/**
 * A group's committed offset on one partition, written out in batches (a crash only re-delivers):
 * after each read batch, on stop, and every COMMIT_INTERVAL_MS meanwhile, so what was handled
 * before a slow or stuck handler gets committed too.
 */
class OffsetCommitter {
  private next: number;
  private written: number;
  private dirReady = false;
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly file: string,
    start: number,
    private readonly logger: Logger,
    private readonly modes: FileModes,
  ) {
    // Nothing to write until a message is handled: the start position may not be committed at all.
    this.next = start;
    this.written = start;
    this.timer = setInterval(() => void this.flush(), COMMIT_INTERVAL_MS);
    this.timer.unref();
  }

  handled(next: number): void {
    this.next = next;
  }

  /** Never throws: a commit that fails is retried with the next one (re-delivery at worst). */
  flush(): Promise<void> {
    // In turn: two renames racing could leave the older offset in place.
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    const next = this.next;
    if (next <= this.written) return;
    try {
      if (!this.dirReady) {
        await mkdir(path.dirname(this.file), { recursive: true, mode: this.modes.dir });
        this.dirReady = true;
      }
      // Temp file + rename: a reader (or a restart) sees the old offset or the new one, never half.
      await writeFileAtomic(this.file, `${next}\n`, this.modes.file ?? 0o644);
      this.written = next;
    } catch (error) {
      this.logger.warn({ file: this.file, reason: (error as Error).message }, 'file sync log offset not committed; retried with the next one');
    }
  }
}

function parseLine(raw: Buffer): FileLine | 'blank' | 'corrupt' {
  const text = raw.toString('utf8');
  if (text.trim() === '') return 'blank';
  try {
    const line = JSON.parse(text) as Partial<FileLine> | null;
    if (!line || typeof line.k !== 'string' || (line.v !== null && typeof line.v !== 'string') || typeof line.t !== 'number') return 'corrupt';
    const headers = line.h && typeof line.h === 'object' ? line.h : {};
    return { k: line.k, v: line.v, h: headers, t: line.t };
  } catch {
    return 'corrupt';
  }
}

/** Stable across processes and releases: FNV-1a (32 bit) of the key's UTF-8 bytes. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % partitions;
}

function checkName(kind: 'topic' | 'group', name: string): void {
  if (!NAME.test(name) || name === '.' || name === '..')
    throw new Error(`file sync log: ${kind} name ${JSON.stringify(name)} may only use letters, digits, '.', '_' and '-'`);
}
