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

/** One chained record (audit-chain.ts) as the sink writes it. */
export interface StoredAuditRecord {
  /** Its writer's id: the message key, so one writer's chain stays on one partition, in chain order. */
  writer: string;
  /** The record's JSON text, as sealed. */
  text: string;
}

/** A record read back: what was stored, and the JSON object it holds. */
export interface ReadAuditRecord extends StoredAuditRecord {
  record: object;
}

/**
 * The audit topic's messages. Written as sealed (a second serialization would cost every lookup);
 * read back only as JSON objects: anything else is damage the verifier reports and feeds skip.
 * The chain itself is checked by the verifier, not here: a record that fails it is still read.
 */
export const auditTrailCodec: MessageCodec<StoredAuditRecord, ReadAuditRecord> = {
  encode: ({ writer, text }) => ({ key: writer, value: text }),
  decode: ({ key, value }) => {
    if (value === null) return { ok: false, reason: 'audit message has no value' };
    const record = parseTrailText(value);
    return record ? { ok: true, value: { writer: key, text: value, record } } : { ok: false, reason: 'audit message is not a JSON object' };
  },
};
