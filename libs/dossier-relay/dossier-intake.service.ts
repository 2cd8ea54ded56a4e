import { ErrorCodes, ForbiddenError, InvalidRequestError, UnavailableError } from '@motlan/errors/domain-error.js';
import { Topics } from '@motlan/events/topics.js';
import { EventLog } from '@motlan/event-log/event-log.port.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { DossierBindingUnavailableError, type DossierCommuneBindings } from './dossier-commune-bindings.port.js';
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
 * commune exists, the client may report for it, the dossier belongs to that commune), and answers
 * only once the status is durably in the sync log (Kafka acks=all / fsync). A repeated sequence
 * number is queued again and changes nothing at the portal (same idempotency key).
 */
export class DossierIntakeService {
  constructor(
    private readonly log: EventLog,
    private readonly directory: VnAdminDirectory,
    private readonly bindings: DossierCommuneBindings,
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
    await this.checkBinding(dossierId, fields.communeCode, client);
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
      ...(fields.resultDocuments?.length
        ? { resultDocuments: fields.resultDocuments.map((d) => ({ code: d.code, name: d.name, ...(d.url ? { url: d.url } : {}) })) }
        : {}),
      ...(fields.channel ? { channel: fields.channel } : {}),
      ...(fields.feesPaidOnline !== undefined ? { feesPaidOnline: fields.feesPaidOnline } : {}),
      ...(fields.resultForm ? { resultForm: fields.resultForm } : {}),
      ...(fields.reusedComponents?.length ? { reusedComponents: [...new Set(fields.reusedComponents)] } : {}),
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

  /**
   * The dossier belongs to the commune that first reported it: the portal keeps the first status
   * per dossier and sequence, so a status under another commune (from a commune system, or a
   * national one that has no commune claim) would overwrite the real one or take its sequence
   * numbers. Bound before the status is appended, so no status is ever in the log unbound; a
   * binding left by an append that then failed is the same commune's, which retries.
   */
  private async checkBinding(dossierId: string, communeCode: string, client: IntakeClient): Promise<void> {
    let bound: string;
    try {
      bound = (await this.bindings.bindIfAbsent(dossierId, { communeCode, boundAt: new Date().toISOString(), boundBy: client.clientId })).communeCode;
    } catch (error) {
      if (error instanceof DossierBindingUnavailableError) {
        throw new UnavailableError(ErrorCodes.dossierBindingUnavailable, 'the dossier bindings cannot be checked now; nothing was accepted, send it again', 5);
      }
      throw error;
    }
    if (bound !== communeCode) {
      // The bound commune is not named: a commune system has no business learning who holds another's dossier.
      throw new ForbiddenError(ErrorCodes.dossierCommuneMismatch, `dossier ${dossierId} belongs to another commune than ${communeCode}; nothing was accepted`);
    }
  }
}
