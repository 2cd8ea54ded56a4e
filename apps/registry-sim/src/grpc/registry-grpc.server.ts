/**
 * One gRPC endpoint per simulated registry, like the real registries would each run their own
 * adapter: motlan.adapter.v1.RegistryAdapter (Describe, Lookup) and grpc.health.v1.Health.
 * The same server also plays an extra adapter of a registry (see RegistryGrpcServerOptions): a
 * replica, or a shard that holds only some provinces' records.
 */
import * as grpc from '@grpc/grpc-js';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { ADAPTER_CONTRACT_VERSION, adapterContract } from '@motlan/contracts/grpc-contracts.js';
import { fromStruct, toStruct } from '@motlan/contracts/struct-codec.js';
import type { DescribeResponse } from '@motlan/contracts/generated/motlan/adapter/v1/DescribeResponse.js';
import type { LookupResponse } from '@motlan/contracts/generated/motlan/adapter/v1/LookupResponse.js';
import type { RegistryAdapterHandlers } from '@motlan/contracts/generated/motlan/adapter/v1/RegistryAdapter.js';
import type { AdapterStats } from '../registries/adapter-stats.js';
import type { RegistryName } from '../registries/sim-dataset.js';
import { InvalidRequestError, RegistryUnavailableError } from '../registries/sim-errors.js';
import { subjectTag } from '@motlan/logging/pino-nest-logger.js';
import type { LookupOutcome, SimRegistries } from '../registries/sim-registries.js';
import type { ExtraAdapterTls } from '../sim-config.js';
import { RestartableGrpcServer, type ServingState } from './restartable-grpc.server.js';

/** Release of the simulator reported by Describe. */
export const SIM_ADAPTER_VERSION = 'registry-sim-0.1.0';
const ADAPTER_SERVICE_NAME = 'motlan.adapter.v1.RegistryAdapter';

export interface RegistryGrpcServerOptions {
  /** Name in logs and errors; default the registry name. */
  id?: string;
  /**
   * Current (2025) province codes whose records this adapter holds, like a registry split by
   * province; any other subject is answered found = false. Absent: the whole registry.
   */
  provinces?: readonly string[];
  /** What Describe reports instead of ADAPTER_CONTRACT_VERSION, to play an adapter of another contract. */
  contractVersion?: string;
  /** Counters of this adapter alone; owned by the caller so they outlive a restart. */
  stats?: AdapterStats;
  /**
   * Mutual TLS (PEM text): `ca` signs the client certificates accepted, `cert`/`key` are the
   * server's. A client without a certificate signed by `ca` fails the handshake. Absent: plaintext.
   */
  tls?: ExtraAdapterTls;
}

export class RegistryGrpcServer extends RestartableGrpcServer {
  readonly id: string;
  /** Null for an adapter that serves the whole registry. */
  readonly provinces: ReadonlySet<string> | null;
  readonly contractVersion: string;
  private readonly stats: AdapterStats | undefined;

  constructor(
    readonly registry: RegistryName,
    private readonly registries: SimRegistries,
    private readonly logger: Logger,
    options: RegistryGrpcServerOptions = {},
  ) {
    const id = options.id ?? registry;
    super(id, options.tls ? serverTlsCredentials(id, options.tls) : grpc.ServerCredentials.createInsecure());
    this.id = id;
    this.provinces = options.provinces ? new Set(options.provinces) : null;
    this.contractVersion = options.contractVersion ?? ADAPTER_CONTRACT_VERSION;
    this.stats = options.stats;
  }

  protected addServices(server: grpc.Server): void {
    server.addService(adapterContract().RegistryAdapter.service, this.adapterHandlers());
  }

  protected serviceName(): string {
    return ADAPTER_SERVICE_NAME;
  }

  protected servingState(): ServingState {
    return this.registries.faults(this.registry);
  }

  protected override onHealthCheck(): void {
    this.registries.stats.healthCheck(this.registry);
  }

