/**
 * Loads the gRPC contracts in proto/ once, with the same options the generated types in ./generated
 * were produced with (`npm run proto:gen`), so the runtime objects and the TypeScript types agree.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AdapterGrpcType } from './generated/registry_adapter.js';
import type { ProtoGrpcType as HealthGrpcType } from './generated/health.js';
import type { ProtoGrpcType as PortalGrpcType } from './generated/portal.js';

/** Contract version of proto/motlan/adapter/v1 that this code speaks. Same MAJOR is compatible. */
export const ADAPTER_CONTRACT_VERSION = '1.1';

/** proto/ at the repository root, found from this file whether run from source or from dist/. */
export function protoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'proto');
    if (dir !== path.dirname(dir) && existsDir(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('proto/ directory not found above ' + fileURLToPath(import.meta.url));
}

function existsDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Options matching the proto:gen script flags (camelCase fields, longs and enums as strings, defaults filled). */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  oneofs: true,
};

let adapterPackage: AdapterGrpcType | undefined;
let healthPackage: HealthGrpcType | undefined;
let portalPackage: PortalGrpcType | undefined;

function load<T>(file: string): T {
  const definition = protoLoader.loadSync(path.join(protoRoot(), file), {
    ...PROTO_LOADER_OPTIONS,
    includeDirs: [protoRoot()],
  });
  return grpc.loadPackageDefinition(definition) as unknown as T;
}

/** The motlan.adapter.v1 package: `.RegistryAdapter` is both client constructor and `.service` definition. */
export function adapterContract(): AdapterGrpcType['motlan']['adapter']['v1'] {
  adapterPackage ??= load<AdapterGrpcType>('motlan/adapter/v1/registry_adapter.proto');
  return adapterPackage.motlan.adapter.v1;
}

/** The motlan.portal.v1 package: `.NationalPortal` is both client constructor and `.service` definition. */
export function portalContract(): PortalGrpcType['motlan']['portal']['v1'] {
  portalPackage ??= load<PortalGrpcType>('motlan/portal/v1/portal.proto');
  return portalPackage.motlan.portal.v1;
}

/** The standard grpc.health.v1 package. */
export function healthContract(): HealthGrpcType['grpc']['health']['v1'] {
  healthPackage ??= load<HealthGrpcType>('grpc/health/v1/health.proto');
  return healthPackage.grpc.health.v1;
}
