/**
 * Topics and consumer groups of registry-to-registry events and corrections (versioned like
 * libs/events/topics.ts: a breaking change makes a new topic).
 */
export const RegistryEventTopics = {
  /** The subscriptions, compacted: key = subscription id, value = Subscription JSON, null = removed. */
  subscriptions: 'motlan.registry-events.subscriptions.v1',
  /** The corrections, compacted: key = correction id, value = Correction JSON (its current state). */
  corrections: 'motlan.corrections.v1',
  /** What the gateway delivers to registries (record events and corrections), key = subject id: in order per subject. */
  deliveries: 'motlan.registry-events.deliveries.v1',
  /** Deliveries whose delivery failed transiently, waiting for another attempt (headers: attempts, not-before). */
  deliveriesRetry: 'motlan.registry-events.deliveries.retry.v1',
  /** Deliveries a registry refused, that failed N times or are invalid, with the reason in header `motlan-dlq-reason`. */
  deliveriesDlq: 'motlan.registry-events.deliveries.dlq.v1',
} as const;

export const RegistryEventGroups = {
  /** Reads the registries' change topics and turns each change into one delivery per matching subscription. */
  fanout: 'motlan-registry-events-fanout',
  relay: 'motlan-registry-events-relay',
  relayRetry: 'motlan-registry-events-relay-retry',
  dlqReplay: 'motlan-registry-events-relay-dlq-replay',
  subscriptionsReader: 'motlan-registry-events-subscriptions',
  correctionsReader: 'motlan-corrections',
} as const;

/** Event types a subscription may name: the record's first version, or a later one. */
export const RECORD_EVENT_TYPES = ['record.created', 'record.changed'] as const;
export type RecordEventType = (typeof RECORD_EVENT_TYPES)[number];
export const CORRECTION_EVENT_TYPE = 'correction.proposed';

/** Problem codes of this feature (stable, documented in docs/registry-events.md). */
export const RegistryEventCodes = {
  legalBasisMissing: 'legal_basis_missing',
  eventsNotAccepted: 'events_not_accepted',
  subscriptionNotFound: 'subscription_not_found',
  correctionNotFound: 'correction_not_found',
  correctionStateConflict: 'correction_state_conflict',
  storeUnavailable: 'registry_events_unavailable',
} as const;