  private adapterHandlers(): RegistryAdapterHandlers {
    return {
      Describe: (_call, callback) => {
        this.registries.stats.describe(this.registry);
        this.stats?.describe();
        this.registries
          .faults(this.registry)
          .apply('describe')
          .then(() => callback(null, this.describe()))
          .catch((error: unknown) => callback(this.toStatus(error)));
      },
      Lookup: (call, callback) => {
        const { dataset, subjectId, fields, context } = call.request;
        this.registries.stats.lookup(this.registry, dataset);
        this.stats?.lookup();
        this.registries
          .faults(this.registry)
          .apply('lookup')
          .then(() => {
            // Killed while the call waited out its latency: a crashed adapter answers nothing, nor counts it served.
            if (call.cancelled) return;
            // Looked up first even by a shard, so a malformed request fails the same way everywhere.
            const outcome = this.registries.lookup(this.registry, { dataset, subjectId, fields });
            const inShard = this.admit(dataset, subjectId);
            const found = inShard && outcome.found;
            this.logger.debug(
              { registry: this.registry, adapter: this.id, dataset, subject: subjectTag(subjectId), found, inShard, requestId: context?.requestId },
              'lookup',
            );
            callback(null, inShard ? toLookupResponse(outcome) : NOT_FOUND);
          })
          .catch((error: unknown) => {
            this.registries.stats.failedLookup(this.registry);
            this.stats?.failedLookup();
            callback(this.toStatus(error));
          });
      },
      Deliver: (call, callback) => {
        const event = call.request;
        this.registries
          .faults(this.registry)
          .apply('lookup')
          .then(() => {
            if (call.cancelled) return;
            const ack = this.registries.deliveries.deliver(this.registry, {
              idempotencyKey: event.idempotencyKey,
              eventType: event.eventType,
              sourceRegistry: event.sourceRegistry,
              dataset: event.dataset,
              subjectId: event.subjectId,
              record: event.record ? fromStruct(event.record) : null,
              correction: event.correction,
            });
            this.logger.debug(
              { registry: this.registry, adapter: this.id, eventType: event.eventType, subject: subjectTag(event.subjectId), status: ack.status },
              'delivery',
            );
            callback(null, ack);
          })
          .catch((error: unknown) => callback(this.toStatus(error)));
      },
    };
  }

  /**
   * Whether this adapter holds the subject's record, counting the lookup by province. Province work
   * is skipped for the registry's own endpoints, which keep no per-adapter counts.
   */
  private admit(dataset: string, subjectId: string): boolean {
    if (this.provinces === null && this.stats === undefined) return true;
    const province = this.registries.subjectProvince(this.registry, dataset, subjectId);
    if (this.provinces !== null && (province === null || !this.provinces.has(province))) {
      this.stats?.outsideShard();
      return false;
    }
    this.stats?.served(province);
    return true;
  }

  private describe(): DescribeResponse {
    return {
      registry: this.registry,
      contractVersion: this.contractVersion,
      adapterVersion: SIM_ADAPTER_VERSION,
      datasets: this.registries.registry(this.registry).datasets.map(({ spec }) => ({
        name: spec.name,
        description: spec.description,
        subjectKey: { ...spec.subjectKey },
        fields: spec.fields.map((f) => ({ ...f })),
        maxAgeSeconds: spec.maxAgeSeconds,
        sensitivity: spec.sensitivity,
      })),
      accepts: this.registries.deliveries.accepts(this.registry),
    };
  }

  private toStatus(error: unknown): Partial<grpc.StatusObject> {
    if (error instanceof InvalidRequestError) return { code: grpc.status.INVALID_ARGUMENT, details: error.message };
    if (error instanceof RegistryUnavailableError) return { code: grpc.status.UNAVAILABLE, details: error.message };
    this.logger.error({ err: error, registry: this.registry, adapter: this.id }, 'lookup failed');
    return { code: grpc.status.INTERNAL, details: 'internal error in the registry simulator' };
  }
}

/**
 * Server credentials that require a client certificate. The PEM is parsed here, once, so a bad
 * certificate or a key that does not match fails the simulator's start naming the adapter, not
 * each handshake later with nothing in the logs.
 * @throws RangeError
 */
function serverTlsCredentials(id: string, pem: ExtraAdapterTls): grpc.ServerCredentials {
  const [ca, cert, key] = [pem.ca, pem.cert, pem.key].map((text) => Buffer.from(text));
  try {
    createSecureContext({ ca, cert, key });
  } catch (error) {
    throw new RangeError(`${id}: unusable TLS material: ${(error as Error).message}`);
  }
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], true);
}

const NOT_FOUND: LookupResponse = { found: false, recordVersion: 0 };

function toLookupResponse(outcome: LookupOutcome): LookupResponse {
  if (!outcome.found || outcome.record === null || outcome.asOf === null) return NOT_FOUND;
  const millis = outcome.asOf.getTime();
  return {
    found: true,
    record: toStruct(outcome.record),
    recordVersion: outcome.version,
    asOf: { seconds: Math.floor(millis / 1000), nanos: (millis % 1000) * 1_000_000 },
  };
}
