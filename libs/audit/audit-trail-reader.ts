/**
 * Reading the audit trail back as it is stored: JSON texts, one per line of the messages of the
 * audit topic (either profile; a message holds one write batch of a writer, or one record as
 * earlier releases wrote it: audit-trail-codec.ts), or one per line of a plain audit file (an
 * exported copy, or the trail of a release before the event log). Shared by the audit feed
 * (projections) and the verify command.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { ConsumedMessage, EventLog } from '@motlan/event-log/event-log.port.js';
import { splitChained, type AuditChainLink } from './audit-chain.js';
import { auditRecordPosition, auditTrailCodec, parseTrailText } from './audit-trail-codec.js';
import type { AuditPosition } from './audit-feed.port.js';
import type { AuditEntry } from './audit-record.js';

/** One stored record and where it is: what the verifier reads. */
export interface TrailItem {
  /**
   * A topic: "<partition>:<offset>" for a message of one record, "<partition>:<offset>:<line>" for
   * a record of a message of several (auditRecordPosition); a plain file: the line number, from 1.
   */
  position: string;
  /** The parsed JSON object, or undefined when the text is not a JSON object (damaged). */
  value: object | undefined;
}

/** A record of an audit message as the feeds hand it on: its line, its entry without the chain link, and the link. */
export interface AuditMessageLine {
  /** Its line in the message, from 1. */
  line: number;
  /** undefined when the line is not a JSON object (damaged: feeds skip it, the verify command reports it). */
  entry: AuditEntry | undefined;
  /** undefined for a record written before the trail was chained (or a damaged line). */
  chain: AuditChainLink | undefined;
}

/** A message of the audit topic as the feeds read it. */
export type AuditMessageRead =
  { ok: true; lines: readonly AuditMessageLine[]; lineCount: number; entries: readonly AuditEntry[] } | { ok: false; reason: string };

const readMessages = new WeakMap<ConsumedMessage, AuditMessageRead>();

/**
 * A message of the audit topic decoded for the feeds (audit-trail-codec.ts), each record split from
 * its chain link; `entries` are the records that are JSON objects, in order. Decoded once per
 * message object: the file event log hands the followers of one process the same objects (the
 * embedded profile's access log, service indicators and data quality follow the trail in one
 * process), so each record is parsed once rather than once per follower. Shared: read-only.
 */
export function readAuditMessage(message: ConsumedMessage): AuditMessageRead {
  let read = readMessages.get(message);
  if (read) return read;
  const decoded = auditTrailCodec.decode(message);
  if (decoded.ok) {
    const lines: AuditMessageLine[] = [];
    const entries: AuditEntry[] = [];
    for (const { line, record } of decoded.value.lines) {
      if (record === undefined) {
        lines.push({ line, entry: undefined, chain: undefined });
        continue;
      }
      const { entry, chain } = splitChained(record);
      lines.push({ line, entry: entry as unknown as AuditEntry, chain });
      entries.push(entry as unknown as AuditEntry);
    }
    read = { ok: true, lines, lineCount: decoded.value.lineCount, entries };
  } else {
    read = decoded;
  }
  readMessages.set(message, read);
  return read;
}

/**
 * Where a record sits, for a feed's handler. A record written before the trail was chained has no
 * writer and seq: writer "" and seq 0 then (its position still identifies it).
 */
export function feedPosition(message: ConsumedMessage, line: AuditMessageLine, lineCount: number): AuditPosition {
  return {
    position: auditRecordPosition(message.partition, message.offset, line.line, lineCount),
    writer: line.chain?.writer ?? '',
    seq: line.chain?.seq ?? 0,
  };
}

/**
 * The entries of one message of the audit topic, in order, without their chains, for projections
 * that count what the trail holds (service indicators, data quality) and keep their place by
 * message offset: a message is one write batch, all of whose records are counted together. Lines
 * that are not JSON objects, and messages with no record, give nothing (the verify command reports them).
 */
export function auditEntriesOf(message: ConsumedMessage): readonly AuditEntry[] {
  const read = readAuditMessage(message);
  return read.ok ? read.entries : [];
}

const NEWLINE = 0x0a;
const READ_CHUNK = 1 << 20;

/**
 * Reads the complete lines of a file from byte `from` (a last line without its newline is being
 * written: left for the next call) and hands each to `onLine`, in order, blank ones included.
 * Returns the byte offset after the last complete line read. `stop` is asked between lines.
 */
export async function readCompleteLines(
  handle: FileHandle,
  from: number,
  onLine: (text: string) => Promise<void> | void,
  stop: () => boolean = () => false,
): Promise<number> {
  let offset = from;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, offset + pendingBytes);
    if (bytesRead === 0) return offset;
    const chunk = buffer.subarray(0, bytesRead);
    let start = 0;
    for (let i = chunk.indexOf(NEWLINE, 0); i !== -1; i = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, i);
      const line = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
      await onLine(line.toString('utf8'));
      offset += pendingBytes + (i - start) + 1;
      pending = [];
      pendingBytes = 0;
      start = i + 1;
      if (stop()) return offset;
    }
    if (start < bytesRead) {
      // Copied: the buffer is reused by the next read.
      pending.push(Buffer.from(chunk.subarray(start)));
      pendingBytes += bytesRead - start;
    }
  }
}

/** Reads a whole audit file, line by line; resolves with the number of lines. Blank lines are skipped. */
export async function readAuditTrailFile(file: string, onItem: (item: TrailItem) => void): Promise<number> {
  const handle = await open(file, 'r');
  let line = 0;
  try {
    await readCompleteLines(handle, 0, (text) => {
      line++;
      if (text.trim() !== '') onItem({ position: String(line), value: parseTrailText(text) });
    });
  } finally {
    await handle.close();
  }
  return line;
}

/**
 * Reads an audit topic from the beginning of every partition up to its end as of the call, through
 * an ephemeral reader (commits nothing, leaves no group). Partitions are read concurrently, each in
 * order, and each message line by line: one writer's records, on one partition, arrive in trail
 * order. A damaged line is one unreadable item (the other lines of its message are read); a message
 * with no record at all is one unreadable item at "<partition>:<offset>".
 */
export async function readAuditTrailTopic(log: EventLog, topic: string, onItem: (item: TrailItem) => void): Promise<void> {
  const reader = await log.consume({ group: 'motlan-audit-verify', topics: [topic], fromBeginning: true, ephemeral: true }, async (message) => {
    if (message.value === null) return;
    const decoded = auditTrailCodec.decode(message);
    if (!decoded.ok) {
      onItem({ position: `${message.partition}:${message.offset}`, value: undefined });
      return;
    }
    const { lines, lineCount } = decoded.value;
    for (const { line, record } of lines) onItem({ position: auditRecordPosition(message.partition, message.offset, line, lineCount), value: record });
  });
  try {
    await reader.caughtUp();
  } finally {
    await reader.stop();
  }
}
