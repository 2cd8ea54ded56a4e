/**
 * Commune traffic for the gateway's dossier sync, so a demo shows statuses moving: dossiers of a few
 * communes of the official list, each walked through its statuses (received, in process, sometimes
 * supplement requested, processed, result returned) with an increasing per-dossier sequence, sent
 * as `PUT {gatewayUrl}/v1/dossiers/{dossierId}/status` like a commune one-stop system would. Off
 * unless configured; what was sent and answered is in `GET /sim/traffic`.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Commune } from '@motlan/vn-admin/vn-admin.model.js';
import type { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { InvalidRequestError } from '../registries/sim-errors.js';
import { hashString, SeededRandom } from '../world/seeded-random.js';
import { dossierId, dueDate, isoVn, PROCEDURES, statusWalk, vnDayKey, DossierStatus, type Procedure } from './dossier-walk.js';

export interface DossierTrafficOptions {
  /** Base URL of the gateway, e.g. http://127.0.0.1:3000. */
  gatewayUrl: string;
  /** Bearer token the commune systems' requests carry. */
  token: string;
  /** New dossiers per second (0 = none until setRate). Each then sends 4 to 6 statuses, one step apart. */
  perSecond: number;
  /** How many communes of the official list the dossiers come from (default 10). */
  communes?: number;
  /** Mean pause between two statuses of one dossier, in ms (default 2000); tests make it short. */
  stepMs?: number;
}

export interface DossierTrafficStats {
  gatewayUrl: string;
  perSecond: number;
  /** Codes of the communes the dossiers come from. */
  communes: string[];
  dossiers: {
    started: number;
    /** Reached status 10. */
    completed: number;
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
const DEFAULT_COMMUNES = 10;
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
  const { gatewayUrl, token, perSecond, communes, stepMs } = value as Record<string, unknown>;
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
  private readonly options: Required<DossierTrafficOptions>;
  private readonly communes: readonly Commune[];
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
  private day = '';
  private numberOfDay = 0;
  private counts = { started: 0, completed: 0, abandoned: 0, sent: 0, accepted: 0, failed: 0, withdrawn: 0 };
  private failedByStatus: Record<string, number> = {};

  constructor(
    options: DossierTrafficOptions,
    directory: VnAdminDirectory,
    seed: number,
    private readonly logger: Logger,
    /** Randomness of the dossiers themselves (procedure, commune, pauses); the communes come from `seed`. */
    random: () => number = Math.random,
  ) {
    const valid = validateDossierTraffic(options);
    this.options = { communes: DEFAULT_COMMUNES, stepMs: DEFAULT_STEP_MS, ...valid };
    this.perSecond = valid.perSecond;
    this.random = random;
    this.communes = pickCommunes(directory.communes(), this.options.communes, seed);
    this.unit = 1 + Math.floor(random() * 99);
  }

  /** Starts sending (nothing is sent while the rate is 0 and no dossier is active). */
  start(): void {
    if (this.timer || this.abort.signal.aborted) return;
    this.lastTick = Date.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    this.logger.info({ gatewayUrl: this.options.gatewayUrl, perSecond: this.perSecond, communes: this.communes.length }, 'dossier traffic started');
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
    const { started, completed, abandoned, sent, accepted, failed, withdrawn } = this.counts;
    return {
      gatewayUrl: this.options.gatewayUrl,
      perSecond: this.perSecond,
      communes: this.communes.map((c) => c.code),
      dossiers: { started, completed, abandoned, active: this.active.size },
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

  private startDossier(now: number): void {
    const receivedAt = new Date(Math.floor(now / 1000) * 1000);
    const day = vnDayKey(receivedAt);
    if (day !== this.day) {
      this.day = day;
      this.numberOfDay = 0;
    }
    this.numberOfDay = (this.numberOfDay % 999_999) + 1;
    const commune = this.communes[Math.floor(this.random() * this.communes.length)];
    const procedure = weightedPick(PROCEDURES, this.random());
    const dossier: Dossier = {
      id: dossierId(commune.provinceCode, this.unit, receivedAt, this.numberOfDay),
      procedure,
      commune,
      receivedAt,
      dueAt: dueDate(receivedAt, procedure.workingDays),
      walk: statusWalk(this.random() < SUPPLEMENT_RATE),
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
    const body: Record<string, unknown> = {
      procedureCode: dossier.procedure.code,
      communeCode: dossier.commune.code,
      status,
      subjectType: 'citizen',
      receivedAt: isoVn(dossier.receivedAt),
      dueAt: isoVn(dossier.dueAt),
      sequence: dossier.next + 1,
    };
    if (status === DossierStatus.resultReturned) {
      const { code, name } = dossier.procedure.result;
      body.resultDocuments = [{ code, name, url: `https://dichvucong.gov.vn/ket-qua/${encodeURIComponent(dossier.id)}/${code}` }];
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
        this.counts.completed++;
      } else {
        dossier.nextAt = now + this.pause();
      }
      return;
    }
    // Refused for good (bad token, malformed, conflict): sending it again would be refused again.
    const retryable = status === 'network' || status === 408 || status === 429 || status >= 500;
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

/** `count` distinct communes, the same for the same seed. */
function pickCommunes(all: readonly Commune[], count: number, seed: number): Commune[] {
  if (all.length === 0) throw new RangeError('the administrative directory has no commune');
  const random = new SeededRandom(seed, hashString('dossier-traffic'));
  const indices = Array.from(all, (_, i) => i);
  const n = Math.min(count, all.length);
  // Partial Fisher-Yates: the first n places are a uniform sample.
  for (let i = 0; i < n; i++) {
    const j = random.int(i, indices.length - 1);
    [indices[i], indices[j]] = [indices[j], indices[i]];
  }
  return indices.slice(0, n).map((i) => all[i]);
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
