/**
 * Kafka topics of Motlan, versioned: a breaking change to a message makes a new topic (…v2), never
 * an in-place change.
 */
export const Topics = {
  /** Per-registry change events (CloudEvents 1.0 structured JSON, key = subject id). */
  registryChanges: (registry: string) => `motlan.registry.${registry}.changes.v1`,
  /** Change events that failed validation, with the reason in header `motlan-dlq-reason`. */
  registryChangesDlq: 'motlan.registry.changes.dlq.v1',
} as const;

export const ConsumerGroups = {
  cacheSync: 'motlan-cache-sync',
} as const;

/** Headers set on dead-lettered messages. */
export const DlqHeaders = {
  reason: 'motlan-dlq-reason',
  sourceTopic: 'motlan-dlq-source-topic',
  sourcePartition: 'motlan-dlq-source-partition',
  sourceOffset: 'motlan-dlq-source-offset',
} as const;

/** CloudEvents `type` of a registry record change. */
export const RECORD_CHANGED_TYPE = 'vn.gov.motlan.registry.record.changed.v1';
