import { Logger } from '@nestjs/common';
import type { AuditSink } from '@motlan/audit/audit-sink.port.js';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import type { ConsumedMessage, EventLog, RunningConsumer } from '@motlan/event-log/event-log.port.js';
import { replayDeadLettersOf } from '@motlan/event-log/dead-letter-replay.js';
import { changeEventCodec } from '@motlan/events/change-event-codec.js';
import { Topics } from '@motlan/events/topics.js';
import type { ParsedMessage } from '@motlan/events/message-validation.js';
import {
  RegistryCallError,
  type DeliveryAckResult,
  type RecordEventDelivery,
  type RegistryClient,
  type RegistryHealth,
} from '@motlan/registry-client/registry-client.port.js';
import {
  KeyedRelay,
  RelayTransientError,
  type KeyedRelayOptions,
  type RelayAnswer,
  type RelayOutcome,
  type RelayTarget,
} from '@motlan/event-log/keyed-relay.js';
import { encodeDelivery, parseDelivery, type RegistryDeliveryMessage } from './registry-delivery.js';
import { RegistryEventGroups, RegistryEventTopics, type RecordEventType } from './registry-event-topics.js';
import type { SubscriptionService } from './subscription.service.js';

/** What the relay needs of the registries: delivery and health by registry name (AdapterPool). */
export interface RegistryDeliveries {
  deliver(registry: string, event: RecordEventDelivery, timeoutMs: number): Promise<DeliveryAckResult>;
  health(registry: string): Promise<RegistryHealth>;
}

/** Told every settled delivery (the corrections follow theirs). */
export type DeliverySettledListener = (delivery: RegistryDeliveryMessage, outcome: RelayOutcome<DeliveryAckResult>) => Promise<void>;

/**
 * Told what becomes of deliveries, for metrics (docs/metrics.md, motlan_registry_event_*): each final
 * outcome with the time from the event (the source's change, or the filing of a correction) to it,
 * and each move to the retry topic. Must not throw.
 */
export interface RegistryDeliveryObserver {
  settled(delivery: RegistryDeliveryMessage, outcome: RelayOutcome<DeliveryAckResult>['outcome'], latencyMs: number): void;
  retried(delivery: RegistryDeliveryMessage): void;
}

/** The default relay settings (docs/registry-events.md). */
export const DEFAULT_REGISTRY_RELAY_OPTIONS: Omit<KeyedRelayOptions, 'topics' | 'groups' | 'destination'> = {
  deliveryTimeoutMs: 5000,
  inlineAttempts: 3,
  inlineBackoffMs: 200,
  maxAttempts: 8,
  retryBackoffMs: 2000,
  outageBackoffMaxMs: 10_000,
};

/**
 * Delivers to registries over their adapters' Deliver: every message of the deliveries topic, in
 * order per subject, with its idempotency key, through the KeyedRelay (retries, dead letters,
 * outages). Each settled delivery is audited (`registry_event`) before its offset is committed.
 */
export class RegistryDeliveryTarget implements RelayTarget<RegistryDeliveryMessage, DeliveryAckResult> {
  private readonly listeners: DeliverySettledListener[] = [];

  constructor(
    private readonly registries: RegistryDeliveries,
    private readonly audit: AuditSink,
    private readonly observer?: RegistryDeliveryObserver,
    private readonly now: () => number = Date.now,
  ) {}

  onSettled(listener: DeliverySettledListener): void {
    this.listeners.push(listener);
  }

  parse(message: ConsumedMessage): ParsedMessage<RegistryDeliveryMessage> {
    return parseDelivery(message);
  }

  keyOf(delivery: RegistryDeliveryMessage): string {
    return delivery.subjectId;
  }

