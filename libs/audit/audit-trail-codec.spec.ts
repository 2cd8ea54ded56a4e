/**
 * The audit topic's message format: one write batch of a writer per message, the sealed record
 * texts one per line; a message of an earlier release (one record) reads as a batch of one; a
 * damaged line costs only itself; a batch above the byte limit becomes a few messages, in order.
 */
import type { ConsumedMessage, LogMessage } from '@motlan/event-log/event-log.port.js';
import { AuditChain } from './audit-chain.js';
import type { AuditRecord } from './audit-record.js';
import { AUDIT_MESSAGE_MAX_BYTES, auditRecordPosition, auditTrailCodec, encodeAuditMessages, type ReadAuditRecords } from './audit-trail-codec.js';
import { accessRecord } from '../../test/support/audit-records.js';
import { auditEntriesOf, feedPosition, readAuditMessage } from './audit-trail-reader.js';

const access = (n: number, extra: Partial<AuditRecord> = {}): AuditRecord => accessRecord(n, extra);

/** `n` records sealed in one batch of writer `w`, as the sink hands them to the log. */
function sealed(n: number, w = 'gw~1', extra: (i: number) => Partial<AuditRecord> = () => ({})): string[] {
  return new AuditChain(w).seal(Array.from({ length: n }, (_, i) => access(i + 1, extra(i + 1)))).lines;
}

const consumed = (message: LogMessage, offset = '7', partition = 2): ConsumedMessage => ({
  ...message,
  topic: 'motlan.audit.v1',
  partition,
  offset,
  timestamp: 0,
});

function decodeOk(message: LogMessage): ReadAuditRecords {
  const decoded = auditTrailCodec.decode(consumed(message));
  if (!decoded.ok) throw new Error(`not decoded: ${decoded.reason}`);
  return decoded.value;
}

describe('auditTrailCodec', () => {
  it('writes a batch as one message, key = writer, the sealed texts joined by newlines, and reads every record back in order', () => {
    const texts = sealed(5);
    const message = auditTrailCodec.encode({ writer: 'gw~1', texts });
    expect(message).toEqual({ key: 'gw~1', value: texts.join('\n') });
    const read = decodeOk(message);
    expect(read.writer).toBe('gw~1');
    expect(read.lineCount).toBe(5);
    expect(read.lines.map((l) => l.line)).toEqual([1, 2, 3, 4, 5]);
    expect(read.lines.map((l) => l.text)).toEqual(texts);
    expect(read.lines.map((l) => (l.record as { chain: { seq: number } }).chain.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps a record whose strings hold newlines on one line (JSON.stringify escapes them)', () => {
    const texts = sealed(2, 'gw~1', () => ({ code: 'line one\nline two\r\n\u2028' }));
    for (const text of texts) expect(text).not.toContain('\n');
    const read = decodeOk(auditTrailCodec.encode({ writer: 'gw~1', texts }));
    expect(read.lines.map((l) => (l.record as AuditRecord).code)).toEqual(['line one\nline two\r\n\u2028', 'line one\nline two\r\n\u2028']);
  });

  it('refuses to write a text with a raw newline, or no text at all', () => {
    expect(() => auditTrailCodec.encode({ writer: 'w', texts: ['{"a":1}', '{"b":\n2}'] })).toThrow(/raw newline/);
    expect(() => auditTrailCodec.encode({ writer: 'w', texts: [] })).toThrow();
  });

  it('reads a message of an earlier release (one record, one message) as a batch of one', () => {
    const [text] = sealed(1, 'old-gw~1');
    const read = decodeOk({ key: 'old-gw~1', value: text });
    expect(read).toEqual({ writer: 'old-gw~1', lineCount: 1, lines: [{ line: 1, text, record: JSON.parse(text) as object }] });
    // Written today, a batch of one is the same message.
    expect(auditTrailCodec.encode({ writer: 'old-gw~1', texts: [text] })).toEqual({ key: 'old-gw~1', value: text });
  });

  it('reads a damaged line among good ones as damaged, and the others as records', () => {
    const texts = sealed(4);
    const value = [texts[0], texts[1].slice(0, 40), texts[2], '[1,2]', texts[3]].join('\n');
    const read = decodeOk({ key: 'gw~1', value });
    expect(read.lineCount).toBe(5);
    expect(read.lines.map((l) => [l.line, l.record === undefined ? 'damaged' : (l.record as AuditRecord).requestId])).toEqual([
      [1, 'req-1'],
      [2, 'damaged'],
      [3, 'req-3'],
      [4, 'damaged'],
      [5, 'req-4'],
    ]);
  });

  it('skips blank lines (a trailing newline), and refuses a message with no record or no value', () => {
    const texts = sealed(2);
    const read = decodeOk({ key: 'gw~1', value: `${texts[0]}\n\n${texts[1]}\n` });
    expect(read.lines.map((l) => l.line)).toEqual([1, 3]);
    expect(read.lineCount).toBe(4);
    expect(auditTrailCodec.decode(consumed({ key: 'gw~1', value: '' }))).toEqual({ ok: false, reason: 'audit message holds no record' });
    expect(auditTrailCodec.decode(consumed({ key: 'gw~1', value: ' \n\n' }))).toEqual({ ok: false, reason: 'audit message holds no record' });
    expect(auditTrailCodec.decode(consumed({ key: 'gw~1', value: null }))).toEqual({ ok: false, reason: 'audit message has no value' });
    // A message that is damage as a whole (no newline in it) is one damaged line, as it always was.
    expect(decodeOk({ key: 'gw~1', value: 'garbage' }).lines).toEqual([{ line: 1, text: 'garbage', record: undefined }]);
  });
});

describe('encodeAuditMessages', () => {
  const bytes = (m: LogMessage) => Buffer.byteLength(m.value ?? '');
  const linesOf = (messages: LogMessage[]) => messages.flatMap((m) => decodeOk(m).lines.map((l) => l.text));

  it('a group-committed batch of ordinary size is one message', () => {
    // Hundreds of lookups committed together (about 450 bytes a record here).
    const texts = sealed(500);
    const messages = encodeAuditMessages('gw~1', texts);
    expect(messages).toHaveLength(1);
    expect(linesOf(messages)).toEqual(texts);
    expect(encodeAuditMessages('gw~1', [])).toEqual([]);
  });

  it('splits a batch above the limit into messages within it, in chain order, each of the writer', () => {
    const texts = sealed(100);
    const limit = 4096;
    const messages = encodeAuditMessages('gw~1', texts, limit);
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) {
      expect(message.key).toBe('gw~1');
      expect(bytes(message)).toBeLessThanOrEqual(limit);
    }
    // Nothing lost, nothing reordered, and each message as full as the limit allows.
    expect(linesOf(messages)).toEqual(texts);
    for (let i = 0; i < messages.length - 1; i++) {
      const next = decodeOk(messages[i + 1]).lines[0].text;
      expect(bytes(messages[i]) + 1 + Buffer.byteLength(next)).toBeGreaterThan(limit);
    }
  });

  it('counts UTF-8 bytes, not characters', () => {
    // Vietnamese names: 2-3 bytes per character.
    const texts = sealed(60, 'gw~1', (i) => ({ code: `Nguyễn Thị Hồng Nhung ${i} `.repeat(8) }));
    const limit = 8192;
    const messages = encodeAuditMessages('gw~1', texts, limit);
    for (const message of messages) expect(bytes(message)).toBeLessThanOrEqual(limit);
    expect(linesOf(messages)).toEqual(texts);
  });

  it('sends a record larger than the limit alone, between the messages of its neighbours', () => {
    const texts = sealed(5, 'gw~1', (i) => (i === 3 ? { code: 'x'.repeat(3000) } : {}));
    const messages = encodeAuditMessages('gw~1', texts, 2048);
    const sizes = messages.map((m) => decodeOk(m).lines.length);
    expect(sizes.reduce((a, b) => a + b)).toBe(5);
    const big = messages.find((m) => bytes(m) > 2048);
    expect(big && decodeOk(big).lines.map((l) => (l.record as AuditRecord).requestId)).toEqual(['req-3']);
    expect(linesOf(messages)).toEqual(texts);
  });

  it('defaults to 256 KiB, well under the broker’s 1 MB message limit', () => {
    expect(AUDIT_MESSAGE_MAX_BYTES).toBe(256 * 1024);
    const texts = sealed(400, 'gw~1', () => ({ code: 'y'.repeat(2000) }));
    const messages = encodeAuditMessages('gw~1', texts);
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages) expect(bytes(message)).toBeLessThanOrEqual(AUDIT_MESSAGE_MAX_BYTES);
    expect(linesOf(messages)).toEqual(texts);
  });
});

