/**
 * Port to the national public-service portal (contract proto/motlan/portal/v1/portal.proto).
 * The gRPC implementation is GrpcPortalClient; dates travel as the portal writes them,
 * yyyyMMddHHmmss in Asia/Ho_Chi_Minh.
 */

export interface PortalResultDocument {
  code: string;
  name: string;
  url: string;
}

/** A dossier status as the portal receives it (fields named after its dossier record). */
export interface PortalDossierStatus {
  dossierId: string;
  procedureCode: string;
  communeCode: string;
  provinceCode: string;
  /** TrangThaiHoSo 1-10. */
  status: number;
  subjectType: 'citizen' | 'organization';
  /** yyyyMMddHHmmss, Asia/Ho_Chi_Minh */
  receivedAt: string;
  /** yyyyMMddHHmmss, Asia/Ho_Chi_Minh; empty when none */
  dueAt: string;
  /** yyyyMMddHHmmss, Asia/Ho_Chi_Minh: when the commune system reported this status */
  updatedAt: string;
  sequence: number;
  resultDocuments: PortalResultDocument[];
  /** "online" | "counter" | "post"; absent when the commune system did not say. */
  channel?: string;
  feesPaidOnline?: boolean;
  /** "electronic" | "paper"; absent when not said. */
  resultForm?: string;
  /** Codes of components replaced by registry data or evidence. */
  reusedComponents?: string[];
}

export type PortalDeliveryResult = { result: 'accepted' } | { result: 'duplicate' } | { result: 'rejected'; reason: string };

/** The portal could not be asked or did not answer: worth trying again later. */
export class PortalUnavailableError extends Error {
  constructor(
    readonly kind: 'unavailable' | 'timeout' | 'internal',
    message: string,
  ) {
    super(message);
    this.name = 'PortalUnavailableError';
  }
}

export abstract class PortalClient {
  /**
   * Delivers one status. The portal answers accepted, duplicate (it already has this idempotency
   * key: nothing changes) or rejected with a reason (a permanent refusal: the status goes to the
   * dead-letter topic). Throws PortalUnavailableError when it cannot answer.
   */
  abstract deliver(status: PortalDossierStatus, idempotencyKey: string, requestId: string, timeoutMs: number): Promise<PortalDeliveryResult>;
  abstract health(timeoutMs: number): Promise<'SERVING' | 'NOT_SERVING' | 'UNKNOWN'>;
  abstract close(): void;
}
