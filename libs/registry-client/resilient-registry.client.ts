import { Bulkhead } from '@motlan/resilience/bulkhead.js';
import { CircuitBreaker, type CircuitBreakerSnapshot } from '@motlan/resilience/circuit-breaker.js';
import { withDeadline } from '@motlan/resilience/deadline.js';
import { retry } from '@motlan/resilience/retry.js';
import {
  RegistryCallError,
  RegistryClient,
  type LookupContext,
  type RegistryDescription,
  type RegistryFailureKind,
  type RegistryHealth,
  type RegistryRecord,
} from './registry-client.port.js';

export interface ResilienceOptions {
  /** Time budget of one lookup, retries and backoff included, and of one describe. */
  timeoutMs: number;
  /** Calls in flight per registry; the excess is refused at once (kind `busy`). */
  maxConcurrency: number;
  /** Lookups only: total attempts (1 = no retry) and the base of the jittered exponential backoff. */
  retry: { attempts: number; backoffMs: number };
  breaker: {
    failureThreshold: number;
    errorRate: number;
    minCalls: number;
    windowMs: number;
    openMs: number;
    halfOpenProbes: number;
  };
  /** Injectable for tests. */
  now?: () => number;
  random?: () => number;
}

export type RegistryOperation = 'lookup' | 'describe';
export type CallOutcome = 'success' | RegistryFailureKind;
export type RejectionReason = 'busy' | 'circuit_open';

/** Told about every adapter call and refusal as it happens (metrics). */
export interface ResilienceObserver {
  /** One call to the adapter ended; each attempt of a retried lookup is one call. */
  callEnded(registry: string, operation: RegistryOperation, outcome: CallOutcome, seconds: number): void;
  /** A call was refused before reaching the adapter. */
  rejected(registry: string, reason: RejectionReason): void;
}

export interface RegistryResilienceState {
  registry: string;
  breaker: CircuitBreakerSnapshot;
  inFlight: number;
  maxConcurrency: number;
  calls: number;
  retries: number;
  errors: Partial<Record<RegistryFailureKind, number>>;
  rejected: Record<RejectionReason, number>;
}

/** A call the gateway refused itself (bulkhead full or breaker open); says when trying again makes sense. */
export class RegistryRejectedError extends RegistryCallError {
  constructor(
    registry: string,
    kind: RejectionReason,
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(registry, kind, message);
    this.name = 'RegistryRejectedError';
  }
}

interface Guard {
  breaker: CircuitBreaker;
  bulkhead: Bulkhead;
  calls: number;
  retries: number;
  errors: Partial<Record<RegistryFailureKind, number>>;
  rejected: Record<RejectionReason, number>;
}

/** What a busy caller is told to wait: slots free up within about one call. */
const BUSY_RETRY_AFTER_MS = 1000;

/**
 * Decorates a RegistryClient with, per registry: a deadline, a bulkhead, a circuit breaker, and
 * for lookups (idempotent reads) retries with jittered backoff within the deadline. A registry that
 * fails or hangs thus costs callers a fast 503 (or a STALE answer from cache) instead of threads
 * of waiting, and gets breathing room to recover. Describe shares the bulkhead and breaker but is
 * not retried here (the catalog retries it on its own schedule); health checks pass straight
 * through, since readiness must report what the adapter says, not what the breaker thinks.
 */
export class ResilientRegistryClient extends RegistryClient {
  private readonly guards = new Map<string, Guard>();
  private observer?: ResilienceObserver;

  constructor(
    private readonly inner: RegistryClient,
    private readonly options: ResilienceOptions,
  ) {
    super();
    for (const registry of inner.registries()) {
      this.guards.set(registry, {
        breaker: new CircuitBreaker({
          failureThreshold: options.breaker.failureThreshold,
          errorRateThreshold: options.breaker.errorRate,
          minimumCalls: options.breaker.minCalls,
          windowMs: options.breaker.windowMs,
          openMs: options.breaker.openMs,
          halfOpenProbes: options.breaker.halfOpenProbes,
          now: options.now,
        }),
        bulkhead: new Bulkhead(options.maxConcurrency),
        calls: 0,
        retries: 0,
        errors: {},
        rejected: { busy: 0, circuit_open: 0 },
      });
    }
  }

  /** Sets who is told about calls and refusals (one observer: the gateway's metrics). */
  observe(observer: ResilienceObserver): void {
    this.observer = observer;
  }

  registries(): string[] {
    return this.inner.registries();
  }

