// Original file: proto/motlan/adapter/v1/registry_adapter.proto

import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../../google/protobuf/Struct.js';
import type { Correction as _motlan_adapter_v1_Correction, Correction__Output as _motlan_adapter_v1_Correction__Output } from '../../../motlan/adapter/v1/Correction.js';
import type { RequestContext as _motlan_adapter_v1_RequestContext, RequestContext__Output as _motlan_adapter_v1_RequestContext__Output } from '../../../motlan/adapter/v1/RequestContext.js';

/**
 * One event relayed by the gateway to a registry (Deliver).
 */
export interface RecordEvent {
  /**
   * Unique per event and subscriber, stable across redeliveries: keep it to answer DUPLICATE.
   */
  'idempotencyKey'?: (string);
  /**
   * "record.created", "record.changed" or "correction.proposed".
   */
  'eventType'?: (string);
  /**
   * Registry and dataset the event is about (for a correction: the receiving registry's own).
   */
  'sourceRegistry'?: (string);
  'dataset'?: (string);
  'subjectId'?: (string);
  /**
   * Record events: the source record's version the event announces (uint64, decimal).
   */
  'sourceVersion'?: (string);
  /**
   * RFC 3339: when the source registry changed the record (record events) or the clerk filed (corrections).
   */
  'occurredAt'?: (string);
  /**
   * Record events: the fields the subscription names, as the source registry answers them now.
   */
  'record'?: (_google_protobuf_Struct | null);
  /**
   * The subscription (record events) or correction id this delivery carries.
   */
  'referenceId'?: (string);
  /**
   * The procedure code whose legal basis allows this transfer, and the basis itself (text).
   */
  'legalBasisProcedure'?: (string);
  'legalBasis'?: (string);
  /**
   * Corrections only.
   */
  'correction'?: (_motlan_adapter_v1_Correction | null);
  'context'?: (_motlan_adapter_v1_RequestContext | null);
}

/**
 * One event relayed by the gateway to a registry (Deliver).
 */
export interface RecordEvent__Output {
  /**
   * Unique per event and subscriber, stable across redeliveries: keep it to answer DUPLICATE.
   */
  'idempotencyKey': (string);
  /**
   * "record.created", "record.changed" or "correction.proposed".
   */
  'eventType': (string);
  /**
   * Registry and dataset the event is about (for a correction: the receiving registry's own).
   */
  'sourceRegistry': (string);
  'dataset': (string);
  'subjectId': (string);
  /**
   * Record events: the source record's version the event announces (uint64, decimal).
   */
  'sourceVersion': (string);
  /**
   * RFC 3339: when the source registry changed the record (record events) or the clerk filed (corrections).
   */
  'occurredAt': (string);
  /**
   * Record events: the fields the subscription names, as the source registry answers them now.
   */
  'record': (_google_protobuf_Struct__Output | null);
  /**
   * The subscription (record events) or correction id this delivery carries.
   */
  'referenceId': (string);
  /**
   * The procedure code whose legal basis allows this transfer, and the basis itself (text).
   */
  'legalBasisProcedure': (string);
  'legalBasis': (string);
  /**
   * Corrections only.
   */
  'correction': (_motlan_adapter_v1_Correction__Output | null);
  'context': (_motlan_adapter_v1_RequestContext__Output | null);
}
