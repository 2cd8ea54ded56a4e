import path from 'node:path';
import { FileSyncLog } from '@motlan/sync-log/file-sync-log.adapter.js';
import type { SyncLog } from '@motlan/sync-log/sync-log.port.js';

/**
 * The embedded profile's change-event log, shared by the simulator and the gateway processes
 * through the data directory: `<data dir>/events/<topic>/0.jsonl`. One partition: a private
 * reader sees one total order, as the single event file before it did.
 */
export function embeddedChangeEventLog(dataDir: string): SyncLog {
  return new FileSyncLog({ dir: path.join(dataDir, 'events'), partitions: 1 });
}
