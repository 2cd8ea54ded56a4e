import { Logger } from '@nestjs/common';
import type { CitizenActionAuditRecord } from '@motlan/audit/audit-record.js';
import { citizenActionRecord } from '@motlan/audit/citizen-action-record.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { withConsentStore } from '@motlan/consent/consent-checker.js';
import { ConsentStore } from '@motlan/consent/consent-store.port.js';
import { consentFromRequest, newConsentId, newRequestCode, type Consent, type ConsentDataset, type ConsentRequest } from '@motlan/consent/consent.js';
import { ConflictError, ErrorCodes, ForbiddenError, InvalidRequestError, NotFoundError, type InvalidParam } from '@motlan/errors/domain-error.js';
import { parseCccd } from '@motlan/identifiers/subject-id.js';
import { PurposeCatalog } from '@motlan/procedure-catalog/purpose-catalog.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import type { ConsentDto, ConsentRequestDto, ConsentRequestStatusDto, CreateConsentDto, CreateConsentRequestDto } from './consent.dto.js';

const DAY_MS = 86_400_000;
/** Consents in force per citizen: enough for every procedure at once, and a bound on what one token can store. */
export const MAX_ACTIVE_CONSENTS_PER_CITIZEN = 100;

export interface ConsentSettings {
  requestTtlSec: number;
  maxValidityDays: number;
  linkBase: string;
  /** Epoch ms; tests move it. */
  now?: () => number;
}

/** The scope a consent or a counter request names, checked and normalized. */
interface Scope {
  procedure: string | null;
  dossierId: string | null;
  communeCode: string;
  datasets: ConsentDataset[];
  validUntil: string;
}

/**
 * Consents of citizens: given and taken back with their own token, or asked for at the counter by
 * a commune's software and approved by the citizen. A consent never names more than it was given
 * for, and only its citizen lists, approves or revokes it; another citizen's consent or request
 * answers like one that does not exist (404), so ids and codes cannot be probed.
 */
export class ConsentService {
  private readonly logger = new Logger('Consents');
  private readonly now: () => number;

  constructor(
    private readonly store: ConsentStore,
    private readonly purposes: PurposeCatalog,
    private readonly directory: VnAdminDirectory,
    private readonly settings: ConsentSettings,
    private readonly audit: AuditSink,
  ) {
    this.now = settings.now ?? Date.now;
  }

  async give(subjectId: string, body: CreateConsentDto, requestId: string): Promise<ConsentDto> {
    const scope = this.scope(body, body.communeCode);
    const consents = await this.call(() => this.store.listBySubject(subjectId));
    if (consents.filter((c) => status(c, this.now()) === 'active').length >= MAX_ACTIVE_CONSENTS_PER_CITIZEN) {
      throw new ConflictError(
        ErrorCodes.consentLimitReached,
        `at most ${MAX_ACTIVE_CONSENTS_PER_CITIZEN} consents can be in force at once; take back one you no longer need`,
      );
    }
    const consent: Consent = {
      id: newConsentId(),
      subjectId,
      ...scope,
      createdAt: new Date(this.now()).toISOString(),
      revokedAt: null,
      origin: { kind: 'citizen' },
    };
    await this.call(() => this.store.add(consent));
    await this.record(requestId, 'consent_give', consent.id, subjectId, consent);
    return this.view(consent);
  }

  async list(subjectId: string): Promise<ConsentDto[]> {
    return (await this.call(() => this.store.listBySubject(subjectId))).map((c) => this.view(c));
  }

  async revoke(subjectId: string, id: string, requestId: string): Promise<ConsentDto> {
    const revoked = await this.call(() => this.store.revoke(id, subjectId, new Date(this.now()).toISOString()));
    if (!revoked) throw consentNotFound();
    await this.record(requestId, 'consent_revoke', id, subjectId, revoked);
    return this.view(revoked);
  }

