// Original file: proto/motlan/adapter/v1/registry_adapter.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DescribeRequest as _motlan_adapter_v1_DescribeRequest, DescribeRequest__Output as _motlan_adapter_v1_DescribeRequest__Output } from '../../../motlan/adapter/v1/DescribeRequest.js';
import type { DescribeResponse as _motlan_adapter_v1_DescribeResponse, DescribeResponse__Output as _motlan_adapter_v1_DescribeResponse__Output } from '../../../motlan/adapter/v1/DescribeResponse.js';
import type { LookupRequest as _motlan_adapter_v1_LookupRequest, LookupRequest__Output as _motlan_adapter_v1_LookupRequest__Output } from '../../../motlan/adapter/v1/LookupRequest.js';
import type { LookupResponse as _motlan_adapter_v1_LookupResponse, LookupResponse__Output as _motlan_adapter_v1_LookupResponse__Output } from '../../../motlan/adapter/v1/LookupResponse.js';

export interface RegistryAdapterClient extends grpc.Client {
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
  Describe: MethodDefinition<_motlan_adapter_v1_DescribeRequest, _motlan_adapter_v1_DescribeResponse, _motlan_adapter_v1_DescribeRequest__Output, _motlan_adapter_v1_DescribeResponse__Output>
  Lookup: MethodDefinition<_motlan_adapter_v1_LookupRequest, _motlan_adapter_v1_LookupResponse, _motlan_adapter_v1_LookupRequest__Output, _motlan_adapter_v1_LookupResponse__Output>
}
