/**
 * Who besides the subject a released record names: the people whose access log must show the
 * access too (a household's members, a parcel's owners, a child's parents, a spouse).
 *
 * The rule, chosen over guessing from values alone:
 * - only top-level fields the adapter's dataset description marks `personal` are searched (a
 *   household number is 12 digits too, but is not marked personal);
 * - inside them, a string value is a person's id when it sits under a key that names an id (`id`,
 *   `ids`, or ending in `Id` / `Ids`: `personId`, `fatherId`, `owners[].id`) and is a valid
 *   personal id (parseCccd: 12 digits, a possible century digit). Tax codes (10 digits) and any
 *   other text never qualify.
 * The walk is over the released, minimized data only (a few fields, a few dozen values), after
 * the answer is built; nothing is read for it.
 */
import type { JsonValue } from '@motlan/contracts/struct-codec.js';
import { parseCccd } from '@motlan/identifiers/subject-id.js';
import type { DatasetDescriptor } from '@motlan/registry-client/registry-client.port.js';

/** A person named in a released record, and where. */
export interface NamedPerson {
  /** Their 12-digit personal id. */
  subjectId: string;
  /** Paths of the values that hold it, e.g. `head.personId`, `members[0].personId`. */
  paths: string[];
}

/** At most this many people per record (a household of 50 is already beyond any real one). */
export const MAX_NAMED_PER_RECORD = 50;
/** At most this many paths kept per person. */
export const MAX_PATHS_PER_PERSON = 10;
/** Nesting followed below a top-level field: the sims' deepest is owners[i].id. */
const MAX_DEPTH = 4;
const ID_KEY = /^(ids?|.*[a-z0-9](Id|Ids))$/;

const personalFieldsOf = new WeakMap<DatasetDescriptor, ReadonlySet<string>>();

function personalFields(descriptor: DatasetDescriptor): ReadonlySet<string> {
  let fields = personalFieldsOf.get(descriptor);
  if (!fields) personalFieldsOf.set(descriptor, (fields = new Set(descriptor.fields.filter((f) => f.personal).map((f) => f.name))));
  return fields;
}

/**
 * The people other than `subjectId` whose personal ids `data` (a record of `descriptor`'s
 * dataset, as released) holds, in the order found; [] when none.
 */
export function namedPersons(descriptor: DatasetDescriptor, subjectId: string, data: Readonly<Record<string, JsonValue>>): NamedPerson[] {
  const personal = personalFields(descriptor);
  if (personal.size === 0) return [];
  const found = new Map<string, string[]>();
  const visit = (value: JsonValue | undefined, key: string, path: string, depth: number): void => {
    if (typeof value === 'string') {
      if (value === subjectId || !ID_KEY.test(key) || parseCccd(value) === null) return;
      const paths = found.get(value);
      if (paths) {
        if (paths.length < MAX_PATHS_PER_PERSON) paths.push(path);
      } else if (found.size < MAX_NAMED_PER_RECORD) {
        found.set(value, [path]);
      }
      return;
    }
    if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return;
    if (Array.isArray(value)) {
      // Items of a list sit under the list's key: `fatherIds: [...]`, or objects with their own keys.
      value.forEach((item, i) => visit(item, key, `${path}[${i}]`, depth + 1));
      return;
    }
    for (const [child, item] of Object.entries(value)) visit(item, child, `${path}.${child}`, depth + 1);
  };
  for (const field of Object.keys(data)) if (personal.has(field)) visit(data[field], field, field, 0);
  return [...found].map(([id, paths]) => ({ subjectId: id, paths }));
}
