import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ListValue as _google_protobuf_ListValue, ListValue__Output as _google_protobuf_ListValue__Output } from './google/protobuf/ListValue.js';
import type { Struct as _google_protobuf_Struct, Struct__Output as _google_protobuf_Struct__Output } from './google/protobuf/Struct.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { Value as _google_protobuf_Value, Value__Output as _google_protobuf_Value__Output } from './google/protobuf/Value.js';
import type { AcceptedEvent as _motlan_adapter_v1_AcceptedEvent, AcceptedEvent__Output as _motlan_adapter_v1_AcceptedEvent__Output } from './motlan/adapter/v1/AcceptedEvent.js';
import type { Correction as _motlan_adapter_v1_Correction, Correction__Output as _motlan_adapter_v1_Correction__Output } from './motlan/adapter/v1/Correction.js';
import type { Dataset as _motlan_adapter_v1_Dataset, Dataset__Output as _motlan_adapter_v1_Dataset__Output } from './motlan/adapter/v1/Dataset.js';
import type { DeliveryAck as _motlan_adapter_v1_DeliveryAck, DeliveryAck__Output as _motlan_adapter_v1_DeliveryAck__Output } from './motlan/adapter/v1/DeliveryAck.js';
import type { DescribeRequest as _motlan_adapter_v1_DescribeRequest, DescribeRequest__Output as _motlan_adapter_v1_DescribeRequest__Output } from './motlan/adapter/v1/DescribeRequest.js';
import type { DescribeResponse as _motlan_adapter_v1_DescribeResponse, DescribeResponse__Output as _motlan_adapter_v1_DescribeResponse__Output } from './motlan/adapter/v1/DescribeResponse.js';
import type { Field as _motlan_adapter_v1_Field, Field__Output as _motlan_adapter_v1_Field__Output } from './motlan/adapter/v1/Field.js';
import type { LookupRequest as _motlan_adapter_v1_LookupRequest, LookupRequest__Output as _motlan_adapter_v1_LookupRequest__Output } from './motlan/adapter/v1/LookupRequest.js';
import type { LookupResponse as _motlan_adapter_v1_LookupResponse, LookupResponse__Output as _motlan_adapter_v1_LookupResponse__Output } from './motlan/adapter/v1/LookupResponse.js';
import type { RecordEvent as _motlan_adapter_v1_RecordEvent, RecordEvent__Output as _motlan_adapter_v1_RecordEvent__Output } from './motlan/adapter/v1/RecordEvent.js';
import type { RegistryAdapterClient as _motlan_adapter_v1_RegistryAdapterClient, RegistryAdapterDefinition as _motlan_adapter_v1_RegistryAdapterDefinition } from './motlan/adapter/v1/RegistryAdapter.js';
import type { RequestContext as _motlan_adapter_v1_RequestContext, RequestContext__Output as _motlan_adapter_v1_RequestContext__Output } from './motlan/adapter/v1/RequestContext.js';
import type { SubjectKeyFormat as _motlan_adapter_v1_SubjectKeyFormat, SubjectKeyFormat__Output as _motlan_adapter_v1_SubjectKeyFormat__Output } from './motlan/adapter/v1/SubjectKeyFormat.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      ListValue: MessageTypeDefinition<_google_protobuf_ListValue, _google_protobuf_ListValue__Output>
      NullValue: EnumTypeDefinition
      Struct: MessageTypeDefinition<_google_protobuf_Struct, _google_protobuf_Struct__Output>
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
      Value: MessageTypeDefinition<_google_protobuf_Value, _google_protobuf_Value__Output>
    }
  }
  motlan: {
    adapter: {
      v1: {
        AcceptedEvent: MessageTypeDefinition<_motlan_adapter_v1_AcceptedEvent, _motlan_adapter_v1_AcceptedEvent__Output>
        Correction: MessageTypeDefinition<_motlan_adapter_v1_Correction, _motlan_adapter_v1_Correction__Output>
        Dataset: MessageTypeDefinition<_motlan_adapter_v1_Dataset, _motlan_adapter_v1_Dataset__Output>
        DeliveryAck: MessageTypeDefinition<_motlan_adapter_v1_DeliveryAck, _motlan_adapter_v1_DeliveryAck__Output>
        DescribeRequest: MessageTypeDefinition<_motlan_adapter_v1_DescribeRequest, _motlan_adapter_v1_DescribeRequest__Output>
        DescribeResponse: MessageTypeDefinition<_motlan_adapter_v1_DescribeResponse, _motlan_adapter_v1_DescribeResponse__Output>
        Field: MessageTypeDefinition<_motlan_adapter_v1_Field, _motlan_adapter_v1_Field__Output>
        FieldType: EnumTypeDefinition
        LookupRequest: MessageTypeDefinition<_motlan_adapter_v1_LookupRequest, _motlan_adapter_v1_LookupRequest__Output>
        LookupResponse: MessageTypeDefinition<_motlan_adapter_v1_LookupResponse, _motlan_adapter_v1_LookupResponse__Output>
        RecordEvent: MessageTypeDefinition<_motlan_adapter_v1_RecordEvent, _motlan_adapter_v1_RecordEvent__Output>
        RegistryAdapter: SubtypeConstructor<typeof grpc.Client, _motlan_adapter_v1_RegistryAdapterClient> & { service: _motlan_adapter_v1_RegistryAdapterDefinition }
        RequestContext: MessageTypeDefinition<_motlan_adapter_v1_RequestContext, _motlan_adapter_v1_RequestContext__Output>
        Sensitivity: EnumTypeDefinition
        SubjectKeyFormat: MessageTypeDefinition<_motlan_adapter_v1_SubjectKeyFormat, _motlan_adapter_v1_SubjectKeyFormat__Output>
      }
    }
  }
}

