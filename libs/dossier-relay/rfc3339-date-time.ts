import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * RFC 3339 `date-time` (section 5.6) with a required offset: `2026-11-23T09:15:00+07:00`,
 * `2026-11-23T01:15:00.5Z`. `IsISO8601({ strict: true })` also lets through ISO 8601 forms the
 * portal cannot take (week dates `2026-W49-1T10:00:00Z`, ordinal dates `2026-340T…`, the basic
 * format `20261206T100000Z`): `Date.parse` gives NaN for them, the range checks are skipped, and the
 * status is dead-lettered at the portal after every retry instead of being refused at the edge.
 * Leap seconds (`:60`) are refused too: neither `Date.parse` nor the portal's yyyyMMddHHmmss can
 * hold them. Lower-case `t` / `z` are RFC 3339 and parse the same.
 */
const RFC3339_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

export function isRfc3339DateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = RFC3339_DATE_TIME.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false;
  // Year 0000 and offsets that push the instant out of Date's range would still fail here.
  return !Number.isNaN(Date.parse(value));
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** class-validator rule: the property is an RFC 3339 date-time with a time-zone offset. */
export function IsRfc3339DateTime(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRfc3339DateTime',
      validator: {
        validate: (value: unknown) => isRfc3339DateTime(value),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be an RFC 3339 date-time with a time zone offset (e.g. 2026-11-23T09:15:00+07:00)`,
      },
    },
    validationOptions,
  );
}
