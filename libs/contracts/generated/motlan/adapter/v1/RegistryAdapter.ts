// Original file: proto/motlan/adapter/v1/registry_adapter.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeliveryAck as _motlan_adapter_v1_DeliveryAck, DeliveryAck__Output as _motlan_adapter_v1_DeliveryAck__Output } from '../../../motlan/adapter/v1/DeliveryAck.js';
import type { DescribeRequest as _motlan_adapter_v1_DescribeRequest, DescribeRequest__Output as _motlan_adapter_v1_DescribeRequest__Output } from '../../../motlan/adapter/v1/DescribeRequest.js';
import type { DescribeResponse as _motlan_adapter_v1_DescribeResponse, DescribeResponse__Output as _motlan_adapter_v1_DescribeResponse__Output } from '../../../motlan/adapter/v1/DescribeResponse.js';
import type { LookupRequest as _motlan_adapter_v1_LookupRequest, LookupRequest__Output as _motlan_adapter_v1_LookupRequest__Output } from '../../../motlan/adapter/v1/LookupRequest.js';
import type { LookupResponse as _motlan_adapter_v1_LookupResponse, LookupResponse__Output as _motlan_adapter_v1_LookupResponse__Output } from '../../../motlan/adapter/v1/LookupResponse.js';
import type { RecordEvent as _motlan_adapter_v1_RecordEvent, RecordEvent__Output as _motlan_adapter_v1_RecordEvent__Output } from '../../../motlan/adapter/v1/RecordEvent.js';

export interface RegistryAdapterClient extends grpc.Client {
  /**
   * Added in 1.1, optional: an event the gateway relays to this registry (another registry's record
   * event it subscribed to, or a clerk's correction of one of its records). Only called for the event
   * types Describe lists in `accepts`; an adapter that accepts none need not implement it (UNIMPLEMENTED).
   * Deliveries come at least once: the same idempotency_key again must change nothing and answer DUPLICATE.
   * UNAVAILABLE / DEADLINE_EXCEEDED make the gateway try again later; answer REJECTED (with a reason)
   * for an event you will never take: it goes to the gateway's dead-letter topic.
   */
  Deliver(argument: _motlan_adapter_v1_RecordEvent, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_adapter_v1_DeliveryAck__Output>): grpc.ClientUnaryCall;
  Deliver(argument: _motlan_adapter_v1_RecordEvent, metadata: grpc.Metadata, callback: grpc.requestCallback<_motlan_adapter_v1_DeliveryAck__Output>): grpc.ClientUnaryCall;
  Deliver(argument: _motlan_adapter_v1_RecordEvent, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_adapter_v1_DeliveryAck__Output>): grpc.ClientUnaryCall;
  Deliver(argument: _motlan_adapter_v1_RecordEvent, callback: grpc.requestCallback<_motlan_adapter_v1_DeliveryAck__Output>): grpc.ClientUnaryCall;
  /**
   * Added in 1.1, optional: an event the gateway relays to this registry (another registry's record
   * event it subscribed to, or a clerk's correction of one of its records). Only called for the event
   * types Describe lists in `accepts`; an adapter that accepts none need not implement it (UNIMPLEMENTED).
   * Deliveries come at least once: the same idempotency_key again must change nothing and answer DUPLICATE.
   * UNAVAILABLE / DEADLINE_EXCEEDED make the gateway try again later; answer REJECTED (with a reason)
   * for an event you will never take: it goes to the gateway's dead-letter topic.
   */
  deliver(argument: _motlan_adapter_v1_RecordEvent, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_adapter_v1_DeliveryAck__Output>): grpc.ClientUnaryCall;
  deliver(argument: _motlan_adapter_v1_RecordEvent, metadata: grpc.Metadata, callback: grpc.requestCallback<_motlan_adapter_v1_DeliveryAck__Output>): grpc.ClientUnaryCall;
  deliver(argument: _motlan_adapter_v1_RecordEvent, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_adapter_v1_DeliveryAck__Output>): grpc.ClientUnaryCall;
  deliver(argument: _motlan_adapter_v1_RecordEvent, callback: grpc.requestCallback<_motlan_adapter_v1_DeliveryAck__Output>): grpc.ClientUnaryCall;
  
