import { DlqHeaders } from '@motlan/events/topics.js';
import type { ConsumedMessage, LogMessage } from './event-log.port.js';

/** Dead-letter reasons are kept short: they are read by operators and logged. */
const MAX_REASON = 500;

/**
 * The dead letter of a consumed message: the same key and value (so it can be replayed as it
 * was), with the reason and where it came from in headers. `headers` adds the caller's own.
 */
export function deadLetterOf(message: ConsumedMessage, reason: string, headers: Record<string, string> = {}): LogMessage {
  return {
    key: message.key,
    value: message.value,
    headers: {
      [DlqHeaders.reason]: reason.slice(0, MAX_REASON),
      [DlqHeaders.sourceTopic]: message.topic,
      [DlqHeaders.sourcePartition]: String(message.partition),
      [DlqHeaders.sourceOffset]: message.offset,
      ...headers,
    },
  };
}
