import type { LogMessage } from '@motlan/event-log/event-log.port.js';
import type { MessageCodec } from '@motlan/event-log/message-codec.js';

/** A stored text as a JSON object, or undefined when it is not one (damage). */
export function parseTrailText(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Bytes of record text in one audit message at most (a single record larger than this still goes,
 * alone): a quarter of Kafka's default max.message.bytes (1 MB), leaving room for the record batch
 * framing, the key and a broker configured tighter than the default.
 */
export const AUDIT_MESSAGE_MAX_BYTES = 256 * 1024;

/**
 * Records of one writer as the sink writes them: consecutive records of its chain (audit-chain.ts),
 * in chain order, one audit message (or a few: {@link encodeAuditMessages}).
 */
export interface StoredAuditRecords {
  /** Their writer's id: the message key, so one writer's chain stays on one partition, in chain order. */
  writer: string;
  /** Each record's JSON text, as sealed: JSON.stringify output, which never holds a raw newline. */
  texts: readonly string[];
}

/** One record of a message read back: its place in the message, its stored text, and the JSON object it holds. */
export interface ReadAuditLine {
  /** Its line in the message, from 1 (blank lines counted, though never handed out). */
  line: number;
  text: string;
  /** The parsed JSON object, or undefined when the line is not a JSON object (damaged). */
  record: object | undefined;
}

/** A message read back: its key (the writer, '' for records of a release before chaining) and its records, in order. */
export interface ReadAuditRecords {
  writer: string;
  /** At least one. */
  lines: ReadAuditLine[];
  /** Lines of the message (blank ones included): 1 for a message of one record. */
  lineCount: number;
}

const NEWLINE = '\n';

/**
 * The audit topic's messages. A message holds one or more records of its writer, in chain order:
 * value = the sealed JSON texts joined by "\n" (JSON.stringify escapes a newline inside a string,
 * so a record is exactly one line). Messages of releases that wrote one record per message are a
 * message of one line: both read the same. Written as sealed (a second serialization would cost
 * every lookup); read back line by line as JSON objects: a line that is not one is damage the
 * verifier reports and feeds skip, without losing the other lines of its message. Blank lines
 * carry nothing and are skipped (a trailing newline, say); a message with no line at all is
 * damage as a whole. The chain itself is checked by the verifier, not here: a record that fails it
 * is still read.
 */
export const auditTrailCodec: MessageCodec<StoredAuditRecords, ReadAuditRecords> = {
  encode: ({ writer, texts }) => {
    if (texts.length === 0) throw new Error('audit message without records');
    for (const text of texts) {
      // A raw newline would split a record in two (and break its hash): JSON.stringify never writes one.
      if (text.includes(NEWLINE)) throw new Error('an audit record text holds a raw newline: not a sealed JSON text');
    }
    return { key: writer, value: texts.length === 1 ? texts[0] : texts.join(NEWLINE) };
  },
  decode: ({ key, value }) => {
    if (value === null) return { ok: false, reason: 'audit message has no value' };
    const pieces = value.split(NEWLINE);
    const lines: ReadAuditLine[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const text = pieces[i];
      if (text.trim() === '') continue;
      lines.push({ line: i + 1, text, record: parseTrailText(text) });
    }
    if (lines.length === 0) return { ok: false, reason: 'audit message holds no record' };
    return { ok: true, value: { writer: key, lines, lineCount: pieces.length } };
  },
};

/**
 * A writer's records as audit messages, in order: as few as fit {@link AUDIT_MESSAGE_MAX_BYTES} of
 * value each (usually one per group-committed batch); a record larger than that goes alone. Where
 * the batch cannot exceed the limit (3 UTF-8 bytes per UTF-16 unit at most), no byte is counted.
 */
export function encodeAuditMessages(writer: string, texts: readonly string[], maxBytes: number = AUDIT_MESSAGE_MAX_BYTES): LogMessage[] {
  if (texts.length === 0) return [];
  let units = texts.length - 1;
  for (const text of texts) units += text.length;
  if (units * 3 <= maxBytes) return [auditTrailCodec.encode({ writer, texts })];
  const messages: LogMessage[] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < texts.length; i++) {
    const size = Buffer.byteLength(texts[i], 'utf8') + (i > start ? 1 : 0);
    if (i > start && bytes + size > maxBytes) {
      messages.push(auditTrailCodec.encode({ writer, texts: texts.slice(start, i) }));
      start = i;
      bytes = size - 1;
    } else {
      bytes += size;
    }
  }
  messages.push(auditTrailCodec.encode({ writer, texts: texts.slice(start) }));
  return messages;
}

/**
 * Where a record read from the audit topic is: "<partition>:<offset>" for the record of a message
 * of one line (every message of releases that wrote one record per message keeps its position),
 * "<partition>:<offset>:<line>" (line from 1) for a record of a message of several.
 */
export function auditRecordPosition(partition: number, offset: string, line: number, lineCount: number): string {
  return lineCount === 1 ? `${partition}:${offset}` : `${partition}:${offset}:${line}`;
}