  /**
   * What this adapter serves. Cheap, called on registration and on (re)connect.
   */
  Describe(argument: _motlan_adapter_v1_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_adapter_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  Describe(argument: _motlan_adapter_v1_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_motlan_adapter_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  Describe(argument: _motlan_adapter_v1_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_adapter_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  Describe(argument: _motlan_adapter_v1_DescribeRequest, callback: grpc.requestCallback<_motlan_adapter_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  /**
   * What this adapter serves. Cheap, called on registration and on (re)connect.
   */
  describe(argument: _motlan_adapter_v1_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_adapter_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  describe(argument: _motlan_adapter_v1_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_motlan_adapter_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  describe(argument: _motlan_adapter_v1_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_adapter_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  describe(argument: _motlan_adapter_v1_DescribeRequest, callback: grpc.requestCallback<_motlan_adapter_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * One record of one dataset for one subject. A subject that does not exist answers found = false
   * (not an error status); errors are for the registry failing (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL)
   * or for a subject id the adapter cannot parse (INVALID_ARGUMENT).
   */
  Lookup(argument: _motlan_adapter_v1_LookupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_adapter_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  Lookup(argument: _motlan_adapter_v1_LookupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_motlan_adapter_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  Lookup(argument: _motlan_adapter_v1_LookupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_adapter_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  Lookup(argument: _motlan_adapter_v1_LookupRequest, callback: grpc.requestCallback<_motlan_adapter_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  /**
   * One record of one dataset for one subject. A subject that does not exist answers found = false
   * (not an error status); errors are for the registry failing (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL)
   * or for a subject id the adapter cannot parse (INVALID_ARGUMENT).
   */
  lookup(argument: _motlan_adapter_v1_LookupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_adapter_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  lookup(argument: _motlan_adapter_v1_LookupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_motlan_adapter_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  lookup(argument: _motlan_adapter_v1_LookupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_motlan_adapter_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  lookup(argument: _motlan_adapter_v1_LookupRequest, callback: grpc.requestCallback<_motlan_adapter_v1_LookupResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface RegistryAdapterHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Added in 1.1, optional: an event the gateway relays to this registry (another registry's record
   * event it subscribed to, or a clerk's correction of one of its records). Only called for the event
   * types Describe lists in `accepts`; an adapter that accepts none need not implement it (UNIMPLEMENTED).
   * Deliveries come at least once: the same idempotency_key again must change nothing and answer DUPLICATE.
   * UNAVAILABLE / DEADLINE_EXCEEDED make the gateway try again later; answer REJECTED (with a reason)
   * for an event you will never take: it goes to the gateway's dead-letter topic.
   */
  Deliver: grpc.handleUnaryCall<_motlan_adapter_v1_RecordEvent__Output, _motlan_adapter_v1_DeliveryAck>;
  
  /**
   * What this adapter serves. Cheap, called on registration and on (re)connect.
   */
  Describe: grpc.handleUnaryCall<_motlan_adapter_v1_DescribeRequest__Output, _motlan_adapter_v1_DescribeResponse>;
  
  /**
   * One record of one dataset for one subject. A subject that does not exist answers found = false
   * (not an error status); errors are for the registry failing (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL)
   * or for a subject id the adapter cannot parse (INVALID_ARGUMENT).
   */
  Lookup: grpc.handleUnaryCall<_motlan_adapter_v1_LookupRequest__Output, _motlan_adapter_v1_LookupResponse>;
  
}

export interface RegistryAdapterDefinition extends grpc.ServiceDefinition {
  Deliver: MethodDefinition<_motlan_adapter_v1_RecordEvent, _motlan_adapter_v1_DeliveryAck, _motlan_adapter_v1_RecordEvent__Output, _motlan_adapter_v1_DeliveryAck__Output>
  Describe: MethodDefinition<_motlan_adapter_v1_DescribeRequest, _motlan_adapter_v1_DescribeResponse, _motlan_adapter_v1_DescribeRequest__Output, _motlan_adapter_v1_DescribeResponse__Output>
  Lookup: MethodDefinition<_motlan_adapter_v1_LookupRequest, _motlan_adapter_v1_LookupResponse, _motlan_adapter_v1_LookupRequest__Output, _motlan_adapter_v1_LookupResponse__Output>
}
