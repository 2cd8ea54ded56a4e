import * as grpc from '@grpc/grpc-js';
import { adapterContract, healthContract } from '@motlan/contracts/grpc-contracts.js';
import { fromStruct, toStruct } from '@motlan/contracts/struct-codec.js';
import type { RegistryAdapterClient } from '@motlan/contracts/generated/motlan/adapter/v1/RegistryAdapter.js';
import type { HealthClient } from '@motlan/contracts/generated/grpc/health/v1/Health.js';
import type { DescribeResponse__Output } from '@motlan/contracts/generated/motlan/adapter/v1/DescribeResponse.js';
import {
  RegistryCallError,
  type AdapterConnection,
  type DatasetDescriptor,
  type DeliveryAckResult,
  type LookupContext,
  type RecordEventDelivery,
  type RegistryDescription,
  type RegistryFailureKind,
  type RegistryHealth,
  type RegistryRecord,
} from './registry-client.port.js';

/** PEM material of a mutual-TLS connection: the pinned CA and the gateway's client certificate. */
export interface AdapterTlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface GrpcAdapterConnectionOptions {
  /** Registry the adapter serves (for error messages and problem documents). */
  registry: string;
  /** host:port */
  endpoint: string;
  /** Plaintext when absent (loopback development), mutual TLS otherwise. */
  tls?: AdapterTlsMaterial;
}

/** One gRPC channel to one adapter endpoint, shared by the adapter and health stubs. */
export class GrpcAdapterConnection implements AdapterConnection {
  private readonly adapter: RegistryAdapterClient;
  private readonly healthStub: HealthClient;
  private readonly registry: string;

  constructor(options: GrpcAdapterConnectionOptions) {
    this.registry = options.registry;
    const credentials = options.tls ? grpc.credentials.createSsl(options.tls.ca, options.tls.key, options.tls.cert) : grpc.credentials.createInsecure();
    const { RegistryAdapter } = adapterContract();
    const { Health } = healthContract();
    this.adapter = new RegistryAdapter(options.endpoint, credentials) as unknown as RegistryAdapterClient;
    this.healthStub = new Health(options.endpoint, credentials, {
      channelOverride: (this.adapter as unknown as grpc.Client).getChannel(),
    }) as unknown as HealthClient;
  }

  describe(timeoutMs: number): Promise<RegistryDescription> {
    return new Promise((resolve, reject) => {
      this.adapter.describe({}, { deadline: Date.now() + timeoutMs }, (error, response) => {
        if (error || !response) return reject(toCallError(this.registry, error));
        resolve(toDescription(response));
      });
    });
  }

  lookup(dataset: string, subjectId: string, context: LookupContext, timeoutMs: number): Promise<RegistryRecord> {
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', context.requestId);
    return new Promise((resolve, reject) => {
      this.adapter.lookup(
        { dataset, subjectId, fields: [], context: { ...context, dossierId: context.dossierId ?? '' } },
        metadata,
        { deadline: Date.now() + timeoutMs },
        (error, response) => {
          if (error || !response) return reject(toCallError(this.registry, error));
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

  health(timeoutMs: number): Promise<RegistryHealth> {
    return new Promise((resolve) => {
      this.healthStub.check({ service: '' }, { deadline: Date.now() + timeoutMs }, (error, response) => {
        if (error || !response) return resolve('UNKNOWN');
        resolve(response.status === 'SERVING' ? 'SERVING' : response.status === 'NOT_SERVING' ? 'NOT_SERVING' : 'UNKNOWN');
      });
    });
  }

  deliver(event: RecordEventDelivery, timeoutMs: number): Promise<DeliveryAckResult> {
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', event.requestId);
    const { record, correction, requestId, ...rest } = event;
    return new Promise((resolve, reject) => {
      this.adapter.deliver(
        {
          ...rest,
          ...(record ? { record: toStruct(record) } : {}),
          ...(correction ? { correction } : {}),
          context: { requestId, clientId: 'motlan-gateway', officerId: correction?.officerId ?? '', purpose: event.legalBasisProcedure, dossierId: '' },
        },
        metadata,
        { deadline: Date.now() + timeoutMs },
        (error, response) => {
          if (error || !response) return reject(toCallError(this.registry, error));
          const status = String(response.status);
          resolve({
            status: status === 'APPLIED' ? 'applied' : status === 'RECEIVED' ? 'received' : status === 'DUPLICATE' ? 'duplicate' : 'rejected',
            recordVersion: response.recordVersion,
            reason: status === 'STATUS_UNSPECIFIED' ? 'the adapter answered no status' : response.reason,
          });
        },
      );
    });
  }

  close(): void {
    (this.adapter as unknown as grpc.Client).close();
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
    datasets: response.datasets.map((d): DatasetDescriptor => ({
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
    })),
    accepts: response.accepts.map((a) => ({ sourceRegistry: a.sourceRegistry, dataset: a.dataset, eventTypes: [...a.eventTypes] })),
  };
}
