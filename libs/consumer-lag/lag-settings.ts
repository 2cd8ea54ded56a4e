/**
 * Settings of the lag monitor: defaults, the environment variables the gateway reads them from,
 * and their checks. Documented for operators in docs/sync-monitoring.md.
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

export const LAG_SETTINGS_ENV: Readonly<Record<keyof LagMonitorSettings, string>> = Object.freeze({
  intervalMs: 'MOTLAN_LAG_INTERVAL_MS',
  windowMs: 'MOTLAN_LAG_WINDOW_MS',
  allowance: 'MOTLAN_LAG_ALLOWANCE',
  stopAfterMs: 'MOTLAN_LAG_STOP_AFTER_MS',
  historyMs: 'MOTLAN_LAG_HISTORY_MS',
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

/**
 * The settings from MOTLAN_LAG_* variables (unset or empty = default), validated. A value that is
 * not a whole decimal number is refused with the variable's name, rather than silently defaulted.
 */
export function lagSettingsFromEnv(env: Record<string, string | undefined> = process.env): LagMonitorSettings {
  const settings = { ...DEFAULT_LAG_SETTINGS };
  for (const key of Object.keys(LAG_SETTINGS_ENV) as (keyof LagMonitorSettings)[]) {
    const name = LAG_SETTINGS_ENV[key];
    const raw = env[name]?.trim();
    if (!raw) continue;
    if (!/^\d+$/.test(raw)) throw new RangeError(`${name} must be a whole number ≥ 0 (got "${raw}")`);
    settings[key] = Number(raw);
  }
  try {
    return validateLagSettings(settings);
  } catch (error) {
    const names = Object.values(LAG_SETTINGS_ENV).join(', ');
    throw new RangeError(`${(error as Error).message} (from ${names})`);
  }
}
