import { Logger } from '@nestjs/common';
import type { AuditRecord, CitizenActionAuditRecord } from '@motlan/audit/audit-record.js';
import type { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { citizenActionRecord } from '@motlan/audit/citizen-action-record.js';
import { newShareId, type ArchiveContent, type ArchiveShare, type StoredArchiveItem } from '@motlan/citizen-archive/archive-item.js';
import type { ArchiveSealer, ShareReferencePayload } from '@motlan/citizen-archive/archive-sealer.js';
import { CitizenArchiveStoreUnavailableError, type CitizenArchiveStore } from '@motlan/citizen-archive/citizen-archive-store.port.js';
import { DomainError, ErrorCodes, ForbiddenError, InvalidRequestError, NotFoundError, UnavailableError } from '@motlan/errors/domain-error.js';
import type { EvidenceSignerService } from '@motlan/evidence/evidence-signer.service.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import type {
  ArchiveItemDto,
  CreateShareDto,
  MyArchiveItemDto,
  RedeemedShareDto,
  RedeemHeadersDto,
  ShareCreatedDto,
  ShareViewDto,
} from './citizen-archive.dto.js';

const DAY_MS = 86_400_000;

export interface CitizenArchiveSettings {
  shareMaxDays: number;
  /** Epoch ms; tests move it. */
  now?: () => number;
}

/** Why a share reference opens nothing (problem `share_invalid`, member `reason`). */
export const ShareInvalidReasons = {
  /** Not a reference this gateway made, or altered. */
  tampered: 'tampered',
  expired: 'expired',
  otherCommune: 'other_commune',
  otherDossier: 'other_dossier',
  /** The citizen deleted the item (and with it its shares). */
  withdrawn: 'withdrawn',
} as const;
export type ShareInvalidReason = (typeof ShareInvalidReasons)[keyof typeof ShareInvalidReasons];

const REASON_TEXT: Record<ShareInvalidReason, string> = {
  tampered: 'this is not a share reference of this gateway, or it was altered',
  expired: 'the share has expired',
  other_commune: "the share is for another commune than this client's",
  other_dossier: 'the share is for another dossier (X-Dossier-Id)',
  withdrawn: 'the citizen has deleted the shared item',
};

/**
 * The citizen's archive: lists their items (evidence checked now, so a revoked signing key shows),
 * shares one item with one commune for one dossier until a time, deletes items; and redeems a share
 * for a commune's clerk: the reference is checked (sealed, unexpired, this commune, this dossier,
 * not withdrawn), the redemption written to the audit trail (so the citizen's access log shows it,
 * with the share) before the item is released. Shares and deletions are audited too.
 */
export class CitizenArchiveService {
  private readonly logger = new Logger('CitizenArchive');
  private readonly now: () => number;

  constructor(
    private readonly store: CitizenArchiveStore,
    private readonly sealer: ArchiveSealer,
    private readonly signer: EvidenceSignerService,
    private readonly audit: AuditSink,
    private readonly directory: VnAdminDirectory,
    private readonly settings: CitizenArchiveSettings,
  ) {
    this.now = settings.now ?? Date.now;
  }

  async list(subjectId: string): Promise<MyArchiveItemDto[]> {
    const subjectKey = this.sealer.subjectKey(subjectId);
    const [items, shares] = await Promise.all([this.call(() => this.store.list(subjectKey)), this.call(() => this.store.listShares(subjectKey))]);
    const views: MyArchiveItemDto[] = [];
    for (const item of items) {
      const view = await this.view(item);
      if (view) views.push({ ...view, shares: shares.filter((s) => s.itemId === item.id).map(shareView) });
    }
    return views;
  }

