import * as grpc from '@grpc/grpc-js';
import { healthContract, portalContract } from '@motlan/contracts/grpc-contracts.js';
import type { NationalPortalClient } from '@motlan/contracts/generated/motlan/portal/v1/NationalPortal.js';
import type { HealthClient } from '@motlan/contracts/generated/grpc/health/v1/Health.js';
import type { DeliverDossierStatusResponse__Output } from '@motlan/contracts/generated/motlan/portal/v1/DeliverDossierStatusResponse.js';
import { PortalClient, PortalUnavailableError, type PortalDeliveryResult, type PortalDossierStatus } from './portal-client.port.js';

/** PEM material of a mutual-TLS connection: the pinned CA and the gateway's client certificate. */
export interface PortalTlsMaterial {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export interface GrpcPortalClientOptions {
  /** host:port */
  endpoint: string;
  /** Plaintext when absent (loopback development), mutual TLS otherwise. */
  tls?: PortalTlsMaterial;
  /** grpc-js channel options, e.g. a shorter reconnect backoff in tests. */
  channelOptions?: grpc.ChannelOptions;
}

/**
 * The national portal over gRPC (motlan.portal.v1.NationalPortal): one channel to one endpoint,
 * shared by the portal and health stubs.
 */
export class GrpcPortalClient extends PortalClient {
  private readonly portal: NationalPortalClient;
  private readonly healthStub: HealthClient;
  private readonly endpoint: string;

  constructor(options: GrpcPortalClientOptions) {
    super();
    this.endpoint = options.endpoint;
    const credentials = options.tls ? grpc.credentials.createSsl(options.tls.ca, options.tls.key, options.tls.cert) : grpc.credentials.createInsecure();
    const { NationalPortal } = portalContract();
    const { Health } = healthContract();
    this.portal = new NationalPortal(options.endpoint, credentials, options.channelOptions) as unknown as NationalPortalClient;
    this.healthStub = new Health(options.endpoint, credentials, {
      ...options.channelOptions,
      channelOverride: (this.portal as unknown as grpc.Client).getChannel(),
    }) as unknown as HealthClient;
  }

  deliver(status: PortalDossierStatus, idempotencyKey: string, requestId: string, timeoutMs: number): Promise<PortalDeliveryResult> {
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', requestId);
    return new Promise((resolve, reject) => {
      this.portal.deliverDossierStatus(
        {
          idempotencyKey,
          requestId,
          status: {
            dossierId: status.dossierId,
            procedureCode: status.procedureCode,
            communeCode: status.communeCode,
            provinceCode: status.provinceCode,
            status: status.status,
            subjectType: status.subjectType,
            receivedAt: status.receivedAt,
            dueAt: status.dueAt,
            updatedAt: status.updatedAt,
            // int64 on the wire: a decimal string keeps it exact whatever the loader's Long settings.
            sequence: String(status.sequence),
            resultDocuments: status.resultDocuments.map(({ code, name, url }) => ({ code, name, url })),
            // Additive fields (issue 18): empty strings and an absent optional bool mean "not said".
            channel: status.channel ?? '',
            ...(status.feesPaidOnline !== undefined ? { feesPaidOnline: status.feesPaidOnline } : {}),
            resultForm: status.resultForm ?? '',
            reusedComponents: status.reusedComponents ?? [],
          },
        },
        metadata,
        { deadline: Date.now() + timeoutMs },
        (error, response) => {
          if (error) return reject(this.toUnavailable(error));
          try {
            resolve(toResult(response));
          } catch (failure) {
            reject(failure);
          }
        },
      );
    });
  }

  health(timeoutMs: number): Promise<'SERVING' | 'NOT_SERVING' | 'UNKNOWN'> {
    return new Promise((resolve) => {
      this.healthStub.check({ service: '' }, { deadline: Date.now() + timeoutMs }, (error, response) => {
        if (error || !response) return resolve('UNKNOWN');
        resolve(response.status === 'SERVING' ? 'SERVING' : response.status === 'NOT_SERVING' ? 'NOT_SERVING' : 'UNKNOWN');
      });
    });
  }

  close(): void {
    (this.portal as unknown as grpc.Client).close();
  }

  private toUnavailable(error: grpc.ServiceError): PortalUnavailableError {
    const kind =
      error.code === grpc.status.DEADLINE_EXCEEDED
        ? 'timeout'
        : error.code === grpc.status.UNAVAILABLE || error.code === grpc.status.CANCELLED || error.code === grpc.status.RESOURCE_EXHAUSTED
          ? 'unavailable'
          : 'internal';
    return new PortalUnavailableError(kind, `portal ${this.endpoint}: ${grpc.status[error.code] ?? error.code}: ${error.details || error.message}`);
  }
}

/**
 * The portal's answer as the port's result. An answer without a result (RESULT_UNSPECIFIED, or a
 * value this contract does not know) says nothing about whether the status was taken: it is a
 * failure to try again, never a rejection that would dead-letter the status.
 * @throws PortalUnavailableError ('internal')
 */
function toResult(response: DeliverDossierStatusResponse__Output | undefined): PortalDeliveryResult {
  switch (response?.result) {
    case 'ACCEPTED':
      return { result: 'accepted' };
    case 'DUPLICATE':
      return { result: 'duplicate' };
    case 'REJECTED':
      return { result: 'rejected', reason: response.reason || 'rejected by the portal without a reason' };
    default:
      throw new PortalUnavailableError('internal', `portal answered without a result (${String(response?.result ?? 'empty answer')})`);
  }
}
