/**
 * The data-quality counters of one registry and one reading commune on one Vietnam calendar day
 * (docs/data-quality.md), as a fixed-order tuple: small in the snapshot and the published view.
 * Change events have no reading commune: they are counted under the commune key `-`.
 */
export const DQ_COUNTERS = [
  /** Registry records answered to clients (lookups and prefill reads). */
  'reads',
  /** Conflicts a prefill found that involve a read of this registry (one per conflict and registry read). */
  'conflicts',
  /** Corrections of this registry's records accepted by the registry or its operators. */
  'correctionsAccepted',
  /** Reads that lacked at least one field asked for by name. */
  'readsWithMissingFields',
  /** Reads with at least one value failing its declared format. */
  'readsWithMalformedValues',
  /** Reads answered from the cache past the record's max age (STALE). */
  'staleAnswers',
  /** Change events of this registry on the gateway's log. */
  'changeEvents',
  /** Sum of their delays (ms): from the change (event `time`) to the event's append to the log. */
  'changeDelayMsSum',
  /** The longest such delay (ms); merged by maximum, not sum. */
  'changeDelayMsMax',
] as const;

export type DqCounterName = (typeof DQ_COUNTERS)[number];
export const DQ = Object.fromEntries(DQ_COUNTERS.map((name, i) => [name, i])) as Record<DqCounterName, number>;

export function emptyDqCounters(): number[] {
  return DQ_COUNTERS.map(() => 0);
}

/** Adds `source` into `target` (the maximum for the max counter). */
export function mergeDqCounters(target: number[], source: readonly number[]): void {
  for (let i = 0; i < DQ_COUNTERS.length; i++) {
    const v = source[i] ?? 0;
    target[i] = i === DQ.changeDelayMsMax ? Math.max(target[i], v) : target[i] + v;
  }
}

/** The commune key of figures not tied to a reading commune (change events). */
export const NO_COMMUNE = '-';
/** The commune key of reads by clients bound to no (valid) commune. */
export const UNKNOWN_COMMUNE = 'unknown';
/** The registry label of a name the pool does not know (a record written before an adapter was removed). */
export const OTHER_REGISTRY = 'other';
