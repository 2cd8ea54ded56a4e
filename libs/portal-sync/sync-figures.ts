import { Logger } from '@nestjs/common';
import { parseJsonMessage } from '@motlan/events/message-validation.js';
import { Topics } from '@motlan/events/topics.js';
import { SyncLog, type ConsumedMessage, type RunningConsumer } from '@motlan/sync-log/sync-log.port.js';
import { DossierStatusMessage, idempotencyKey } from './dossier-status.js';
import { SyncOutcome } from './sync-outcome.js';

type StatusState = 'pending' | 'delivered' | 'failed';

interface StatusEntry {
  commune: string;
  state: StatusState;
  /** When the gateway accepted it (ms): the age of a pending status. */
  acceptedAt: number;
  /** Partition of the sync topic it sits on (for the lag of a commune's partitions). */
  partition: number;
}

export interface CommuneFigures {
  communeCode: string;
  provinceCode: string;
  /** Distinct statuses (dossier + sequence) received. */
  received: number;
  delivered: number;
  pending: number;
  failed: number;
  /** Accepted-at time of the oldest pending status (ms), or null. */
  oldestPendingAt: number | null;
  /** Partitions of the sync topic holding its pending statuses. */
  pendingPartitions: number[];
}

/**
 * Per-commune sync figures, derived from Kafka and not from one instance's memory: every gateway
 * instance reads the sync topic (what was received) and the outcomes topic (what became of it)
 * from the beginning on start and follows both, so all instances show the same figures. A status
 * is counted once per dossier and sequence however often it was sent or delivered.
 */
export class SyncFigures {
  private readonly logger = new Logger('SyncFigures');
  private readonly statuses = new Map<string, StatusEntry>();
  private readonly byCommune = new Map<string, { province: string; received: number; delivered: number; failed: number; pending: Set<string> }>();
  private readonly readers: RunningConsumer[] = [];

  constructor(private readonly log: SyncLog) {}

  /** Resolves once both topics are read up to their end as of the start. */
  async start(): Promise<void> {
    await this.log.ensureTopics([Topics.dossierSync, Topics.dossierSyncOutcomes], 3);
    this.readers.push(
      await this.log.consume({ group: 'motlan-sync-figures-received', topics: [Topics.dossierSync], fromBeginning: true, ephemeral: true }, async (m) => this.onReceived(m)),
      await this.log.consume({ group: 'motlan-sync-figures-outcomes', topics: [Topics.dossierSyncOutcomes], fromBeginning: true, ephemeral: true }, async (m) => this.onOutcome(m)),
    );
    await Promise.all(this.readers.map((r) => r.caughtUp()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.readers.splice(0).map((r) => r.stop()));
  }

  communes(): CommuneFigures[] {
    return [...this.byCommune.keys()].map((code) => this.commune(code)!);
  }

  commune(code: string): CommuneFigures | undefined {
    const c = this.byCommune.get(code);
    if (!c) return undefined;
    let oldest: number | null = null;
    const partitions = new Set<number>();
    for (const key of c.pending) {
      const entry = this.statuses.get(key)!;
      if (oldest === null || entry.acceptedAt < oldest) oldest = entry.acceptedAt;
      partitions.add(entry.partition);
    }
    return {
      communeCode: code,
      provinceCode: c.province,
      received: c.received,
      delivered: c.delivered,
      pending: c.pending.size,
      failed: c.failed,
      oldestPendingAt: oldest,
      pendingPartitions: [...partitions].sort((a, b) => a - b),
    };
  }

  private onReceived(message: ConsumedMessage): void {
    const parsed = parseJsonMessage(DossierStatusMessage, message.value);
    // An invalid message never reaches the portal: the worker dead-letters it; it has no commune to count against.
    if (!parsed.ok) return;
    const status = parsed.message;
    const key = idempotencyKey(status.dossierId, status.sequence);
    const existing = this.statuses.get(key);
    const commune = this.communeState(status.communeCode, status.provinceCode);
    if (!existing) {
      this.statuses.set(key, { commune: status.communeCode, state: 'pending', acceptedAt: Date.parse(status.acceptedAt), partition: message.partition });
      commune.received++;
      commune.pending.add(key);
    } else if (existing.state === 'failed') {
      // Sent again (a DLQ replay): pending once more until its new outcome.
      existing.state = 'pending';
      existing.partition = message.partition;
      commune.failed--;
      commune.pending.add(key);
    }
  }

  private onOutcome(message: ConsumedMessage): void {
    const parsed = parseJsonMessage(SyncOutcome, message.value);
    if (!parsed.ok) {
      this.logger.warn({ reason: parsed.reason, offset: message.offset }, 'unreadable outcome skipped');
      return;
    }
    const outcome = parsed.message;
    const key = idempotencyKey(outcome.dossierId, outcome.sequence);
    const commune = this.communeState(outcome.communeCode, outcome.provinceCode);
    let entry = this.statuses.get(key);
    if (!entry) {
      // The outcomes topic can be read ahead of the sync topic: count the status as received now.
      entry = { commune: outcome.communeCode, state: 'pending', acceptedAt: Date.parse(outcome.acceptedAt), partition: message.partition };
      this.statuses.set(key, entry);
      commune.received++;
      commune.pending.add(key);
    }
    const next: StatusState = outcome.outcome === 'dead_lettered' ? 'failed' : 'delivered';
    if (entry.state === next || entry.state === 'delivered') return;
    if (entry.state === 'pending') commune.pending.delete(key);
    if (entry.state === 'failed') commune.failed--;
    entry.state = next;
    if (next === 'failed') commune.failed++;
    else commune.delivered++;
  }

  private communeState(code: string, province: string) {
    let state = this.byCommune.get(code);
    if (!state) this.byCommune.set(code, (state = { province, received: 0, delivered: 0, failed: 0, pending: new Set() }));
    return state;
  }
}
