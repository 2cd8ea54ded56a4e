// Original file: proto/motlan/adapter/v1/registry_adapter.proto


export interface DescribeRequest {
}

export interface DescribeRequest__Output {
}
