import { Logger } from '@nestjs/common';
import { parseJsonMessage, type ParsedMessage } from '@motlan/events/message-validation.js';
import { ConsumerGroups, Topics } from '@motlan/events/topics.js';
import {
  KeyedRelay,
  RelayHeaders,
  RelayTransientError,
  type KeyedRelayOptions,
  type KeyedRelayStats,
  type RelayAnswer,
  type RelayOutcome,
  type RelayTarget,
} from '@motlan/event-log/keyed-relay.js';
import { EventLog, type ConsumedMessage } from '@motlan/event-log/event-log.port.js';
import { DossierStatusMessage, idempotencyKey } from './dossier-status.js';
import { PortalClient, PortalUnavailableError, type PortalDeliveryResult, type PortalDossierStatus } from './portal-client.port.js';
import { toPortalDate } from './portal-dates.js';
import type { SyncOutcome } from './sync-outcome.js';

/** The relay's delivery settings (deadline, attempts, backoffs); the portal worker names its own topics and groups. */
export type PortalSyncWorkerOptions = Pick<
  KeyedRelayOptions,
  'deliveryTimeoutMs' | 'inlineAttempts' | 'inlineBackoffMs' | 'maxAttempts' | 'retryBackoffMs' | 'outageBackoffMaxMs'
>;

/** Headers of a status waiting in the retry topic (the relay's). */
export const RetryHeaders = RelayHeaders;

/** delivered, duplicates, deadLettered, retried, and outageWaits: times a delivery waited because the portal was down. */
export type PortalSyncStats = KeyedRelayStats;

/**
 * Delivers dossier statuses from the sync log to the national portal through the keyed relay
 * (libs/event-log/keyed-relay.ts): in order per dossier, with the idempotency key
 * `<dossierId>#<sequence>` so a redelivery never creates a duplicate there; a portal outage waits
 * (lag grows, nothing dead-lettered); a delivery that keeps failing goes to the retry topic, later
 * statuses of the dossier behind it; refused, invalid or failed `maxAttempts` times: dead-letter
 * topic with the reason. Every final outcome is appended to the outcomes topic before the offset
 * is committed: the per-commune figures are built from it.
 */
export class PortalSyncWorker {
  private readonly logger = new Logger('PortalSync');
  private readonly relay: KeyedRelay<DossierStatusMessage, PortalDeliveryResult>;

  constructor(
    private readonly log: EventLog,
    portal: PortalClient,
    options: PortalSyncWorkerOptions,
  ) {
    this.relay = new KeyedRelay(
      log,
      new PortalTarget(log, portal, options),
      {
        ...options,
        destination: 'portal',
        topics: { main: Topics.dossierSync, retry: Topics.dossierSyncRetry, dlq: Topics.dossierSyncDlq },
        groups: { main: ConsumerGroups.portalSync, retry: ConsumerGroups.portalSyncRetry },
      },
      'PortalSync',
    );
  }

  get stats(): PortalSyncStats {
    return this.relay.stats;
  }

  async start(): Promise<void> {
    await this.log.ensureTopics([Topics.dossierSyncOutcomes], 3);
    await this.relay.start();
    this.logger.log('portal sync worker started');
  }

  async stop(): Promise<void> {
    await this.relay.stop();
  }
}

/** The national portal as the relay's destination; each settled status becomes an outcome record. */
class PortalTarget implements RelayTarget<DossierStatusMessage, PortalDeliveryResult> {
  constructor(
    private readonly log: EventLog,
    private readonly portal: PortalClient,
    private readonly options: PortalSyncWorkerOptions,
  ) {}

  parse(message: ConsumedMessage): ParsedMessage<DossierStatusMessage> {
    const parsed = parseJsonMessage(DossierStatusMessage, message.value);
    if (parsed.ok && message.key !== parsed.message.dossierId) return { ok: false, reason: 'message key differs from dossierId' };
    return parsed;
  }

  keyOf(status: DossierStatusMessage): string {
    return status.dossierId;
  }

  async deliver(status: DossierStatusMessage, timeoutMs: number): Promise<RelayAnswer<PortalDeliveryResult>> {
    let result: PortalDeliveryResult;
    try {
      result = await this.portal.deliver(toPortalStatus(status), idempotencyKey(status.dossierId, status.sequence), status.requestId, timeoutMs);
    } catch (error) {
      if (error instanceof PortalUnavailableError) throw new RelayTransientError(`${error.kind}: ${error.message}`);
      throw error;
    }
    if (result.result === 'rejected') return { result: 'rejected', reason: result.reason ?? 'no reason given' };
    return { result: result.result, ack: result };
  }

  async isDown(): Promise<boolean> {
    return (await this.portal.health(Math.min(2000, this.options.deliveryTimeoutMs))) !== 'SERVING';
  }

  async settled(status: DossierStatusMessage, outcome: RelayOutcome<PortalDeliveryResult>, message: ConsumedMessage): Promise<void> {
    const record: SyncOutcome = {
      dossierId: status.dossierId,
      sequence: status.sequence,
      communeCode: status.communeCode,
      provinceCode: status.provinceCode,
      outcome: outcome.outcome,
      at: new Date().toISOString(),
      acceptedAt: status.acceptedAt,
      ...(outcome.outcome === 'dead_lettered' ? { reason: outcome.reason.slice(0, 300) } : {}),
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
    ...(status.channel ? { channel: status.channel } : {}),
    ...(status.feesPaidOnline !== undefined ? { feesPaidOnline: status.feesPaidOnline } : {}),
    ...(status.resultForm ? { resultForm: status.resultForm } : {}),
    ...(status.reusedComponents?.length ? { reusedComponents: [...status.reusedComponents] } : {}),
  };
}