  async deliver(delivery: RegistryDeliveryMessage, timeoutMs: number): Promise<RelayAnswer<DeliveryAckResult>> {
    let ack: DeliveryAckResult;
    try {
      ack = await this.registries.deliver(
        delivery.target,
        {
          idempotencyKey: delivery.idempotencyKey,
          eventType: delivery.eventType,
          sourceRegistry: delivery.sourceRegistry,
          dataset: delivery.dataset,
          subjectId: delivery.subjectId,
          sourceVersion: delivery.sourceVersion,
          occurredAt: delivery.occurredAt,
          record: delivery.record ?? null,
          referenceId: delivery.referenceId,
          legalBasisProcedure: delivery.procedure,
          legalBasis: delivery.legalBasis,
          ...(delivery.correction ? { correction: { ...delivery.correction } } : {}),
          requestId: delivery.requestId,
        },
        timeoutMs,
      );
    } catch (error) {
      if (error instanceof RegistryCallError && error.kind === 'invalid_argument') return { result: 'rejected', reason: error.message };
      throw new RelayTransientError(error instanceof RegistryCallError ? `${error.kind}: ${error.message}` : (error as Error).message);
    }
    if (ack.status === 'rejected') return { result: 'rejected', reason: ack.reason || 'refused by the registry' };
    return { result: ack.status === 'duplicate' ? 'duplicate' : 'accepted', ack };
  }

  async isDown(delivery: RegistryDeliveryMessage): Promise<boolean> {
    return (await this.registries.health(delivery.target)) !== 'SERVING';
  }

  async settled(delivery: RegistryDeliveryMessage, outcome: RelayOutcome<DeliveryAckResult>): Promise<void> {
    await this.audit.append({
      type: 'registry_event',
      time: new Date().toISOString(),
      requestId: delivery.requestId,
      kind: delivery.kind,
      target: delivery.target,
      sourceRegistry: delivery.sourceRegistry,
      dataset: delivery.dataset,
      subjectId: delivery.subjectId,
      eventType: delivery.eventType,
      referenceId: delivery.referenceId,
      procedure: delivery.procedure,
      fields: delivery.kind === 'correction' && delivery.correction ? [delivery.correction.field] : (delivery.fields ?? []),
      outcome: outcome.outcome,
      ...(outcome.outcome === 'dead_lettered' ? { reason: outcome.reason } : outcome.ack.recordVersion ? { recordVersion: outcome.ack.recordVersion } : {}),
    });
    for (const listener of this.listeners) await listener(delivery, outcome);
    // After the audit record and the listeners: a settlement they made fail is handed over again, and counted then.
    this.observer?.settled(delivery, outcome.outcome, Math.max(0, this.now() - Date.parse(delivery.occurredAt)));
  }

  retried(delivery: RegistryDeliveryMessage): void {
    this.observer?.retried(delivery);
  }
}

/** The relay of registry deliveries: a KeyedRelay on the deliveries topics. */
export function registryDeliveryRelay(
  log: EventLog,
  target: RegistryDeliveryTarget,
  options = DEFAULT_REGISTRY_RELAY_OPTIONS,
): KeyedRelay<RegistryDeliveryMessage, DeliveryAckResult> {
  return new KeyedRelay(
    log,
    target,
    {
      ...options,
      topics: { main: RegistryEventTopics.deliveries, retry: RegistryEventTopics.deliveriesRetry, dlq: RegistryEventTopics.deliveriesDlq },
      groups: { main: RegistryEventGroups.relay, retry: RegistryEventGroups.relayRetry },
      destination: 'registry',
      // Many subscribers share the deliveries topic: one registry down must not stall the others.
      onOutage: 'park',
    },
    'RegistryEventRelay',
  );
}

export interface FanoutStats {
  /** Change events read from the subscribed source registries. */
  read: number;
  /** Deliveries appended (one per matching subscription). */
  fannedOut: number;
}

/**
 * Turns the change events of every registry some subscription names into deliveries: one per
 * matching subscription (dataset, event type, made before the event was published), carrying the
 * subscribed fields as the source registry answers them, keyed by subject id so one person's
 * events keep their order. Consumer group motlan-registry-events-fanout; re-read after a crash, a
 * change yields the same idempotency key (`<subscription>#<event id>`), so the subscriber answers
 * DUPLICATE. Invalid change events are skipped here: the cache invalidation dead-letters them.
 */
export class RegistryEventFanout {
  private readonly logger = new Logger('RegistryEventFanout');
  private running?: RunningConsumer;
  private sources = '';
  private refreshing: Promise<void> = Promise.resolve();
  private stopped = false;
  readonly stats: FanoutStats = { read: 0, fannedOut: 0 };

