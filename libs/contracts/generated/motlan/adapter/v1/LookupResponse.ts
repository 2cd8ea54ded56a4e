// Original file: proto/motlan/adapter/v1/registry_adapter.proto

import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from '../../../google/protobuf/Struct.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface LookupResponse {
  'found'?: (boolean);
  /**
   * The record restricted to the requested fields; absent when found = false.
   */
  'record'?: (_google_protobuf_Struct | null);
  /**
   * Monotonic per subject and dataset: a change increments it.
   */
  'recordVersion'?: (number | string | Long);
  /**
   * When the registry last changed this record.
   */
  'asOf'?: (_google_protobuf_Timestamp | null);
}

export interface LookupResponse__Output {
  'found': (boolean);
  /**
   * The record restricted to the requested fields; absent when found = false.
   */
  'record': (_google_protobuf_Struct__Output | null);
  /**
   * Monotonic per subject and dataset: a change increments it.
   */
  'recordVersion': (string);
  /**
   * When the registry last changed this record.
   */
  'asOf': (_google_protobuf_Timestamp__Output | null);
}
