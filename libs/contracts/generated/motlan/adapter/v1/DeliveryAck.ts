// Original file: proto/motlan/adapter/v1/registry_adapter.proto


// Original file: proto/motlan/adapter/v1/registry_adapter.proto

export const _motlan_adapter_v1_DeliveryAck_Status = {
  STATUS_UNSPECIFIED: 'STATUS_UNSPECIFIED',
  /**
   * Taken and applied: record_version is the subscriber's record version after it.
   */
  APPLIED: 'APPLIED',
  /**
   * Taken for review (corrections): the registry's operator decides later (through the gateway's operator API).
   */
  RECEIVED: 'RECEIVED',
  /**
   * Already taken under this idempotency key: nothing changed.
   */
  DUPLICATE: 'DUPLICATE',
  /**
   * Refused for good, with a reason: not retried.
   */
  REJECTED: 'REJECTED',
} as const;

export type _motlan_adapter_v1_DeliveryAck_Status =
  | 'STATUS_UNSPECIFIED'
  | 0
  /**
   * Taken and applied: record_version is the subscriber's record version after it.
   */
  | 'APPLIED'
  | 1
  /**
   * Taken for review (corrections): the registry's operator decides later (through the gateway's operator API).
   */
  | 'RECEIVED'
  | 2
  /**
   * Already taken under this idempotency key: nothing changed.
   */
  | 'DUPLICATE'
  | 3
  /**
   * Refused for good, with a reason: not retried.
   */
  | 'REJECTED'
  | 4

export type _motlan_adapter_v1_DeliveryAck_Status__Output = typeof _motlan_adapter_v1_DeliveryAck_Status[keyof typeof _motlan_adapter_v1_DeliveryAck_Status]

export interface DeliveryAck {
  'status'?: (_motlan_adapter_v1_DeliveryAck_Status);
  /**
   * APPLIED: the record version after applying (uint64, decimal; "0" when the registry keeps no record for it).
   */
  'recordVersion'?: (string);
  'reason'?: (string);
}

export interface DeliveryAck__Output {
  'status': (_motlan_adapter_v1_DeliveryAck_Status__Output);
  /**
   * APPLIED: the record version after applying (uint64, decimal; "0" when the registry keeps no record for it).
   */
  'recordVersion': (string);
  'reason': (string);
}
