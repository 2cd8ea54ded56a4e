/**
 * The per-read checks behind the "sufficient" and "clean" figures (docs/data-quality.md), run on
 * the lookup path: one pass over the fields a read releases, no allocation unless a field fails.
 */
import type { JsonObject, JsonValue } from '@motlan/contracts/struct-codec.js';

/** What a read's released values lacked or got wrong: field names, only when there are any. */
export interface ReadQuality {
  /** Fields asked for by name (a prefill's needed fields, a lookup's `fields`) the record holds no value for (absent or null). */
  missing?: string[];
  /** Fields whose value does not have its declared type's format (a date that is not YYYY-MM-DD, a number held as text…). */
  malformed?: string[];
}

/** The field types adapters declare (proto FieldType, lower-cased without its prefix). */
export type FieldType = 'string' | 'number' | 'boolean' | 'date' | 'datetime' | 'object' | 'list' | string;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A calendar day that exists (not 2026-02-30), from year 100 on (as Date.UTC reads years, which
 * takes 0–99 for 1900–1999). Arithmetic rather than a Date: it runs for every date a lookup releases.
 */
function isDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const y = Number(value.slice(0, 4));
  const mo = Number(value.slice(5, 7));
  const d = Number(value.slice(8, 10));
  if (y < 100 || mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]);
}

/**
 * True when a non-null value has the format of its declared type. Null is not malformed (it is a
 * missing value); an unspecified or unknown type accepts anything: nothing is claimed about it.
 */
export function hasFormat(type: FieldType, value: JsonValue): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'date':
      return typeof value === 'string' && isDate(value);
    case 'datetime':
      return typeof value === 'string' && DATETIME.test(value) && Number.isFinite(Date.parse(value));
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'list':
      return Array.isArray(value);
    default:
      return true;
  }
}

/**
 * Checks the released fields of one read. `named`: the fields were asked for by name, so each
 * one missing is one a procedure needed; with the purpose's default field set, absent values are
 * normal (a child has no occupation) and not counted. Undefined when nothing failed: the common
 * case allocates nothing.
 */
export function checkReadValues(types: ReadonlyMap<string, FieldType>, data: JsonObject, fields: readonly string[], named: boolean): ReadQuality | undefined {
  let missing: string[] | undefined;
  let malformed: string[] | undefined;
  for (const field of fields) {
    const value = data[field];
    if (value === undefined || value === null) {
      if (named) (missing ??= []).push(field);
      continue;
    }
    const type = types.get(field);
    if (type !== undefined && !hasFormat(type, value)) (malformed ??= []).push(field);
  }
  if (!missing && !malformed) return undefined;
  return { ...(missing ? { missing } : {}), ...(malformed ? { malformed } : {}) };
}

const typesByFields = new WeakMap<readonly { name: string; type: string }[], ReadonlyMap<string, FieldType>>();

/** Field name → declared type of a dataset, computed once per dataset description (kept while it is). */
export function fieldTypesOf(fields: readonly { name: string; type: string }[]): ReadonlyMap<string, FieldType> {
  let types = typesByFields.get(fields);
  if (!types) typesByFields.set(fields, (types = new Map(fields.map((f) => [f.name, f.type]))));
  return types;
}
