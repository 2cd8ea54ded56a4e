import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import type { RegistryFailureKind, RegistryHealth } from './adapter-resilience.types.js';

/** Who asks and why; passed to the registry with every lookup (gRPC RequestContext). */
export interface LookupContext {
  requestId: string;
  clientId: string;
  officerId: string;
  purpose: string;
  dossierId?: string;
}

export interface FieldDescriptor {
  name: string;
  type: string;
  description: string;
  personal: boolean;
}

export interface DatasetDescriptor {
  registry: string;
  name: string;
  subjectKey: { name: string; pattern: string; description: string };
  fields: FieldDescriptor[];
  /** Field names, for O(1) membership checks on the hot path. */
  fieldNames: ReadonlySet<string>;
  maxAgeSeconds: number;
  sensitivity: 'normal' | 'sensitive';
  description: string;
}

export interface RegistryDescription {
  registry: string;
  contractVersion: string;
  adapterVersion: string;
  datasets: DatasetDescriptor[];
  /** Events the adapter takes over Deliver (contract 1.1); absent or empty: none. */
  accepts?: AcceptedEvent[];
}

/** Events of one kind an adapter takes over Deliver (proto AcceptedEvent). */
export interface AcceptedEvent {
  sourceRegistry: string;
  dataset: string;
  eventTypes: string[];
}

/** A correction carried by a delivery (proto Correction). */
export interface DeliveredCorrection {
  field: string;
  valueSeenJson: string;
  valueProposedJson: string;
  evidenceRef: string;
  officerId: string;
  communeCode: string;
}

/** One event relayed to a registry (proto RecordEvent). */
export interface RecordEventDelivery {
  idempotencyKey: string;
  eventType: string;
  sourceRegistry: string;
  dataset: string;
  subjectId: string;
  sourceVersion: string;
  occurredAt: string;
  record: JsonObject | null;
  referenceId: string;
  legalBasisProcedure: string;
  legalBasis: string;
  correction?: DeliveredCorrection;
  requestId: string;
}

/** A registry's answer to a delivery (proto DeliveryAck). */
export interface DeliveryAckResult {
  status: 'applied' | 'received' | 'duplicate' | 'rejected';
  recordVersion: string;
  reason: string;
}

export interface RegistryRecord {
  found: boolean;
  data: JsonObject | null;
  version: string;
  asOf: string;
}

export type { RegistryFailureKind, RegistryHealth } from './adapter-resilience.types.js';

// Why a registry call failed (busy and circuit_open: refusals by the gateway itself): adapter-resilience.types.ts.

export class RegistryCallError extends Error {
  constructor(
    readonly registry: string,
    readonly kind: RegistryFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryCallError';
  }
}

/**
 * Port to the registries as the lookup path sees them: by registry name, whatever adapters
 * (replicas, shards) serve each one. Lookups always fetch the whole record: the gateway caches it
 * whole and minimizes the answer per request. Implemented by AdapterPool.
 */
export abstract class RegistryClient {
  /** Registries this client can route to now. */
  abstract registries(): string[];
  /**
   * The dataset a lookup names, as its adapter describes it, or the error to answer: 400 for a
   * registry or dataset that does not exist, 503 for a registry with no adapter able to serve now.
   */
  abstract resolve(registry: string, dataset: string): DatasetDescriptor;
  abstract lookup(registry: string, dataset: string, subjectId: string, context: LookupContext): Promise<RegistryRecord>;
}

/**
 * One connection to one adapter endpoint (speaking proto/motlan/adapter/v1). The gRPC
 * implementation is GrpcAdapterConnection; tests script their own.
 */
export interface AdapterConnection {
  describe(timeoutMs: number): Promise<RegistryDescription>;
  lookup(dataset: string, subjectId: string, context: LookupContext, timeoutMs: number): Promise<RegistryRecord>;
  health(timeoutMs: number): Promise<RegistryHealth>;
  /** Relays one event (contract 1.1; connections of tests may leave it out: the adapter takes no events). */
  deliver?(event: RecordEventDelivery, timeoutMs: number): Promise<DeliveryAckResult>;
  close(): void;
}
