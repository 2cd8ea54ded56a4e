import { Logger } from '@nestjs/common';
import { parseJsonMessage } from '@motlan/events/message-validation.js';
import { ConsumerGroups, DlqHeaders, Topics } from '@motlan/events/topics.js';
import { deadLetterOf } from '@motlan/event-log/dead-letter.js';
import { EventLog, type ConsumeContext, type ConsumedMessage, type RunningConsumer } from '@motlan/event-log/event-log.port.js';
import { DossierStatusMessage, idempotencyKey } from './dossier-status.js';
import { PortalClient, PortalUnavailableError, type PortalDeliveryResult, type PortalDossierStatus } from './portal-client.port.js';
import { toPortalDate } from './portal-dates.js';
import type { SyncOutcome } from './sync-outcome.js';

export interface PortalSyncWorkerOptions {
  /** Deadline of one delivery call. */
  deliveryTimeoutMs: number;
  /** Attempts in place (short backoff) before a transient failure goes to the retry topic. */
  inlineAttempts: number;
  inlineBackoffMs: number;
  /** Attempts in all (in place ones included) before a status goes to the dead-letter topic. */
  maxAttempts: number;
  /** Base of the exponential backoff between attempts from the retry topic. */
  retryBackoffMs: number;
  /** Longest pause between two checks while the portal is down. */
  outageBackoffMaxMs: number;
}

export const RetryHeaders = {
  attempts: 'motlan-attempts',
  notBefore: 'motlan-not-before',
  lastError: 'motlan-last-error',
} as const;

export interface PortalSyncStats {
  delivered: number;
  duplicates: number;
  deadLettered: number;
  retried: number;
  /** Times a delivery waited because the portal was down (the partition waits; lag grows). */
  outageWaits: number;
}

type Delivery = { done: true; result: PortalDeliveryResult } | { done: false; error: string };

/**
 * Delivers dossier statuses from the sync log to the national portal, in order per dossier (one
 * key's messages are on one partition and handled one at a time), with an idempotency key so a
 * redelivery never creates a duplicate there.
 *
 * - The portal is down (it fails and its health check does not say SERVING): the partition waits
 *   and asks again with backoff, committing nothing, so lag grows and the lag monitor sees it;
 *   nothing is dead-lettered because of an outage.
 * - The portal is up but this delivery fails: a few attempts in place, then the status moves to
 *   the retry topic with a not-before time (exponential backoff); later statuses of the same
 *   dossier follow it there, so they do not overtake it (within this worker instance).
 * - The portal refuses it (REJECTED), the message is invalid, or it failed `maxAttempts` times:
 *   dead-letter topic with the reason in a header; `replayDeadLetters` sends them back later.
 * Every final outcome is appended to the outcomes topic before the offset is committed: the
 * per-commune figures are built from it.
 */
export class PortalSyncWorker {
  private readonly logger = new Logger('PortalSync');
  private readonly consumers: RunningConsumer[] = [];
  /** Dossiers with statuses waiting in the retry topic → how many. */
  private readonly parked = new Map<string, number>();
  readonly stats: PortalSyncStats = { delivered: 0, duplicates: 0, deadLettered: 0, retried: 0, outageWaits: 0 };

  constructor(
    private readonly log: EventLog,
    private readonly portal: PortalClient,
    private readonly options: PortalSyncWorkerOptions,
  ) {}

