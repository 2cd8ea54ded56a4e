/**
 * Commune traffic for the gateway's dossier sync and service indicators, so a demo shows statuses
 * moving and every service colour: dossiers of communes of every province (service-variation.ts:
 * each province with its own online share, electronic results, online payment, late and overdue
 * dossiers, reused data, and some communes that go silent), each walked through its statuses
 * (received, in process, sometimes supplement requested, processed, result returned) with an
 * increasing per-dossier sequence, sent as `PUT {gatewayUrl}/v1/dossiers/{dossierId}/status` like a
 * commune one-stop system would. Off unless configured; what was sent and answered is in
 * `GET /sim/traffic`.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Commune } from '@motlan/vn-admin/vn-admin.model.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { InvalidRequestError } from '../registries/sim-errors.js';
import { dossierId, dueDate, isoVn, PROCEDURES, receivedPastDue, statusWalk, DossierStatus, type Procedure } from './dossier-walk.js';
import {
  planDossier,
  reportingCommunes,
  validateVariation,
  withDefaults,
  type DossierPlan,
  type ReportingCommune,
  type TrafficVariation,
} from './service-variation.js';

export interface DossierTrafficOptions {
  /** Base URL of the gateway, e.g. http://127.0.0.1:3000. */
  gatewayUrl: string;
  /** Bearer token the commune systems' requests carry. */
  token: string;
  /** New dossiers per second (0 = none until setRate). Each then sends 4 to 6 statuses, one step apart. */
  perSecond: number;
  /**
   * How many communes the dossiers come from, spread over the provinces; absent: the variation's
   * `communesPerProvince` of every province (3 × 34 by default).
   */
  communes?: number;
  /** Mean pause between two statuses of one dossier, in ms (default 2000); tests make it short. */
  stepMs?: number;
  /** How provinces and communes differ (service-variation.ts); absent fields take VARIATION_DEFAULTS. */
  variation?: Partial<TrafficVariation>;
}

export interface DossierTrafficStats {
  gatewayUrl: string;
  perSecond: number;
  /** Codes of the communes the dossiers come from. */
  communes: string[];
  /** Provinces those communes are in. */
  provinces: number;
  /** Communes that stopped sending (their province's silent share, after `silentAfterMs`). */
  silentCommunes: string[];
  dossiers: {
    started: number;
    /** Reached status 10. */
    completed: number;
    /** Left open past their due date on purpose (the overdue share): they send no more. */
    stalled: number;
    /** Still open when their commune went silent. */
    silenced: number;
    /** Given up: refused by the gateway (4xx) or failed MAX_ATTEMPTS times in a row. */
    abandoned: number;
    /** Still walking through their statuses. */
    active: number;
  };
  /** Status requests sent (retries included). */
  sent: number;
  /** Answered 202 Accepted. */
  accepted: number;
  /** Answered anything else, or no answer. */
  failed: number;
  /**
   * Requests aborted by stop() before their answer came: not counted in `sent`, but the gateway
   * may have received (and accepted) them all the same.
   */
  withdrawn: number;
  /** Failures by HTTP status code, or "network" when the gateway could not be reached or did not answer in time. */
  failedByStatus: Record<string, number>;
}

/** Highest rate accepted: each dossier sends about five requests, and the simulator is not a load generator. */
export const MAX_DOSSIERS_PER_SECOND = 100;
const DEFAULT_STEP_MS = 2000;
const MAX_STEP_MS = 600_000;
/** Dossiers walking at once; beyond it (a gateway that is down for long) no new dossier starts. */
const MAX_ACTIVE = 2000;
/** Attempts at one status before the dossier is given up. */
export const MAX_ATTEMPTS = 3;
const REQUEST_TIMEOUT_MS = 5000;
const TICK_MS = 50;
/** Share of dossiers whose commune asks the citizen for more documents (status 5) on the way. */
const SUPPLEMENT_RATE = 0.15;

interface Dossier {
  id: string;
  procedure: Procedure;
  commune: Commune;
  plan: DossierPlan;
  receivedAt: Date;
  dueAt: Date;
  walk: number[];
  /** Index in `walk` of the status to send next; its sequence is index + 1. */
  next: number;
  attempts: number;
  nextAt: number;
  inFlight: boolean;
}

