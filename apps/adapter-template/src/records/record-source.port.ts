import type { JsonObject } from '@motlan/contracts/struct-codec.js';

/** One record as your registry holds it. */
export interface SourceRecord {
  /** Every field of the dataset (the lookup service picks the ones asked for). */
  data: JsonObject;
  /** Increases with every change of the record: the `version` of your change events too. Decimal string (uint64). */
  version: string;
  /** When the record last changed. */
  asOf: Date;
}

/**
 * Where records come from: the one class a registry operator REPLACES with a call to their own
 * database or service (bind it in AdapterTemplateModule). It is also the injection token.
 */
export abstract class RecordSource {
  /**
   * The record of `subjectId` in `dataset`, or null when the registry holds none (answered
   * `found = false`, not an error). `dataset` and `subjectId` are already checked against DATASETS.
   * @throws RecordSourceUnavailableError when the registry cannot answer now (answered UNAVAILABLE:
   *   the gateway retries, or serves a cached copy marked STALE).
   */
  abstract find(dataset: string, subjectId: string): Promise<SourceRecord | null>;

  /** Whether lookups can be answered now (your database reachable): the health service answers SERVING or NOT_SERVING. */
  abstract isServing(): Promise<boolean>;
}
