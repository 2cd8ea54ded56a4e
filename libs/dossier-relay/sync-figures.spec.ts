/**
 * The per-commune figures on the embedded sync log (real files in a temp directory): statuses
 * counted once per dossier and sequence, outcomes, DLQ replays; a restart restored from the
 * snapshot reads only what came after it; the de-duplication window stays bounded; a snapshot
 * that cannot be used is rebuilt from the topics into the same figures.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Topics } from '@motlan/events/topics.js';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import { EventLog, type ConsumerOptions, type MessageHandler, type RunningConsumer } from '@motlan/event-log/event-log.port.js';
import { eventually } from '../../test/support/eventually.js';
import type { DossierStatusMessage } from './dossier-status.js';
import { FileSyncFiguresSnapshotStore } from './file-sync-figures-snapshot.adapter.js';
import { SyncFigures, type SyncFiguresOptions } from './sync-figures.js';
import { decodeSnapshot } from './sync-figures-snapshot.port.js';
import type { SyncOutcome } from './sync-outcome.js';

const root = mkdtempSync(path.join(tmpdir(), 'motlan-sync-figures-'));
let dir: string;
let log: FileEventLog;
const started: SyncFigures[] = [];

/** The file log, counting the messages it hands to the figures' handlers. */
class CountingLog extends FileEventLog {
  handled = 0;
  override consume(options: ConsumerOptions, handler: MessageHandler): Promise<RunningConsumer> {
    return super.consume(options, async (message, context) => {
      this.handled++;
      await handler(message, context);
    });
  }
}

function status(dossierId: string, sequence: number, communeCode = '00004', acceptedAt = '2026-11-23T02:00:00.000Z'): DossierStatusMessage {
  return {
    dossierId,
    procedureCode: '1.004222',
    communeCode,
    provinceCode: '01',
    status: 2,
    subjectType: 'citizen',
    receivedAt: '2026-11-23T09:15:00+07:00',
    sequence,
    acceptedAt,
    requestId: 'r',
    clientId: 'c',
  };
}

function outcome(dossierId: string, sequence: number, result: SyncOutcome['outcome'], communeCode = '00004'): SyncOutcome {
  return { dossierId, sequence, communeCode, provinceCode: '01', outcome: result, at: '2026-11-23T02:00:01.000Z', acceptedAt: '2026-11-23T02:00:00.000Z' };
}

const send = (log: EventLog, ...statuses: DossierStatusMessage[]) =>
  log.append(
    Topics.dossierSync,
    statuses.map((s) => ({ key: s.dossierId, value: JSON.stringify(s) })),
  );
const settle = (log: EventLog, ...outcomes: SyncOutcome[]) =>
  log.append(
    Topics.dossierSyncOutcomes,
    outcomes.map((o) => ({ key: o.dossierId, value: JSON.stringify(o) })),
  );

async function figures(on: EventLog = log, options: Partial<SyncFiguresOptions> = {}): Promise<SyncFigures> {
  const f = new SyncFigures(on, new FileSyncFiguresSnapshotStore(path.join(dir, 'snapshot.json')), { snapshotIntervalMs: 0, ...options });
  started.push(f);
  await f.start();
  return f;
}

const counts = (f: SyncFigures, code = '00004') => {
  const c = f.commune(code);
  return c && { received: c.received, delivered: c.delivered, pending: c.pending, failed: c.failed };
};

beforeAll(() => {
  jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
});

