/**
 * Calls received by one extra adapter of a registry (a replica or a province shard), so tests can
 * assert where the gateway routed each lookup. Kept outside the gRPC server so the counts survive a
 * stop and restart of the adapter. The registry's own CallStats count these calls as well.
 */

export interface AdapterStatsSnapshot {
  /** Lookups received, including those that then failed or were outside the shard. */
  lookups: number;
  /**
   * Lookups answered (found or not) for a subject of the province, by 2-digit province code. A shard
   * counts only its own provinces here; a replica counts every subject whose province is known.
   */
  lookupsByProvince: Record<string, number>;
  /** Lookups a shard answered found = false because the subject is not in its provinces. */
  outOfShard: number;
  /** Lookups answered with an error status (injected faults, invalid arguments). */
  failedLookups: number;
  describes: number;
}

export class AdapterStats {
  private lookups = 0;
  private byProvince = new Map<string, number>();
  private outOfShard = 0;
  private failedLookups = 0;
  private describes = 0;

  lookup(): void {
    this.lookups++;
  }

  served(province: string | null): void {
    if (province !== null) this.byProvince.set(province, (this.byProvince.get(province) ?? 0) + 1);
  }

  outsideShard(): void {
    this.outOfShard++;
  }

  failedLookup(): void {
    this.failedLookups++;
  }

  describe(): void {
    this.describes++;
  }

  snapshot(): AdapterStatsSnapshot {
    return {
      lookups: this.lookups,
      lookupsByProvince: Object.fromEntries([...this.byProvince].sort(([a], [b]) => a.localeCompare(b))),
      outOfShard: this.outOfShard,
      failedLookups: this.failedLookups,
      describes: this.describes,
    };
  }

  reset(): void {
    this.lookups = 0;
    this.byProvince = new Map();
    this.outOfShard = 0;
    this.failedLookups = 0;
    this.describes = 0;
  }
}
