/**
 * An adapter's resilience settings and state as the adapter API shows them (guarded-adapter.ts,
 * registry-client.port.ts). Types only, importing nothing but other types-only modules: the /ops page's browser code
 * (tsconfig.ops-page.json) types its answers with them, so a change here breaks the page's type
 * check, and the erased imports put no server code in its bundle.
 */
import type { CircuitBreakerSnapshot } from '@motlan/resilience/circuit-breaker.types.js';

export type RegistryHealth = 'SERVING' | 'NOT_SERVING' | 'UNKNOWN';

/**
 * Why a registry call failed; decides between 503 (retry later) and 400 (caller's fault). `busy`
 * (too many calls in flight) and `circuit_open` (the registry kept failing) are refusals by the
 * gateway itself before any call is made (see ResilientRegistryClient).
 */
export type RegistryFailureKind = 'unavailable' | 'timeout' | 'invalid_argument' | 'internal' | 'busy' | 'circuit_open';

export type RejectionReason = 'busy' | 'circuit_open';

export interface BreakerOptions {
  failureThreshold: number;
  errorRate: number;
  minCalls: number;
  windowMs: number;
  openMs: number;
  halfOpenProbes: number;
}

/** Figures over the last RECENT_WINDOW_MS (at most RECENT_CALLS calls), for the health endpoint. */
export interface RecentFigures {
  windowMs: number;
  calls: number;
  errors: number;
  errorRate: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number } | null;
}

export interface AdapterResilienceState {
  id: string;
  registry: string;
  breaker: CircuitBreakerSnapshot;
  inFlight: number;
  maxConcurrency: number;
  calls: number;
  retries: number;
  errors: Partial<Record<RegistryFailureKind, number>>;
  rejected: Record<RejectionReason, number>;
  recent: RecentFigures;
}
