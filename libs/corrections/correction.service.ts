import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { AuditRecord } from '@motlan/audit/audit-record.js';
import type { AuditSink } from '@motlan/audit/audit-sink.port.js';
import type { JsonValue } from '@motlan/contracts/struct-codec.js';
import {
  ConflictError,
  ErrorCodes,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  PreconditionFailedError,
  UnavailableError,
} from '@motlan/errors/domain-error.js';
import type { EventLog } from '@motlan/event-log/event-log.port.js';
import { subjectIdProblem } from '@motlan/identifiers/subject-id.js';
import type { PurposeCatalog } from '@motlan/procedure-catalog/purpose-catalog.js';
import type { DatasetDescriptor, DeliveryAckResult } from '@motlan/registry-client/registry-client.port.js';
import type { RelayOutcome } from '@motlan/event-log/keyed-relay.js';
import { KeyedStateLog, StateChangeUnconfirmedError } from '@motlan/registry-events/keyed-state-log.js';
import { encodeDelivery, type RegistryDeliveryMessage } from '@motlan/registry-events/registry-delivery.js';
import { CORRECTION_EVENT_TYPE, RegistryEventCodes, RegistryEventGroups, RegistryEventTopics } from '@motlan/registry-events/registry-event-topics.js';
import { NEXT_STATES, correctionRevision, parseCorrection, type Correction, type CorrectionState } from './correction.js';

/** What the corrections need of the registries (AdapterPool). */
export interface CorrectionRegistries {
  /** The dataset, or the error to answer (400 unknown registry or dataset, 503 not connected). */
  resolve(registry: string, dataset: string): DatasetDescriptor;
  /** Whether an adapter of the registry takes corrections of the dataset over Deliver. */
  accepts(registry: string, sourceRegistry: string, dataset: string, eventType: string): boolean;
}

export interface CorrectionFiling {
  registry: string;
  dataset: string;
  subjectId: string;
  field: string;
  valueSeen: JsonValue;
  valueProposed: JsonValue;
  evidenceRef: string;
  officerId: string;
  purpose: string;
}

/** Who calls: the client, its commune, and the registries whose corrections it reviews ('*' = all). */
export interface CorrectionActor {
  clientId: string;
  communeCode: string | null;
  requestId: string;
  reviews: ReadonlySet<string>;
}

export interface CorrectionDecision {
  state: Exclude<CorrectionState, 'open'>;
  reason?: string;
  recordVersion?: string;
}

/** Scopes of the corrections API. */
export const CorrectionScopes = {
  write: 'corrections:write',
  reviewPrefix: 'corrections:review:',
  admin: 'corrections:admin',
} as const;

/** The registries a client reviews the corrections of, from its scopes ('*' for corrections:admin). */
export function reviewedRegistries(scopes: ReadonlySet<string>): Set<string> {
  const registries = new Set<string>();
  for (const scope of scopes) {
    if (scope === CorrectionScopes.admin) registries.add('*');
    else if (scope.startsWith(CorrectionScopes.reviewPrefix)) registries.add(scope.slice(CorrectionScopes.reviewPrefix.length));
  }
  return registries;
}

/**
 * Corrections back to the source registry. A clerk files one (the value seen, the value proposed,
 * the evidence, under a procedure that reads that field); it goes to the registry over its adapter
 * when the adapter takes corrections (Describe `accepts`), through the registry-event relay with
 * its guarantees, and otherwise waits in the operator queue of the API. Its life cycle is stored on
 * a compacted topic every instance follows; the filing commune follows it, the registry's
 * operators decide it, and every step is written to the audit trail as an access to the citizen's
 * data (`via: correction`), so the citizen sees it in their access log.
 */
export class CorrectionService {
  private readonly logger = new Logger('Corrections');
  readonly store: KeyedStateLog<Correction>;

  constructor(
    private readonly log: EventLog,
    private readonly registries: CorrectionRegistries,
    private readonly purposes: PurposeCatalog,
    private readonly audit: AuditSink,
    applyTimeoutMs = 10_000,
  ) {
    this.store = new KeyedStateLog<Correction>(log, {
      topic: RegistryEventTopics.corrections,
      readerGroup: RegistryEventGroups.correctionsReader,
      applyTimeoutMs,
      parse: parseCorrection,
    });
  }

  start(): Promise<void> {
    return this.store.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.store.stop();
  }