  constructor(
    /** Where the registries' change events are read (the shared log on Kafka; the simulator's file log embedded). */
    private readonly changeLog: EventLog,
    /** Where deliveries are appended. */
    private readonly log: EventLog,
    private readonly subscriptions: SubscriptionService,
    private readonly registries: RegistryClient,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.subscriptions.store.onChange(() => {
      this.refreshing = this.refreshing
        .then(() => this.refresh())
        .catch((error: unknown) => this.logger.error({ err: error }, 'cannot follow the subscriptions'));
    });
    this.refreshing = this.refresh();
    await this.refreshing;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.refreshing.catch(() => undefined);
    await this.running?.stop();
    this.running = undefined;
  }

  /** Resolves once the change topics of every subscribed source registry are being read. */
  settledFollowing(): Promise<void> {
    return this.refreshing;
  }

  private async refresh(): Promise<void> {
    if (this.stopped) return;
    const sources = [...new Set(this.subscriptions.list().map((s) => s.sourceRegistry))].sort();
    if (sources.join(',') === this.sources) return;
    await this.running?.stop();
    this.running = undefined;
    this.sources = sources.join(',');
    if (sources.length === 0) return;
    const topics = new Map(sources.map((r) => [Topics.registryChanges(r), r]));
    await this.changeLog.ensureTopics([...topics.keys()], 3);
    // From the beginning for a topic new to the group: events older than a subscription are skipped by its creation time.
    this.running = await this.changeLog.consume({ group: RegistryEventGroups.fanout, topics: [...topics.keys()], fromBeginning: true }, (message) =>
      this.handle(message, topics.get(message.topic)),
    );
    this.logger.log({ sources }, 'following the change events of subscribed registries');
  }

  private async handle(message: ConsumedMessage, registry: string | undefined): Promise<void> {
    const decoded = changeEventCodec.decode(message);
    if (!registry || !decoded.ok) return;
    this.stats.read++;
    const event = decoded.value;
    const eventType: RecordEventType = event.data.version === '1' ? 'record.created' : 'record.changed';
    const published = new Date(message.timestamp).toISOString();
    const matching = this.subscriptions
      .list({ sourceRegistry: registry })
      .filter((s) => s.dataset === event.data.dataset && s.eventTypes.includes(eventType) && s.createdAt <= published);
    if (matching.length === 0) return;
    const deliveries: RegistryDeliveryMessage[] = [];
    for (const subscription of matching) {
      const requestId = `regev-${subscription.id.slice(0, 8)}-${event.id.slice(0, 36)}`;
      const found = await this.registries.lookup(registry, event.data.dataset, event.data.subjectId, {
        requestId,
        clientId: 'motlan-registry-events',
        officerId: `subscription:${subscription.id}`,
        purpose: subscription.procedure,
      });
      if (!found.found || !found.data) continue;
      const record: JsonObject = {};
      for (const field of subscription.fields) if (field in found.data) record[field] = found.data[field];
      deliveries.push({
        kind: 'record-event',
        target: subscription.subscriber,
        idempotencyKey: `${subscription.id}#${event.id}`,
        eventType,
        sourceRegistry: registry,
        dataset: event.data.dataset,
        subjectId: event.data.subjectId,
        sourceVersion: event.data.version,
        occurredAt: new Date(event.time).toISOString(),
        record,
        referenceId: subscription.id,
        procedure: subscription.procedure,
        legalBasis: subscription.legalBasis,
        requestId,
        fields: subscription.fields,
      });
    }
    if (deliveries.length === 0) return;
    await this.log.append(RegistryEventTopics.deliveries, deliveries.map(encodeDelivery));
    this.stats.fannedOut += deliveries.length;
  }
}

/** Sends the dead-lettered deliveries not replayed before back to the deliveries topic (once the cause is fixed). */
export function replayRegistryDeliveries(log: EventLog): Promise<{ replayed: number }> {
  return replayDeadLettersOf(log, { dlq: RegistryEventTopics.deliveriesDlq, main: RegistryEventTopics.deliveries, group: RegistryEventGroups.dlqReplay });
}
