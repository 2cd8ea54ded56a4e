// Original file: proto/motlan/portal/v1/portal.proto


// Original file: proto/motlan/portal/v1/portal.proto

export const _motlan_portal_v1_DeliverDossierStatusResponse_Result = {
  RESULT_UNSPECIFIED: 'RESULT_UNSPECIFIED',
  ACCEPTED: 'ACCEPTED',
  DUPLICATE: 'DUPLICATE',
  REJECTED: 'REJECTED',
} as const;

export type _motlan_portal_v1_DeliverDossierStatusResponse_Result =
  | 'RESULT_UNSPECIFIED'
  | 0
  | 'ACCEPTED'
  | 1
  | 'DUPLICATE'
  | 2
  | 'REJECTED'
  | 3

export type _motlan_portal_v1_DeliverDossierStatusResponse_Result__Output = typeof _motlan_portal_v1_DeliverDossierStatusResponse_Result[keyof typeof _motlan_portal_v1_DeliverDossierStatusResponse_Result]

export interface DeliverDossierStatusResponse {
  'result'?: (_motlan_portal_v1_DeliverDossierStatusResponse_Result);
  /**
   * why, when REJECTED
   */
  'reason'?: (string);
}

export interface DeliverDossierStatusResponse__Output {
  'result': (_motlan_portal_v1_DeliverDossierStatusResponse_Result__Output);
  /**
   * why, when REJECTED
   */
  'reason': (string);
}