/**
 * Validates traffic options from JSON or code.
 * @throws InvalidRequestError naming the offending field
 */
export function validateDossierTraffic(value: unknown, where = 'dossierTraffic'): DossierTrafficOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidRequestError(`${where} must be an object`);
  const { gatewayUrl, token, perSecond, communes, stepMs, variation } = value as Record<string, unknown>;
  if (typeof gatewayUrl !== 'string' || !isHttpUrl(gatewayUrl)) throw new InvalidRequestError(`${where}.gatewayUrl must be an http(s) URL`);
  if (typeof token !== 'string' || token.trim() === '') throw new InvalidRequestError(`${where}.token is required`);
  const options: DossierTrafficOptions = { gatewayUrl: gatewayUrl.replace(/\/+$/, ''), token, perSecond: rate(perSecond, `${where}.perSecond`) };
  if (communes !== undefined) {
    if (typeof communes !== 'number' || !Number.isInteger(communes) || communes < 1) {
      throw new InvalidRequestError(`${where}.communes must be a positive integer`);
    }
    options.communes = communes;
  }
  if (stepMs !== undefined) {
    if (typeof stepMs !== 'number' || !Number.isInteger(stepMs) || stepMs < 1 || stepMs > MAX_STEP_MS) {
      throw new InvalidRequestError(`${where}.stepMs must be an integer from 1 to ${MAX_STEP_MS}`);
    }
    options.stepMs = stepMs;
  }
  if (variation !== undefined) options.variation = validateVariation(variation, `${where}.variation`);
  return options;
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

function rate(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_DOSSIERS_PER_SECOND) {
    throw new InvalidRequestError(`${name} must be a number from 0 to ${MAX_DOSSIERS_PER_SECOND}`);
  }
  return value;
}

export class DossierTraffic {
  private readonly options: Required<Omit<DossierTrafficOptions, 'communes' | 'variation'>>;
  private readonly variation: TrafficVariation;
  private readonly communes: readonly ReportingCommune[];
  /** Communes still sending: silent ones leave it when they fall silent. */
  private sending: readonly ReportingCommune[];
  /** Next commune in `sending` to start a dossier: in turn, so every commune reports once per round. */
  private turn = 0;
  private silenceAt = 0;
  private readonly silent = new Set<string>();
  private readonly random: () => number;
  /** Receiving unit in this run's dossier ids, drawn at random so a restarted simulator seldom repeats an id sent earlier that day. */
  private readonly unit: number;
  private readonly active = new Map<string, Dossier>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  /** Failure kinds already logged, so a gateway that is down fills no log. */
  private readonly warned = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private perSecond: number;
  /** Dossiers owed by the rate and not started yet (fractions carry over between ticks). */
  private budget = 0;
  private lastTick = 0;
  /** Number in the dossier ids, run-wide (not per day: late dossiers carry past dates, and ids must not repeat). */
  private number = 0;
  private counts = { started: 0, completed: 0, stalled: 0, silenced: 0, abandoned: 0, sent: 0, accepted: 0, failed: 0, withdrawn: 0 };
  private failedByStatus: Record<string, number> = {};

  constructor(
    options: DossierTrafficOptions,
    directory: VnAdminDirectory,
    seed: number,
    private readonly logger: Logger,
    /** Randomness of the dossiers themselves (procedure, commune, plan, pauses); the communes and province profiles come from `seed`. */
    random: () => number = Math.random,
  ) {
    const valid = validateDossierTraffic(options);
    const { communes, variation, ...rest } = valid;
    this.options = { stepMs: DEFAULT_STEP_MS, ...rest };
    this.variation = withDefaults(variation);
    this.perSecond = valid.perSecond;
    this.random = random;
    this.communes = reportingCommunes(directory, seed, this.variation, communes);
    this.sending = this.communes;
    this.unit = 1 + Math.floor(random() * 99);
  }

  /** Starts sending (nothing is sent while the rate is 0 and no dossier is active). */
  start(): void {
    if (this.timer || this.abort.signal.aborted) return;
    this.lastTick = Date.now();
    this.silenceAt = this.lastTick + this.variation.silentAfterMs;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    this.logger.info(
      {
        gatewayUrl: this.options.gatewayUrl,
        perSecond: this.perSecond,
        communes: this.communes.length,
        goingSilent: this.communes.filter((c) => c.goesSilent).length,
      },
      'dossier traffic started',
    );
  }

