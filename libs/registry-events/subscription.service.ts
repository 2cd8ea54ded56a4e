import { randomUUID } from 'node:crypto';
import type { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { ConflictError, NotFoundError, UnavailableError, UnprocessableError } from '@motlan/errors/domain-error.js';
import type { EventLog } from '@motlan/event-log/event-log.port.js';
import type { PurposeCatalog } from '@motlan/procedure-catalog/purpose-catalog.js';
import { KeyedStateLog, StateChangeUnconfirmedError } from './keyed-state-log.js';
import { RegistryEventCodes, RegistryEventGroups, RegistryEventTopics, type RecordEventType } from './registry-event-topics.js';

/** A registry subscribed to record events of another registry's dataset, under a procedure's legal basis. */
export interface Subscription {
  id: string;
  /** The registry events are delivered to. */
  subscriber: string;
  sourceRegistry: string;
  dataset: string;
  eventTypes: RecordEventType[];
  /** The source record's fields delivered with each event. */
  fields: string[];
  /** The procedure (catalog code) whose grant of the source dataset carries the legal basis. */
  procedure: string;
  /** The legal basis as the catalog stated it when the subscription was made. */
  legalBasis: string;
  createdAt: string;
  createdBy: string;
}

export type SubscriptionRequest = Pick<Subscription, 'subscriber' | 'sourceRegistry' | 'dataset' | 'eventTypes' | 'fields' | 'procedure'>;

export interface SubscriptionActor {
  clientId: string;
  requestId: string;
}

/** Whether the subscriber's adapter takes an event type (its Describe `accepts`); AdapterPool answers. */
export type AcceptsCheck = (subscriber: string, sourceRegistry: string, dataset: string, eventType: string) => boolean;

/**
 * The subscriptions, on a compacted topic followed by every instance. A subscription is refused
 * unless the procedure it names may read every field it names of the source dataset under a legal
 * basis (the catalog's `legalBasis` on that grant): registries exchange personal data by law, not
 * by configuration. It is refused too when the subscriber's adapter does not say it takes those events.
 */
export class SubscriptionService {
  readonly store: KeyedStateLog<Subscription>;

  constructor(
    log: EventLog,
    private readonly purposes: PurposeCatalog,
    private readonly accepts: AcceptsCheck,
    private readonly audit: AuditSink,
    applyTimeoutMs = 10_000,
  ) {
    this.store = new KeyedStateLog<Subscription>(log, {
      topic: RegistryEventTopics.subscriptions,
      readerGroup: RegistryEventGroups.subscriptionsReader,
      applyTimeoutMs,
      parse: parseSubscription,
    });
  }

  start(): Promise<void> {
    return this.store.start();
  }

  stop(): Promise<void> {
    return this.store.stop();
  }

  /** Nest lifecycle: the reader stops with the module. */
  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  list(filter: { subscriber?: string; sourceRegistry?: string } = {}): Subscription[] {
    return this.store
      .list()
      .filter((s) => (!filter.subscriber || s.subscriber === filter.subscriber) && (!filter.sourceRegistry || s.sourceRegistry === filter.sourceRegistry))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  get(id: string): Subscription {
    const subscription = this.store.get(id);
    if (!subscription) throw new NotFoundError(RegistryEventCodes.subscriptionNotFound, 'no subscription with that id');
    return subscription;
  }

  async create(request: SubscriptionRequest, actor: SubscriptionActor): Promise<Subscription> {
    const legalBasis = this.legalBasisOf(request);
    if (request.subscriber === request.sourceRegistry) {
      throw new UnprocessableError('subscription_to_itself', 'a registry cannot subscribe to its own events', {
        invalidParams: [{ name: 'subscriber', reason: 'equals sourceRegistry' }],
      });
    }
    const refused = request.eventTypes.filter((t) => !this.accepts(request.subscriber, request.sourceRegistry, request.dataset, t));
    if (refused.length > 0) {
      throw new UnprocessableError(
        RegistryEventCodes.eventsNotAccepted,
        `no adapter of registry ${request.subscriber} says (Describe) it takes ${refused.join(', ')} events of ${request.sourceRegistry}/${request.dataset}`,
        { invalidParams: [{ name: 'eventTypes', reason: 'not accepted by the subscriber' }] },
      );
    }
    const duplicate = this.store
      .list()
      .find((s) => s.subscriber === request.subscriber && s.sourceRegistry === request.sourceRegistry && s.dataset === request.dataset);
    if (duplicate) {
      throw new ConflictError('subscription_exists', `registry ${request.subscriber} already subscribes to ${request.sourceRegistry}/${request.dataset}`, {
        subscriptionId: duplicate.id,
      });
    }
    const subscription: Subscription = {
      id: randomUUID(),
      ...request,
      eventTypes: [...new Set(request.eventTypes)].sort(),
      fields: [...new Set(request.fields)].sort(),
      legalBasis,
      createdAt: new Date().toISOString(),
      createdBy: actor.clientId,
    };
    await this.write(() => this.store.put(subscription.id, subscription));
    await this.record(actor, 'create', subscription.id, null, subscription);
    return subscription;
  }

  async remove(id: string, actor: SubscriptionActor): Promise<Subscription> {
    const before = this.get(id);
    await this.write(() => this.store.remove(id));
    await this.record(actor, 'remove', id, before, null);
    return before;
  }

  /** The legal basis of the grant that covers the request, or 422 legal_basis_missing naming what is missing. */
  private legalBasisOf(request: SubscriptionRequest): string {
    const procedure = this.purposes.procedure(request.procedure);
    const refuse = (name: string, reason: string, detail: string) =>
      new UnprocessableError(RegistryEventCodes.legalBasisMissing, detail, { invalidParams: [{ name, reason }] });
    if (!procedure) throw refuse('procedure', 'not in the procedure catalog', `procedure ${request.procedure} is not in the procedure catalog`);
    const grant = procedure.grant(request.sourceRegistry, request.dataset);
    if (!grant) {
      throw refuse(
        'procedure',
        'does not read the source dataset',
        `procedure ${request.procedure} does not read ${request.sourceRegistry}/${request.dataset}`,
      );
    }
    if (!grant.legalBasis) {
      throw refuse(
        'procedure',
        'no legal basis',
        `procedure ${request.procedure} reads ${request.sourceRegistry}/${request.dataset} without a legal basis (by consent only)`,
      );
    }
    const outside = request.fields.filter((f) => !grant.fields.has(f));
    if (outside.length > 0)
      throw refuse('fields', 'outside the procedure', `fields outside what procedure ${request.procedure} may read: ${outside.join(', ')}`);
    return grant.legalBasis;
  }

  private async write(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (error) {
      if (error instanceof StateChangeUnconfirmedError) {
        throw new UnavailableError(
          RegistryEventCodes.storeUnavailable,
          'the change was written but not confirmed in time; list the subscriptions to see whether it is in force',
          5,
        );
      }
      throw new UnavailableError(RegistryEventCodes.storeUnavailable, 'the subscription could not be stored now; nothing changed, try again', 5);
    }
  }

  private async record(
    actor: SubscriptionActor,
    action: 'create' | 'remove',
    subscriptionId: string,
    before: object | null,
    after: object | null,
  ): Promise<void> {
    // In force once answered, like adapter and procedure catalog changes: a failed audit write is logged by the sink, not undone.
    await this.audit
      .append({
        type: 'subscription',
        time: new Date().toISOString(),
        requestId: actor.requestId,
        clientId: actor.clientId,
        action,
        subscriptionId,
        before,
        after,
      })
      .catch(() => undefined);
  }
}

/** A subscription read back from the log, checked for shape (the log is an edge); null when it is not one. */
export function parseSubscription(value: string): Subscription | null {
  try {
    const s = JSON.parse(value) as Partial<Subscription>;
    const strings = [s.id, s.subscriber, s.sourceRegistry, s.dataset, s.procedure, s.legalBasis, s.createdAt, s.createdBy];
    if (!strings.every((x) => typeof x === 'string')) return null;
    if (!Array.isArray(s.eventTypes) || !Array.isArray(s.fields)) return null;
    if (!s.eventTypes.every((t) => t === 'record.created' || t === 'record.changed') || !s.fields.every((f) => typeof f === 'string')) return null;
    return s as Subscription;
  } catch {
    return null;
  }
}
