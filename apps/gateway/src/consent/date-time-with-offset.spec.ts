import { isDateTimeWithOffset } from './date-time-with-offset.js';

describe('isDateTimeWithOffset', () => {
  it.each(['2027-01-31T17:00:00+07:00', '2027-01-31T17:00+07:00', '2027-01-31T10:00:00.123456789Z', '2028-02-29T10:00:00Z', '2027-12-31T23:59:59-12:00'])(
    'takes %s',
    (value) => expect(isDateTimeWithOffset(value)).toBe(true),
  );

  it.each([
    // Rolled over by Date.parse instead of refused: the consent or share would last longer than written.
    '2027-02-29T10:00:00Z',
    '2027-02-30T10:00:00+07:00',
    '2027-04-31T10:00:00Z',
    '2027-01-31T24:00:00Z',
    '2027-01-31T24:00Z',
    // Not instants at all.
    '2027-13-01T10:00:00Z',
    '2027-01-31T10:60:00Z',
    '2027-01-31T23:59:60Z',
    '2027-01-31T10:00:00+25:00',
    '2027-01-31T10:00:00+07:60',
    // Other forms.
    '2027-01-31',
    '2027-01-31T10:00:00',
    '2027-01-31t10:00:00z',
    '2027-W05-1T10:00:00Z',
    '20270131T100000Z',
    '',
    1_900_000_000_000,
    null,
  ])('refuses %s', (value) => expect(isDateTimeWithOffset(value)).toBe(false));
});
