import { DEFAULT_SERVICE_THRESHOLDS, type ServiceThresholds } from '@motlan/service-indicators/service-colour.js';
import { DEFAULT_WORKING_HOURS, type WorkingHours } from '@motlan/service-indicators/vietnam-calendar.js';
import { DEFAULT_INDICATOR_STATE_OPTIONS } from '@motlan/service-indicators/indicator-state.js';

/** Settings of the service indicators (docs/service-indicators.md lists every variable). */
export interface ServiceIndicatorsConfig {
  retentionDays: number;
  snapshotIntervalMs: number;
  publishIntervalMs: number;
  workingHours: WorkingHours;
  thresholds: ServiceThresholds;
}

type Env = Record<string, string | undefined>;

/** Thrown with the variable's name; the gateway config turns it into its ConfigError line. */
export class ServiceIndicatorsConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
  ) {
    super(`${variable} ${expected}`);
  }
}

function num(env: Env, name: string, fallback: number, min: number, max: number, integer = false): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new ServiceIndicatorsConfigError(name, `must be ${integer ? 'a whole number' : 'a number'} between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function pair(env: Env, prefix: string, fallback: { yellowBelow: number; redBelow: number }): { yellowBelow: number; redBelow: number } {
  const yellowBelow = num(env, `${prefix}_YELLOW_BELOW`, fallback.yellowBelow, 0, 1);
  const redBelow = num(env, `${prefix}_RED_BELOW`, fallback.redBelow, 0, 1);
  if (redBelow > yellowBelow) throw new ServiceIndicatorsConfigError(`${prefix}_RED_BELOW`, `must not be above ${prefix}_YELLOW_BELOW (${yellowBelow})`);
  return { yellowBelow, redBelow };
}

function workingHours(env: Env): WorkingHours {
  const raw = env.MOTLAN_WORKING_HOURS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_WORKING_HOURS;
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(raw.trim());
  const start = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  const end = m ? Number(m[3]) * 60 + Number(m[4]) : NaN;
  if (!(end > start))
    throw new ServiceIndicatorsConfigError('MOTLAN_WORKING_HOURS', `must be HH:MM-HH:MM with the end after the start (Vietnam time), got "${raw}"`);
  return { startMinute: start, endMinute: end };
}

export function loadServiceIndicatorsConfig(env: Env): ServiceIndicatorsConfig {
  const d = DEFAULT_SERVICE_THRESHOLDS;
  const overdueYellow = num(env, 'MOTLAN_SERVICE_OVERDUE_YELLOW_FROM', d.overdueNow.yellowFrom, 1, 1_000_000, true);
  const overdueRed = num(env, 'MOTLAN_SERVICE_OVERDUE_RED_FROM', d.overdueNow.redFrom, 1, 1_000_000, true);
  if (overdueRed < overdueYellow)
    throw new ServiceIndicatorsConfigError('MOTLAN_SERVICE_OVERDUE_RED_FROM', `must not be below MOTLAN_SERVICE_OVERDUE_YELLOW_FROM (${overdueYellow})`);
  return {
    retentionDays: num(env, 'MOTLAN_INDICATORS_RETENTION_DAYS', DEFAULT_INDICATOR_STATE_OPTIONS.retentionDays, 31, 3660, true),
    snapshotIntervalMs: num(env, 'MOTLAN_INDICATORS_SNAPSHOT_INTERVAL_MS', 60_000, 1000, 3_600_000, true),
    publishIntervalMs: num(env, 'MOTLAN_INDICATORS_PUBLISH_INTERVAL_MS', 5000, 200, 600_000, true),
    workingHours: workingHours(env),
    thresholds: {
      silentAfterWorkingHours: num(env, 'MOTLAN_SILENT_AFTER_WORKING_HOURS', d.silentAfterWorkingHours, 0.5, 2000),
      minDossiers: num(env, 'MOTLAN_SERVICE_MIN_DOSSIERS', d.minDossiers, 1, 1_000_000, true),
      onlineShare: pair(env, 'MOTLAN_SERVICE_ONLINE_SHARE', d.onlineShare),
      onTimeShare: pair(env, 'MOTLAN_SERVICE_ON_TIME_SHARE', d.onTimeShare),
      electronicResultShare: pair(env, 'MOTLAN_SERVICE_ELECTRONIC_RESULT_SHARE', d.electronicResultShare),
      overdueNow: { yellowFrom: overdueYellow, redFrom: overdueRed },
      provinceSilentShare: num(env, 'MOTLAN_PROVINCE_SILENT_SHARE', d.provinceSilentShare, 0, 1),
      provinceRedShare: num(env, 'MOTLAN_PROVINCE_RED_SHARE', d.provinceRedShare, 0, 1),
      provinceGreenShare: num(env, 'MOTLAN_PROVINCE_GREEN_SHARE', d.provinceGreenShare, 0, 1),
    },
  };
}
