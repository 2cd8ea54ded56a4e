/**
 * A circuit breaker's state as the adapter health endpoint shows it (circuit-breaker.ts).
 * Types only, importing nothing but other types-only modules: the /ops page's browser code
 * (tsconfig.ops-page.json) types its answers with them, so a change here breaks the page's type
 * check, and the erased imports put no server code in its bundle.
 */

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerSnapshot {
  state: CircuitState;
  consecutiveFailures: number;
  windowCalls: number;
  windowFailures: number;
  probesInFlight: number;
  /** Milliseconds until an open breaker lets probes through (0 unless open). */
  remainingOpenMs: number;
  /** Times the breaker has opened since it was created. */
  opened: number;
}
