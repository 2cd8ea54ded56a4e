import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isRfc3339DateTime } from '@motlan/dossier-relay/rfc3339-date-time.js';

/** The form the citizen routes have always taken: an RFC 3339 date-time with an offset, seconds optional. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A date-time with an offset (`2027-01-31T17:00:00+07:00`; seconds may be left out) that names a
 * real instant. `Date.parse` rolls impossible calendar values over instead of refusing them
 * (`2027-02-30` is 2 March, `T24:00` the next day), so a consent or share given "until" such a value
 * would silently last longer than the citizen wrote: each part is checked as RFC 3339 checks it
 * (the dossier relay's reader, seconds filled in when left out).
 */
export function isDateTimeWithOffset(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE_TIME.test(value)) return false;
  return isRfc3339DateTime(value.replace(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(?=[Z+-])/, '$1:00'));
}

/** class-validator rule for {@link isDateTimeWithOffset}. */
export function IsDateTimeWithOffset(validationOptions?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDateTimeWithOffset',
      validator: {
        validate: (value: unknown) => isDateTimeWithOffset(value),
        defaultMessage: (args) => `${args?.property ?? 'value'} must be a real date-time with an offset (e.g. 2027-01-31T17:00:00+07:00)`,
      },
    },
    validationOptions,
  );
}
