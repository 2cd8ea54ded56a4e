import { C, emptyCounters, type CounterName, type DayCounters } from './indicators.js';
import { addDays, vnDay } from './vietnam-calendar.js';

/** What the indicators need of a dossier status (a subset of DossierStatusMessage). */
export interface StatusInput {
  dossierId: string;
  communeCode: string;
  status: number;
  receivedAt: string;
  dueAt?: string;
  acceptedAt: string;
  channel?: string;
  feesPaidOnline?: boolean;
  resultForm?: string;
  reusedComponents?: string[];
  resultDocuments?: Array<{ url?: string }>;
}

/** What the indicators need of a relay outcome (a subset of SyncOutcome). */
export interface OutcomeInput {
  dossierId: string;
  sequence: number;
  communeCode: string;
  outcome: string;
  at: string;
}

export interface IndicatorStateOptions {
  /** Days of buckets kept, today included (MOTLAN_INDICATORS_RETENTION_DAYS, 400). */
  retentionDays: number;
  /** A settled dossier (result returned, withdrawn, stopped, refused) is forgotten this many days after its last status. */
  settledMemoryDays: number;
  /** At most this many dossiers are remembered; the least recently reported are forgotten first. */
  maxDossiers: number;
  /** At most this many delivered statuses are remembered to count a repeated delivery once. */
  maxDeliveredKeys: number;
}

export const DEFAULT_INDICATOR_STATE_OPTIONS: IndicatorStateOptions = {
  retentionDays: 400,
  settledMemoryDays: 60,
  maxDossiers: 1_000_000,
  maxDeliveredKeys: 200_000,
};

const ONLINE = 1;
const PAID = 2;
const REUSED = 4;
const RETURNED = 8;
const ELECTRONIC = 16;
const PAPER = 32;
/** Not received, withdrawn, stopped, processed, returned: nothing more is due from the commune. */
const SETTLED_STATUSES = new Set([3, 7, 8, 9, 10]);

/** [commune, received day, due (ms) or null, flags, finished at (ms) or null, last status at (ms), open] */
export type DossierTuple = [commune: string, day: string, due: number | null, flags: number, finishedAt: number | null, lastAt: number, open: boolean];

/** The whole state as plain data (snapshot and tests). */
export interface IndicatorStateData {
  /** [day, [[commune, ...counters]]] */
  days: Array<[string, Array<[string, ...number[]]>]>;
  dossiers: Array<[string, ...DossierTuple]>;
  lastReport: Array<[string, number]>;
  delivered: string[];
}

/** Per commune "now" figures, not windowed. */
export interface CommuneLive {
  lastReportAt: number | null;
  overdueNow: number;
}

/**
 * The service indicators' state: per commune per Vietnam calendar day counters, bounded in time
 * (`retentionDays`) and by the communes; plus what is needed to count each dossier once (the
 * dossiers still open or recently settled, bounded by `settledMemoryDays` and `maxDossiers`) and
 * the time of each commune's last status (for SILENT). Pure: no I/O, no clock (times are passed in).
 *
 * A dossier counts in the bucket of the day it was received (NgayTiepNhan, Vietnam time) for
 * received, online, paid online and reused data — learnt from whichever of its statuses says so
 * first — and in the bucket of the day its result was returned (first status 10) for results,
 * on time and electronic. A forgotten dossier that reports again counts as a new one: the memory
 * windows are long enough that this needs a status months after the last.
 */
export class IndicatorState {
  readonly options: IndicatorStateOptions;
  private readonly days = new Map<string, Map<string, DayCounters>>();
  private readonly dossiers = new Map<string, DossierTuple>();
  private readonly lastReport = new Map<string, number>();
  private readonly delivered = new Set<string>();
  /** Days whose buckets changed since takeChangedDays (for publishing only what changed). */
  private changed = new Set<string>();
  private removed = new Set<string>();
  /** The first day kept; earlier buckets are dropped and not counted into. */
  private firstDay = '0000-01-01';

  constructor(options: Partial<IndicatorStateOptions> = {}) {
    this.options = { ...DEFAULT_INDICATOR_STATE_OPTIONS, ...options };
  }

  applyStatus(s: StatusInput): void {
    const at = Date.parse(s.acceptedAt);
    const received = Date.parse(s.receivedAt);
    if (!Number.isFinite(at) || !Number.isFinite(received)) return;
    this.lastReport.set(s.communeCode, Math.max(this.lastReport.get(s.communeCode) ?? 0, at));
    let d = this.dossiers.get(s.dossierId);
    if (d) {
      // Re-inserted: Map order is then least recently reported first, the order of forgetting.
      this.dossiers.delete(s.dossierId);
    } else {
      d = [s.communeCode, vnDay(received), null, 0, null, at, true];
      this.bump(d[0], d[1], 'received');
    }
    this.dossiers.set(s.dossierId, d);
    // A dossier keeps the commune it was first counted for: its counters are not moved by a later rebind.
    const [commune, day] = d;
    if (s.dueAt) {
      const due = Date.parse(s.dueAt);
      if (Number.isFinite(due)) d[2] = due;
    }
    if (s.channel === 'online' && !(d[3] & ONLINE)) {
      d[3] |= ONLINE;
      this.bump(commune, day, 'online');
    }
    if (s.feesPaidOnline === true && !(d[3] & PAID)) {
      d[3] |= PAID;
      this.bump(commune, day, 'paidOnline');
    }
    if (s.reusedComponents?.length && !(d[3] & REUSED)) {
      d[3] |= REUSED;
      this.bump(commune, day, 'dossiersWithReusedData');
    }
    if (s.resultForm === 'electronic') d[3] = (d[3] | ELECTRONIC) & ~PAPER;
    else if (s.resultForm === 'paper') d[3] = (d[3] | PAPER) & ~ELECTRONIC;
    if ((s.status === 9 || s.status === 10) && d[4] === null) d[4] = at;
    if (s.status === 10 && !(d[3] & RETURNED)) {
      d[3] |= RETURNED;
      const returnedDay = vnDay(at);
      this.bump(commune, returnedDay, 'resultsReturned');
      if (d[2] === null || (d[4] ?? at) <= d[2]) this.bump(commune, returnedDay, 'onTime');
      // Without a stated form, a result with a document to fetch is an electronic one.
      const electronic = d[3] & ELECTRONIC || (!(d[3] & PAPER) && (s.resultDocuments ?? []).some((r) => !!r.url));
      if (electronic) this.bump(commune, returnedDay, 'electronicResults');
    }
    d[5] = at;
    d[6] = !SETTLED_STATUSES.has(s.status);
    this.trimDossiers();
  }

