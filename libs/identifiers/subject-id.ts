/**
 * Real Vietnamese identifier formats (see libs/vn-admin/data/SOURCE.md). Used by the registry
 * simulator to generate ids and by the gateway to refuse malformed ones with a clear 400.
 */

/** 12-digit personal identification number (CCCD): PPP (birth province) C (century+sex) YY (birth year) NNNNNN. */
export const CCCD_PATTERN = /^\d{12}$/;
/** 10-digit enterprise / tax code, optional 3-digit branch suffix. */
export const TAX_CODE_PATTERN = /^\d{10}(-\d{3})?$/;
/** Land parcel: commune code (5) - map sheet (1-4 digits) - parcel number (1-5 digits). */
export const PARCEL_ID_PATTERN = /^\d{5}-\d{1,4}-\d{1,5}$/;
/** Procedure code used as the purpose of an access, e.g. 1.004222. */
export const PURPOSE_PATTERN = /^\d\.\d{6}$/;

export interface CccdParts {
  birthProvinceCode: string;
  sex: 'male' | 'female';
  birthYear: number;
  serial: string;
}

/** Century/sex digit: 0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s (8/9 would be 1800s; not issued to the living). */
export function cccdCenturyDigit(birthYear: number, sex: 'male' | 'female'): number {
  const century = Math.floor(birthYear / 100);
  const base = (century - 19) * 2;
  if (base < 0 || base > 4) throw new RangeError(`birth year ${birthYear} outside 1900-2199`);
  return base + (sex === 'female' ? 1 : 0);
}

export function parseCccd(id: string): CccdParts | null {
  if (!CCCD_PATTERN.test(id)) return null;
  const centurySex = Number(id[3]);
  if (centurySex > 5) return null;
  return {
    birthProvinceCode: id.slice(0, 3),
    sex: centurySex % 2 === 0 ? 'male' : 'female',
    birthYear: (19 + Math.floor(centurySex / 2)) * 100 + Number(id.slice(4, 6)),
    serial: id.slice(6),
  };
}

const TAX_WEIGHTS = [31, 29, 23, 19, 17, 13, 7, 5, 3];

/** Check digit of a tax code from its first 9 digits, or null when S mod 11 = 0 (never issued). */
export function taxCodeCheckDigit(first9: string): number | null {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(first9[i]) * TAX_WEIGHTS[i];
  const remainder = sum % 11;
  if (remainder === 0) return null;
  const digit = 10 - remainder;
  // 10 - 1 = 9 ... 10 - 10 = 0: always a single digit once remainder 0 is excluded.
  return digit;
}

export function isValidTaxCode(code: string): boolean {
  if (!TAX_CODE_PATTERN.test(code)) return false;
  const check = taxCodeCheckDigit(code.slice(0, 9));
  return check !== null && check === Number(code[9]);
}

/**
 * Validates a subject id against a dataset's key format. Well-known formats get their full rules
 * (check digit, century digit); others only the pattern the adapter declared.
 * @returns null when valid, otherwise a sentence saying what is wrong (safe to show the caller).
 */
export function subjectIdProblem(formatName: string, pattern: string, id: string): string | null {
  switch (formatName) {
    case 'cccd':
      if (!CCCD_PATTERN.test(id)) return 'a personal id (CCCD) is exactly 12 digits';
      if (parseCccd(id) === null) return 'the 4th digit of a personal id (century and sex) must be 0-5';
      return null;
    case 'tax-code':
      if (!TAX_CODE_PATTERN.test(id)) return 'a tax code is 10 digits, optionally followed by -NNN for a branch';
      if (!isValidTaxCode(id)) return 'the tax code check digit (10th digit) is wrong';
      return null;
    case 'parcel-id':
      if (!PARCEL_ID_PATTERN.test(id)) return 'a parcel id is <commune code 5 digits>-<map sheet>-<parcel number>';
      return null;
    default:
      try {
        return new RegExp(pattern).test(id) ? null : `the id must match ${pattern}`;
      } catch {
        return 'the dataset declares an invalid subject key pattern';
      }
  }
}
