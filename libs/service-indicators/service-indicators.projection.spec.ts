/**
 * The projection on the embedded file log (real files in a temp directory): statuses, outcomes
 * and audited registry reads become buckets; a restart restores the snapshot and reads only what
 * came after it; an unusable snapshot is rebuilt from the topics into the same figures.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Topics } from '@motlan/events/topics.js';
import { auditTrailCodec } from '@motlan/audit/audit-trail-codec.js';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import type { ConsumerOptions, MessageHandler, RunningConsumer } from '@motlan/event-log/event-log.port.js';
import { FileSyncFiguresSnapshotStore } from '@motlan/dossier-relay/file-sync-figures-snapshot.adapter.js';
import { eventually } from '../../test/support/eventually.js';
import { InMemoryIndicatorsViewStore } from './in-memory-indicators-view-store.adapter.js';
import { C } from './indicators.js';
import { ServiceIndicatorsProjection } from './service-indicators.projection.js';

const root = mkdtempSync(path.join(tmpdir(), 'motlan-indicators-projection-'));
const AUDIT = 'motlan.audit.test.v1';
const NOW = Date.parse('2026-12-08T03:00:00Z');
let dir: string;
let log: CountingLog;
const started: ServiceIndicatorsProjection[] = [];

/** The file log, counting the messages it hands to handlers. */
class CountingLog extends FileEventLog {
  handled = 0;
  override consume(options: ConsumerOptions, handler: MessageHandler): Promise<RunningConsumer> {
    return super.consume(options, async (message, context) => {
      this.handled++;
      await handler(message, context);
    });
  }
}

function statusMessage(dossierId: string, commune: string, status: number, extra: Record<string, unknown> = {}) {
  return {
    key: dossierId,
    value: JSON.stringify({
      dossierId,
      procedureCode: '1.004222',
      communeCode: commune,
      provinceCode: commune === '00004' ? '01' : '79',
      status,
      subjectType: 'citizen',
      receivedAt: '2026-12-08T08:00:00+07:00',
      sequence: status,
      acceptedAt: '2026-12-08T01:00:00.000Z',
      requestId: 'req-1',
      clientId: 'commune',
      ...extra,
    }),
  };
}

function readRecord(commune: string | null, outcome = 'answered') {
  const record = { type: 'access', time: '2026-12-08T02:00:00.000Z', requestId: 'r', clientId: 'c', clientCommune: commune, outcome, status: 200, fields: [] };
  return { key: 'writer-1', value: JSON.stringify(record) };
}

async function start(): Promise<ServiceIndicatorsProjection> {
  const projection = new ServiceIndicatorsProjection(
    log,
    log,
    new FileSyncFiguresSnapshotStore(path.join(dir, 'snapshot.json')),
    new InMemoryIndicatorsViewStore(),
    {
      state: {},
      snapshotIntervalMs: 0,
      publishIntervalMs: 0,
      auditTopic: AUDIT,
      now: () => NOW,
    },
  );
  started.push(projection);
  await projection.start();
  return projection;
}

const counters = (p: ServiceIndicatorsProjection, commune: string) => p.state.day('2026-12-08')?.get(commune);

