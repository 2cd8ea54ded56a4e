// Original file: proto/motlan/adapter/v1/registry_adapter.proto

import type { FieldType as _motlan_adapter_v1_FieldType, FieldType__Output as _motlan_adapter_v1_FieldType__Output } from '../../../motlan/adapter/v1/FieldType.js';

export interface Field {
  'name'?: (string);
  'type'?: (_motlan_adapter_v1_FieldType);
  'description'?: (string);
  /**
   * Personal data that identifies a person (names, ids, addresses): never logged.
   */
  'personal'?: (boolean);
}

export interface Field__Output {
  'name': (string);
  'type': (_motlan_adapter_v1_FieldType__Output);
  'description': (string);
  /**
   * Personal data that identifies a person (names, ids, addresses): never logged.
   */
  'personal': (boolean);
}
