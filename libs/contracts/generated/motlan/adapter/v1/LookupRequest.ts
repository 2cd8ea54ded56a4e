// Original file: proto/motlan/adapter/v1/registry_adapter.proto

import type { RequestContext as _motlan_adapter_v1_RequestContext, RequestContext__Output as _motlan_adapter_v1_RequestContext__Output } from '../../../motlan/adapter/v1/RequestContext.js';

export interface LookupRequest {
  'dataset'?: (string);
  'subjectId'?: (string);
  /**
   * Fields wanted; empty means all fields of the dataset.
   */
  'fields'?: (string)[];
  'context'?: (_motlan_adapter_v1_RequestContext | null);
}

export interface LookupRequest__Output {
  'dataset': (string);
  'subjectId': (string);
  /**
   * Fields wanted; empty means all fields of the dataset.
   */
  'fields': (string)[];
  'context': (_motlan_adapter_v1_RequestContext__Output | null);
}