  describe(registry: string): Promise<RegistryDescription> {
    return this.attempt(registry, 'describe', this.options.timeoutMs, () => this.inner.describe(registry));
  }

  lookup(registry: string, dataset: string, subjectId: string, context: LookupContext): Promise<RegistryRecord> {
    return retry(
      ({ attempt, remainingMs }) => {
        if (attempt > 1) this.guards.get(registry)!.retries++;
        return this.attempt(registry, 'lookup', remainingMs, () => this.inner.lookup(registry, dataset, subjectId, context));
      },
      {
        attempts: this.options.retry.attempts,
        baseBackoffMs: this.options.retry.backoffMs,
        deadlineMs: this.options.timeoutMs,
        // Only transient faults of the adapter; never the caller's fault, an internal error, or our own refusals.
        isRetryable: (error) => error instanceof RegistryCallError && (error.kind === 'unavailable' || error.kind === 'timeout'),
        random: this.options.random,
        now: this.options.now,
      },
    );
  }

  health(registry: string): Promise<RegistryHealth> {
    return this.inner.health(registry);
  }

  /** Per-registry breaker, bulkhead and counts, for metrics and readiness. */
  states(): RegistryResilienceState[] {
    return [...this.guards.entries()].map(([registry, guard]) => this.toState(registry, guard));
  }

  state(registry: string): RegistryResilienceState | undefined {
    const guard = this.guards.get(registry);
    return guard && this.toState(registry, guard);
  }

  /** Nest calls lifecycle hooks on the provider only: pass the shutdown on to the wrapped client. */
  async onModuleDestroy(): Promise<void> {
    const inner = this.inner as RegistryClient & { onModuleDestroy?: () => unknown };
    await inner.onModuleDestroy?.();
  }

  private async attempt<T>(registry: string, operation: RegistryOperation, budgetMs: number, call: () => Promise<T>): Promise<T> {
    const guard = this.guards.get(registry);
    // Not a configured registry: the wrapped client answers (unavailable), nothing to protect.
    if (!guard) return call();
    const permit = guard.breaker.tryAcquire();
    if (!permit) {
      guard.rejected.circuit_open++;
      this.observer?.rejected(registry, 'circuit_open');
      const waitMs = guard.breaker.remainingOpenMs();
      throw new RegistryRejectedError(registry, 'circuit_open', `circuit open after repeated failures of registry ${registry}`, waitMs);
    }
    if (!guard.bulkhead.tryAcquire()) {
      guard.breaker.onIgnored(permit);
      guard.rejected.busy++;
      this.observer?.rejected(registry, 'busy');
      throw new RegistryRejectedError(registry, 'busy', `registry ${registry} has ${guard.bulkhead.maxConcurrent} calls in flight`, BUSY_RETRY_AFTER_MS);
    }
    guard.calls++;
    const started = performance.now();
    let work: Promise<T>;
    try {
      work = call();
    } catch (error) {
      work = Promise.reject(error);
    }
    // The slot is held until the adapter call really ends, even if we stop waiting for it earlier:
    // that is the load the adapter carries.
    const release = () => guard.bulkhead.release();
    work.then(release, release);
    try {
      const value = await withDeadline(work, budgetMs, () => new RegistryCallError(registry, 'timeout', `no answer from registry ${registry} within ${budgetMs} ms`));
      guard.breaker.onSuccess(permit);
      this.observer?.callEnded(registry, operation, 'success', (performance.now() - started) / 1000);
      return value;
    } catch (error) {
      const failure = error instanceof RegistryCallError ? error : new RegistryCallError(registry, 'internal', (error as Error)?.message ?? String(error));
      // A refused argument is the caller's fault and says nothing about the adapter's health.
      if (failure.kind === 'invalid_argument') guard.breaker.onIgnored(permit);
      else guard.breaker.onFailure(permit);
      guard.errors[failure.kind] = (guard.errors[failure.kind] ?? 0) + 1;
      this.observer?.callEnded(registry, operation, failure.kind, (performance.now() - started) / 1000);
      throw failure;
    }
  }

  private toState(registry: string, guard: Guard): RegistryResilienceState {
    return {
      registry,
      breaker: guard.breaker.snapshot(),
      inFlight: guard.bulkhead.inFlight,
      maxConcurrency: guard.bulkhead.maxConcurrent,
      calls: guard.calls,
      retries: guard.retries,
      errors: { ...guard.errors },
      rejected: { ...guard.rejected },
    };
  }
}
