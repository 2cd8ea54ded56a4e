/**
 * The data-quality projection reading the audit topic of the embedded file log (real files in a
 * temp directory): messages of one record (earlier releases) and write batches (one message, a
 * record per line) are both counted record by record, a damaged line costs only itself, and a
 * restart from the snapshot reads only the messages after it (each batch counted once).
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuditChain } from '@motlan/audit/audit-chain.js';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import { accessRecord } from '../../test/support/audit-records.js';
import { auditTrailCodec } from '@motlan/audit/audit-trail-codec.js';
import { LogAuditSink } from '@motlan/audit/log-audit-sink.js';
import type { ConsumerOptions, MessageHandler, RunningConsumer } from '@motlan/event-log/event-log.port.js';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import { FileSyncFiguresSnapshotStore } from '@motlan/dossier-relay/file-sync-figures-snapshot.adapter.js';
import { DQ } from './data-quality-counters.js';
import { InMemoryDataQualityViewStore } from './data-quality-view.js';
import { DataQualityProjection } from './data-quality.projection.js';

const root = mkdtempSync(path.join(tmpdir(), 'motlan-dq-projection-'));
const AUDIT = 'motlan.audit.dq-test.v1';
const T = Date.parse('2026-12-06T03:00:00Z');
const DAY = '2026-12-06';
const COMMUNE = '26734';
let dir: string;
let log: CountingLog;
const started: DataQualityProjection[] = [];

/** The file log, counting the audit messages it hands to handlers. */
class CountingLog extends FileEventLog {
  handled = 0;
  override consume(options: ConsumerOptions, handler: MessageHandler): Promise<RunningConsumer> {
    return super.consume(options, async (message, context) => {
      if (message.topic === AUDIT) this.handled++;
      await handler(message, context);
    });
  }
}

/** An answered read of commune COMMUNE, n ms after T (the audit specs' sample record otherwise). */
function read(n: number, over: Partial<AuditRecord> = {}): AuditRecord {
  return accessRecord(n, { time: new Date(T + n).toISOString(), clientCommune: COMMUNE, fields: [], cache: 'MISS', ...over });
}

async function start(): Promise<DataQualityProjection> {
  const projection = new DataQualityProjection(
    log,
    log,
    new FileSyncFiguresSnapshotStore(path.join(dir, 'snapshot.json')),
    new InMemoryDataQualityViewStore(),
    {
      state: { retentionDays: 90, registries: () => ['population'] },
      snapshotIntervalMs: 0,
      publishIntervalMs: 0,
      auditTopic: AUDIT,
      now: () => T,
    },
  );
  started.push(projection);
  await projection.start();
  return projection;
}

const withMissing = (p: DataQualityProjection) => p.state.day(DAY)?.get(`population|${COMMUNE}`)?.[DQ.readsWithMissingFields] ?? 0;
const allReads = (p: DataQualityProjection) => p.state.day(DAY)?.get(`population|${COMMUNE}`)?.[DQ.reads] ?? 0;

beforeEach(() => {
  dir = mkdtempSync(path.join(root, 'case-'));
  log = new CountingLog({ dir, partitions: 1, pollMs: 20, fsync: false });
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
  await log.close();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('DataQualityProjection on the audit topic', () => {
  it('counts every record of one-record messages and of write batches; a damaged line costs only itself; a restart counts each batch once', async () => {
    // Two messages as earlier releases wrote them (one record each) ...
    const old = new AuditChain('old-gw~1');
    const oldLines = old.seal([read(1), read(2, { missingFields: ['sex'] })]).lines;
    await log.append(
      AUDIT,
      oldLines.map((text) => auditTrailCodec.encode({ writer: 'old-gw~1', texts: [text] })),
    );
    // ... then a batch of three with a damaged line in the middle ...
    const chain = new AuditChain('gw~1');
    const batch = chain.seal([read(3), read(4, { missingFields: ['sex'] }), read(5)]).lines;
    await log.append(AUDIT, [{ key: 'gw~1', value: [batch[0], batch[1].slice(0, 30), batch[2]].join('\n') }]);
    // ... and a batch as the sink writes it (on a log of its own, which it closes).
    const sink = new LogAuditSink({ log: new FileEventLog({ dir, partitions: 1, fsync: false }), topic: AUDIT, writer: 'gw~2' });
    await sink.appendMany([read(6), read(7, { missingFields: ['sex'] }), read(8, { outcome: 'refused', status: 403 })]);
    const first = await start();
    expect(log.handled).toBe(4);
    // Reads 1-7 but 4 (damaged): 6; 8 was refused. With missing fields: 2 and 7.
    expect(allReads(first)).toBe(6);
    expect(withMissing(first)).toBe(2);
    await first.stop();

    await sink.appendMany([read(9, { missingFields: ['sex'] }), read(10)]);
    await sink.onModuleDestroy();
    const handledBefore = log.handled;
    const second = await start();
    // Only the new message was read: the snapshot covered the earlier batches whole.
    expect(log.handled - handledBefore).toBe(1);
    expect(allReads(second)).toBe(8);
    expect(withMissing(second)).toBe(3);
  });
});