  async file(filing: CorrectionFiling, actor: CorrectionActor): Promise<Correction> {
    const descriptor = this.registries.resolve(filing.registry, filing.dataset);
    const problem = subjectIdProblem(descriptor.subjectKey.name, descriptor.subjectKey.pattern, filing.subjectId);
    if (problem)
      throw new InvalidRequestError(ErrorCodes.invalidSubjectId, `invalid ${descriptor.name} id: ${problem}`, [{ name: 'subjectId', reason: problem }]);
    if (!descriptor.fieldNames.has(filing.field)) {
      throw new InvalidRequestError(ErrorCodes.unknownField, `dataset ${filing.registry}/${filing.dataset} has no field "${filing.field}"`, [
        { name: 'field', reason: 'not a field of the dataset' },
      ]);
    }
    const procedure = this.purposes.procedure(filing.purpose);
    if (!procedure)
      throw new InvalidRequestError(ErrorCodes.invalidPurpose, `unknown procedure ${filing.purpose}`, [{ name: 'purpose', reason: 'unknown procedure' }]);
    const grant = procedure.grant(filing.registry, filing.dataset);
    // A clerk corrects what the procedure let them see: nothing else.
    if (!grant?.fields.has(filing.field)) {
      throw new ForbiddenError(
        ErrorCodes.purposeNotAllowed,
        `procedure ${procedure.code} does not read ${filing.registry}/${filing.dataset} field ${filing.field}`,
      );
    }
    if (JSON.stringify(filing.valueSeen) === JSON.stringify(filing.valueProposed)) {
      throw new InvalidRequestError(ErrorCodes.validation, 'valueProposed equals valueSeen: nothing to correct', [
        { name: 'valueProposed', reason: 'equals valueSeen' },
      ]);
    }
    const now = new Date().toISOString();
    const route = this.registries.accepts(filing.registry, filing.registry, filing.dataset, CORRECTION_EVENT_TYPE) ? 'adapter' : 'operator_queue';
    const correction: Correction = {
      id: randomUUID(),
      ...filing,
      filedBy: actor.clientId,
      communeCode: actor.communeCode,
      route,
      delivery: route === 'adapter' ? 'queued' : null,
      state: 'open',
      reason: null,
      recordVersion: null,
      filedAt: now,
      updatedAt: now,
      history: [{ state: 'open', at: now, by: actor.clientId }],
    };
    // The citizen's trail first: nothing is filed about a person unrecorded.
    await this.record(correction, actor.clientId, actor.communeCode, actor.requestId, 201);
    await this.write(correction);
    if (route === 'adapter') {
      try {
        await this.log.append(RegistryEventTopics.deliveries, [encodeDelivery(this.deliveryOf(correction, grant.legalBasis ?? '', actor.requestId))]);
      } catch {
        // Filed and kept; its delivery could not be queued: the registry's operators see it in the queue.
        const queued: Correction = { ...correction, route: 'operator_queue', delivery: null };
        await this.write(queued);
        return queued;
      }
    }
    return correction;
  }

  /** One correction, for whoever may follow it (the filing client or commune, the registry's reviewers); 404 for anyone else. */
  find(id: string, actor: CorrectionActor): Correction {
    const correction = this.store.get(id);
    if (!correction || !this.mayFollow(correction, actor))
      throw new NotFoundError(RegistryEventCodes.correctionNotFound, 'no correction with that id for this client');
    return correction;
  }

  /** The queue of one registry: corrections still to decide or apply (or of one state), oldest first. */
  queue(registry: string, actor: CorrectionActor, state?: CorrectionState): Correction[] {
    if (!actor.reviews.has('*') && !actor.reviews.has(registry)) {
      throw new ForbiddenError(ErrorCodes.missingScope, `this client does not review the corrections of registry ${registry}`, {
        requiredScope: `${CorrectionScopes.reviewPrefix}${registry}`,
      });
    }
    return this.store
      .list()
      .filter((c) => c.registry === registry && (state ? c.state === state : c.state === 'open' || c.state === 'accepted'))
      .sort((a, b) => a.filedAt.localeCompare(b.filedAt) || a.id.localeCompare(b.id));
  }

  /** A registry operator's decision; 409 correction_state_conflict for a move its state does not allow. */
  /**
   * `expectedRevision` (If-Match): the revision the operator decided on. Another operator's decision,
   * or the registry's own answer over its adapter, moves the revision, so a decision taken on what
   * is no longer there is refused (412) instead of silently overriding or failing on the state.
   */
  async decide(id: string, decision: CorrectionDecision, actor: CorrectionActor, expectedRevision?: number): Promise<Correction> {
    const current = this.store.get(id);
    if (!current || !(actor.reviews.has('*') || actor.reviews.has(current.registry))) {
      throw new NotFoundError(RegistryEventCodes.correctionNotFound, 'no correction with that id among those this client reviews');
    }
    const revision = correctionRevision(current);
    if (expectedRevision !== undefined && expectedRevision !== revision) {
      throw new PreconditionFailedError(`the correction is at revision ${revision}, not ${expectedRevision}: read it again before deciding`, {
        currentRevision: revision,
        state: current.state,
      });
    }
    const next = this.advance(current, decision, actor.clientId);
    await this.record(next, actor.clientId, null, actor.requestId, 200);
    await this.write(next);
    return next;
  }

