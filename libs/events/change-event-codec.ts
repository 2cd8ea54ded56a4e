import type { MessageCodec } from '@motlan/event-log/message-codec.js';
import { parseRegistryChangeEvent, type RegistryChangeEvent } from './registry-change-event.js';

/**
 * Registry change events on the log: CloudEvents 1.0 structured JSON, keyed by subject id (one
 * record's events stay in order on one partition). Read back validated, and the key must match.
 */
export const changeEventCodec: MessageCodec<RegistryChangeEvent> = {
  encode: (event) => ({ key: event.data.subjectId, value: JSON.stringify(event), headers: { 'content-type': 'application/cloudevents+json' } }),
  decode: (message) => {
    // The log hands a missing key over as "": such a message is checked on its value alone.
    const parsed = parseRegistryChangeEvent(message.value, message.key === '' ? null : message.key);
    return parsed.ok ? { ok: true, value: parsed.event } : parsed;
  },
};
