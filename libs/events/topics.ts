/**
 * Kafka topics of Motlan, versioned: a breaking change to a message makes a new topic (…v2), never
 * an in-place change.
 */
export const Topics = {
  /** Per-registry change events (CloudEvents 1.0 structured JSON, key = subject id). */
  registryChanges: (registry: string) => `motlan.registry.${registry}.changes.v1`,
  /** Change events that failed validation, with the reason in header `motlan-dlq-reason`. */
  registryChangesDlq: 'motlan.registry.changes.dlq.v1',
  /** The adapter catalog, compacted: key = adapter id, value = catalog entry JSON, null = removed. */
  adapterCatalog: 'motlan.adapters.v1',
  /** The procedure catalog, compacted: key = procedure code, value = procedure with its version, null = removed. */
  procedureCatalog: 'motlan.procedures.v1',
  /** Dossier status from commune systems to the national portal (key = dossier id, value = DossierStatusMessage JSON). */
  dossierSync: 'motlan.portal.dossier-sync.v1',
  /** Statuses whose delivery failed transiently, waiting for another attempt (headers: attempt, not-before). */
  dossierSyncRetry: 'motlan.portal.dossier-sync.retry.v1',
  /** Statuses the portal refused or that failed N times, with the reason in header `motlan-dlq-reason`. */
  dossierSyncDlq: 'motlan.portal.dossier-sync.dlq.v1',
  /** What became of each status (delivered, duplicate, dead-lettered): the source of the per-commune figures. */
  dossierSyncOutcomes: 'motlan.portal.dossier-sync.outcomes.v1',
  /** The audit trail: chained audit records (libs/audit/audit-chain.ts), key = writer id, kept forever. */
  audit: 'motlan.audit.v1',
} as const;

export const ConsumerGroups = {
  cacheSync: 'motlan-cache-sync',
  portalSync: 'motlan-portal-sync',
  portalSyncRetry: 'motlan-portal-sync-retry',
} as const;

/** Headers set on dead-lettered messages. */
export const DlqHeaders = {
  reason: 'motlan-dlq-reason',
  sourceTopic: 'motlan-dlq-source-topic',
  sourcePartition: 'motlan-dlq-source-partition',
  sourceOffset: 'motlan-dlq-source-offset',
  attempts: 'motlan-dlq-attempts',
} as const;

/** CloudEvents `type` of a registry record change. */
export const RECORD_CHANGED_TYPE = 'vn.gov.motlan.registry.record.changed.v1';
