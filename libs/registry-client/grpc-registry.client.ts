import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import * as grpc from '@grpc/grpc-js';
import { adapterContract, healthContract } from '@motlan/contracts/grpc-contracts.js';
import { fromStruct } from '@motlan/contracts/struct-codec.js';
import type { RegistryAdapterClient } from '@motlan/contracts/generated/motlan/adapter/v1/RegistryAdapter.js';
import type { HealthClient } from '@motlan/contracts/generated/grpc/health/v1/Health.js';
import type { DescribeResponse__Output } from '@motlan/contracts/generated/motlan/adapter/v1/DescribeResponse.js';
import {
  RegistryCallError,
  RegistryClient,
  type DatasetDescriptor,
  type LookupContext,
  type RegistryDescription,
  type RegistryFailureKind,
  type RegistryHealth,
  type RegistryRecord,
} from './registry-client.port.js';

export interface GrpcRegistryClientOptions {
  /** registry name -> "host:port" of its adapter. */
  endpoints: Record<string, string>;
  /** Deadline of one Lookup call. */
  timeoutMs: number;
}

interface Connection {
  adapter: RegistryAdapterClient;
  health: HealthClient;
}

/** Talks to registry adapters over gRPC (plaintext on loopback in the embedded profile). */
@Injectable()
export class GrpcRegistryClient extends RegistryClient implements OnModuleDestroy {
  private readonly connections = new Map<string, Connection>();

  constructor(private readonly options: GrpcRegistryClientOptions) {
    super();
    const { RegistryAdapter } = adapterContract();
    const { Health } = healthContract();
    for (const [registry, endpoint] of Object.entries(options.endpoints)) {
      const credentials = grpc.credentials.createInsecure();
      const adapter = new RegistryAdapter(endpoint, credentials) as unknown as RegistryAdapterClient;
      // Share the channel between the adapter and health stubs: one connection per registry.
      const health = new Health(endpoint, credentials, {
        channelOverride: (adapter as unknown as grpc.Client).getChannel(),
      }) as unknown as HealthClient;
      this.connections.set(registry, { adapter, health });
    }
  }

  registries(): string[] {
    return [...this.connections.keys()];
  }

  describe(registry: string): Promise<RegistryDescription> {
    const { adapter } = this.connection(registry);
    return new Promise((resolve, reject) => {
      adapter.describe({}, { deadline: Date.now() + this.options.timeoutMs }, (error, response) => {
        if (error || !response) return reject(toCallError(registry, error));
        resolve(toDescription(response));
      });
    });
  }

  lookup(registry: string, dataset: string, subjectId: string, context: LookupContext): Promise<RegistryRecord> {
    const { adapter } = this.connection(registry);
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', context.requestId);
    return new Promise((resolve, reject) => {
      adapter.lookup(
        { dataset, subjectId, fields: [], context: { ...context, dossierId: context.dossierId ?? '' } },
        metadata,
        { deadline: Date.now() + this.options.timeoutMs },
        (error, response) => {
          if (error || !response) return reject(toCallError(registry, error));
          resolve({
            found: response.found,
            data: response.found ? fromStruct(response.record) : null,
            version: response.recordVersion,
            asOf: timestampToIso(response.asOf),
          });
        },
      );
    });
  }

  health(registry: string): Promise<RegistryHealth> {
    const { health } = this.connection(registry);
    return new Promise((resolve) => {
      health.check({ service: '' }, { deadline: Date.now() + this.options.timeoutMs }, (error, response) => {
        if (error || !response) return resolve('UNKNOWN');
        resolve(response.status === 'SERVING' ? 'SERVING' : response.status === 'NOT_SERVING' ? 'NOT_SERVING' : 'UNKNOWN');
      });
    });
  }

  onModuleDestroy(): void {
    for (const { adapter } of this.connections.values()) (adapter as unknown as grpc.Client).close();
    this.connections.clear();
  }

  private connection(registry: string): Connection {
    const connection = this.connections.get(registry);
    if (!connection) throw new RegistryCallError(registry, 'unavailable', `no adapter configured for registry ${registry}`);
    return connection;
  }
}

function toCallError(registry: string, error: grpc.ServiceError | null): RegistryCallError {
  const kind: RegistryFailureKind =
    error?.code === grpc.status.DEADLINE_EXCEEDED
      ? 'timeout'
      : error?.code === grpc.status.INVALID_ARGUMENT
        ? 'invalid_argument'
        : error?.code === grpc.status.UNAVAILABLE || error?.code === grpc.status.CANCELLED || error?.code === grpc.status.RESOURCE_EXHAUSTED
          ? 'unavailable'
          : 'internal';
  return new RegistryCallError(registry, kind, error?.details || error?.message || 'empty answer from adapter');
}

function timestampToIso(timestamp: { seconds: string; nanos: number } | null): string {
  if (!timestamp) return new Date(0).toISOString();
  return new Date(Number(timestamp.seconds) * 1000 + Math.floor(timestamp.nanos / 1e6)).toISOString();
}

function toDescription(response: DescribeResponse__Output): RegistryDescription {
  return {
    registry: response.registry,
    contractVersion: response.contractVersion,
    adapterVersion: response.adapterVersion,
    datasets: response.datasets.map(
      (d): DatasetDescriptor => ({
        registry: response.registry,
        name: d.name,
        subjectKey: {
          name: d.subjectKey?.name ?? '',
          pattern: d.subjectKey?.pattern ?? '',
          description: d.subjectKey?.description ?? '',
        },
        fields: d.fields.map((f) => ({
          name: f.name,
          type: String(f.type).replace('FIELD_TYPE_', '').toLowerCase(),
          description: f.description,
          personal: f.personal,
        })),
        fieldNames: new Set(d.fields.map((f) => f.name)),
        maxAgeSeconds: d.maxAgeSeconds,
        sensitivity: d.sensitivity === 'SENSITIVITY_SENSITIVE' ? 'sensitive' : 'normal',
        description: d.description,
      }),
    ),
  };
}
