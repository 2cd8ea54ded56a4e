import path from 'node:path';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import type { EventLog } from '@motlan/event-log/event-log.port.js';

/**
 * The embedded profile's change-event log, shared by the simulator and the gateway processes
 * through the data directory: `<data dir>/events/<topic>/0.jsonl`. One partition: a private
 * reader sees one total order, as the single event file before it did.
 */
export function embeddedChangeEventLog(dataDir: string): EventLog {
  return new FileEventLog({ dir: path.join(dataDir, 'events'), partitions: 1 });
}