  applyOutcome(o: OutcomeInput): void {
    if (o.outcome !== 'delivered' && o.outcome !== 'duplicate') return;
    const key = `${o.dossierId}#${o.sequence}`;
    if (this.delivered.has(key)) return;
    const at = Date.parse(o.at);
    if (!Number.isFinite(at)) return;
    this.delivered.add(key);
    if (this.delivered.size > this.options.maxDeliveredKeys) this.delivered.delete(this.delivered.values().next().value!);
    this.bump(o.communeCode, vnDay(at), 'statusesDelivered');
  }

  applyRegistryRead(communeCode: string, atMs: number, reads = 1): void {
    if (Number.isFinite(atMs)) this.bump(communeCode, vnDay(atMs), 'registryReads', reads);
  }

  /** Drops buckets before the retention and dossiers no longer worth remembering, as of `now`. */
  prune(now: number): void {
    const first = addDays(vnDay(now), -(this.options.retentionDays - 1));
    if (first > this.firstDay) this.firstDay = first;
    for (const day of this.days.keys()) {
      if (day < this.firstDay) {
        this.days.delete(day);
        this.changed.delete(day);
        this.removed.add(day);
      }
    }
    const forgetBefore = now - this.options.settledMemoryDays * 86_400_000;
    for (const [id, d] of this.dossiers) {
      if (d[1] < this.firstDay || (!d[6] && d[5] < forgetBefore)) this.dossiers.delete(id);
    }
  }

  /** Counters of one day (commune → counters); undefined when nothing was counted that day. */
  day(day: string): ReadonlyMap<string, readonly number[]> | undefined {
    return this.days.get(day);
  }

  dayKeys(): string[] {
    return [...this.days.keys()].sort();
  }

  /** Per commune: when it last reported, and its open dossiers past their due date at `now`. */
  live(now: number): Map<string, CommuneLive> {
    const out = new Map<string, CommuneLive>();
    for (const [commune, at] of this.lastReport) out.set(commune, { lastReportAt: at, overdueNow: 0 });
    for (const d of this.dossiers.values()) {
      if (d[6] && d[2] !== null && d[2] < now) {
        const entry = out.get(d[0]) ?? { lastReportAt: null, overdueNow: 0 };
        entry.overdueNow++;
        out.set(d[0], entry);
      }
    }
    return out;
  }

  /** Days changed and days dropped since the last call (what a publisher must write and delete). */
  takeChanges(): { changed: string[]; removed: string[] } {
    const result = { changed: [...this.changed].sort(), removed: [...this.removed].sort() };
    this.changed = new Set();
    this.removed = new Set();
    return result;
  }

  /** Marks days as changed or removed again (a publication that failed). */
  requeue(changed: string[], removed: string[]): void {
    for (const day of changed) if (this.days.has(day)) this.changed.add(day);
    for (const day of removed) if (!this.days.has(day)) this.removed.add(day);
  }

  size(): { days: number; buckets: number; dossiers: number; communes: number; delivered: number } {
    let buckets = 0;
    for (const m of this.days.values()) buckets += m.size;
    return { days: this.days.size, buckets, dossiers: this.dossiers.size, communes: this.lastReport.size, delivered: this.delivered.size };
  }

  toData(): IndicatorStateData {
    return {
      days: this.dayKeys().map((day) => [day, [...this.days.get(day)!].map(([c, counters]) => [c, ...counters] as [string, ...number[]])]),
      dossiers: [...this.dossiers].map(([id, d]) => [id, ...d]),
      lastReport: [...this.lastReport],
      delivered: [...this.delivered],
    };
  }

  /** Replaces the state with `data` (already checked by decodeIndicatorSnapshot). */
  load(data: IndicatorStateData): void {
    this.days.clear();
    this.dossiers.clear();
    this.lastReport.clear();
    this.delivered.clear();
    for (const [day, rows] of data.days) this.days.set(day, new Map(rows.map(([c, ...counters]) => [c, counters])));
    for (const [id, ...d] of data.dossiers) this.dossiers.set(id, d);
    for (const [c, at] of data.lastReport) this.lastReport.set(c, at);
    for (const key of data.delivered) this.delivered.add(key);
    this.changed = new Set(this.days.keys());
    this.removed = new Set();
  }

  private bump(commune: string, day: string, counter: CounterName, by = 1): void {
    // Outside the retention (a dossier received long ago reporting now): not kept, not counted.
    if (day < this.firstDay) return;
    let byCommune = this.days.get(day);
    if (!byCommune) this.days.set(day, (byCommune = new Map()));
    let counters = byCommune.get(commune);
    if (!counters) byCommune.set(commune, (counters = emptyCounters()));
    counters[C[counter]] += by;
    this.changed.add(day);
  }

  private trimDossiers(): void {
    while (this.dossiers.size > this.options.maxDossiers) this.dossiers.delete(this.dossiers.keys().next().value!);
  }
}
