import path from 'node:path';

/** Where the embedded profile's file-backed event bus lives, shared by the simulator and the gateway. */
export function embeddedEventFile(dataDir: string): string {
  return path.join(dataDir, 'events', 'registry-changes.jsonl');
}

export function embeddedDlqFile(dataDir: string): string {
  return path.join(dataDir, 'events', 'registry-changes.dlq.jsonl');
}
