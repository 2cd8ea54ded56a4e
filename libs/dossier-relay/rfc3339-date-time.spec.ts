import { validateSync } from 'class-validator';
import { IsRfc3339DateTime, isRfc3339DateTime } from './rfc3339-date-time.js';

describe('isRfc3339DateTime', () => {
  it.each([
    '2026-11-23T09:15:00+07:00',
    '2026-11-23T02:15:00Z',
    '2026-11-23T02:15:00.123Z',
    '2026-11-23T02:15:00.123456789-03:30',
    '2028-02-29T00:00:00Z',
    '2026-11-23t09:15:00z',
  ])('accepts %s', (value) => {
    expect(isRfc3339DateTime(value)).toBe(true);
  });

  it.each([
    // ISO 8601 forms IsISO8601({ strict: true }) lets through, that the portal cannot use.
    '2026-W49-1T10:00:00Z',
    '2026-340T10:00:00Z',
    '20261206T100000Z',
    // No offset, no seconds, no time, odd separators.
    '2026-11-23T09:15:00',
    '2026-11-23T09:15+07:00',
    '2026-11-23',
    '2026-11-23 09:15:00+07:00',
    '2026-11-23T09:15:00+0700',
    '2026-11-23T09:15:00+07',
    // Out of range fields.
    '2026-02-29T00:00:00Z',
    '2026-02-30T10:00:00Z',
    '2026-04-31T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-00-01T10:00:00Z',
    '2026-11-23T24:00:00Z',
    '2026-11-23T23:60:00Z',
    '2026-11-23T23:59:60Z',
    '2026-11-23T09:15:00+24:00',
    '2026-11-23T09:15:00.1234567890Z',
    '+02026-11-23T09:15:00Z',
    ' 2026-11-23T09:15:00Z',
    '2026-11-23T09:15:00Z\n',
  ])('refuses %j', (value) => {
    expect(isRfc3339DateTime(value)).toBe(false);
  });

  it('refuses what is not a string', () => {
    for (const value of [null, undefined, 0, 1795400100000, {}, [], new Date()]) expect(isRfc3339DateTime(value)).toBe(false);
  });

  it('names the property and the expected form in the class-validator message', () => {
    class Dto {
      @IsRfc3339DateTime()
      at!: string;
    }
    const dto = Object.assign(new Dto(), { at: '2026-W49-1T10:00:00Z' });
    const [error] = validateSync(dto);
    expect(error.constraints).toEqual({ isRfc3339DateTime: expect.stringMatching(/^at must be an RFC 3339 date-time with a time zone offset/) });
    expect(validateSync(Object.assign(new Dto(), { at: '2026-11-23T09:15:00+07:00' }))).toEqual([]);
  });
});
