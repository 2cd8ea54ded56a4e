import { parsePublishedView } from '@motlan/projection/published-view.js';

/** One day's counters as published: [commune, ...counters in COUNTERS order]. */
export type PublishedDayRow = [string, ...number[]];

/** The "now" part of the view: per commune [code, last status at (ms) or null, open dossiers overdue]. */
export interface IndicatorsLiveView {
  version: 1;
  /** When the worker took it (ISO): an `api` process shows data this old. */
  publishedAt: string;
  /** First day still kept (the retention). */
  firstDay: string;
  communes: Array<[string, number | null, number]>;
}

export interface IndicatorsRead {
  live?: IndicatorsLiveView;
  /** day → commune → counters, for the days asked that have any. */
  days: Map<string, Map<string, number[]>>;
}

/**
 * Where workers publish the indicators and `api` processes read them (production: Redis, one
 * hash field per day so a publication writes only the days that changed — usually today — and a
 * reader fetches only the days it asks for; embedded: memory). Every worker computes the same
 * state from the same topics, so the last one published wins.
 */
export abstract class IndicatorsViewStore {
  /** Writes the live view, the days given, and deletes the days dropped by the retention. */
  abstract publish(live: IndicatorsLiveView, days: Map<string, PublishedDayRow[]>, removedDays: string[]): Promise<void>;
  /** Rejects when the store cannot answer. */
  abstract read(days: string[]): Promise<IndicatorsRead>;
  abstract close(): Promise<void>;
}

const COMMUNE = /^\d{5}$/;

/** A published day's rows from text, or undefined when it is not one (written by another version or by hand). */
export function decodeDayRows(text: string): Map<string, number[]> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(raw)) return undefined;
  const out = new Map<string, number[]>();
  for (const row of raw) {
    if (!Array.isArray(row) || !COMMUNE.test(String(row[0])) || !row.slice(1).every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
    out.set(String(row[0]), row.slice(1) as number[]);
  }
  return out;
}

export function decodeLiveView(text: string): IndicatorsLiveView | undefined {
  const v = parsePublishedView(text);
  if (!v || typeof v.firstDay !== 'string' || !Array.isArray(v.communes)) return undefined;
  if (!v.communes.every((c) => Array.isArray(c) && c.length === 3 && COMMUNE.test(String(c[0])))) return undefined;
  return v as unknown as IndicatorsLiveView;
}
