import type { ConsumedMessage, LogMessage } from './event-log.port.js';

/** A message read back: its validated value, or why it is not one (the reason a dead letter carries). */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * How one topic's values travel on the log: what a service appends, and what it accepts when it
 * reads (validated: a log is an edge like HTTP). decode never throws; a message it refuses is the
 * reading service's to skip or dead-letter. What is read back may carry more than what was
 * written (`R`: the parsed form alongside the stored text, say).
 */
export interface MessageCodec<T, R = T> {
  encode(value: T): LogMessage;
  decode(message: ConsumedMessage): Decoded<R>;
}
