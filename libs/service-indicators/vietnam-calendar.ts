/**
 * Vietnam calendar days and working hours. Asia/Ho_Chi_Minh is UTC+7 all year (no daylight
 * saving since 1975), so a fixed offset is exact and needs no time-zone database.
 */

const OFFSET_MS = 7 * 3_600_000;
const DAY_MS = 86_400_000;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day vnDay answered last, and the instants it spans: records come in time order, so most fall in it. */
let lastDay = { from: 0, to: 0, day: '' };

/** The Vietnam calendar day (YYYY-MM-DD) of an instant. */
export function vnDay(ms: number): string {
  if (ms >= lastDay.from && ms < lastDay.to) return lastDay.day;
  const day = new Date(ms + OFFSET_MS).toISOString().slice(0, 10);
  const from = Math.floor((ms + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;
  lastDay = { from, to: from + DAY_MS, day };
  return day;
}

/** Midnight (start) of a Vietnam calendar day, as an instant (ms); NaN when `day` is not a real YYYY-MM-DD day. */
export function vnDayStart(day: string): number {
  const m = DAY.exec(day);
  if (!m) return NaN;
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-31 over into March: a day that does not round-trip does not exist.
  if (new Date(utc).toISOString().slice(0, 10) !== day) return NaN;
  return utc - OFFSET_MS;
}

export function isVnDay(day: string): boolean {
  return !Number.isNaN(vnDayStart(day));
}

export function addDays(day: string, days: number): string {
  return vnDay(vnDayStart(day) + days * DAY_MS);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((vnDayStart(to) - vnDayStart(from)) / DAY_MS);
}

/** 0 = Sunday … 6 = Saturday, of a Vietnam calendar day. */
export function weekday(day: string): number {
  return new Date(vnDayStart(day) + OFFSET_MS).getUTCDay();
}

/** The first day of the period (`week`: Monday; `month`: the 1st) holding `day`; `day` itself for `day`. */
export function periodStart(day: string, granularity: 'day' | 'week' | 'month'): string {
  if (granularity === 'day') return day;
  if (granularity === 'month') return `${day.slice(0, 8)}01`;
  return addDays(day, -((weekday(day) + 6) % 7));
}

/** Office hours of the communes' one-stop desks, in minutes after midnight (Vietnam time), Monday to Friday. */
export interface WorkingHours {
  startMinute: number;
  endMinute: number;
}

/** 07:30–17:00, Monday to Friday: the usual opening hours of a commune's one-stop desk. */
export const DEFAULT_WORKING_HOURS: WorkingHours = { startMinute: 7 * 60 + 30, endMinute: 17 * 60 };

/**
 * Working time (ms) between two instants: the parts of them that fall on Monday–Friday between
 * the opening and closing minute, Vietnam time. Public holidays are counted as working days (no
 * official holiday calendar is shipped): a commune quiet over Tết turns SILENT sooner than it should.
 */
export function workingMsBetween(fromMs: number, toMs: number, hours: WorkingHours = DEFAULT_WORKING_HOURS): number {
  if (!(toMs > fromMs)) return 0;
  let total = 0;
  let day = vnDay(fromMs);
  const lastDay = vnDay(toMs);
  for (;;) {
    const wd = weekday(day);
    if (wd >= 1 && wd <= 5) {
      const start = vnDayStart(day);
      const open = Math.max(fromMs, start + hours.startMinute * 60_000);
      const close = Math.min(toMs, start + hours.endMinute * 60_000);
      if (close > open) total += close - open;
    }
    if (day === lastDay) return total;
    day = addDays(day, 1);
    // Whole weeks in between at once: a commune silent for a year costs 52 steps, not 365.
    while (daysBetween(day, lastDay) > 7) {
      total += 5 * Math.max(0, hours.endMinute - hours.startMinute) * 60_000;
      day = addDays(day, 7);
    }
  }
}