  async share(subjectId: string, itemId: string, body: CreateShareDto, requestId: string): Promise<ShareCreatedDto> {
    const subjectKey = this.sealer.subjectKey(subjectId);
    const until = Date.parse(body.validUntil);
    const now = this.now();
    if (!Number.isFinite(until) || until <= now)
      throw new InvalidRequestError(ErrorCodes.validation, 'validUntil: must be in the future', [{ name: 'validUntil', reason: 'must be in the future' }]);
    if (until > now + this.settings.shareMaxDays * DAY_MS) {
      const reason = `at most ${this.settings.shareMaxDays} days ahead`;
      throw new InvalidRequestError(ErrorCodes.validation, `validUntil: ${reason}`, [{ name: 'validUntil', reason }]);
    }
    if (!this.directory.commune(body.communeCode)) {
      const reason = 'unknown commune (codes are the communes of 2025)';
      throw new InvalidRequestError(ErrorCodes.validation, `communeCode: ${reason}`, [{ name: 'communeCode', reason }]);
    }
    if (!(await this.call(() => this.store.get(subjectKey, itemId)))) throw itemNotFound();
    const share: ArchiveShare = {
      id: newShareId(),
      itemId,
      subjectKey,
      communeCode: body.communeCode,
      dossierId: body.dossierId,
      createdAt: new Date(now).toISOString(),
      validUntil: new Date(until).toISOString(),
    };
    await this.call(() => this.store.addShare(share));
    await this.record(requestId, subjectId, 'archive_share', share.id, share, itemId);
    const reference = this.sealer.shareReference({ shareId: share.id, subjectId, validUntilMs: until });
    return { ...shareView(share), itemId, reference };
  }

  async delete(subjectId: string, itemId: string, requestId: string): Promise<void> {
    if (!(await this.call(() => this.store.remove(this.sealer.subjectKey(subjectId), itemId)))) throw itemNotFound();
    await this.record(requestId, subjectId, 'archive_delete', itemId, null);
  }

  /** The shared item, for a clerk of the share's commune working on the share's dossier; audited, answered or refused. */
  async redeem(client: AuthenticatedClient, reference: string, headers: RedeemHeadersDto): Promise<RedeemedShareDto> {
    const payload = this.sealer.openShareReference(reference);
    let opened: { item: ArchiveItemDto; share: ArchiveShare } | undefined;
    try {
      opened = await this.open(client, payload, headers);
    } catch (error) {
      await this.audit
        .append(this.accessRecord(client, headers, payload, null, error))
        .catch((auditError: Error) => this.logger.error({ reason: auditError.message }, 'audit write failed for a refused share redemption'));
      throw error;
    }
    try {
      await this.audit.append(this.accessRecord(client, headers, payload, opened.item, null));
    } catch {
      throw new UnavailableError(ErrorCodes.auditUnavailable, 'the audit trail cannot be written now; no data is released unrecorded', 5);
    }
    return { item: opened.item, share: shareView(opened.share) };
  }

  private async open(
    client: AuthenticatedClient,
    payload: ShareReferencePayload | null,
    headers: RedeemHeadersDto,
  ): Promise<{ item: ArchiveItemDto; share: ArchiveShare }> {
    if (client.communeCode === undefined)
      throw new ForbiddenError(ErrorCodes.communeRequired, "shares are given to a commune: this client's token has no commune claim");
    if (!payload) throw invalid(ShareInvalidReasons.tampered);
    // The reference carries its validity: an expired share is refused as such, though the store has forgotten it.
    if (payload.validUntilMs <= this.now()) throw invalid(ShareInvalidReasons.expired);
    const subjectKey = this.sealer.subjectKey(payload.subjectId);
    const share = await this.call(() => this.store.getShare(subjectKey, payload.shareId));
    // Gone before its time: the citizen deleted the item, and its shares with it.
    if (!share) throw invalid(ShareInvalidReasons.withdrawn);
    if (share.communeCode !== client.communeCode) throw invalid(ShareInvalidReasons.otherCommune);
    if (share.dossierId !== headers.dossierId) throw invalid(ShareInvalidReasons.otherDossier);
    const stored = await this.call(() => this.store.get(subjectKey, share.itemId));
    const item = stored ? await this.view(stored) : null;
    if (!item) throw invalid(ShareInvalidReasons.withdrawn);
    return { item, share };
  }

