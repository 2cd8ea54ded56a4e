/**
 * A circuit breaker: stops calling a dependency that keeps failing, so callers fail fast (or fall
 * back to a cached answer) instead of piling up on timeouts, and lets a few probe calls through
 * after a pause to find out whether it has recovered. Framework-agnostic and clock-injectable.
 */

import type { CircuitBreakerSnapshot, CircuitState } from './circuit-breaker.types.js';

export type { CircuitBreakerSnapshot, CircuitState } from './circuit-breaker.types.js';

export interface CircuitBreakerOptions {
  /** Opens after this many failures in a row. */
  failureThreshold: number;
  /** Opens when failures / calls within the window reach this rate (0 < rate ≤ 1)… */
  errorRateThreshold: number;
  /** …provided the window holds at least this many calls (a rate over 2 calls means nothing). */
  minimumCalls: number;
  /** Length of the rolling window the error rate is measured over. */
  windowMs: number;
  /** How long the breaker stays open before it lets probes through. */
  openMs: number;
  /** How many probe calls may be in flight at once while half-open. */
  halfOpenProbes: number;
  /** Injectable clock (tests). */
  now?: () => number;
}

/**
 * Leave to make one call, from {@link CircuitBreaker.tryAcquire}. Report its outcome exactly once
 * with {@link CircuitBreaker.onSuccess}, {@link CircuitBreaker.onFailure} or {@link CircuitBreaker.onIgnored}.
 */
export interface CircuitPermit {
  /** The breaker's state epoch the permit was given in: outcomes of calls from an earlier epoch do not move the breaker. */
  readonly epoch: number;
  readonly probe: boolean;
}

/** Buckets of the rolling window: the rate is exact to one bucket (windowMs / BUCKETS). */
const BUCKETS = 10;

export class CircuitBreaker {
  private current: CircuitState = 'closed';
  private epoch = 0;
  private openedAt = 0;
  private consecutiveFailures = 0;
  private probesInFlight = 0;
  private openedCount = 0;
  private readonly bucketMs: number;
  /** Ring of [bucket index, calls, failures]; a slot whose index is stale counts as empty. */
  private readonly buckets: { index: number; calls: number; failures: number }[];
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    if (options.failureThreshold < 1) throw new RangeError('failureThreshold must be ≥ 1');
    if (!(options.errorRateThreshold > 0 && options.errorRateThreshold <= 1)) throw new RangeError('errorRateThreshold must be in (0, 1]');
    if (options.halfOpenProbes < 1) throw new RangeError('halfOpenProbes must be ≥ 1');
    if (options.windowMs < BUCKETS) throw new RangeError(`windowMs must be ≥ ${BUCKETS}`);
    this.now = options.now ?? Date.now;
    this.bucketMs = options.windowMs / BUCKETS;
    this.buckets = Array.from({ length: BUCKETS }, () => ({ index: -1, calls: 0, failures: 0 }));
  }

  /** The state now (an open breaker whose pause is over reads as half-open). */
  get state(): CircuitState {
    this.advance();
    return this.current;
  }

  /** Milliseconds until an open breaker lets probes through; 0 when not open. */
  remainingOpenMs(): number {
    this.advance();
    return this.current === 'open' ? Math.max(0, this.openedAt + this.options.openMs - this.now()) : 0;
  }

  /** A permit to call, or undefined when the call must be refused (open, or all probes taken). */
  tryAcquire(): CircuitPermit | undefined {
    this.advance();
    if (this.current === 'closed') return { epoch: this.epoch, probe: false };
    if (this.current === 'half_open' && this.probesInFlight < this.options.halfOpenProbes) {
      this.probesInFlight++;
      return { epoch: this.epoch, probe: true };
    }
    return undefined;
  }

  onSuccess(permit: CircuitPermit): void {
    if (!this.settle(permit)) return;
    if (permit.probe) return this.transition('closed');
    this.consecutiveFailures = 0;
    this.record(false);
  }

  onFailure(permit: CircuitPermit): void {
    if (!this.settle(permit)) return;
    if (permit.probe) return this.transition('open');
    this.consecutiveFailures++;
    const { calls, failures } = this.record(true);
    const rateTripped = calls >= this.options.minimumCalls && failures / calls >= this.options.errorRateThreshold;
    if (this.consecutiveFailures >= this.options.failureThreshold || rateTripped) this.transition('open');
  }

  /** The permitted call was not made or its outcome says nothing about the dependency's health. */
  onIgnored(permit: CircuitPermit): void {
    this.settle(permit);
  }

  snapshot(): CircuitBreakerSnapshot {
    const { calls, failures } = this.windowTotals();
    return {
      state: this.state,
      consecutiveFailures: this.consecutiveFailures,
      windowCalls: calls,
      windowFailures: failures,
      probesInFlight: this.probesInFlight,
      remainingOpenMs: this.remainingOpenMs(),
      opened: this.openedCount,
    };
  }

  /** Frees a probe slot; false when the permit is from an earlier epoch and must not move the breaker. */
  private settle(permit: CircuitPermit): boolean {
    if (permit.epoch !== this.epoch) return false;
    if (permit.probe) this.probesInFlight = Math.max(0, this.probesInFlight - 1);
    return true;
  }

  private advance(): void {
    if (this.current === 'open' && this.now() >= this.openedAt + this.options.openMs) this.transition('half_open');
  }

  private transition(next: CircuitState): void {
    this.current = next;
    this.epoch++;
    this.probesInFlight = 0;
    this.consecutiveFailures = 0;
    for (const bucket of this.buckets) bucket.index = -1;
    if (next === 'open') {
      this.openedAt = this.now();
      this.openedCount++;
    }
  }

  private record(failure: boolean): { calls: number; failures: number } {
    const index = Math.floor(this.now() / this.bucketMs);
    const bucket = this.buckets[index % BUCKETS];
    if (bucket.index !== index) Object.assign(bucket, { index, calls: 0, failures: 0 });
    bucket.calls++;
    if (failure) bucket.failures++;
    return this.windowTotals();
  }

  private windowTotals(): { calls: number; failures: number } {
    const oldest = Math.floor(this.now() / this.bucketMs) - BUCKETS + 1;
    let calls = 0;
    let failures = 0;
    for (const bucket of this.buckets) {
      if (bucket.index >= oldest) {
        calls += bucket.calls;
        failures += bucket.failures;
      }
    }
    return { calls, failures };
  }
}
