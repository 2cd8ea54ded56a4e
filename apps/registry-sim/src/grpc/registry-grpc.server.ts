/**
 * One gRPC endpoint per simulated registry, like the real registries would each run their own
 * adapter: motlan.adapter.v1.RegistryAdapter (Describe, Lookup) and grpc.health.v1.Health.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ADAPTER_CONTRACT_VERSION, adapterContract, healthContract } from '@motlan/contracts/grpc-contracts.js';
import { toStruct } from '@motlan/contracts/struct-codec.js';
import type { DescribeResponse } from '@motlan/contracts/generated/motlan/adapter/v1/DescribeResponse.js';
import type { LookupResponse } from '@motlan/contracts/generated/motlan/adapter/v1/LookupResponse.js';
import type { RegistryAdapterHandlers } from '@motlan/contracts/generated/motlan/adapter/v1/RegistryAdapter.js';
import type { HealthHandlers } from '@motlan/contracts/generated/grpc/health/v1/Health.js';
import type { HealthCheckRequest__Output } from '@motlan/contracts/generated/grpc/health/v1/HealthCheckRequest.js';
import type { HealthCheckResponse } from '@motlan/contracts/generated/grpc/health/v1/HealthCheckResponse.js';
import type { RegistryName } from '../registries/sim-dataset.js';
import { InvalidRequestError, RegistryUnavailableError } from '../registries/sim-errors.js';
import { subjectTag } from '@motlan/logging/pino-nest-logger.js';
import type { LookupOutcome, SimRegistries } from '../registries/sim-registries.js';

/** Release of the simulator reported by Describe. */
export const SIM_ADAPTER_VERSION = 'registry-sim-0.1.0';
const ADAPTER_SERVICE_NAME = 'motlan.adapter.v1.RegistryAdapter';
/** How long a graceful shutdown may wait for calls in flight (injected latency included). */
const SHUTDOWN_GRACE_MS = 2000;

export class RegistryGrpcServer {
  private readonly server = new grpc.Server();
  private readonly watchers = new Set<grpc.ServerWritableStream<HealthCheckRequest__Output, HealthCheckResponse>>();
  private endpointValue: string | undefined;

  constructor(
    readonly registry: RegistryName,
    private readonly registries: SimRegistries,
    private readonly logger: Logger,
  ) {
    this.server.addService(adapterContract().RegistryAdapter.service, this.adapterHandlers());
    this.server.addService(healthContract().Health.service, this.healthHandlers());
  }

  /** host:port the server listens on, once started. */
  get endpoint(): string {
    if (this.endpointValue === undefined) throw new Error(`${this.registry} gRPC server not started`);
    return this.endpointValue;
  }

  /** Binds `host:port` (port 0 picks a free one) and resolves with the endpoint. */
  start(host: string, port: number): Promise<string> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
        if (error) return reject(new Error(`${this.registry}: cannot listen on ${address}: ${error.message}`));
        this.endpointValue = host.includes(':') ? `[${host}]:${boundPort}` : `${host}:${boundPort}`;
        resolve(this.endpointValue);
      });
    });
  }

  /** Ends health watches, lets calls in flight finish for a moment, then closes the rest. */
  async stop(): Promise<void> {
    for (const call of this.watchers) call.end();
    this.watchers.clear();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, SHUTDOWN_GRACE_MS);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private adapterHandlers(): RegistryAdapterHandlers {
    return {
      Describe: (_call, callback) => {
        this.registries.stats.describe(this.registry);
        this.registries
          .faults(this.registry)
          .apply('describe')
          .then(() => callback(null, this.describe()))
          .catch((error: unknown) => callback(this.toStatus(error)));
      },
      Lookup: (call, callback) => {
        const { dataset, subjectId, fields, context } = call.request;
        this.registries.stats.lookup(this.registry, dataset);
        this.registries
          .faults(this.registry)
          .apply('lookup')
          .then(() => {
            const outcome = this.registries.lookup(this.registry, { dataset, subjectId, fields });
            this.logger.debug(
              { registry: this.registry, dataset, subject: subjectTag(subjectId), found: outcome.found, requestId: context?.requestId },
              'lookup',
            );
            callback(null, toLookupResponse(outcome));
          })
          .catch((error: unknown) => {
            this.registries.stats.failedLookup(this.registry);
            callback(this.toStatus(error));
          });
      },
    };
  }

  private healthHandlers(): HealthHandlers {
    const injector = this.registries.faults(this.registry);
    const status = (): HealthCheckResponse => ({ status: injector.serving ? 'SERVING' : 'NOT_SERVING' });
    const known = (service: string): boolean => service === '' || service === ADAPTER_SERVICE_NAME;
    return {
      Check: (call, callback) => {
        this.registries.stats.healthCheck(this.registry);
        if (!known(call.request.service)) {
          return callback({ code: grpc.status.NOT_FOUND, details: `unknown service "${call.request.service}"` });
        }
        callback(null, status());
      },
      Watch: (call) => {
        if (!known(call.request.service)) {
          call.write({ status: 'SERVICE_UNKNOWN' });
          return;
        }
        call.write(status());
        this.watchers.add(call);
        const unsubscribe = injector.onServingChange(() => call.write(status()));
        call.on('cancelled', () => {
          unsubscribe();
          this.watchers.delete(call);
        });
      },
    };
  }

  private describe(): DescribeResponse {
    return {
      registry: this.registry,
      contractVersion: ADAPTER_CONTRACT_VERSION,
      adapterVersion: SIM_ADAPTER_VERSION,
      datasets: this.registries.registry(this.registry).datasets.map(({ spec }) => ({
        name: spec.name,
        description: spec.description,
        subjectKey: { ...spec.subjectKey },
        fields: spec.fields.map((f) => ({ ...f })),
        maxAgeSeconds: spec.maxAgeSeconds,
        sensitivity: spec.sensitivity,
      })),
    };
  }

  private toStatus(error: unknown): Partial<grpc.StatusObject> {
    if (error instanceof InvalidRequestError) return { code: grpc.status.INVALID_ARGUMENT, details: error.message };
    if (error instanceof RegistryUnavailableError) return { code: grpc.status.UNAVAILABLE, details: error.message };
    this.logger.error({ err: error, registry: this.registry }, 'lookup failed');
    return { code: grpc.status.INTERNAL, details: 'internal error in the registry simulator' };
  }
}

function toLookupResponse(outcome: LookupOutcome): LookupResponse {
  if (!outcome.found || outcome.record === null || outcome.asOf === null) return { found: false, recordVersion: 0 };
  const millis = outcome.asOf.getTime();
  return {
    found: true,
    record: toStruct(outcome.record),
    recordVersion: outcome.version,
    asOf: { seconds: Math.floor(millis / 1000), nanos: (millis % 1000) * 1_000_000 },
  };
}
