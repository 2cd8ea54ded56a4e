import { toPortalDate } from './portal-dates.js';

describe('toPortalDate', () => {
  it.each([
    ['2026-11-23T09:15:00+07:00', '20261123091500'],
    ['2026-11-23T02:15:00Z', '20261123091500'],
    ['2026-12-31T20:30:05Z', '20270101033005'],
    ['2024-02-28T17:00:00Z', '20240229000000'],
    ['2026-11-23T09:15:00-05:00', '20261123211500'],
  ])('%s → %s (Asia/Ho_Chi_Minh)', (iso, expected) => {
    expect(toPortalDate(iso)).toBe(expected);
  });

  it('agrees with the platform time-zone database for Asia/Ho_Chi_Minh', () => {
    const format = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Ho_Chi_Minh',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    for (let t = Date.UTC(1990, 0, 1); t < Date.UTC(2040, 0, 1); t += 37 * 86400_000 + 3_600_123) {
      const parts = Object.fromEntries(format.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
      expect(toPortalDate(new Date(t))).toBe(`${parts.year}${parts.month}${parts.day}${parts.hour}${parts.minute}${parts.second}`);
    }
  });

  it('refuses what is not a date', () => {
    expect(() => toPortalDate('soon')).toThrow(RangeError);
  });
});
