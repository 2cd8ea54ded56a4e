import { Logger } from '@nestjs/common';
import type { CitizenActionAuditRecord } from '@motlan/audit/audit-record.js';
import { citizenActionRecord } from '@motlan/audit/citizen-action-record.js';
import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import { withConsentStore } from '@motlan/consent/consent-checker.js';
import { ConsentStore } from '@motlan/consent/consent-store.port.js';
import { ConsentRequestSigner, sameRequest } from '@motlan/consent/consent-request-signer.js';
import {
  consentFromRequest,
  newConsentId,
  newConsentRequestId,
  newRequestCode,
  type Consent,
  type ConsentDataset,
  type ConsentRequest,
} from '@motlan/consent/consent.js';
import { ConflictError, ErrorCodes, ForbiddenError, InvalidRequestError, NotFoundError, type InvalidParam } from '@motlan/errors/domain-error.js';
import { parseCccd } from '@motlan/identifiers/subject-id.js';
import { PurposeCatalog } from '@motlan/procedure-catalog/purpose-catalog.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import type { AuthenticatedClient } from '../auth/authenticated-client.js';
import type {
  ConsentDto,
  ConsentRequestDto,
  ConsentRequestStatusDto,
  CreateConsentDto,
  CreateConsentRequestDto,
  CreatedConsentRequestDto,
} from './consent.dto.js';

const DAY_MS = 86_400_000;
/** Consents in force per citizen: enough for every procedure at once, and a bound on what one token can store. */
export const MAX_ACTIVE_CONSENTS_PER_CITIZEN = 100;

/** Why a signed counter request is refused (problem `consent_request_invalid`, member `reason`). */
export type ConsentRequestInvalidReason = 'tampered' | 'expired' | 'other_subject' | 'mismatch';

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
    private readonly signer: ConsentRequestSigner,
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

  /**
   * A counter request of a commune-bound client, pending until its subject approves it or it
   * expires: answered with its short code and its signed form (signed before it is stored, so no
   * request is pending without one).
   */
  async ask(client: AuthenticatedClient, body: CreateConsentRequestDto, requestId: string): Promise<CreatedConsentRequestDto> {
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
      id: newConsentRequestId(),
      code: newRequestCode(),
      subjectId: body.subjectId,
      ...scope,
      clientId: client.clientId,
      officerId: body.officerId ?? null,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.settings.requestTtlSec * 1000).toISOString(),
    };
    const signedRequest = await this.signer.sign(request);
    await this.call(() => this.store.addRequest(request));
    await this.record(requestId, 'consent_request', request.code, request.subjectId, request, client.clientId);
    return { ...this.requestView(request), signedRequest, signedLink: `${this.settings.linkBase}${request.code}#request=${signedRequest}` };
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

  /** What the signed request asks the citizen to approve, once its signature and content are checked. */
  async showSigned(subjectId: string, signedRequest: string): Promise<ConsentRequestDto> {
    return this.requestView(await this.signedPendingRequest(subjectId, signedRequest));
  }

  /** Approves the request: it is used up, and the consent it names is created for this citizen. */
  async approve(subjectId: string, code: string, requestId: string): Promise<ConsentDto> {
    return this.approvePending(subjectId, await this.pendingRequest(subjectId, code), requestId);
  }

  /** Approves the request its signed form names, once that is checked: the same single use as by code. */
  async approveSigned(subjectId: string, signedRequest: string, requestId: string): Promise<ConsentDto> {
    return this.approvePending(subjectId, await this.signedPendingRequest(subjectId, signedRequest), requestId);
  }

  private async approvePending(subjectId: string, request: ConsentRequest, requestId: string): Promise<ConsentDto> {
    const consent = consentFromRequest(request, newConsentId(), this.now());
    if (!(await this.call(() => this.store.approveRequest(request.code, consent)))) throw requestNotFound();
    await this.record(requestId, 'consent_approve', request.code, subjectId, consent, null, consent.id);
    return this.view(consent);
  }

  private async pendingRequest(subjectId: string, code: string): Promise<ConsentRequest> {
    const request = await this.call(() => this.store.getRequest(code));
    // Another citizen's request reads as none: a code opens nothing to anyone else, not even its existence.
    if (!request || request.subjectId !== subjectId) throw requestNotFound();
    return request;
  }

  /**
   * The pending request a signed request names. In this order: the signature (a gateway's own, of
   * a consent request: else `tampered`), its expiry (`expired`), its citizen (`other_subject`: the
   * token names them, so saying so reveals nothing), then the store: used, expired there or unknown
   * is 404 as for a code, and a stored request that differs from what was signed is `mismatch`.
   */
  private async signedPendingRequest(subjectId: string, signedRequest: string): Promise<ConsentRequest> {
    const check = await this.signer.verify(signedRequest);
    if (!check.valid) throw requestInvalid(check.reason, check.detail);
    if (check.request.subjectId !== subjectId) throw requestInvalid('other_subject', 'this request asks another citizen for their consent');
    const stored = await this.call(() => this.store.getRequest(check.request.code));
    // Another request under the same code (the signed one's was used or expired, and the code drawn again) is not this one.
    if (!stored || stored.id !== check.request.id) throw requestNotFound();
    if (!sameRequest(check.request, stored)) throw requestInvalid('mismatch', 'the signed request does not say what the gateway holds for it');
    return stored;
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

  /** What the request asks, with the names a citizen reads (the commune's, the procedure's) beside the codes. */
  private requestView(request: ConsentRequest): ConsentRequestDto {
    const { subjectId: _subjectId, createdAt: _createdAt, ...rest } = request;
    return {
      ...rest,
      datasets: request.datasets.map((d) => ({ ...d })),
      link: `${this.settings.linkBase}${request.code}`,
      communeName: this.directory.commune(request.communeCode)?.name ?? null,
      procedureName: request.procedure === null ? null : (this.purposes.procedure(request.procedure)?.name ?? null),
    };
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

function requestInvalid(reason: ConsentRequestInvalidReason, detail: string): ForbiddenError {
  return new ForbiddenError(ErrorCodes.consentRequestInvalid, `the signed consent request cannot be used: ${detail}`, { reason });
}

function requestNotFound(): NotFoundError {
  return new NotFoundError(
    ErrorCodes.consentRequestNotFound,
    'no consent request with this code for you: it may have expired, been approved already, or be meant for someone else',
  );
}
