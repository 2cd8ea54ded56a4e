import { DEFAULT_LAG_SETTINGS, LAG_SETTINGS_ENV, lagSettingsFromEnv, validateLagSettings } from './lag-settings.js';

describe('lag monitor settings', () => {
  it('defaults: 5 s interval, 60 s window, 100 messages, STOP after 120 s, 1 h of history', () => {
    expect(lagSettingsFromEnv({})).toEqual({ intervalMs: 5000, windowMs: 60_000, allowance: 100, stopAfterMs: 120_000, historyMs: 3_600_000 });
    expect(validateLagSettings({ ...DEFAULT_LAG_SETTINGS })).toEqual(DEFAULT_LAG_SETTINGS);
  });

  it('reads the MOTLAN_LAG_* variables; unset or empty means the default', () => {
    expect(Object.values(LAG_SETTINGS_ENV)).toEqual([
      'MOTLAN_LAG_INTERVAL_MS',
      'MOTLAN_LAG_WINDOW_MS',
      'MOTLAN_LAG_ALLOWANCE',
      'MOTLAN_LAG_STOP_AFTER_MS',
      'MOTLAN_LAG_HISTORY_MS',
    ]);
    expect(
      lagSettingsFromEnv({
        MOTLAN_LAG_INTERVAL_MS: '1000',
        MOTLAN_LAG_WINDOW_MS: ' 10000 ',
        MOTLAN_LAG_ALLOWANCE: '0',
        MOTLAN_LAG_STOP_AFTER_MS: '30000',
        MOTLAN_LAG_HISTORY_MS: '',
      }),
    ).toEqual({ intervalMs: 1000, windowMs: 10_000, allowance: 0, stopAfterMs: 30_000, historyMs: 3_600_000 });
  });

  it.each([
    [{ MOTLAN_LAG_ALLOWANCE: 'lots' }, /MOTLAN_LAG_ALLOWANCE must be a whole number ≥ 0 \(got "lots"\)/],
    [{ MOTLAN_LAG_WINDOW_MS: '60s' }, /MOTLAN_LAG_WINDOW_MS must be a whole number/],
    [{ MOTLAN_LAG_STOP_AFTER_MS: '60000' }, /stopAfterMs \(60000\) must be greater than windowMs \(60000\).*MOTLAN_LAG_STOP_AFTER_MS/],
    [{ MOTLAN_LAG_INTERVAL_MS: '0' }, /intervalMs must be a positive number/],
    [{ MOTLAN_LAG_INTERVAL_MS: '90000' }, /windowMs \(60000\) must be at least intervalMs \(90000\)/],
    [{ MOTLAN_LAG_HISTORY_MS: '30000' }, /historyMs \(30000\) must be at least windowMs/],
  ])('refuses %j', (env, message) => {
    expect(() => lagSettingsFromEnv(env)).toThrow(message);
  });

  it('refuses a fractional or negative allowance', () => {
    expect(() => validateLagSettings({ ...DEFAULT_LAG_SETTINGS, allowance: 1.5 })).toThrow(/allowance must be a whole number/);
    expect(() => validateLagSettings({ ...DEFAULT_LAG_SETTINGS, allowance: -1 })).toThrow(/allowance must be a whole number/);
  });
});
