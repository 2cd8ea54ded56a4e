/**
 * Settings of the lag monitor: defaults and their checks. The gateway reads them from the
 * MOTLAN_LAG_* variables with its one configuration reader (apps/gateway/src/config/gateway.config.ts);
 * documented for operators in docs/sync-monitoring.md.
 */
import type { LagMonitorSettings } from './lag.types.js';

export type { LagMonitorSettings } from './lag.types.js';

export const DEFAULT_LAG_SETTINGS: Readonly<LagMonitorSettings> = Object.freeze({
  intervalMs: 5_000,
  windowMs: 60_000,
  allowance: 100,
  stopAfterMs: 120_000,
  historyMs: 3_600_000,
});

/**
 * Throws a RangeError listing every problem. The relations matter for the rules to mean anything:
 * a window shorter than the interval would never hold two samples, STOP must take longer than a
 * window (otherwise STALL could never be seen first), and the history must hold a whole window.
 */
export function validateLagSettings(settings: LagMonitorSettings): LagMonitorSettings {
  const problems: string[] = [];
  const { intervalMs, windowMs, allowance, stopAfterMs, historyMs } = settings;
  const positive = (name: keyof LagMonitorSettings, value: number) => {
    if (!Number.isFinite(value) || value <= 0) problems.push(`${name} must be a positive number of milliseconds (got ${value})`);
  };
  positive('intervalMs', intervalMs);
  positive('windowMs', windowMs);
  positive('stopAfterMs', stopAfterMs);
  positive('historyMs', historyMs);
  if (!Number.isSafeInteger(allowance) || allowance < 0) problems.push(`allowance must be a whole number of messages ≥ 0 (got ${allowance})`);
  if (problems.length === 0) {
    if (windowMs < intervalMs) problems.push(`windowMs (${windowMs}) must be at least intervalMs (${intervalMs})`);
    if (stopAfterMs <= windowMs) problems.push(`stopAfterMs (${stopAfterMs}) must be greater than windowMs (${windowMs})`);
    if (historyMs < windowMs) problems.push(`historyMs (${historyMs}) must be at least windowMs (${windowMs})`);
  }
  if (problems.length > 0) throw new RangeError(`Invalid lag monitor settings: ${problems.join('; ')}`);
  return settings;
}
