/**
 * A bulkhead: at most `maxConcurrent` calls in flight; the excess is refused at once rather than
 * queued, so a slow dependency cannot make callers pile up without bound (they get an answer they
 * can act on: retry later). Framework-agnostic.
 */
export class Bulkhead {
  private active = 0;
  private refused = 0;

  constructor(readonly maxConcurrent: number) {
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw new RangeError('maxConcurrent must be an integer ≥ 1');
  }

  get inFlight(): number {
    return this.active;
  }

  /** Calls refused since creation. */
  get rejected(): number {
    return this.refused;
  }

  /** Takes a slot; false (and counted as refused) when all slots are taken. Pair with {@link release}. */
  tryAcquire(): boolean {
    if (this.active >= this.maxConcurrent) {
      this.refused++;
      return false;
    }
    this.active++;
    return true;
  }

  release(): void {
    if (this.active > 0) this.active--;
  }
}
