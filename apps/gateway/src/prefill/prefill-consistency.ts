/**
 * Consistency checks of a prefill (issue 17, item 5): where two registries read in one prefill hold
 * the same fact about one person (name, date of birth, permanent address), the values are compared,
 * and each disagreement is returned with both sources instead of silently choosing one. Only what
 * the reads already hold is compared: the procedure's minimization is never widened to compare more.
 */
import type { JsonObject, JsonValue } from '@motlan/contracts/struct-codec.js';
import type { MinimizedRead } from '../lookup/lookup.service.js';

/** The facts compared. Household membership is not one: population records no household. */
export const CONSISTENCY_FACTS = ['fullName', 'dateOfBirth', 'permanentAddress'] as const;
export type ConsistencyFact = (typeof CONSISTENCY_FACTS)[number];

/** One registry's value of a fact about a person. */
export interface FactSource {
  registry: string;
  dataset: string;
  /** The record read (its subject id), and where in it the value is. */
  recordSubjectId: string;
  path: string;
  value: JsonValue;
  version: string;
  asOf: string;
}

export interface Conflict {
  /** The person the fact is about (a personal id). */
  personId: string;
  fact: ConsistencyFact;
  /** At least two, from different registries, with values that differ. */
  sources: FactSource[];
}

interface Found {
  personId: string;
  fact: ConsistencyFact;
  source: FactSource;
}

/** The conflicts among the given reads, in a stable order (person, fact). */
export function findConflicts(reads: readonly MinimizedRead[]): Conflict[] {
  const byFact = new Map<string, Found[]>();
  for (const read of reads) {
    for (const found of factsOf(read)) {
      const key = `${found.personId}/${found.fact}`;
      const list = byFact.get(key) ?? [];
      // One value per registry record and path: a record read twice counts once.
      if (!list.some((f) => f.source.registry === found.source.registry && f.source.path === found.source.path)) list.push(found);
      byFact.set(key, list);
    }
  }
  const conflicts: Conflict[] = [];
  for (const list of byFact.values()) {
    const registries = new Set(list.map((f) => f.source.registry));
    const values = new Set(list.map((f) => normalized(f.fact, f.source.value)));
    if (registries.size < 2 || values.size < 2) continue;
    conflicts.push({ personId: list[0].personId, fact: list[0].fact, sources: list.map((f) => f.source) });
  }
  return conflicts.sort((a, b) => a.personId.localeCompare(b.personId) || a.fact.localeCompare(b.fact));
}

/** The facts a read holds, per person: a person record about its subject; household members and head by their ids. */
function factsOf(read: MinimizedRead): Found[] {
  const found: Found[] = [];
  const { registry, name: dataset } = read.descriptor;
  const add = (personId: unknown, fact: ConsistencyFact, value: JsonValue | undefined, path: string) => {
    if (typeof personId !== 'string' || value === undefined || value === null) return;
    found.push({ personId, fact, source: { registry, dataset, recordSubjectId: read.subjectId, path, value, version: read.version, asOf: read.asOf } });
  };
  const data = read.data;
  if (dataset === 'person' || dataset === 'birth') {
    const personId = typeof data.personId === 'string' ? data.personId : read.subjectId;
    for (const fact of CONSISTENCY_FACTS) add(personId, fact, data[fact], fact);
  }
  if (dataset === 'household') {
    const head = objectOr(data.head);
    if (head) add(head.personId, 'fullName', head.fullName, 'head.fullName');
    if (Array.isArray(data.members)) {
      data.members.forEach((item, i) => {
        const member = objectOr(item);
        if (!member) return;
        add(member.personId, 'fullName', member.fullName, `members[${i}].fullName`);
        add(member.personId, 'dateOfBirth', member.dateOfBirth, `members[${i}].dateOfBirth`);
        // The household's permanent address is each member's.
        add(member.personId, 'permanentAddress', data.permanentAddress, 'permanentAddress');
      });
    }
  }
  return found;
}

function objectOr(value: JsonValue | undefined): JsonObject | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
}

/**
 * What counts as the same value: names compared in Unicode NFC with spaces collapsed and case
 * ignored (registries differ in capitalisation, not in the name); addresses by commune and line.
 */
function normalized(fact: ConsistencyFact, value: JsonValue): string {
  if (fact === 'permanentAddress') {
    const address = objectOr(value);
    if (!address) return JSON.stringify(value);
    return `${String(address.communeCode ?? '')}|${text(address.line)}`;
  }
  return text(value);
}

function text(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value.normalize('NFC').replace(/\s+/g, ' ').trim().toLocaleLowerCase('vi') : JSON.stringify(value ?? null);
}
