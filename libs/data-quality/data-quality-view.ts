import { InMemoryPublishedViewStore, PublishedViewStore, parsePublishedView } from '@motlan/projection/published-view.js';
import { decodeDqStateData, type DqStateData } from './data-quality-state.js';

/** What workers publish for `api` processes: the whole (retention-bounded) state, and when. */
export interface DataQualityView {
  version: 1;
  publishedAt: string;
  days: DqStateData;
}

/** Where workers publish the figures and `api` processes read them (production: one Redis key; embedded: memory). */
export abstract class DataQualityViewStore extends PublishedViewStore<DataQualityView> {}

export function decodeDataQualityView(text: string): DataQualityView | undefined {
  const v = parsePublishedView(text);
  const days = v && decodeDqStateData(v.days);
  return v && days ? { version: 1, publishedAt: v.publishedAt, days } : undefined;
}

/** The embedded profile's view: one process runs both roles. */
export class InMemoryDataQualityViewStore extends InMemoryPublishedViewStore<DataQualityView> implements DataQualityViewStore {}