  private accessRecord(
    client: AuthenticatedClient,
    headers: RedeemHeadersDto,
    payload: ShareReferencePayload | null,
    item: ArchiveItemDto | null,
    error: unknown,
  ): AuditRecord {
    const coded = error instanceof DomainError ? error : undefined;
    const record: AuditRecord = {
      type: 'access',
      time: new Date(this.now()).toISOString(),
      requestId: headers.requestId,
      clientId: client.clientId,
      clientCommune: client.communeCode ?? null,
      officerId: headers.officerId,
      purpose: headers.purpose ?? null,
      dossierId: headers.dossierId,
      registry: item?.evidence?.registry ?? null,
      dataset: item?.evidence?.dataset ?? null,
      // Known only from a reference that opened: a made-up one names nobody, and stays in the trail for operators.
      subjectId: payload?.subjectId ?? null,
      fields: item?.evidence ? evidenceFields(item.evidence.jws) : [],
      outcome: error ? 'refused' : 'answered',
      status: error ? (coded?.status ?? 500) : 200,
      via: 'archive-share',
    };
    if (error) record.code = coded?.code ?? ErrorCodes.internal;
    if (payload) record.shareId = payload.shareId;
    return record;
  }

  /** What the citizen (or the redeeming clerk) sees of an item; null when it does not open (another secret, altered). */
  private async view(item: StoredArchiveItem): Promise<ArchiveItemDto | null> {
    const content = this.sealer.open(item.sealed, item.subjectKey, item.id);
    if (!content) return null;
    const base = { id: item.id, storedAt: item.storedAt, deleteAt: item.forgetAt };
    if (content.kind === 'result') {
      return {
        ...base,
        kind: 'result',
        issuer: { id: `commune:${content.communeCode}`, name: this.communeName(content.communeCode) },
        issuedAt: content.issuedAt,
        validUntil: null,
        status: 'valid',
        result: { dossierId: content.dossierId, procedureCode: content.procedureCode, documents: content.documents.map((d) => ({ ...d })) },
      };
    }
    return {
      ...base,
      kind: 'evidence',
      issuer: { id: content.issuer, name: 'Motlan gateway' },
      issuedAt: content.issuedAt,
      validUntil: content.expiresAt,
      status: await this.evidenceStatus(content),
      evidence: {
        registry: content.registry,
        dataset: content.dataset,
        jws: content.jws,
        kid: content.kid,
        purpose: content.purpose,
        dossierId: content.dossierId,
      },
    };
  }

  /** Checked now against the published keys: a key revoked since shows the evidence as revoked. */
  private async evidenceStatus(content: Extract<ArchiveContent, { kind: 'evidence' }>): Promise<ArchiveItemDto['status']> {
    const verified = await this.signer.verify(content.jws);
    if (verified.valid) return 'valid';
    if (verified.reason === 'revoked' || verified.reason === 'expired') return verified.reason;
    return 'unverifiable';
  }

  private communeName(code: string): string | null {
    const commune = this.directory.commune(code);
    if (!commune) return null;
    const province = this.directory.province(commune.provinceCode);
    return province ? `${commune.name}, ${province.name}` : commune.name;
  }

  /** Written after the act is in force: a failed write is an operational alarm, not a reason to undo what the citizen did. */
  private async record(
    requestId: string,
    subjectId: string,
    action: CitizenActionAuditRecord['action'],
    objectId: string,
    share: ArchiveShare | null,
    relatedId?: string,
  ): Promise<void> {
    const entry = citizenActionRecord(this.now(), { requestId, subjectId, action, objectId, scope: share, relatedId });
    await this.audit.append(entry).catch((error: Error) => this.logger.error({ reason: error.message, action }, 'audit write failed for an archive change'));
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof CitizenArchiveStoreUnavailableError)
        throw new UnavailableError(ErrorCodes.archiveUnavailable, 'the archive cannot be read or written now; nothing was changed, try again', 2);
      throw error;
    }
  }
}

function shareView(share: ArchiveShare): ShareViewDto {
  return { id: share.id, communeCode: share.communeCode, dossierId: share.dossierId, createdAt: share.createdAt, validUntil: share.validUntil };
}

function itemNotFound(): NotFoundError {
  return new NotFoundError(ErrorCodes.archiveItemNotFound, 'your archive holds no item with this id');
}

function invalid(reason: ShareInvalidReason): ForbiddenError {
  return new ForbiddenError(ErrorCodes.shareInvalid, `the share reference opens nothing: ${REASON_TEXT[reason]}`, { reason });
}

/** The field names the evidence attests (its payload's `fields`), for the audit record of a redemption. */
function evidenceFields(jws: string): string[] {
  try {
    const payload = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as { fields?: unknown };
    return Array.isArray(payload.fields) ? payload.fields.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}