  async start(): Promise<void> {
    await this.log.ensureTopics([Topics.dossierSync, Topics.dossierSyncRetry, Topics.dossierSyncDlq, Topics.dossierSyncOutcomes], 3);
    this.consumers.push(
      await this.log.consume({ group: ConsumerGroups.portalSync, topics: [Topics.dossierSync], fromBeginning: true }, (message, context) =>
        this.handleNew(message, context),
      ),
      await this.log.consume({ group: ConsumerGroups.portalSyncRetry, topics: [Topics.dossierSyncRetry], fromBeginning: true }, (message, context) =>
        this.handleRetry(message, context),
      ),
    );
    this.logger.log('portal sync worker started');
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((c) => c.stop()));
  }

  private async handleNew(message: ConsumedMessage, context: ConsumeContext): Promise<void> {
    const parsed = parseJsonMessage(DossierStatusMessage, message.value);
    if (!parsed.ok) return this.deadLetter(message, parsed.reason, 0, undefined);
    const status = parsed.message;
    if (message.key !== status.dossierId) return this.deadLetter(message, 'message key differs from dossierId', 0, status);
    if (this.parked.has(status.dossierId)) {
      // An earlier status of this dossier waits in the retry topic: queue behind it to keep the order.
      await this.park(message, status, 0, 'an earlier status of this dossier is waiting for a retry', Date.now());
      return;
    }
    await this.attempt(message, status, 0, context);
  }

  private async handleRetry(message: ConsumedMessage, context: ConsumeContext): Promise<void> {
    const parsed = parseJsonMessage(DossierStatusMessage, message.value);
    const attempts = Number(message.headers?.[RetryHeaders.attempts] ?? '0') || 0;
    if (!parsed.ok) return this.deadLetter(message, parsed.reason, attempts, undefined);
    const notBefore = Number(message.headers?.[RetryHeaders.notBefore] ?? '0') || 0;
    while (Date.now() < notBefore) {
      if (context.stopping) throw new Error('stopping');
      await sleep(Math.min(500, notBefore - Date.now()));
      await context.heartbeat();
    }
    try {
      await this.attempt(message, parsed.message, attempts, context);
    } finally {
      this.unpark(parsed.message.dossierId);
    }
  }

  /** Delivers with attempts in place; parks on persistent transient failure; waits out outages. */
  private async attempt(message: ConsumedMessage, status: DossierStatusMessage, previousAttempts: number, context: ConsumeContext): Promise<void> {
    let attempts = previousAttempts;
    let lastError = '';
    for (let inline = 0; inline < this.options.inlineAttempts;) {
      const delivery = await this.deliverOnce(status);
      if (delivery.done) return this.finish(message, status, delivery.result, attempts + 1);
      lastError = delivery.error;
      if (await this.portalIsDown()) {
        // An outage is not this status's fault: wait without spending its attempts.
        await this.waitOutage(context, inline);
        continue;
      }
      attempts++;
      inline++;
      if (attempts >= this.options.maxAttempts) return this.deadLetter(message, `portal failed ${attempts} times: ${lastError}`, attempts, status);
      if (inline < this.options.inlineAttempts) await sleep(this.options.inlineBackoffMs * inline);
      if (context.stopping) throw new Error('stopping');
    }
    const delayMs = this.options.retryBackoffMs * 2 ** Math.max(0, attempts - this.options.inlineAttempts);
    await this.park(message, status, attempts, lastError, Date.now() + delayMs);
  }

  private async deliverOnce(status: DossierStatusMessage): Promise<Delivery> {
    try {
      const result = await this.portal.deliver(
        toPortalStatus(status),
        idempotencyKey(status.dossierId, status.sequence),
        status.requestId,
        this.options.deliveryTimeoutMs,
      );
      return { done: true, result };
    } catch (error) {
      if (error instanceof PortalUnavailableError) return { done: false, error: `${error.kind}: ${error.message}` };
      return { done: false, error: `internal: ${(error as Error).message}` };
    }
  }

  private async portalIsDown(): Promise<boolean> {
    return (await this.portal.health(Math.min(2000, this.options.deliveryTimeoutMs))) !== 'SERVING';
  }

  private async waitOutage(context: ConsumeContext, round: number): Promise<void> {
    this.stats.outageWaits++;
    if (this.stats.outageWaits % 20 === 1) this.logger.warn('national portal is down: dossier sync waits (lag grows until it is back)');
    const pause = Math.min(this.options.outageBackoffMaxMs, 250 * 2 ** Math.min(round, 5));
    for (let waited = 0; waited < pause; waited += 250) {
      if (context.stopping) throw new Error('stopping');
      await sleep(250);
      await context.heartbeat();
    }
  }

  private async finish(message: ConsumedMessage, status: DossierStatusMessage, result: PortalDeliveryResult, attempts: number): Promise<void> {
    if (result.result === 'rejected') return this.deadLetter(message, `portal rejected it: ${result.reason}`, attempts, status);
    await this.recordOutcome(status, result.result === 'accepted' ? 'delivered' : 'duplicate', message);
    if (result.result === 'accepted') this.stats.delivered++;
    else this.stats.duplicates++;
  }

  private async park(message: ConsumedMessage, status: DossierStatusMessage, attempts: number, lastError: string, notBefore: number): Promise<void> {
    await this.log.append(Topics.dossierSyncRetry, [
      {
        key: status.dossierId,
        value: message.value,
        headers: {
          ...(message.headers ?? {}),
          [RetryHeaders.attempts]: String(attempts),
          [RetryHeaders.notBefore]: String(notBefore),
          [RetryHeaders.lastError]: lastError.slice(0, 300),
        },
      },
    ]);
    this.parked.set(status.dossierId, (this.parked.get(status.dossierId) ?? 0) + 1);
    this.stats.retried++;
  }

  private unpark(dossierId: string): void {
    const left = (this.parked.get(dossierId) ?? 1) - 1;
    if (left > 0) this.parked.set(dossierId, left);
    else this.parked.delete(dossierId);
  }

  private async deadLetter(message: ConsumedMessage, reason: string, attempts: number, status: DossierStatusMessage | undefined): Promise<void> {
    await this.log.append(Topics.dossierSyncDlq, [
      deadLetterOf(message, reason, {
        [DlqHeaders.attempts]: String(attempts),
        ...(message.headers?.['x-request-id'] ? { 'x-request-id': message.headers['x-request-id'] } : {}),
      }),
    ]);
    if (status) await this.recordOutcome(status, 'dead_lettered', message, reason);
    this.stats.deadLettered++;
    this.logger.warn({ dossier: status?.dossierId, reason }, 'dossier status dead-lettered');
  }

  private async recordOutcome(status: DossierStatusMessage, outcome: SyncOutcome['outcome'], message: ConsumedMessage, reason?: string): Promise<void> {
    const record: SyncOutcome = {
      dossierId: status.dossierId,
      sequence: status.sequence,
      communeCode: status.communeCode,
      provinceCode: status.provinceCode,
      outcome,
      at: new Date().toISOString(),
      acceptedAt: status.acceptedAt,
      ...(reason ? { reason: reason.slice(0, 300) } : {}),
    };
    await this.log.append(Topics.dossierSyncOutcomes, [
      {
        key: status.dossierId,
        value: JSON.stringify(record),
        headers: message.headers?.['x-request-id'] ? { 'x-request-id': message.headers['x-request-id'] } : {},
      },
    ]);
  }
}

/** The portal's form of a status: its date format and time zone, empty strings for absent fields. */
export function toPortalStatus(status: DossierStatusMessage): PortalDossierStatus {
  return {
    dossierId: status.dossierId,
    procedureCode: status.procedureCode,
    communeCode: status.communeCode,
    provinceCode: status.provinceCode,
    status: status.status,
    subjectType: status.subjectType,
    receivedAt: toPortalDate(status.receivedAt),
    dueAt: status.dueAt ? toPortalDate(status.dueAt) : '',
    updatedAt: toPortalDate(status.acceptedAt),
    sequence: status.sequence,
    resultDocuments: (status.resultDocuments ?? []).map((d) => ({ code: d.code, name: d.name, url: d.url ?? '' })),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
