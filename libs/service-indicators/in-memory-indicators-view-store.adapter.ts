import { IndicatorsViewStore, type IndicatorsLiveView, type IndicatorsRead, type PublishedDayRow } from './indicators-view-store.port.js';

/** The embedded profile's view: one process runs both roles, so memory is shared enough. */
export class InMemoryIndicatorsViewStore extends IndicatorsViewStore {
  private live?: IndicatorsLiveView;
  private readonly days = new Map<string, Map<string, number[]>>();

  async publish(live: IndicatorsLiveView, days: Map<string, PublishedDayRow[]>, removedDays: string[]): Promise<void> {
    this.live = live;
    for (const [day, rows] of days) this.days.set(day, new Map(rows.map(([c, ...counters]) => [c, counters])));
    for (const day of removedDays) this.days.delete(day);
  }

  async read(days: string[]): Promise<IndicatorsRead> {
    const out = new Map<string, Map<string, number[]>>();
    for (const day of days) {
      const rows = this.days.get(day);
      if (rows) out.set(day, rows);
    }
    return { live: this.live, days: out };
  }

  async close(): Promise<void> {}
}