beforeEach(() => {
  dir = mkdtempSync(path.join(root, 'case-'));
  log = new FileEventLog({ dir: path.join(dir, 'log'), partitions: 3, pollMs: 20 });
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((f) => f.stop()));
  await log.close();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('SyncFigures', () => {
  it('counts a status once per dossier and sequence: received, pending with its age and partition, delivered, failed, replayed', async () => {
    await send(log, status('D1', 1), status('D1', 1), status('D1', 2), status('D2', 1, '00004', '2026-11-23T01:00:00.000Z'), status('D3', 1, '00007'));
    await settle(log, outcome('D1', 1, 'delivered'), outcome('D1', 1, 'duplicate'), outcome('D1', 2, 'dead_lettered'));
    const f = await figures();
    expect(counts(f)).toEqual({ received: 3, delivered: 1, pending: 1, failed: 1 });
    expect(f.commune('00004')!.oldestPendingAt).toBe(Date.parse('2026-11-23T01:00:00.000Z'));
    expect(f.commune('00004')!.pendingPartitions).toHaveLength(1);
    expect(counts(f, '00007')).toEqual({ received: 1, delivered: 0, pending: 1, failed: 0 });

    // A DLQ replay: pending again, then delivered; a late dead-letter of a delivered status changes nothing.
    await send(log, status('D1', 2));
    await eventually('the replay pending', async () => (f.commune('00004')!.pending === 2 ? true : undefined));
    expect(counts(f)).toEqual({ received: 3, delivered: 1, pending: 2, failed: 0 });
    await settle(log, outcome('D1', 2, 'delivered'), outcome('D2', 1, 'delivered'), outcome('D1', 1, 'dead_lettered'));
    await eventually('all delivered', async () => (f.commune('00004')!.delivered === 3 ? true : undefined));
    expect(counts(f)).toEqual({ received: 3, delivered: 3, pending: 0, failed: 0 });
    expect(f.commune('00004')!.oldestPendingAt).toBeNull();
    // A repeat of a delivered status inside the window is not received again.
    await send(log, status('D2', 1));
    await settle(log, outcome('D2', 1, 'duplicate'), outcome('D3', 1, 'delivered', '00007'));
    await eventually('the last outcome', async () => (f.commune('00007')!.delivered === 1 ? true : undefined));
    expect(counts(f)).toEqual({ received: 3, delivered: 3, pending: 0, failed: 0 });
  });

  it('restarts from its snapshot, reading only what came after it, into the figures a full rebuild gives', async () => {
    await send(log, ...Array.from({ length: 50 }, (_, i) => status(`R${i}`, 1)));
    await settle(log, ...Array.from({ length: 40 }, (_, i) => outcome(`R${i}`, 1, i % 10 === 0 ? 'dead_lettered' : 'delivered')));
    const first = await figures();
    await first.stop();
    started.splice(0);

    // (No DLQ replay here: a rebuild reads the two topics side by side, and a replay read before the
    // dead-letter outcome it follows is taken for a repeat; a restored instance does not have that race.)
    await send(log, status('R50', 1), status('R51', 1));
    await settle(log, outcome('R45', 1, 'delivered'));
    const counting = new CountingLog({ dir: path.join(dir, 'log'), pollMs: 20 });
    const restored = await figures(counting);
    // 2 new statuses and 1 new outcome since the snapshot: not the 90 before it.
    await eventually('the 3 new messages', async () => (counting.handled === 3 ? true : undefined));
    expect(counts(restored)).toEqual({ received: 52, delivered: 37, pending: 11, failed: 4 });

    const rebuilt = new SyncFigures(log, new FileSyncFiguresSnapshotStore(path.join(dir, 'none', 'snapshot.json')), { snapshotIntervalMs: 0 });
    started.push(rebuilt);
    await rebuilt.start();
    expect(rebuilt.communes()).toEqual(restored.communes());
    await counting.close();
  });

  it('remembers at most dedupMaxKeys delivered statuses; a repeat of a forgotten one counts as a new status', async () => {
    await send(log, ...Array.from({ length: 20 }, (_, i) => status(`W${i}`, 1)));
    await settle(log, ...Array.from({ length: 20 }, (_, i) => outcome(`W${i}`, 1, 'delivered')));
    const f = await figures(log, { dedupMaxKeys: 5 });
    expect(f.size()).toEqual({ communes: 1, open: 0, settled: 5, settledAhead: 0 });
    expect(counts(f)).toEqual({ received: 20, delivered: 20, pending: 0, failed: 0 });
    // Every one sent again: the 5 remembered are not counted again, the 15 forgotten are.
    await send(log, ...Array.from({ length: 20 }, (_, i) => status(`W${i}`, 1)));
    await eventually('the forgotten repeats', async () => (f.commune('00004')!.received === 35 ? true : undefined));
    expect(counts(f)).toEqual({ received: 35, delivered: 20, pending: 15, failed: 0 });
    await f.stop();
    started.splice(0);
    const snapshot = decodeSnapshot(await new FileSyncFiguresSnapshotStore(path.join(dir, 'snapshot.json')).load().then((t) => t!));
    expect(snapshot.ok && snapshot.snapshot.settled).toHaveLength(5);
  });

  it('counts a status once when its outcome is read long before it, however small the window', async () => {
    // Outcomes first (a catch-up where the outcomes topic runs ahead of the sync topic).
    await settle(log, ...Array.from({ length: 10 }, (_, i) => outcome(`A${i}`, 1, i === 0 ? 'dead_lettered' : 'delivered')));
    const f = await figures(log, { dedupMaxKeys: 1 });
    expect(counts(f)).toEqual({ received: 10, delivered: 9, pending: 0, failed: 1 });
    expect(f.size()).toMatchObject({ settled: 0, settledAhead: 9 });
    await send(log, ...Array.from({ length: 10 }, (_, i) => status(`A${i}`, 1)));
    await eventually('the statuses read', async () => (f.size().settledAhead === 0 ? true : undefined));
    // Not received again, and the dead-lettered one is not taken for a replay.
    expect(counts(f)).toEqual({ received: 10, delivered: 9, pending: 0, failed: 1 });
    expect(f.size()).toMatchObject({ settled: 1, open: 1 });
  });

  it('forgets delivered statuses older than the window in log time', async () => {
    const f = await figures(log, { dedupWindowMs: 0 });
    await send(log, status('T1', 1));
    await settle(log, outcome('T1', 1, 'delivered'));
    await eventually('delivered', async () => (f.commune('00004')?.delivered === 1 ? true : undefined));
    // A later settlement (a later log time) pushes the first out of a zero window.
    await eventually('a later log time', async () => {
      await send(log, status('T2', 1));
      await settle(log, outcome('T2', 1, 'delivered'));
      return f.size().settled === 1 && f.commune('00004')!.delivered >= 2 ? true : undefined;
    });
  });

  it('rebuilds from the topics when the snapshot is unreadable or ahead of the log', async () => {
    await send(log, status('U1', 1), status('U2', 1));
    await settle(log, outcome('U1', 1, 'delivered'));
    writeFileSync(path.join(dir, 'snapshot.json'), '{"version":1,');
    const fromGarbage = await figures();
    expect(counts(fromGarbage)).toEqual({ received: 2, delivered: 1, pending: 1, failed: 0 });
    await fromGarbage.stop();
    started.splice(0);

    const text = JSON.parse(await new FileSyncFiguresSnapshotStore(path.join(dir, 'snapshot.json')).load().then((t) => t!)) as {
      offsets: Record<string, { partition: number; offset: string }[]>;
    };
    text.offsets[Topics.dossierSync] = [{ partition: 0, offset: '999' }];
    writeFileSync(path.join(dir, 'snapshot.json'), JSON.stringify(text));
    const fromAhead = await figures();
    expect(counts(fromAhead)).toEqual({ received: 2, delivered: 1, pending: 1, failed: 0 });
  });
});
