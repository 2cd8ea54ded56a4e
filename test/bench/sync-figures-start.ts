/**
 * One start of the per-commune sync figures on the embedded sync log, as a process of its own so
 * its RSS is its own: restores the snapshot (if any), reads the topics on to their end, prints
 * `RESULT {json}` (ready time, RSS, what the figures hold), stops (writing the snapshot) and exits.
 * Run by sync-figures.bench.ts; not a test.
 */
import { Logger } from '@nestjs/common';
import { FileSyncFiguresSnapshotStore } from '@motlan/dossier-relay/file-sync-figures-snapshot.adapter.js';
import { SyncFigures } from '@motlan/dossier-relay/sync-figures.js';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';

async function main(): Promise<void> {
  const [logDir, snapshotFile] = process.argv.slice(2);
  if (!logDir || !snapshotFile) throw new Error('usage: sync-figures-start.js <log dir> <snapshot file>');
  // stdout carries the result line only.
  Logger.overrideLogger(['error']);
  const begin = performance.now();
  const log = new FileEventLog({ dir: logDir, partitions: 3 });
  const figures = new SyncFigures(log, new FileSyncFiguresSnapshotStore(snapshotFile), { snapshotIntervalMs: 0 });
  await figures.start();
  const readyMs = performance.now() - begin;
  const rssAtReadyMb = process.memoryUsage().rss / 2 ** 20;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  const heapUsedMb = process.memoryUsage().heapUsed / 2 ** 20;
  const totals = figures
    .communes()
    .reduce(
      (t, c) => ({ received: t.received + c.received, delivered: t.delivered + c.delivered, pending: t.pending + c.pending, failed: t.failed + c.failed }),
      { received: 0, delivered: 0, pending: 0, failed: 0 },
    );
  process.stdout.write(
    `RESULT ${JSON.stringify({ readyMs: Math.round(readyMs), rssAtReadyMb: Math.round(rssAtReadyMb), rssMb: Math.round(rssMb), heapUsedMb: Math.round(heapUsedMb), held: figures.size(), totals })}\n`,
  );
  await figures.stop();
  await log.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