beforeEach(() => {
  dir = mkdtempSync(path.join(root, 'case-'));
  log = new CountingLog({ dir, partitions: 3, pollMs: 20, fsync: false });
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
  await log.close();
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('ServiceIndicatorsProjection', () => {
  it('counts statuses, deliveries and registry reads, then after a restart reads only what came after its snapshot', async () => {
    await log.ensureTopics([Topics.dossierSync, Topics.dossierSyncOutcomes], 3);
    await log.append(Topics.dossierSync, [
      statusMessage('D-1', '00004', 2, { channel: 'online' }),
      statusMessage('D-1', '00004', 10, { resultForm: 'electronic' }),
      statusMessage('D-2', '00004', 2, { channel: 'counter' }),
    ]);
    await log.append(Topics.dossierSyncOutcomes, [
      {
        key: 'D-1',
        value: JSON.stringify({
          dossierId: 'D-1',
          sequence: 2,
          communeCode: '00004',
          provinceCode: '01',
          outcome: 'delivered',
          at: '2026-12-08T01:00:01.000Z',
          acceptedAt: '2026-12-08T01:00:00.000Z',
        }),
      },
    ]);
    await log.append(AUDIT, [readRecord('00004'), readRecord('00004'), readRecord(null), readRecord('00004', 'refused')]);
    const first = await start();
    expect(counters(first, '00004')?.slice(0, 9)).toEqual([2, 1, 0, 0, 1, 1, 1, 2, 1]);
    const handledBefore = log.handled;
    await first.stop();

    await log.append(Topics.dossierSync, [statusMessage('D-3', '00004', 2, { channel: 'online' })]);
    await log.append(AUDIT, [readRecord('00004')]);
    const second = await start();
    // Two new messages read, not the eight before them.
    expect(log.handled - handledBefore).toBe(2);
    expect(counters(second, '00004')?.[C.received]).toBe(3);
    expect(counters(second, '00004')?.[C.online]).toBe(2);
    expect(counters(second, '00004')?.[C.registryReads]).toBe(3);
    // Messages arriving while it runs are counted too.
    await log.append(Topics.dossierSync, [statusMessage('D-4', '00004', 2)]);
    await eventually('the live status to be counted', async () => (counters(second, '00004')?.[C.received] === 4 ? true : undefined));
  });

  it('counts every record of an audit message holding a write batch (one record per line), once across a restart', async () => {
    const text = (m: { value: string }) => m.value;
    // A batch of four: three answered reads of 00004 (one of them damaged on the way) and a refusal.
    const batch = [readRecord('00004'), readRecord('00004'), readRecord('00004'), readRecord('00004', 'refused')].map(text);
    batch[1] = batch[1].slice(0, 20);
    await log.append(AUDIT, [auditTrailCodec.encode({ writer: 'writer-1', texts: batch }), readRecord('00004')]);
    const first = await start();
    expect(counters(first, '00004')?.[C.registryReads]).toBe(3);
    const handledBefore = log.handled;
    await first.stop();

    await log.append(AUDIT, [auditTrailCodec.encode({ writer: 'writer-1', texts: [readRecord('00004'), readRecord(null), readRecord('00004')].map(text) })]);
    const second = await start();
    expect(log.handled - handledBefore).toBe(1);
    expect(counters(second, '00004')?.[C.registryReads]).toBe(5);
  });

  it('rebuilds an unusable snapshot from the topics into the same figures', async () => {
    await log.ensureTopics([Topics.dossierSync, Topics.dossierSyncOutcomes], 3);
    await log.append(Topics.dossierSync, [statusMessage('D-1', '00004', 2, { channel: 'online' }), statusMessage('D-2', '26734', 2)]);
    const first = await start();
    const expected = first.state.toData().days;
    await first.stop();
    writeFileSync(path.join(dir, 'snapshot.json'), '{"version":1,"takenAt":"x","offsets":{},"state":{"days":"nope"}}');
    const second = await start();
    expect(second.state.toData().days).toEqual(expected);
  });

  it('publishes the days that changed and the live view', async () => {
    await log.ensureTopics([Topics.dossierSync, Topics.dossierSyncOutcomes], 3);
    await log.append(Topics.dossierSync, [statusMessage('D-1', '00004', 2, { dueAt: '2026-12-08T09:00:00+07:00' })]);
    const view = new InMemoryIndicatorsViewStore();
    const projection = new ServiceIndicatorsProjection(log, log, new FileSyncFiguresSnapshotStore(path.join(dir, 'snapshot.json')), view, {
      state: {},
      snapshotIntervalMs: 0,
      publishIntervalMs: 0,
      auditTopic: AUDIT,
      now: () => NOW,
    });
    started.push(projection);
    await projection.start();
    const read = await view.read(['2026-12-07', '2026-12-08']);
    expect([...read.days.keys()]).toEqual(['2026-12-08']);
    expect(read.days.get('2026-12-08')?.get('00004')?.[C.received]).toBe(1);
    // Due 09:00 Vietnam time, now 10:00: overdue.
    expect(read.live?.communes).toEqual([['00004', Date.parse('2026-12-08T01:00:00.000Z'), 1]]);
  });
});
