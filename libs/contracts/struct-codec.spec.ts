import path from 'node:path';
import { fromStruct, toStruct, type JsonObject } from './struct-codec.js';
import { PROTO_LOADER_OPTIONS, protoRoot } from './grpc-contracts.js';
import protobuf from 'protobufjs';

describe('struct codec', () => {
  it('round-trips nested records through the real protobuf wire format', async () => {
    const record: JsonObject = {
      fullName: 'Nguyễn Văn An',
      area: 123.5,
      alive: true,
      deathDate: null,
      members: [{ personId: '001099012345', relation: 'CHU_HO' }],
      address: { communeCode: '00004', line: 'Số 1' },
    };
    // Encode and decode with protobufjs (what grpc-js uses underneath), with the loader's options.
    const root = await protobuf.load(path.join(protoRoot(), 'motlan/adapter/v1/registry_adapter.proto'));
    const type = root.lookupType('motlan.adapter.v1.LookupResponse');
    const bytes = type.encode(type.fromObject({ found: true, record: toStruct(record) })).finish();
    const decoded = type.toObject(type.decode(bytes), { ...PROTO_LOADER_OPTIONS }) as {
      record: Parameters<typeof fromStruct>[0];
    };
    expect(fromStruct(decoded.record)).toEqual(record);
  });
});
