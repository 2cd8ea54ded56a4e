// Original file: proto/motlan/portal/v1/portal.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeliverDossierStatusRequest as _motlan_portal_v1_DeliverDossierStatusRequest, DeliverDossierStatusRequest__Output as _motlan_portal_v1_DeliverDossierStatusRequest__Output } from '../../../motlan/portal/v1/DeliverDossierStatusRequest.js';
import type { DeliverDossierStatusResponse as _motlan_portal_v1_DeliverDossierStatusResponse, DeliverDossierStatusResponse__Output as _motlan_portal_v1_DeliverDossierStatusResponse__Output } from '../../../motlan/portal/v1/DeliverDossierStatusResponse.js';

export interface NationalPortalClient extends grpc.Client {
  /**
   * Delivers one status of one dossier. Idempotent by idempotency_key: the same key again is
   * answered DUPLICATE and changes nothing.
   */
  DeliverDossierStatus(argument: _motlan_portal_v1_DeliverDossierStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_portal_v1_DeliverDossierStatusResponse__Output>): grpc.ClientUnaryCall;
  DeliverDossierStatus(argument: _motlan_portal_v1_DeliverDossierStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_motlan_portal_v1_DeliverDossierStatusResponse__Output>): grpc.ClientUnaryCall;
  DeliverDossierStatus(argument: _motlan_portal_v1_DeliverDossierStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_portal_v1_DeliverDossierStatusResponse__Output>): grpc.ClientUnaryCall;
  DeliverDossierStatus(argument: _motlan_portal_v1_DeliverDossierStatusRequest, callback: grpc.requestCallback<_motlan_portal_v1_DeliverDossierStatusResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Delivers one status of one dossier. Idempotent by idempotency_key: the same key again is
   * answered DUPLICATE and changes nothing.
   */
  deliverDossierStatus(argument: _motlan_portal_v1_DeliverDossierStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_portal_v1_DeliverDossierStatusResponse__Output>): grpc.ClientUnaryCall;
  deliverDossierStatus(argument: _motlan_portal_v1_DeliverDossierStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_motlan_portal_v1_DeliverDossierStatusResponse__Output>): grpc.ClientUnaryCall;
  deliverDossierStatus(argument: _motlan_portal_v1_DeliverDossierStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_portal_v1_DeliverDossierStatusResponse__Output>): grpc.ClientUnaryCall;
  deliverDossierStatus(argument: _motlan_portal_v1_DeliverDossierStatusRequest, callback: grpc.requestCallback<_motlan_portal_v1_DeliverDossierStatusResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface NationalPortalHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Delivers one status of one dossier. Idempotent by idempotency_key: the same key again is
   * answered DUPLICATE and changes nothing.
   */
  DeliverDossierStatus: grpc.handleUnaryCall<_motlan_portal_v1_DeliverDossierStatusRequest__Output, _motlan_portal_v1_DeliverDossierStatusResponse>;
  
}

export interface NationalPortalDefinition extends grpc.ServiceDefinition {
  DeliverDossierStatus: MethodDefinition<_motlan_portal_v1_DeliverDossierStatusRequest, _motlan_portal_v1_DeliverDossierStatusResponse, _motlan_portal_v1_DeliverDossierStatusRequest__Output, _motlan_portal_v1_DeliverDossierStatusResponse__Output>
}
