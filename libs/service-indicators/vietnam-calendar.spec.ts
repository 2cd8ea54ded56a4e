import { describe, expect, it } from '@jest/globals';
import { addDays, isVnDay, periodStart, vnDay, vnDayStart, weekday, workingMsBetween } from './vietnam-calendar.js';

const H = 3_600_000;
/** An instant given in Vietnam time. */
const vn = (local: string) => Date.parse(`${local}+07:00`);

describe('Vietnam calendar days', () => {
  it('cuts days at midnight Vietnam time, not UTC', () => {
    expect(vnDay(Date.parse('2026-12-06T16:59:59.999Z'))).toBe('2026-12-06');
    expect(vnDay(Date.parse('2026-12-06T17:00:00.000Z'))).toBe('2026-12-07');
    // The day answered last is remembered with its bounds: instants around them, in any order.
    expect(vnDay(Date.parse('2026-12-07T16:59:59.999Z'))).toBe('2026-12-07');
    expect(vnDay(Date.parse('2026-12-07T17:00:00.000Z'))).toBe('2026-12-08');
    expect(vnDay(Date.parse('2026-12-06T16:59:59.999Z'))).toBe('2026-12-06');
    expect(vnDay(Date.parse('1969-12-31T16:59:59.999Z'))).toBe('1969-12-31');
    expect(vnDay(Date.parse('1969-12-31T17:00:00.000Z'))).toBe('1970-01-01');
    expect(new Date(vnDayStart('2026-12-07')).toISOString()).toBe('2026-12-06T17:00:00.000Z');
  });

  it('refuses days that do not exist and moves across months and years', () => {
    expect(isVnDay('2026-02-29')).toBe(false);
    expect(isVnDay('2028-02-29')).toBe(true);
    expect(isVnDay('2026-13-01')).toBe(false);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('starts weeks on Monday and months on the 1st', () => {
    expect(weekday('2026-12-06')).toBe(0); // a Sunday
    expect(periodStart('2026-12-06', 'week')).toBe('2026-11-30');
    expect(periodStart('2026-11-30', 'week')).toBe('2026-11-30');
    expect(periodStart('2026-12-06', 'month')).toBe('2026-12-01');
    expect(periodStart('2026-12-06', 'day')).toBe('2026-12-06');
  });
});

describe('working hours (Mon–Fri 07:30–17:00, Vietnam time)', () => {
  it('counts only office hours of working days', () => {
    // Friday 16:00 → Monday 09:00: one hour on Friday, an hour and a half on Monday.
    expect(workingMsBetween(vn('2026-12-04T16:00:00'), vn('2026-12-07T09:00:00'))).toBe(2.5 * H);
    // A night and a weekend count for nothing.
    expect(workingMsBetween(vn('2026-12-05T08:00:00'), vn('2026-12-06T20:00:00'))).toBe(0);
    expect(workingMsBetween(vn('2026-12-07T18:00:00'), vn('2026-12-08T07:00:00'))).toBe(0);
    // A whole working day is 9.5 hours.
    expect(workingMsBetween(vn('2026-12-07T00:00:00'), vn('2026-12-08T00:00:00'))).toBe(9.5 * H);
  });

  it('gives long spans the same as counting day by day', () => {
    const from = vn('2026-01-02T10:15:00');
    const to = vn('2026-12-03T11:45:00');
    let naive = 0;
    for (let t = from; t < to; t += 15 * 60_000) naive += workingMsBetween(t, Math.min(to, t + 15 * 60_000));
    expect(workingMsBetween(from, to)).toBe(naive);
  });
});
