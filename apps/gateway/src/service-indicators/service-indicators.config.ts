import { EnvReader, InvalidConfigError, type ConfigProblem, type Env } from '@motlan/config/env-reader.js';
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

/** Every bad variable of the service indicators; the gateway lists them with its own (ConfigError). */
export class ServiceIndicatorsConfigError extends InvalidConfigError {
  constructor(problems: readonly ConfigProblem[]) {
    super(problems);
    this.name = 'ServiceIndicatorsConfigError';
  }
}

function pair(env: EnvReader, prefix: string, fallback: { yellowBelow: number; redBelow: number }): { yellowBelow: number; redBelow: number } {
  const yellowBelow = env.number(`${prefix}_YELLOW_BELOW`, fallback.yellowBelow, 0, 1);
  const redBelow = env.number(`${prefix}_RED_BELOW`, fallback.redBelow, 0, 1);
  env.require(redBelow <= yellowBelow, `${prefix}_RED_BELOW`, `must not be above ${prefix}_YELLOW_BELOW (${yellowBelow})`, [`${prefix}_YELLOW_BELOW`]);
  return { yellowBelow, redBelow };
}

function workingHours(env: EnvReader): WorkingHours {
  const raw = env.optional('MOTLAN_WORKING_HOURS');
  if (raw === undefined) return DEFAULT_WORKING_HOURS;
  const m = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(raw);
  const start = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  const end = m ? Number(m[3]) * 60 + Number(m[4]) : NaN;
  if (end > start) return { startMinute: start, endMinute: end };
  env.problem('MOTLAN_WORKING_HOURS', `must be HH:MM-HH:MM with the end after the start (Vietnam time), got "${raw}"`);
  return DEFAULT_WORKING_HOURS;
}

/** @throws ServiceIndicatorsConfigError listing every bad variable */
export function loadServiceIndicatorsConfig(variables: Env): ServiceIndicatorsConfig {
  const env = new EnvReader(variables);
  const d = DEFAULT_SERVICE_THRESHOLDS;
  const overdueYellow = env.int('MOTLAN_SERVICE_OVERDUE_YELLOW_FROM', d.overdueNow.yellowFrom, 1, 1_000_000);
  const overdueRed = env.int('MOTLAN_SERVICE_OVERDUE_RED_FROM', d.overdueNow.redFrom, 1, 1_000_000);
  env.require(overdueRed >= overdueYellow, 'MOTLAN_SERVICE_OVERDUE_RED_FROM', `must not be below MOTLAN_SERVICE_OVERDUE_YELLOW_FROM (${overdueYellow})`, [
    'MOTLAN_SERVICE_OVERDUE_YELLOW_FROM',
  ]);
  const config: ServiceIndicatorsConfig = {
    retentionDays: env.int('MOTLAN_INDICATORS_RETENTION_DAYS', DEFAULT_INDICATOR_STATE_OPTIONS.retentionDays, 31, 3660),
    snapshotIntervalMs: env.int('MOTLAN_INDICATORS_SNAPSHOT_INTERVAL_MS', 60_000, 1000, 3_600_000),
    publishIntervalMs: env.int('MOTLAN_INDICATORS_PUBLISH_INTERVAL_MS', 5000, 200, 600_000),
    workingHours: workingHours(env),
    thresholds: {
      silentAfterWorkingHours: env.number('MOTLAN_SILENT_AFTER_WORKING_HOURS', d.silentAfterWorkingHours, 0.5, 2000),
      minDossiers: env.int('MOTLAN_SERVICE_MIN_DOSSIERS', d.minDossiers, 1, 1_000_000),
      onlineShare: pair(env, 'MOTLAN_SERVICE_ONLINE_SHARE', d.onlineShare),
      onTimeShare: pair(env, 'MOTLAN_SERVICE_ON_TIME_SHARE', d.onTimeShare),
      electronicResultShare: pair(env, 'MOTLAN_SERVICE_ELECTRONIC_RESULT_SHARE', d.electronicResultShare),
      overdueNow: { yellowFrom: overdueYellow, redFrom: overdueRed },
      provinceSilentShare: env.number('MOTLAN_PROVINCE_SILENT_SHARE', d.provinceSilentShare, 0, 1),
      provinceRedShare: env.number('MOTLAN_PROVINCE_RED_SHARE', d.provinceRedShare, 0, 1),
      provinceGreenShare: env.number('MOTLAN_PROVINCE_GREEN_SHARE', d.provinceGreenShare, 0, 1),
    },
  };
  env.throwIfInvalid(ServiceIndicatorsConfigError);
  return config;
}
