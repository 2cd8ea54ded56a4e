// Original file: proto/motlan/portal/v1/portal.proto

import type { DossierStatus as _motlan_portal_v1_DossierStatus, DossierStatus__Output as _motlan_portal_v1_DossierStatus__Output } from '../../../motlan/portal/v1/DossierStatus.js';

export interface DeliverDossierStatusRequest {
  /**
   * "<dossier_id>#<sequence>"
   */
  'idempotencyKey'?: (string);
  'status'?: (_motlan_portal_v1_DossierStatus | null);
  /**
   * correlation id from the commune system's request
   */
  'requestId'?: (string);
}

export interface DeliverDossierStatusRequest__Output {
  /**
   * "<dossier_id>#<sequence>"
   */
  'idempotencyKey': (string);
  'status': (_motlan_portal_v1_DossierStatus__Output | null);
  /**
   * correlation id from the commune system's request
   */
  'requestId': (string);
}
