/**
 * What the registry-event relay tells its observer (the gateway turns it into the
 * motlan_registry_event_* metrics): each final outcome with the time since the event, and each
 * move to the retry topic. The real relay on the embedded event log (files in a temp directory),
 * with scripted registries and a fixed clock for the latency.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEntry } from '@motlan/audit/audit-record.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import { RegistryCallError, type DeliveryAckResult, type RegistryHealth } from '@motlan/registry-client/registry-client.port.js';
import { encodeDelivery, type RegistryDeliveryMessage } from './registry-delivery.js';
import { DEFAULT_REGISTRY_RELAY_OPTIONS, RegistryDeliveryTarget, registryDeliveryRelay, type RegistryDeliveryObserver } from './registry-event-relay.js';
import { RegistryEventTopics } from './registry-event-topics.js';

class MemoryAudit extends AuditSink {
  readonly records: AuditEntry[] = [];
  async append(record: AuditEntry): Promise<void> {
    this.records.push(record);
  }
  async appendMany(records: AuditEntry[]): Promise<void> {
    this.records.push(...records);
  }
}

/** Registries that answer from a script per subject: fail (unavailable, while healthy), reject, or apply. */
class ScriptedRegistries {
  readonly script = new Map<string, Array<'fail' | 'reject'>>();
  async deliver(registry: string, event: { subjectId: string }): Promise<DeliveryAckResult> {
    const next = this.script.get(event.subjectId)?.shift();
    if (next === 'fail') throw new RegistryCallError(registry, 'unavailable', 'connection reset');
    if (next === 'reject') return { status: 'rejected', recordVersion: '', reason: 'no such person' };
    return { status: 'applied', recordVersion: '7', reason: '' };
  }
  async health(): Promise<RegistryHealth> {
    return 'SERVING';
  }
}

const OCCURRED = Date.parse('2026-03-01T08:00:00Z');

function delivery(subjectId: string): RegistryDeliveryMessage {
  return {
    kind: 'record-event',
    target: 'population',
    idempotencyKey: `sub-1#${subjectId}`,
    eventType: 'record.created',
    sourceRegistry: 'civil-status',
    dataset: 'death',
    subjectId,
    sourceVersion: '1',
    occurredAt: new Date(OCCURRED).toISOString(),
    record: { personId: subjectId },
    referenceId: 'sub-1',
    procedure: '1.000656',
    legalBasis: 'Luật Hộ tịch 2014, Điều 33',
    requestId: `regev-test-${subjectId}`,
    fields: ['personId'],
  };
}

let dir: string;
let log: FileEventLog;
let stop: (() => Promise<void>) | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'motlan-registry-delivery-metrics-'));
  log = new FileEventLog({ dir, partitions: 1, pollMs: 10, fsync: false });
});

afterEach(async () => {
  await stop?.();
  stop = undefined;
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 3000 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe('the registry delivery observer', () => {
  it('is told each retry and each final outcome, with the time from the event to it', async () => {
    const registries = new ScriptedRegistries();
    registries.script.set('p-retried', ['fail', 'fail']);
    registries.script.set('p-refused', ['reject']);
    const settled: Array<[string, string, number]> = [];
    const retried: string[] = [];
    const observer: RegistryDeliveryObserver = {
      settled: (d, outcome, latencyMs) => settled.push([d.subjectId, outcome, latencyMs]),
      retried: (d) => retried.push(d.subjectId),
    };
    // The clock says 90 s after the event: that is the latency reported, whatever the machine's speed.
    const target = new RegistryDeliveryTarget(registries, new MemoryAudit(), observer, () => OCCURRED + 90_000);
    const relay = registryDeliveryRelay(log, target, {
      ...DEFAULT_REGISTRY_RELAY_OPTIONS,
      inlineAttempts: 2,
      inlineBackoffMs: 1,
      retryBackoffMs: 1,
      maxAttempts: 5,
    });
    stop = () => relay.stop();
    await relay.start();
    await log.append(
      RegistryEventTopics.deliveries,
      ['p-retried', 'p-refused', 'p-plain'].map((s) => encodeDelivery(delivery(s))),
    );

    await waitFor(() => settled.length === 3);
    expect(settled.sort()).toEqual([
      ['p-plain', 'delivered', 90_000],
      ['p-refused', 'dead_lettered', 90_000],
      ['p-retried', 'delivered', 90_000],
    ]);
    // Two failed attempts in place, then the retry topic once, where it succeeds.
    expect(retried).toEqual(['p-retried']);
    expect(relay.stats).toMatchObject({ delivered: 2, deadLettered: 1, retried: 1 });
  });

  it('reports no negative latency when the event is stamped later than the gateway clock', async () => {
    const settled: number[] = [];
    const target = new RegistryDeliveryTarget(
      new ScriptedRegistries(),
      new MemoryAudit(),
      {
        settled: (_d, _o, latencyMs) => settled.push(latencyMs),
        retried: () => undefined,
      },
      () => OCCURRED - 5_000,
    );
    await target.settled(delivery('p-skew'), { outcome: 'delivered', ack: { status: 'applied', recordVersion: '2', reason: '' } });
    expect(settled).toEqual([0]);
  });
});
