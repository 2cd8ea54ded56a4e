/**
 * Coalesces registry fetches for the same record across gateway instances: one instance fetches,
 * the others wait for its result to land in the shared cache. (Within one instance, concurrent
 * misses are already joined on one promise by the record reader.)
 */
export abstract class FetchCoordinator {
  /**
   * @param identity record identity (registry, dataset, subject), hashed before it leaves the process
   * @param fetch   performs the registry call and stores the result in the cache
   * @param readCached reads a fresh cached result written by another instance, if any
   */
  abstract coordinate<T>(identity: string, fetch: () => Promise<T>, readCached: () => Promise<T | undefined>): Promise<T>;
}

/** Embedded profile: one instance, nothing to coordinate. */
export class LocalFetchCoordinator extends FetchCoordinator {
  coordinate<T>(_identity: string, fetch: () => Promise<T>): Promise<T> {
    return fetch();
  }
}
