import { Logger } from '@nestjs/common';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { readTextIfExists } from '@motlan/files/atomic-file.js';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import type { LogMessage, EventLog } from '@motlan/event-log/event-log.port.js';
import type { AdapterCatalogChange } from './adapter-manifest.js';
import { catalogChangeCodec, checkCatalogEntry } from './catalog-entry-codec.js';

/**
 * The embedded profile's catalog log: `<data dir>/adapters/<topic>/0.jsonl`, private to the
 * gateway's user (directories 0700, files 0600), one partition as on Kafka.
 */
export function embeddedAdapterCatalogLog(dataDir: string, pollMs?: number): { log: EventLog; location: string } {
  const dir = path.join(dataDir, 'adapters');
  return { log: new FileEventLog({ dir, partitions: 1, private: true, pollMs }), location: dir };
}

/** Where releases before the event log kept the embedded catalog: one JSON line per change. */
export function legacyAdapterCatalogFile(dataDir: string): string {
  return path.join(dataDir, 'adapters', 'catalog.jsonl');
}

/**
 * Moves a catalog file of an earlier release (`{"id":…,"entry":{…}|null}` per line) into the log,
 * once: its changes are appended in file order when the topic is still empty, then the file is
 * renamed to `catalog.jsonl.migrated` (kept, not deleted). A file found next to a topic that already
 * holds changes (a crash between the two steps, or another process that migrated first) is only
 * renamed. Lines that do not parse are skipped with a warning, as the old reader did.
 */
export async function migrateLegacyCatalogFile(file: string, log: EventLog, topic: string): Promise<number> {
  const text = await readTextIfExists(file);
  if (text === undefined) return 0;
  const logger = new Logger('AdapterCatalog');
  const held = (await log.endOffsets(topic)).some(({ offset }) => offset !== '0');
  const messages: LogMessage[] = [];
  if (!held) {
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      try {
        messages.push(catalogChangeCodec.encode(parseLegacyLine(line)));
      } catch (error) {
        logger.warn({ file, line: index + 1, reason: (error as Error).message }, 'adapter catalog line skipped');
      }
    });
    // One append (one write on the file log), in file order.
    await log.append(topic, messages);
  }
  await rename(file, `${file}.migrated`);
  logger.log(
    { file, changes: messages.length, topic },
    held ? 'old adapter catalog file set aside: the log already holds the catalog' : 'old adapter catalog file moved into the log',
  );
  return messages.length;
}

function parseLegacyLine(line: string): AdapterCatalogChange {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new Error('not valid JSON');
  }
  if (typeof value !== 'object' || value === null) throw new Error('line is not an object');
  const { id, entry } = value as { id?: unknown; entry?: unknown };
  if (typeof id !== 'string' || !id) throw new Error('id is not a non-empty string');
  if (entry === null) return { id, entry: null };
  if (entry === undefined) throw new Error('entry is missing');
  return { id, entry: checkCatalogEntry(entry, id) };
}
