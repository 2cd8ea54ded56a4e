/**
 * Faults of one simulated registry (or of the simulated national portal): added latency, a rate of
 * failed calls, or the service down altogether (every call UNAVAILABLE and health NOT_SERVING).
 * Used by resilience tests and demos.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidRequestError, RegistryUnavailableError } from './sim-errors.js';

export interface FaultSettings {
  /** Added to every call, in milliseconds. */
  latencyMs: number;
  /** Share of lookups, or of the simulated portal's deliveries (0..1), that fail with UNAVAILABLE. */
  errorRate: number;
  /** Every call fails with UNAVAILABLE and health reports NOT_SERVING. */
  down: boolean;
}

export type FaultPatch = Partial<FaultSettings>;

export const NO_FAULTS: Readonly<FaultSettings> = Object.freeze({ latencyMs: 0, errorRate: 0, down: false });

/** Longest latency one may inject: above the gateway's deadlines already, and keeps tests from hanging. */
export const MAX_LATENCY_MS = 60_000;

/**
 * Validates a fault patch from JSON (HTTP body or SIM_FAULTS).
 * @throws InvalidRequestError naming the offending key
 */
export function parseFaultPatch(value: unknown, where = 'faults'): FaultPatch {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequestError(`${where} must be an object with latencyMs, errorRate and/or down`);
  }
  const patch: FaultPatch = {};
  for (const [key, v] of Object.entries(value)) {
    switch (key) {
      case 'latencyMs':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_LATENCY_MS) {
          throw new InvalidRequestError(`${where}.latencyMs must be an integer from 0 to ${MAX_LATENCY_MS}`);
        }
        patch.latencyMs = v;
        break;
      case 'errorRate':
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
          throw new InvalidRequestError(`${where}.errorRate must be a number from 0 to 1`);
        }
        patch.errorRate = v;
        break;
      case 'down':
        if (typeof v !== 'boolean') throw new InvalidRequestError(`${where}.down must be true or false`);
        patch.down = v;
        break;
      default:
        throw new InvalidRequestError(`${where}.${key} is not a fault setting (latencyMs, errorRate, down)`);
    }
  }
  return patch;
}

export class FaultInjector {
  private current: FaultSettings = { ...NO_FAULTS };
  private readonly listeners = new Set<(serving: boolean) => void>();

  constructor(
    initial: FaultPatch = {},
    /** Source of randomness for errorRate; injectable so tests can be exact. */
    private readonly random: () => number = Math.random,
  ) {
    this.update(initial);
  }

  get settings(): FaultSettings {
    return { ...this.current };
  }

  get serving(): boolean {
    return !this.current.down;
  }

  /** Merges `patch` into the current settings. */
  update(patch: FaultPatch): FaultSettings {
    const wasServing = this.serving;
    this.current = { ...this.current, ...patch };
    if (wasServing !== this.serving) for (const listener of this.listeners) listener(this.serving);
    return this.settings;
  }

  reset(): FaultSettings {
    return this.update({ ...NO_FAULTS });
  }

  /** Called with the new health status whenever `down` flips. Returns the unsubscribe function. */
  onServingChange(listener: (serving: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Applies the faults to one call: fails at once when down (like a closed port would), otherwise
   * waits the latency, then fails a lookup or a portal delivery (never a Describe) with probability
   * errorRate.
   * @throws RegistryUnavailableError
   */
  async apply(kind: 'lookup' | 'describe' | 'deliver'): Promise<void> {
    if (this.current.down) throw new RegistryUnavailableError('registry is down (simulated)');
    if (this.current.latencyMs > 0) await sleep(this.current.latencyMs);
    if (this.current.down) throw new RegistryUnavailableError('registry went down (simulated)');
    if (kind !== 'describe' && this.current.errorRate > 0 && this.random() < this.current.errorRate) {
      throw new RegistryUnavailableError('registry failed the call (simulated error rate)');
    }
  }
}