  /** A counter request of a commune-bound client, pending until its subject approves it or it expires. */
  async ask(client: AuthenticatedClient, body: CreateConsentRequestDto, requestId: string): Promise<ConsentRequestDto> {
    if (client.communeCode === undefined) {
      throw new ForbiddenError(ErrorCodes.communeRequired, "consents are given to a commune: this client's token has no commune claim");
    }
    if (body.communeCode !== undefined && body.communeCode !== client.communeCode) {
      throw new ForbiddenError(ErrorCodes.communeMismatch, `this client acts for commune ${client.communeCode}, not ${body.communeCode}`);
    }
    if (parseCccd(body.subjectId) === null) {
      throw new InvalidRequestError(ErrorCodes.validation, 'subjectId is not a valid personal id', [
        { name: 'subjectId', reason: 'not a valid personal id (12 digits, 4th digit 0-5)' },
      ]);
    }
    const scope = this.scope(body, client.communeCode);
    const now = this.now();
    const request: ConsentRequest = {
      code: newRequestCode(),
      subjectId: body.subjectId,
      ...scope,
      clientId: client.clientId,
      officerId: body.officerId ?? null,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.settings.requestTtlSec * 1000).toISOString(),
    };
    await this.call(() => this.store.addRequest(request));
    await this.record(requestId, 'consent_request', request.code, request.subjectId, request, client.clientId);
    return this.requestView(request);
  }

  /** Pending, or approved with the consent id to send in X-Consent-Ref: for the client that asked only. */
  async requestStatus(client: AuthenticatedClient, code: string): Promise<ConsentRequestStatusDto> {
    const pending = await this.call(() => this.store.getRequest(code));
    if (pending) {
      if (pending.clientId !== client.clientId) throw requestNotFound();
      return { code, status: 'pending', consentId: null };
    }
    const consentId = await this.call(() => this.store.approvedConsentId(code));
    const consent = consentId === null ? null : await this.call(() => this.store.get(consentId));
    if (!consent || consent.origin.kind !== 'counter-request' || consent.origin.clientId !== client.clientId) throw requestNotFound();
    return { code, status: 'approved', consentId: consent.id };
  }

  /** What the citizen is asked to approve. */
  async showRequest(subjectId: string, code: string): Promise<ConsentRequestDto> {
    return this.requestView(await this.pendingRequest(subjectId, code));
  }

  /** Approves the request: it is used up, and the consent it names is created for this citizen. */
  async approve(subjectId: string, code: string, requestId: string): Promise<ConsentDto> {
    const request = await this.pendingRequest(subjectId, code);
    const consent = consentFromRequest(request, newConsentId(), this.now());
    if (!(await this.call(() => this.store.approveRequest(code, consent)))) throw requestNotFound();
    await this.record(requestId, 'consent_approve', code, subjectId, consent, null, consent.id);
    return this.view(consent);
  }

  private async pendingRequest(subjectId: string, code: string): Promise<ConsentRequest> {
    const request = await this.call(() => this.store.getRequest(code));
    // Another citizen's request reads as none: a code opens nothing to anyone else, not even its existence.
    if (!request || request.subjectId !== subjectId) throw requestNotFound();
    return request;
  }

  private scope(body: CreateConsentDto | CreateConsentRequestDto, communeCode: string): Scope {
    const problems: InvalidParam[] = [];
    if (body.procedure === undefined && body.dossierId === undefined) problems.push({ name: 'procedure', reason: 'give a procedure, a dossierId, or both' });
    const procedure = body.procedure === undefined ? undefined : this.purposes.procedure(body.procedure);
    if (body.procedure !== undefined && !procedure)
      problems.push({ name: 'procedure', reason: `not in the procedure catalog (version ${this.purposes.version})` });
    const datasets = new Map<string, ConsentDataset>();
    body.datasets.forEach(({ registry, dataset }, i) => {
      // A consent for a procedure covers only what that procedure reads: nothing broader can be given by mistake.
      if (procedure && !procedure.grant(registry, dataset))
        problems.push({ name: `datasets[${i}]`, reason: `procedure ${procedure.code} does not read ${registry}/${dataset}` });
      datasets.set(`${registry}/${dataset}`, { registry, dataset });
    });
    if (!this.directory.commune(communeCode)) problems.push({ name: 'communeCode', reason: 'unknown commune (codes are the communes of 2025)' });
    const until = Date.parse(body.validUntil);
    const now = this.now();
    if (!Number.isFinite(until) || until <= now) problems.push({ name: 'validUntil', reason: 'must be in the future' });
    else if (until > now + this.settings.maxValidityDays * DAY_MS)
      problems.push({ name: 'validUntil', reason: `at most ${this.settings.maxValidityDays} days ahead` });
    if (problems.length > 0) throw new InvalidRequestError(ErrorCodes.validation, problems.map((p) => `${p.name}: ${p.reason}`).join('; '), problems);
    return {
      procedure: body.procedure ?? null,
      dossierId: body.dossierId ?? null,
      communeCode,
      datasets: [...datasets.values()],
      validUntil: new Date(until).toISOString(),
    };
  }

  private view(consent: Consent): ConsentDto {
    const { subjectId: _subjectId, ...rest } = consent;
    return { ...rest, datasets: consent.datasets.map((d) => ({ ...d })), status: status(consent, this.now()) };
  }

  private requestView(request: ConsentRequest): ConsentRequestDto {
    const { subjectId: _subjectId, createdAt: _createdAt, ...rest } = request;
    return { ...rest, datasets: request.datasets.map((d) => ({ ...d })), link: `${this.settings.linkBase}${request.code}` };
  }

  private call<T>(operation: () => Promise<T>): Promise<T> {
    return withConsentStore(operation);
  }

  /**
   * Writes the act to the audit trail. It is in force already (stored): a failed audit write is an
   * operational alarm, as for token revocations, not a reason to undo what the citizen did.
   */
  private async record(
    requestId: string,
    action: CitizenActionAuditRecord['action'],
    objectId: string,
    subjectId: string,
    scope: Pick<Consent, 'communeCode' | 'dossierId' | 'validUntil'>,
    clientId: string | null = null,
    relatedId?: string,
  ): Promise<void> {
    const entry = citizenActionRecord(this.now(), { requestId, subjectId, action, objectId, clientId, scope, relatedId });
    await this.audit.append(entry).catch((error: Error) => this.logger.error({ reason: error.message, action }, 'audit write failed for a consent'));
  }
}

function status(consent: Consent, now: number): ConsentDto['status'] {
  if (consent.revokedAt !== null) return 'revoked';
  return Date.parse(consent.validUntil) <= now ? 'expired' : 'active';
}

function consentNotFound(): NotFoundError {
  return new NotFoundError(ErrorCodes.consentNotFound, 'you have no consent with this id');
}

function requestNotFound(): NotFoundError {
  return new NotFoundError(
    ErrorCodes.consentRequestNotFound,
    'no consent request with this code for you: it may have expired, been approved already, or be meant for someone else',
  );
}
