import { describe, expect, it } from '@jest/globals';
import { DEFAULT_SERVICE_THRESHOLDS } from '@motlan/service-indicators/service-colour.js';
import { loadGatewayConfig } from '../config/gateway.config.js';
import { loadServiceIndicatorsConfig } from './service-indicators.config.js';

describe('service indicators settings', () => {
  it('defaults to the documented thresholds and office hours', () => {
    expect(loadServiceIndicatorsConfig({})).toEqual({
      retentionDays: 400,
      snapshotIntervalMs: 60_000,
      publishIntervalMs: 5000,
      workingHours: { startMinute: 450, endMinute: 1020 },
      thresholds: DEFAULT_SERVICE_THRESHOLDS,
    });
  });

  it('takes every variable', () => {
    const config = loadServiceIndicatorsConfig({
      MOTLAN_SILENT_AFTER_WORKING_HOURS: '8',
      MOTLAN_WORKING_HOURS: '08:00-16:30',
      MOTLAN_SERVICE_ONLINE_SHARE_YELLOW_BELOW: '0.7',
      MOTLAN_SERVICE_ONLINE_SHARE_RED_BELOW: '0.3',
      MOTLAN_SERVICE_OVERDUE_RED_FROM: '3',
      MOTLAN_PROVINCE_GREEN_SHARE: '0.95',
      MOTLAN_INDICATORS_RETENTION_DAYS: '90',
    });
    expect(config.thresholds).toMatchObject({
      silentAfterWorkingHours: 8,
      onlineShare: { yellowBelow: 0.7, redBelow: 0.3 },
      overdueNow: { yellowFrom: 1, redFrom: 3 },
      provinceGreenShare: 0.95,
    });
    expect(config.workingHours).toEqual({ startMinute: 480, endMinute: 990 });
    expect(config.retentionDays).toBe(90);
  });

  it.each([
    [{ MOTLAN_SILENT_AFTER_WORKING_HOURS: 'two days' }, 'MOTLAN_SILENT_AFTER_WORKING_HOURS must be a number'],
    [{ MOTLAN_WORKING_HOURS: '17:00-07:30' }, 'MOTLAN_WORKING_HOURS must be HH:MM-HH:MM'],
    [{ MOTLAN_SERVICE_ON_TIME_SHARE_RED_BELOW: '0.99' }, 'MOTLAN_SERVICE_ON_TIME_SHARE_RED_BELOW must not be above'],
    [{ MOTLAN_PROVINCE_RED_SHARE: '1.5' }, 'MOTLAN_PROVINCE_RED_SHARE must be a number between 0 and 1'],
    [{ MOTLAN_INDICATORS_RETENTION_DAYS: '7' }, 'MOTLAN_INDICATORS_RETENTION_DAYS must be an integer between 31'],
  ])('stops the gateway with one line naming the variable: %j', (env, message) => {
    expect(() => loadGatewayConfig(env)).toThrow(`invalid configuration: ${message}`);
  });
});
