import { addDays, vnDay } from '@motlan/service-indicators/vietnam-calendar.js';
import { DQ, DQ_COUNTERS, emptyDqCounters, NO_COMMUNE, OTHER_REGISTRY, UNKNOWN_COMMUNE } from './data-quality-counters.js';
import type { ReadQuality } from './value-checks.js';

/** day → "registry|commune" → counters. */
export type DqDays = Map<string, Map<string, number[]>>;

/** The state as stored in a snapshot or a published view: [day, [[key, ...counters]]]. */
export type DqStateData = Array<[string, Array<[string, ...number[]]>]>;

export interface DqStateOptions {
  /** Days kept (the oldest are dropped as days pass). */
  retentionDays: number;
  /** Registry names the pool knows: any other becomes `other`, so labels stay bounded. */
  registries: () => readonly string[];
}

const COMMUNE = /^\d{5}$/;

/** One answered read as the audit trail holds it (the fields the data-quality figures use). */
export interface DqRead {
  registry: string;
  clientCommune: string | null | undefined;
  time: number;
  stale: boolean;
  quality?: ReadQuality;
  conflicts?: number;
}

/**
 * The data-quality counters, per day, registry and reading commune. Bounded: by the retention, the
 * registries the pool knows (+ `other`) and the communes that exist (+ `unknown`), never by the
 * number of reads.
 */
export class DataQualityState {
  private readonly days: DqDays = new Map();
  private changed = new Set<string>();

  constructor(private readonly options: DqStateOptions) {}

  applyRead(read: DqRead): void {
    const c = this.counters(read.time, read.registry, read.clientCommune);
    c[DQ.reads]++;
    if (read.stale) c[DQ.staleAnswers]++;
    if (read.quality?.missing?.length) c[DQ.readsWithMissingFields]++;
    if (read.quality?.malformed?.length) c[DQ.readsWithMalformedValues]++;
    if (read.conflicts) c[DQ.conflicts] += read.conflicts;
  }

  applyCorrectionAccepted(registry: string, clientCommune: string | null | undefined, time: number): void {
    this.counters(time, registry, clientCommune)[DQ.correctionsAccepted]++;
  }

  /** One change event: `delayMs` from its change to its append to the log (clock skew makes it negative at worst: counted as 0). */
  applyChangeEvent(registry: string, appendedAt: number, delayMs: number): void {
    const c = this.counters(appendedAt, registry, NO_COMMUNE);
    const delay = Math.max(0, Math.round(delayMs));
    c[DQ.changeEvents]++;
    c[DQ.changeDelayMsSum] += delay;
    c[DQ.changeDelayMsMax] = Math.max(c[DQ.changeDelayMsMax], delay);
  }

  /** The counters of one day (a copy is not made: callers only read). */
  day(day: string): ReadonlyMap<string, readonly number[]> | undefined {
    return this.days.get(day);
  }

  dayKeys(): string[] {
    return [...this.days.keys()].sort();
  }

  /** Drops the days past the retention. */
  prune(now: number): void {
    const first = addDays(vnDay(now), -(this.options.retentionDays - 1));
    for (const day of [...this.days.keys()]) if (day < first) this.days.delete(day);
  }

  /** Days changed since the last call. */
  takeChanges(): string[] {
    const changed = [...this.changed];
    this.changed = new Set();
    return changed;
  }

  size(): { days: number; rows: number } {
    let rows = 0;
    for (const d of this.days.values()) rows += d.size;
    return { days: this.days.size, rows };
  }

  toData(): DqStateData {
    return this.dayKeys().map((day) => [day, [...this.days.get(day)!].map(([key, counters]) => [key, ...counters] as [string, ...number[]])]);
  }

  load(data: DqStateData): void {
    this.days.clear();
    for (const [day, rows] of data) this.days.set(day, new Map(rows.map(([key, ...counters]) => [key, counters])));
  }

  private counters(time: number, registry: string, commune: string | null | undefined): number[] {
    const day = vnDay(time);
    let rows = this.days.get(day);
    if (!rows) this.days.set(day, (rows = new Map()));
    const key = `${this.registryKey(registry)}|${communeKey(commune)}`;
    let c = rows.get(key);
    if (!c) rows.set(key, (c = emptyDqCounters()));
    this.changed.add(day);
    return c;
  }

  private registryKey(registry: string): string {
    return this.options.registries().includes(registry) ? registry : OTHER_REGISTRY;
  }
}

function communeKey(commune: string | null | undefined): string {
  if (commune === NO_COMMUNE) return NO_COMMUNE;
  return commune && COMMUNE.test(commune) ? commune : UNKNOWN_COMMUNE;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const KEY = /^[a-z0-9][a-z0-9_-]{0,62}\|(\d{5}|unknown|-)$/;

/** State data from outside the process (a snapshot, a published view), checked; undefined when it is not one. */
export function decodeDqStateData(raw: unknown): DqStateData | undefined {
  if (!Array.isArray(raw)) return undefined;
  for (const d of raw) {
    if (!Array.isArray(d) || d.length !== 2 || typeof d[0] !== 'string' || !DAY.test(d[0]) || !Array.isArray(d[1])) return undefined;
    for (const row of d[1] as unknown[]) {
      if (!Array.isArray(row) || row.length !== DQ_COUNTERS.length + 1 || typeof row[0] !== 'string' || !KEY.test(row[0])) return undefined;
      if (!row.slice(1).every((n) => Number.isSafeInteger(n) && (n as number) >= 0)) return undefined;
    }
  }
  return raw as DqStateData;
}