  get rate(): number {
    return this.perSecond;
  }

  /** Changes the number of new dossiers per second; dossiers under way go on. @throws InvalidRequestError */
  setRate(perSecond: unknown): number {
    this.perSecond = rate(perSecond, 'perSecond');
    this.budget = 0;
    this.logger.info({ perSecond: this.perSecond }, 'dossier traffic rate set');
    return this.perSecond;
  }

  stats(): DossierTrafficStats {
    const { started, completed, stalled, silenced, abandoned, sent, accepted, failed, withdrawn } = this.counts;
    return {
      gatewayUrl: this.options.gatewayUrl,
      perSecond: this.perSecond,
      communes: this.communes.map((c) => c.commune.code),
      provinces: new Set(this.communes.map((c) => c.commune.provinceCode)).size,
      silentCommunes: [...this.silent],
      dossiers: { started, completed, stalled, silenced, abandoned, active: this.active.size },
      sent,
      accepted,
      failed,
      withdrawn,
      failedByStatus: { ...this.failedByStatus },
    };
  }

  /** Stops sending; requests in flight are aborted. Safe to call twice. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private tick(): void {
    const now = Date.now();
    if (this.silent.size === 0 && now >= this.silenceAt) this.fallSilent();
    this.budget += (this.perSecond * (now - this.lastTick)) / 1000;
    this.lastTick = now;
    while (this.budget >= 1) {
      if (this.active.size >= MAX_ACTIVE) {
        // Not owed later either: a gateway back after an outage should not meet a burst.
        this.budget = 0;
        break;
      }
      this.budget -= 1;
      this.startDossier(now);
    }
    for (const dossier of this.active.values()) {
      if (!dossier.inFlight && dossier.nextAt <= now) this.send(dossier);
    }
  }

  /**
   * The communes that go silent stop at once, as a commune system that is switched off or loses its
   * link would: no new dossier, and their dossiers under way send nothing more (they stay open).
   */
  private fallSilent(): void {
    const going = this.communes.filter((c) => c.goesSilent);
    if (going.length === 0) {
      this.silenceAt = Number.POSITIVE_INFINITY;
      return;
    }
    for (const c of going) this.silent.add(c.commune.code);
    this.sending = this.communes.filter((c) => !c.goesSilent);
    this.turn = 0;
    for (const [id, dossier] of this.active) {
      if (this.silent.has(dossier.commune.code) && !dossier.inFlight) {
        this.active.delete(id);
        this.counts.silenced++;
      }
    }
    this.logger.info({ silentCommunes: going.length }, 'some communes went silent (traffic variation)');
  }

  private startDossier(now: number): void {
    if (this.sending.length === 0) return;
    this.number = (this.number % 999_999) + 1;
    const { commune, profile } = this.sending[this.turn++ % this.sending.length];
    const procedure = weightedPick(PROCEDURES, this.random());
    const plan = planDossier(profile, this.random);
    const nowDate = new Date(now);
    // Late and overdue dossiers were received long enough ago that their due date has passed, up
    // to two weeks more, so the weekly trends have past weeks to show.
    const receivedAt =
      plan.timing === 'on-time' ? new Date(Math.floor(now / 1000) * 1000) : receivedPastDue(nowDate, procedure.workingDays, Math.floor(this.random() * 14));
    const walk = statusWalk(this.random() < SUPPLEMENT_RATE);
    const dossier: Dossier = {
      id: dossierId(commune.provinceCode, this.unit, receivedAt, this.number),
      procedure,
      commune,
      plan,
      receivedAt,
      dueAt: dueDate(receivedAt, procedure.workingDays),
      // An overdue dossier is received and taken in process, then nothing: it stays open past its due date.
      walk: plan.timing === 'overdue' ? walk.slice(0, 2) : walk,
      next: 0,
      attempts: 0,
      nextAt: now,
      inFlight: false,
    };
    this.active.set(dossier.id, dossier);
    this.counts.started++;
  }

  private send(dossier: Dossier): void {
    dossier.inFlight = true;
    dossier.attempts++;
    this.counts.sent++;
    const promise = this.put(dossier).finally(() => {
      dossier.inFlight = false;
      this.inFlight.delete(promise);
    });
    this.inFlight.add(promise);
  }

