import { Bulkhead } from '@motlan/resilience/bulkhead.js';
import { CircuitBreaker } from '@motlan/resilience/circuit-breaker.js';
import { withDeadline } from '@motlan/resilience/deadline.js';
import { retry } from '@motlan/resilience/retry.js';
import {
  RegistryCallError,
  type AdapterConnection,
  type DeliveryAckResult,
  type LookupContext,
  type RecordEventDelivery,
  type RegistryDescription,
  type RegistryFailureKind,
  type RegistryHealth,
  type RegistryRecord,
} from './registry-client.port.js';
import type { AdapterResilienceState, BreakerOptions, RecentFigures, RejectionReason } from './adapter-resilience.types.js';

export type { AdapterResilienceState, BreakerOptions, RecentFigures, RejectionReason } from './adapter-resilience.types.js';

export interface ResilienceOptions {
  /** Time budget of one lookup, retries and backoff included, and of one describe. */
  timeoutMs: number;
  /** Calls in flight to this adapter; the excess is refused at once (kind `busy`). */
  maxConcurrency: number;
  /** Lookups only: total attempts (1 = no retry) and the base of the jittered exponential backoff. */
  retry: { attempts: number; backoffMs: number };
  breaker: BreakerOptions;
  /** Injectable for tests. */
  now?: () => number;
  random?: () => number;
}

export type RegistryOperation = 'lookup' | 'describe';

/** Floor of a Describe's deadline, whatever the adapter's lookup timeout. */
export const DESCRIBE_MIN_TIMEOUT_MS = 5000;
export type CallOutcome = 'success' | RegistryFailureKind;

/** Which adapter a call or refusal concerns. */
export interface AdapterRef {
  id: string;
  registry: string;
}

/** Told about every adapter call and refusal as it happens (metrics). */
export interface ResilienceObserver {
  /** One call to the adapter ended; each attempt of a retried lookup is one call. */
  callEnded(adapter: AdapterRef, operation: RegistryOperation, outcome: CallOutcome, seconds: number): void;
  /** A call was refused before reaching the adapter. */
  rejected(adapter: AdapterRef, reason: RejectionReason): void;
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

/** What a busy caller is told to wait: slots free up within about one call. */
const BUSY_RETRY_AFTER_MS = 1000;
const RECENT_CALLS = 512;
const RECENT_WINDOW_MS = 60_000;

/**
 * One adapter endpoint behind its own deadline, bulkhead and circuit breaker, with retries and
 * jittered backoff for lookups (idempotent reads) within the deadline, all set per adapter from its
 * manifest. A registry that fails or hangs thus costs callers a fast 503 (or a STALE answer, or a
 * failover to a replica) instead of threads of waiting, and gets breathing room to recover.
 * Describe shares the bulkhead and breaker but is not retried (the pool retries it on its own
 * schedule); health checks pass straight through, since readiness must report what the adapter
 * says, not what the breaker thinks.
 */
export class GuardedAdapter {
  private readonly breaker: CircuitBreaker;
  private readonly bulkhead: Bulkhead;
  private calls = 0;
  private retries = 0;
  private readonly errors: Partial<Record<RegistryFailureKind, number>> = {};
  private readonly rejectedCounts: Record<RejectionReason, number> = { busy: 0, circuit_open: 0 };
  /** Ring of recent calls: end time, duration, failed. Preallocated: no allocation per call. */
  private readonly recentEnd = new Float64Array(RECENT_CALLS);
  private readonly recentMs = new Float64Array(RECENT_CALLS);
  private readonly recentFailed = new Uint8Array(RECENT_CALLS);
  private recentNext = 0;
  private readonly idle = new Set<() => void>();
  private readonly now: () => number;

  constructor(
    readonly ref: AdapterRef,
    private readonly connection: AdapterConnection,
    readonly options: ResilienceOptions,
    private readonly observer?: ResilienceObserver,
  ) {
    this.now = options.now ?? Date.now;
    this.breaker = new CircuitBreaker({
      failureThreshold: options.breaker.failureThreshold,
      errorRateThreshold: options.breaker.errorRate,
      minimumCalls: options.breaker.minCalls,
      windowMs: options.breaker.windowMs,
      openMs: options.breaker.openMs,
      halfOpenProbes: options.breaker.halfOpenProbes,
      now: options.now,
    });
    this.bulkhead = new Bulkhead(options.maxConcurrency);
  }

  get id(): string {
    return this.ref.id;
  }

  get registry(): string {
    return this.ref.registry;
  }

  describe(): Promise<RegistryDescription> {
    // The lookup deadline is tuned for warm connections; a Describe usually opens the connection
    // (TCP, TLS, HTTP/2) and is off the hot path, so it gets at least DESCRIBE_MIN_TIMEOUT_MS. A
    // registration once failed as "unreachable" on a loaded CI machine with a 1.5 s lookup deadline.
    return this.attempt('describe', Math.max(this.options.timeoutMs, DESCRIBE_MIN_TIMEOUT_MS), (budgetMs) => this.connection.describe(budgetMs));
  }

