import { ErrorCodes, ForbiddenError, InvalidRequestError, UnavailableError } from '@motlan/errors/domain-error.js';
import { Topics } from '@motlan/events/topics.js';
import { SyncLog } from '@motlan/sync-log/sync-log.port.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { DossierStatusFields, DossierStatusMessage } from './dossier-status.js';

export interface IntakeClient {
  clientId: string;
  /** The commune a commune system acts for (token claim); absent for national systems. */
  communeCode?: string;
}

export interface IntakeReceipt {
  dossierId: string;
  sequence: number;
  queuedAt: string;
}

/**
 * Accepts a dossier status from a commune system: checks what only the gateway can check (the
 * commune exists, the client may report for it), and answers only once the status is durably in
 * the sync log (Kafka acks=all / fsync). A repeated sequence number is queued again and changes
 * nothing at the portal (same idempotency key).
 */
export class DossierIntakeService {
  constructor(
    private readonly log: SyncLog,
    private readonly directory: VnAdminDirectory,
  ) {}

  async submit(dossierId: string, fields: DossierStatusFields, client: IntakeClient, requestId: string): Promise<IntakeReceipt> {
    const commune = this.directory.commune(fields.communeCode);
    if (!commune) {
      throw new InvalidRequestError(ErrorCodes.unknownCommune, `no commune with code ${fields.communeCode} (codes are the 3,321 communes of 2025)`, [
        { name: 'communeCode', reason: 'unknown commune' },
      ]);
    }
    if (client.communeCode && client.communeCode !== fields.communeCode) {
      throw new ForbiddenError(ErrorCodes.communeMismatch, `this client reports for commune ${client.communeCode}, not ${fields.communeCode}`);
    }
    if (fields.dueAt && Date.parse(fields.dueAt) < Date.parse(fields.receivedAt)) {
      throw new InvalidRequestError(ErrorCodes.validation, 'dueAt is before receivedAt', [{ name: 'dueAt', reason: 'must not be before receivedAt' }]);
    }
    const queuedAt = new Date().toISOString();
    const message: DossierStatusMessage = {
      dossierId,
      procedureCode: fields.procedureCode,
      communeCode: fields.communeCode,
      provinceCode: commune.provinceCode,
      status: fields.status,
      subjectType: fields.subjectType,
      receivedAt: fields.receivedAt,
      ...(fields.dueAt ? { dueAt: fields.dueAt } : {}),
      sequence: fields.sequence,
      ...(fields.resultDocuments?.length ? { resultDocuments: fields.resultDocuments.map((d) => ({ code: d.code, name: d.name, ...(d.url ? { url: d.url } : {}) })) } : {}),
      acceptedAt: queuedAt,
      requestId,
      clientId: client.clientId,
    };
    try {
      await this.log.append(Topics.dossierSync, [{ key: dossierId, value: JSON.stringify(message), headers: { 'x-request-id': requestId } }]);
    } catch {
      throw new UnavailableError(ErrorCodes.syncQueueUnavailable, 'the dossier sync queue cannot be written now; nothing was accepted, send it again', 5);
    }
    return { dossierId, sequence: fields.sequence, queuedAt };
  }
}