  /** The relay settled a correction's delivery (worker): the registry's answer moves its life cycle. */
  async onDelivery(delivery: RegistryDeliveryMessage, outcome: RelayOutcome<DeliveryAckResult>): Promise<void> {
    if (delivery.kind !== 'correction') return;
    const current = this.store.get(delivery.referenceId);
    if (!current || current.state === 'applied' || current.state === 'rejected') return;
    const by = `registry:${current.registry}`;
    let next: Correction;
    if (outcome.outcome === 'dead_lettered') {
      // Refused by the registry: rejected with its reason. Failed for another cause: left open, visible in the queue, replayable.
      next =
        outcome.refusal !== undefined
          ? this.advance(current, { state: 'rejected', reason: outcome.refusal }, by)
          : { ...current, delivery: 'failed', updatedAt: new Date().toISOString() };
    } else if (
      outcome.ack.status === 'applied' ||
      (outcome.ack.status === 'duplicate' && outcome.ack.recordVersion !== '0' && outcome.ack.recordVersion !== '')
    ) {
      next = this.advance({ ...current, delivery: 'delivered' }, { state: 'applied', recordVersion: outcome.ack.recordVersion }, by);
    } else {
      next = { ...current, delivery: 'delivered', updatedAt: new Date().toISOString() };
    }
    if (next.state !== current.state) await this.record(next, by, null, delivery.requestId, 200);
    await this.store.put(next.id, next);
  }

  private advance(current: Correction, decision: CorrectionDecision, by: string): Correction {
    if (!NEXT_STATES[current.state].includes(decision.state)) {
      throw new ConflictError(RegistryEventCodes.correctionStateConflict, `a correction that is ${current.state} cannot become ${decision.state}`, {
        state: current.state,
      });
    }
    const at = new Date().toISOString();
    const steps = [
      ...(decision.state === 'applied' && current.state === 'open' ? [{ state: 'accepted' as const, at, by }] : []),
      {
        state: decision.state,
        at,
        by,
        ...(decision.reason ? { reason: decision.reason } : {}),
        ...(decision.recordVersion ? { recordVersion: decision.recordVersion } : {}),
      },
    ];
    return {
      ...current,
      state: decision.state,
      reason: decision.reason ?? current.reason,
      recordVersion: decision.recordVersion ?? current.recordVersion,
      updatedAt: at,
      history: [...current.history, ...steps],
    };
  }

  private mayFollow(correction: Correction, actor: CorrectionActor): boolean {
    if (correction.filedBy === actor.clientId) return true;
    if (correction.communeCode !== null && correction.communeCode === actor.communeCode) return true;
    return actor.reviews.has('*') || actor.reviews.has(correction.registry);
  }

  private deliveryOf(correction: Correction, legalBasis: string, requestId: string): RegistryDeliveryMessage {
    return {
      kind: 'correction',
      target: correction.registry,
      idempotencyKey: `correction#${correction.id}`,
      eventType: CORRECTION_EVENT_TYPE,
      sourceRegistry: correction.registry,
      dataset: correction.dataset,
      subjectId: correction.subjectId,
      sourceVersion: '0',
      occurredAt: correction.filedAt,
      referenceId: correction.id,
      procedure: correction.purpose,
      legalBasis,
      correction: {
        field: correction.field,
        valueSeenJson: JSON.stringify(correction.valueSeen),
        valueProposedJson: JSON.stringify(correction.valueProposed),
        evidenceRef: correction.evidenceRef,
        officerId: correction.officerId,
        communeCode: correction.communeCode ?? '',
      },
      requestId,
    };
  }

  private async write(correction: Correction): Promise<void> {
    try {
      await this.store.put(correction.id, correction);
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, 'correction not stored');
      if (error instanceof StateChangeUnconfirmedError) {
        throw new UnavailableError(
          RegistryEventCodes.storeUnavailable,
          `correction ${correction.id} was written but not confirmed in time; read it again later`,
          5,
          {
            correctionId: correction.id,
          },
        );
      }
      throw new UnavailableError(RegistryEventCodes.storeUnavailable, 'the correction could not be stored now; try again', 5);
    }
  }

  /** One entry of the audit trail per step, about the citizen: what the citizen's access log shows. */
  private async record(correction: Correction, clientId: string, communeCode: string | null, requestId: string, status: number): Promise<void> {
    const record: AuditRecord = {
      type: 'access',
      time: new Date().toISOString(),
      requestId,
      clientId,
      clientCommune: communeCode,
      officerId: correction.state === 'open' ? correction.officerId : null,
      purpose: correction.purpose,
      dossierId: null,
      registry: correction.registry,
      dataset: correction.dataset,
      subjectId: correction.subjectId,
      fields: [correction.field],
      outcome: 'answered',
      status,
      via: 'correction',
      correctionId: correction.id,
      correctionState: correction.state,
      correctionCommune: correction.communeCode,
    };
    try {
      await this.audit.append(record);
    } catch {
      throw new UnavailableError(ErrorCodes.auditUnavailable, 'the audit trail cannot be written now; nothing was changed, try again', 5);
    }
  }
}
