import { decodeDqStateData, type DqStateData } from './data-quality-state.js';

/** What workers publish for `api` processes: the whole (retention-bounded) state, and when. */
export interface DataQualityView {
  version: 1;
  publishedAt: string;
  days: DqStateData;
}

/**
 * Where workers publish the figures and `api` processes read them (production: one Redis key;
 * embedded: memory). Every worker computes the same state from the same topics: the last one wins.
 */
export abstract class DataQualityViewStore {
  abstract publish(view: DataQualityView): Promise<void>;
  /** Undefined when nothing was published; rejects when the store cannot answer. */
  abstract read(): Promise<DataQualityView | undefined>;
  abstract close(): Promise<void>;
}

export function decodeDataQualityView(text: string): DataQualityView | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const v = raw as Record<string, unknown>;
  if (v.version !== 1 || typeof v.publishedAt !== 'string') return undefined;
  const days = decodeDqStateData(v.days);
  return days ? { version: 1, publishedAt: v.publishedAt, days } : undefined;
}

/** The embedded profile's view: one process runs both roles. */
export class InMemoryDataQualityViewStore extends DataQualityViewStore {
  private view?: DataQualityView;
  async publish(view: DataQualityView): Promise<void> {
    this.view = view;
  }
  async read(): Promise<DataQualityView | undefined> {
    return this.view;
  }
  async close(): Promise<void> {}
}
