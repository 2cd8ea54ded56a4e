/**
 * Calls received per registry, so tests can assert how many registry calls the gateway made
 * (e.g. that a cache hit made none). Counted on arrival, including calls that then fail.
 */
import { REGISTRY_NAMES, type RegistryName } from './sim-dataset.js';

export interface RegistryCallStats {
  lookups: number;
  /** Lookups per dataset name, including unknown names the gateway may have sent. */
  lookupsByDataset: Record<string, number>;
  /** Lookups answered with an error status (injected faults, invalid arguments). */
  failedLookups: number;
  describes: number;
  healthChecks: number;
}

export class CallStats {
  private stats = new Map<RegistryName, RegistryCallStats>();

  constructor() {
    this.reset();
  }

  lookup(registry: RegistryName, dataset: string): void {
    const s = this.of(registry);
    s.lookups++;
    s.lookupsByDataset[dataset] = (s.lookupsByDataset[dataset] ?? 0) + 1;
  }

  failedLookup(registry: RegistryName): void {
    this.of(registry).failedLookups++;
  }

  describe(registry: RegistryName): void {
    this.of(registry).describes++;
  }

  healthCheck(registry: RegistryName): void {
    this.of(registry).healthChecks++;
  }

  private of(registry: RegistryName): RegistryCallStats {
    return this.stats.get(registry) as RegistryCallStats;
  }

  /** A copy of the counters of one registry. */
  snapshot(registry: RegistryName): RegistryCallStats {
    const s = this.of(registry);
    return { ...s, lookupsByDataset: { ...s.lookupsByDataset } };
  }

  reset(): void {
    this.stats = new Map(REGISTRY_NAMES.map((r) => [r, { lookups: 0, lookupsByDataset: {}, failedLookups: 0, describes: 0, healthChecks: 0 }]));
  }
}
