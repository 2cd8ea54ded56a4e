import { DEFAULT_LAG_SETTINGS, validateLagSettings } from './lag-settings.js';

describe('lag monitor settings', () => {
  it('defaults: 5 s interval, 60 s window, 100 messages, STOP after 120 s, 1 h of history', () => {
    expect(validateLagSettings({ ...DEFAULT_LAG_SETTINGS })).toEqual({
      intervalMs: 5000,
      windowMs: 60_000,
      allowance: 100,
      stopAfterMs: 120_000,
      historyMs: 3_600_000,
    });
  });

  it.each([
    [{ stopAfterMs: 60_000 }, /stopAfterMs \(60000\) must be greater than windowMs \(60000\)/],
    [{ intervalMs: 0 }, /intervalMs must be a positive number/],
    [{ intervalMs: 90_000 }, /windowMs \(60000\) must be at least intervalMs \(90000\)/],
    [{ historyMs: 30_000 }, /historyMs \(30000\) must be at least windowMs/],
  ])('refuses %j', (change, message) => {
    expect(() => validateLagSettings({ ...DEFAULT_LAG_SETTINGS, ...change })).toThrow(message);
  });

  it('refuses a fractional or negative allowance', () => {
    expect(() => validateLagSettings({ ...DEFAULT_LAG_SETTINGS, allowance: 1.5 })).toThrow(/allowance must be a whole number/);
    expect(() => validateLagSettings({ ...DEFAULT_LAG_SETTINGS, allowance: -1 })).toThrow(/allowance must be a whole number/);
  });
});
