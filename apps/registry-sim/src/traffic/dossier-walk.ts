/**
 * What a commune's one-stop system sends about one dossier: the procedure it is for, the statuses
 * it goes through (TrangThaiHoSo), its id and dates. Pure functions of their inputs; the generator
 * (dossier-traffic.ts) decides when each status is sent.
 */
import type { Weighted } from '../world/seeded-random.js';

export interface Procedure {
  /** MaTTHC, N.NNNNNN */
  code: string;
  name: string;
  /** Working days the commune has to settle it: sets the due date. */
  workingDays: number;
  /** The result handed back with status 10. */
  result: { code: string; name: string };
}

/** Commune-level procedures of the national catalogue, weighted by how often communes see them. */
export const PROCEDURES: Weighted<Procedure> = [
  [{ code: '1.004222', name: 'Đăng ký thường trú', workingDays: 7, result: { code: 'KQ01', name: 'Giấy xác nhận thông tin về cư trú' } }, 25],
  [{ code: '1.004194', name: 'Đăng ký tạm trú', workingDays: 3, result: { code: 'KQ01', name: 'Giấy xác nhận thông tin về cư trú' } }, 30],
  [{ code: '1.001193', name: 'Đăng ký khai sinh', workingDays: 1, result: { code: 'KQ01', name: 'Giấy khai sinh' } }, 25],
  [{ code: '1.000894', name: 'Đăng ký kết hôn', workingDays: 3, result: { code: 'KQ01', name: 'Giấy chứng nhận kết hôn' } }, 10],
  [{ code: '1.000656', name: 'Đăng ký khai tử', workingDays: 1, result: { code: 'KQ01', name: 'Trích lục khai tử' } }, 10],
];

/** TrangThaiHoSo values the generator uses. */
export const DossierStatus = {
  received: 2,
  inProcess: 4,
  supplementRequested: 5,
  processed: 9,
  resultReturned: 10,
} as const;

/**
 * Statuses of one dossier in order: received, in process, (supplement requested, in process again,)
 * processed, result returned. The status at index i is sent with sequence i + 1.
 */
export function statusWalk(supplement: boolean): number[] {
  const { received, inProcess, supplementRequested, processed, resultReturned } = DossierStatus;
  return [received, inProcess, ...(supplement ? [supplementRequested, inProcess] : []), processed, resultReturned];
}

const VN_OFFSET_MS = 7 * 3600_000;

/** The date's wall-clock parts in Asia/Ho_Chi_Minh (UTC+7 all year, no daylight saving). */
function vnParts(date: Date): { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number } {
  const local = new Date(date.getTime() + VN_OFFSET_MS);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: local.getUTCDay(),
  };
}

const two = (n: number): string => String(n).padStart(2, '0');

/** ISO 8601 with the +07:00 offset, as commune systems write dates: 2026-11-23T09:15:00+07:00. */
export function isoVn(date: Date): string {
  const p = vnParts(date);
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}:${two(p.second)}+07:00`;
}

/** 17:00 local on the `workingDays`-th working day (Monday to Friday) after `receivedAt`. */
export function dueDate(receivedAt: Date, workingDays: number): Date {
  const p = vnParts(receivedAt);
  // Midnight local of the day received, as a UTC instant.
  let day = Date.UTC(p.year, p.month - 1, p.day) - VN_OFFSET_MS;
  let weekday = p.weekday;
  for (let left = workingDays; left > 0;) {
    day += 86_400_000;
    weekday = (weekday + 1) % 7;
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return new Date(day + 17 * 3600_000);
}

/** Dossier id like H01.01-241123-000123: H + province code, receiving unit, yyMMdd received, number of the day. */
export function dossierId(provinceCode: string, unit: number, receivedAt: Date, number: number): string {
  const p = vnParts(receivedAt);
  return `H${provinceCode}.${two(unit)}-${two(p.year % 100)}${two(p.month)}${two(p.day)}-${String(number).padStart(6, '0')}`;
}

/** yyMMdd of the local day, the key of the per-day dossier numbers. */
export function vnDayKey(date: Date): string {
  const p = vnParts(date);
  return `${two(p.year % 100)}${two(p.month)}${two(p.day)}`;
}

/**
 * A receipt date far enough back that the due date (`workingDays` after it) has passed by `now`,
 * `extraDays` more calendar days back still: for dossiers that are returned late or stall overdue.
 */
export function receivedPastDue(now: Date, workingDays: number, extraDays: number): Date {
  let received = new Date(Math.floor(now.getTime() / 1000) * 1000 - (workingDays + 1 + extraDays) * 86_400_000);
  while (dueDate(received, workingDays).getTime() >= now.getTime()) received = new Date(received.getTime() - 86_400_000);
  return received;
}
