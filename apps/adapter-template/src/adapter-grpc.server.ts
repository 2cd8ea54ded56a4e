/**
 * The adapter as a Nest microservice on the gRPC transport: the contract's two packages loaded
 * from proto/ with the same loader options as the gateway's generated types, served in plaintext
 * or with mutual TLS.
 */
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { NestFactory } from '@nestjs/core';
import { Transport, type GrpcOptions } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import type { Logger } from 'pino';
import { PROTO_LOADER_OPTIONS, protoRoot } from '@motlan/contracts/grpc-contracts.js';
import { PinoNestLogger } from '@motlan/logging/pino-nest-logger.js';
import { AdapterTemplateModule } from './adapter-template.module.js';
import type { AdapterConfig, AdapterTlsPem } from './config/adapter.config.js';
import { ServingStatusService } from './records/serving-status.service.js';

/** The gRPC transport options: what a copy changes only to serve another contract version. */
export function adapterGrpcOptions(config: AdapterConfig): GrpcOptions {
  const root = protoRoot();
  return {
    transport: Transport.GRPC,
    options: {
      url: endpointOf(config.host, config.port),
      package: ['motlan.adapter.v1', 'grpc.health.v1'],
      protoPath: [path.join(root, 'motlan/adapter/v1/registry_adapter.proto'), path.join(root, 'grpc/health/v1/health.proto')],
      // camelCase fields, uint64 as strings, enums as names: what libs/contracts/generated describes.
      loader: { ...PROTO_LOADER_OPTIONS, includeDirs: [root] },
      credentials: config.tls ? mutualTls(config.tls) : grpc.ServerCredentials.createInsecure(),
      // Lookups in flight finish on stop; health watches are ended first (RunningAdapter.stop).
      gracefulShutdown: true,
    },
  };
}

/** Requires a client certificate signed by `ca` (the gateway's): a client without one fails the handshake. */
function mutualTls(tls: AdapterTlsPem): grpc.ServerCredentials {
  return grpc.ServerCredentials.createSsl(tls.ca, [{ cert_chain: tls.cert, private_key: tls.key }], true);
}

function endpointOf(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface RunningAdapter {
  app: INestMicroservice;
  /** host:port it listens on. */
  endpoint: string;
  /** Ends health watches, lets lookups in flight finish, closes the server and the module. */
  stop(): Promise<void>;
}

export async function startAdapter(config: AdapterConfig, logger: Logger): Promise<RunningAdapter> {
  const app = await NestFactory.createMicroservice<GrpcOptions>(AdapterTemplateModule.register(config), {
    ...adapterGrpcOptions(config),
    logger: new PinoNestLogger(logger),
  });
  await app.listen();
  return {
    app,
    endpoint: endpointOf(config.host, config.port),
    stop: async () => {
      app.get(ServingStatusService).endWatches();
      await app.close();
    },
  };
}
