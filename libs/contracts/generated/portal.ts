import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { DeliverDossierStatusRequest as _motlan_portal_v1_DeliverDossierStatusRequest, DeliverDossierStatusRequest__Output as _motlan_portal_v1_DeliverDossierStatusRequest__Output } from './motlan/portal/v1/DeliverDossierStatusRequest.js';
import type { DeliverDossierStatusResponse as _motlan_portal_v1_DeliverDossierStatusResponse, DeliverDossierStatusResponse__Output as _motlan_portal_v1_DeliverDossierStatusResponse__Output } from './motlan/portal/v1/DeliverDossierStatusResponse.js';
import type { DossierStatus as _motlan_portal_v1_DossierStatus, DossierStatus__Output as _motlan_portal_v1_DossierStatus__Output } from './motlan/portal/v1/DossierStatus.js';
import type { NationalPortalClient as _motlan_portal_v1_NationalPortalClient, NationalPortalDefinition as _motlan_portal_v1_NationalPortalDefinition } from './motlan/portal/v1/NationalPortal.js';
import type { ResultDocument as _motlan_portal_v1_ResultDocument, ResultDocument__Output as _motlan_portal_v1_ResultDocument__Output } from './motlan/portal/v1/ResultDocument.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  motlan: {
    portal: {
      v1: {
        DeliverDossierStatusRequest: MessageTypeDefinition<_motlan_portal_v1_DeliverDossierStatusRequest, _motlan_portal_v1_DeliverDossierStatusRequest__Output>
        DeliverDossierStatusResponse: MessageTypeDefinition<_motlan_portal_v1_DeliverDossierStatusResponse, _motlan_portal_v1_DeliverDossierStatusResponse__Output>
        DossierStatus: MessageTypeDefinition<_motlan_portal_v1_DossierStatus, _motlan_portal_v1_DossierStatus__Output>
        NationalPortal: SubtypeConstructor<typeof grpc.Client, _motlan_portal_v1_NationalPortalClient> & { service: _motlan_portal_v1_NationalPortalDefinition }
        ResultDocument: MessageTypeDefinition<_motlan_portal_v1_ResultDocument, _motlan_portal_v1_ResultDocument__Output>
      }
    }
  }
}

