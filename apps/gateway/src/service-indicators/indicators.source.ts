import { Logger } from '@nestjs/common';
import type { IndicatorsRead, IndicatorsViewStore } from '@motlan/service-indicators/indicators-view-store.port.js';
import type { ServiceIndicatorsProjection } from '@motlan/service-indicators/service-indicators.projection.js';

/** Where the indicators API reads the buckets from (ServiceIndicatorsModule picks one by role). */
export abstract class IndicatorsSource {
  /** The live view and the buckets of `days` (those that have any). */
  abstract read(days: string[]): Promise<IndicatorsRead>;
}

/** This process runs the worker role: its own projection, as fresh as it gets. */
export class LiveIndicatorsSource extends IndicatorsSource {
  constructor(private readonly projection: ServiceIndicatorsProjection) {
    super();
  }

  async read(days: string[]): Promise<IndicatorsRead> {
    // Nothing until the projection caught up: partial counts would be read as real ones.
    if (!this.projection.ready()) return { days: new Map() };
    const out = new Map<string, Map<string, number[]>>();
    for (const day of days) {
      const rows = this.projection.state.day(day);
      if (rows) out.set(day, new Map([...rows].map(([c, counters]) => [c, [...counters]])));
    }
    return { live: this.projection.liveView(), days: out };
  }
}

/**
 * An `api` process: what the workers published last (at most one publish interval old while a
 * worker runs). If the store cannot answer, the last live view read is served with no buckets
 * rather than an error; `viewAsOf` says how old it is.
 */
export class PublishedIndicatorsSource extends IndicatorsSource {
  private readonly logger = new Logger('ServiceIndicatorsView');
  private failing = false;

  constructor(private readonly store: IndicatorsViewStore) {
    super();
  }

  async read(days: string[]): Promise<IndicatorsRead> {
    try {
      const read = await this.store.read(days);
      this.failing = false;
      return read;
    } catch (error) {
      if (!this.failing) this.logger.warn({ reason: (error as Error).message }, 'service indicators not readable; answering without them');
      this.failing = true;
      return { days: new Map() };
    }
  }
}
