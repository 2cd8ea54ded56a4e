import { Controller } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import type { Metadata } from '@grpc/grpc-js';
import { ADAPTER_CONTRACT_VERSION } from '@motlan/contracts/grpc-contracts.js';
import { toStruct } from '@motlan/contracts/struct-codec.js';
import type { DescribeResponse } from '@motlan/contracts/generated/motlan/adapter/v1/DescribeResponse.js';
import type { LookupRequest__Output } from '@motlan/contracts/generated/motlan/adapter/v1/LookupRequest.js';
import type { LookupResponse } from '@motlan/contracts/generated/motlan/adapter/v1/LookupResponse.js';
import { LookupService } from '../records/lookup.service.js';
import { ADAPTER_VERSION, DATASETS, REGISTRY } from '../records/registry-description.js';

/**
 * motlan.adapter.v1.RegistryAdapter (proto/motlan/adapter/v1/registry_adapter.proto): turns gRPC
 * messages into the lookup service's terms and back. Errors are mapped by GrpcStatusFilter.
 */
@Controller()
export class RegistryAdapterController {
  constructor(private readonly lookups: LookupService) {}

  @GrpcMethod('RegistryAdapter', 'Describe')
  describe(): DescribeResponse {
    return {
      registry: REGISTRY,
      contractVersion: ADAPTER_CONTRACT_VERSION,
      adapterVersion: ADAPTER_VERSION,
      datasets: DATASETS.map((d) => ({ ...d, subjectKey: { ...d.subjectKey }, fields: d.fields.map((f) => ({ ...f })) })),
    };
  }

  @GrpcMethod('RegistryAdapter', 'Lookup')
  async lookup(request: LookupRequest__Output, metadata: Metadata): Promise<LookupResponse> {
    const requestId = String(metadata.get('x-request-id')[0] ?? request.context?.requestId ?? '');
    const result = await this.lookups.lookup({ dataset: request.dataset, subjectId: request.subjectId, fields: request.fields, requestId });
    if (!result.found) return { found: false, recordVersion: 0 };
    const millis = result.asOf.getTime();
    return {
      found: true,
      record: toStruct(result.record),
      recordVersion: result.version,
      asOf: { seconds: Math.floor(millis / 1000), nanos: (millis % 1000) * 1_000_000 },
    };
  }
}
