// Original file: proto/motlan/adapter/v1/registry_adapter.proto

import type { Dataset as _motlan_adapter_v1_Dataset, Dataset__Output as _motlan_adapter_v1_Dataset__Output } from '../../../motlan/adapter/v1/Dataset.js';
import type { AcceptedEvent as _motlan_adapter_v1_AcceptedEvent, AcceptedEvent__Output as _motlan_adapter_v1_AcceptedEvent__Output } from '../../../motlan/adapter/v1/AcceptedEvent.js';

export interface DescribeResponse {
  /**
   * Registry name, lower case: population, residence, land, business, civil-status.
   */
  'registry'?: (string);
  /**
   * Contract version this adapter implements, "MAJOR.MINOR"; the gateway accepts the same MAJOR.
   */
  'contractVersion'?: (string);
  /**
   * The adapter's own release, free text (e.g. "sim-0.1.0").
   */
  'adapterVersion'?: (string);
  'datasets'?: (_motlan_adapter_v1_Dataset)[];
  /**
   * Added in 1.1: the events this adapter takes over Deliver. Empty: none (the gateway never calls Deliver).
   */
  'accepts'?: (_motlan_adapter_v1_AcceptedEvent)[];
}

export interface DescribeResponse__Output {
  /**
   * Registry name, lower case: population, residence, land, business, civil-status.
   */
  'registry': (string);
  /**
   * Contract version this adapter implements, "MAJOR.MINOR"; the gateway accepts the same MAJOR.
   */
  'contractVersion': (string);
  /**
   * The adapter's own release, free text (e.g. "sim-0.1.0").
   */
  'adapterVersion': (string);
  'datasets': (_motlan_adapter_v1_Dataset__Output)[];
  /**
   * Added in 1.1: the events this adapter takes over Deliver. Empty: none (the gateway never calls Deliver).
   */
  'accepts': (_motlan_adapter_v1_AcceptedEvent__Output)[];
}