  lookup(dataset: string, subjectId: string, context: LookupContext): Promise<RegistryRecord> {
    return retry(
      ({ attempt, remainingMs }) => {
        if (attempt > 1) this.retries++;
        return this.attempt('lookup', remainingMs, (budgetMs) => this.connection.lookup(dataset, subjectId, context, budgetMs));
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

  health(): Promise<RegistryHealth> {
    return this.connection.health(Math.min(this.options.timeoutMs, 2000));
  }

  /**
   * Relays one event. Past the bulkhead and breaker, like health checks: deliveries come from a
   * background relay that waits out a registry's outage itself, and must not open the breaker
   * that guards the lookups counters depend on.
   */
  deliver(event: RecordEventDelivery, timeoutMs: number): Promise<DeliveryAckResult> {
    if (!this.connection.deliver) return Promise.reject(new RegistryCallError(this.registry, 'internal', `adapter ${this.id} takes no deliveries`));
    return this.connection.deliver(event, timeoutMs);
  }

  /** Whether the breaker would refuse a call now (replicas with an open breaker are tried last). */
  get refusing(): boolean {
    return this.breaker.snapshot().state === 'open';
  }

  get inFlight(): number {
    return this.bulkhead.inFlight;
  }

  /**
   * Resolves when no call is in flight any more, or after `maxMs` (calls still running then are
   * cut off by close()). Callers stop routing to the adapter first, so no new call starts.
   */
  drain(maxMs: number): Promise<{ drained: boolean; waitedMs: number }> {
    const started = this.now();
    if (this.bulkhead.inFlight === 0) return Promise.resolve({ drained: true, waitedMs: 0 });
    return new Promise((resolve) => {
      const done = (drained: boolean) => {
        clearTimeout(timer);
        this.idle.delete(onIdle);
        resolve({ drained, waitedMs: this.now() - started });
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), maxMs);
      this.idle.add(onIdle);
    });
  }

  close(): void {
    this.connection.close();
  }

  state(): AdapterResilienceState {
    return {
      id: this.ref.id,
      registry: this.ref.registry,
      breaker: this.breaker.snapshot(),
      inFlight: this.bulkhead.inFlight,
      maxConcurrency: this.bulkhead.maxConcurrent,
      calls: this.calls,
      retries: this.retries,
      errors: { ...this.errors },
      rejected: { ...this.rejectedCounts },
      recent: this.recent(),
    };
  }

  private recent(): RecentFigures {
    const since = this.now() - RECENT_WINDOW_MS;
    const durations: number[] = [];
    let errors = 0;
    for (let i = 0; i < RECENT_CALLS; i++) {
      if (this.recentEnd[i] === 0 || this.recentEnd[i] < since) continue;
      durations.push(this.recentMs[i]);
      errors += this.recentFailed[i];
    }
    durations.sort((a, b) => a - b);
    const at = (q: number) => round(durations[Math.min(durations.length - 1, Math.floor(q * durations.length))]);
    return {
      windowMs: RECENT_WINDOW_MS,
      calls: durations.length,
      errors,
      errorRate: durations.length ? Math.round((errors / durations.length) * 1000) / 1000 : 0,
      latencyMs: durations.length ? { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(durations[durations.length - 1]) } : null,
    };
  }

  private async attempt<T>(operation: RegistryOperation, budgetMs: number, call: (budgetMs: number) => Promise<T>): Promise<T> {
    const { registry } = this.ref;
    const permit = this.breaker.tryAcquire();
    if (!permit) {
      this.rejectedCounts.circuit_open++;
      this.observer?.rejected(this.ref, 'circuit_open');
      const waitMs = this.breaker.remainingOpenMs();
      throw new RegistryRejectedError(
        registry,
        'circuit_open',
        `circuit open after repeated failures of registry ${registry} (adapter ${this.ref.id})`,
        waitMs,
      );
    }
    if (!this.bulkhead.tryAcquire()) {
      this.breaker.onIgnored(permit);
      this.rejectedCounts.busy++;
      this.observer?.rejected(this.ref, 'busy');
      throw new RegistryRejectedError(
        registry,
        'busy',
        `registry ${registry} (adapter ${this.ref.id}) has ${this.bulkhead.maxConcurrent} calls in flight`,
        BUSY_RETRY_AFTER_MS,
      );
    }
    this.calls++;
    const started = performance.now();
    let work: Promise<T>;
    try {
      work = call(budgetMs);
    } catch (error) {
      work = Promise.reject(error);
    }
    // The slot is held until the adapter call really ends, even if we stop waiting for it earlier:
    // that is the load the adapter carries.
    const release = () => {
      this.bulkhead.release();
      if (this.bulkhead.inFlight === 0) for (const notify of [...this.idle]) notify();
    };
    work.then(release, release);
    try {
      const value = await withDeadline(
        work,
        budgetMs,
        () => new RegistryCallError(registry, 'timeout', `no answer from registry ${registry} within ${budgetMs} ms`),
      );
      this.breaker.onSuccess(permit);
      this.record(started, false);
      this.observer?.callEnded(this.ref, operation, 'success', (performance.now() - started) / 1000);
      return value;
    } catch (error) {
      const failure = error instanceof RegistryCallError ? error : new RegistryCallError(registry, 'internal', (error as Error)?.message ?? String(error));
      // A refused argument is the caller's fault and says nothing about the adapter's health.
      if (failure.kind === 'invalid_argument') this.breaker.onIgnored(permit);
      else this.breaker.onFailure(permit);
      this.errors[failure.kind] = (this.errors[failure.kind] ?? 0) + 1;
      this.record(started, failure.kind !== 'invalid_argument');
      this.observer?.callEnded(this.ref, operation, failure.kind, (performance.now() - started) / 1000);
      throw failure;
    }
  }

  private record(started: number, failed: boolean): void {
    const i = this.recentNext;
    this.recentEnd[i] = this.now();
    this.recentMs[i] = performance.now() - started;
    this.recentFailed[i] = failed ? 1 : 0;
    this.recentNext = (i + 1) % RECENT_CALLS;
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