  private async put(dossier: Dossier): Promise<void> {
    const url = `${this.options.gatewayUrl}/v1/dossiers/${encodeURIComponent(dossier.id)}/status`;
    let status: number | 'network';
    try {
      const response = await fetch(url, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${this.options.token}`,
          'content-type': 'application/json',
          'x-request-id': randomUUID(),
        },
        body: JSON.stringify(this.body(dossier)),
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      // Read to the end so the connection goes back to the pool.
      await response.arrayBuffer();
      status = response.status;
    } catch {
      // Stopped mid-request: withdrawn, so it counts neither as sent nor as answered (it may
      // still have reached the gateway: counted as withdrawn).
      if (this.abort.signal.aborted) {
        this.counts.sent--;
        this.counts.withdrawn++;
        return;
      }
      status = 'network';
    }
    this.answered(dossier, status);
  }

  private body(dossier: Dossier): Record<string, unknown> {
    const status = dossier.walk[dossier.next];
    const { plan } = dossier;
    const body: Record<string, unknown> = {
      procedureCode: dossier.procedure.code,
      communeCode: dossier.commune.code,
      status,
      subjectType: 'citizen',
      receivedAt: isoVn(dossier.receivedAt),
      dueAt: isoVn(dossier.dueAt),
      sequence: dossier.next + 1,
      channel: plan.channel,
      feesPaidOnline: plan.feesPaidOnline,
    };
    if (plan.reusedComponents.length) body.reusedComponents = plan.reusedComponents;
    if (status === DossierStatus.processed || status === DossierStatus.resultReturned) body.resultForm = plan.resultForm;
    if (status === DossierStatus.resultReturned) {
      const { code, name } = dossier.procedure.result;
      // A paper result is named in the record but has no electronic copy to link to.
      const url = plan.resultForm === 'electronic' ? { url: `https://dichvucong.gov.vn/ket-qua/${encodeURIComponent(dossier.id)}/${code}` } : {};
      body.resultDocuments = [{ code, name, ...url }];
    }
    return body;
  }

  private answered(dossier: Dossier, status: number | 'network'): void {
    const now = Date.now();
    if (status === 202) this.counts.accepted++;
    else this.fail(status);
    if (typeof status === 'number' && status >= 200 && status < 300) {
      dossier.next++;
      dossier.attempts = 0;
      if (dossier.next >= dossier.walk.length) {
        this.active.delete(dossier.id);
        if (dossier.plan.timing === 'overdue') this.counts.stalled++;
        else this.counts.completed++;
      } else if (this.silent.has(dossier.commune.code)) {
        this.active.delete(dossier.id);
        this.counts.silenced++;
      } else {
        dossier.nextAt = now + this.pause();
      }
      return;
    }
    // Refused for good (bad token, malformed, conflict): sending it again would be refused again.
    const retryable = status === 'network' || status === 408 || status === 429 || status >= 500;
    if (retryable && this.silent.has(dossier.commune.code)) {
      this.active.delete(dossier.id);
      this.counts.silenced++;
      return;
    }
    if (!retryable || dossier.attempts >= MAX_ATTEMPTS) {
      this.active.delete(dossier.id);
      this.counts.abandoned++;
      return;
    }
    dossier.nextAt = now + this.pause();
  }

  private fail(status: number | 'network'): void {
    const key = String(status);
    this.counts.failed++;
    this.failedByStatus[key] = (this.failedByStatus[key] ?? 0) + 1;
    if (!this.warned.has(key)) {
      this.warned.add(key);
      this.logger.warn(
        { gatewayUrl: this.options.gatewayUrl, status: key },
        'gateway did not accept a dossier status (counted in GET /sim/traffic; logged once per status)',
      );
    }
  }

  /** Between half and one and a half steps, so dossiers do not move in lockstep. */
  private pause(): number {
    return Math.round(this.options.stepMs * (0.5 + this.random()));
  }
}

function weightedPick<T>(items: readonly (readonly [T, number])[], r: number): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  let at = r * total;
  for (const [item, weight] of items) {
    if (at < weight) return item;
    at -= weight;
  }
  return items[items.length - 1][0];
}