describe('auditRecordPosition', () => {
  it('keeps partition:offset for a message of one record, adds the line for a message of several', () => {
    expect(auditRecordPosition(0, '12', 1, 1)).toBe('0:12');
    expect(auditRecordPosition(2, '12', 3, 5)).toBe('2:12:3');
  });
});

describe('readAuditMessage (the feeds’ view of a message)', () => {
  it('splits each record from its chain link, marks damaged lines, and lists the entries in order', () => {
    const texts = sealed(3, 'gw~9');
    const message = consumed({ key: 'gw~9', value: [texts[0], '{damaged', texts[1], texts[2]].join('\n') }, '11', 0);
    const read = readAuditMessage(message);
    if (!read.ok) throw new Error(read.reason);
    expect(read.lineCount).toBe(4);
    const requestIdOf = (entry: object | undefined) => (entry as AuditRecord | undefined)?.requestId ?? null;
    expect(read.lines.map((l) => [l.line, l.chain?.seq ?? null, requestIdOf(l.entry)])).toEqual([
      [1, 1, access(1).requestId],
      [2, null, null],
      [3, 2, access(2).requestId],
      [4, 3, access(3).requestId],
    ]);
    expect(read.entries.map(requestIdOf)).toEqual([1, 2, 3].map((n) => access(n).requestId));
    expect(read.entries.every((e) => !('chain' in e))).toBe(true);
    expect(feedPosition(message, read.lines[2], read.lineCount)).toEqual({ position: '0:11:3', writer: 'gw~9', seq: 2 });
    expect(auditEntriesOf(message)).toBe(read.entries);
  });

  it('decodes a message object once, whoever asks (followers in one process are handed the same object); another object is decoded anew', () => {
    const message = consumed({ key: 'gw~1', value: sealed(2).join('\n') });
    const first = readAuditMessage(message);
    expect(readAuditMessage(message)).toBe(first);
    const copy = { ...message };
    const second = readAuditMessage(copy);
    expect(second).not.toBe(first);
    expect(second).toEqual(first);
  });

  it('reports a message with no record as not read, and gives no entries for it', () => {
    const message = consumed({ key: 'gw~1', value: '\n' });
    expect(readAuditMessage(message)).toEqual({ ok: false, reason: 'audit message holds no record' });
    expect(auditEntriesOf(message)).toEqual([]);
  });
});
