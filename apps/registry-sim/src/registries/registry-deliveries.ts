/**
 * What the simulated registries do with events the gateway relays to them (Deliver, contract 1.1).
 * The population registry takes the civil-status registrations (a birth creates a person record, a
 * death sets `alive` false, a marriage sets the spouse and marital status) and corrections of its
 * person records; each applied event bumps the record's version and is announced by a change event,
 * like any other change. Deliveries come at least once: an idempotency key seen before changes
 * nothing and answers DUPLICATE with the version it produced.
 */
import type { JsonObject, JsonValue } from '@motlan/contracts/struct-codec.js';
import type { SimRegistries } from './sim-registries.js';
import { InvalidRequestError, SubjectNotFoundError } from './sim-errors.js';

export interface SimAcceptedEvent {
  sourceRegistry: string;
  dataset: string;
  eventTypes: string[];
}

export interface SimDelivery {
  idempotencyKey: string;
  eventType: string;
  sourceRegistry: string;
  dataset: string;
  subjectId: string;
  record: JsonObject | null;
  correction: { field: string; valueSeenJson: string; valueProposedJson: string } | null;
}

export interface SimDeliveryAck {
  status: 'APPLIED' | 'DUPLICATE' | 'REJECTED';
  recordVersion: string;
  reason: string;
}

export interface DeliveryFigures {
  applied: number;
  duplicates: number;
  rejected: number;
  /** Idempotency keys applied, in order (for tests: each exactly once). */
  keys: string[];
}

/** What the population registry takes: the three civil-status registrations, and corrections of its person records. */
const ACCEPTS: Readonly<Record<string, SimAcceptedEvent[]>> = {
  population: [
    { sourceRegistry: 'civil-status', dataset: 'birth', eventTypes: ['record.created'] },
    { sourceRegistry: 'civil-status', dataset: 'death', eventTypes: ['record.created'] },
    { sourceRegistry: 'civil-status', dataset: 'marriage', eventTypes: ['record.created'] },
    { sourceRegistry: 'population', dataset: 'person', eventTypes: ['correction.proposed'] },
  ],
};

/** Keys remembered per registry; a real registry keeps them as long as the gateway may redeliver. */
const MAX_KEYS = 100_000;

export class SimDeliveryInbox {
  private readonly seen = new Map<string, Map<string, string>>();
  private readonly figures = new Map<string, DeliveryFigures>();

  constructor(private readonly registries: SimRegistries) {}

  accepts(registry: string): SimAcceptedEvent[] {
    return ACCEPTS[registry] ?? [];
  }

  stats(registry: string): DeliveryFigures {
    let figures = this.figures.get(registry);
    if (!figures) this.figures.set(registry, (figures = { applied: 0, duplicates: 0, rejected: 0, keys: [] }));
    return figures;
  }

  deliver(registry: string, event: SimDelivery, now = new Date()): SimDeliveryAck {
    const figures = this.stats(registry);
    const seen = this.seen.get(registry) ?? new Map<string, string>();
    this.seen.set(registry, seen);
    const version = seen.get(event.idempotencyKey);
    if (version !== undefined) {
      figures.duplicates++;
      return { status: 'DUPLICATE', recordVersion: version, reason: '' };
    }
    const accepted = this.accepts(registry).some(
      (a) => a.sourceRegistry === event.sourceRegistry && a.dataset === event.dataset && a.eventTypes.includes(event.eventType),
    );
    let outcome: { version: number } | { reason: string };
    try {
      outcome = accepted
        ? this.apply(registry, event, now)
        : { reason: `registry ${registry} takes no ${event.eventType} events of ${event.sourceRegistry}/${event.dataset}` };
    } catch (error) {
      if (!(error instanceof InvalidRequestError || error instanceof SubjectNotFoundError)) throw error;
      outcome = { reason: error.message };
    }
    if ('reason' in outcome) {
      figures.rejected++;
      return { status: 'REJECTED', recordVersion: '0', reason: outcome.reason };
    }
    if (seen.size >= MAX_KEYS) seen.delete(seen.keys().next().value as string);
    seen.set(event.idempotencyKey, String(outcome.version));
    figures.applied++;
    figures.keys.push(event.idempotencyKey);
    if (figures.keys.length > 1000) figures.keys.shift();
    return { status: 'APPLIED', recordVersion: String(outcome.version), reason: '' };
  }

  private apply(registry: string, event: SimDelivery, now: Date): { version: number } | { reason: string } {
    if (event.eventType === 'correction.proposed') return this.correct(registry, event, now);
    const record = event.record ?? {};
    const subject = event.subjectId;
    if (event.dataset === 'death') return { version: this.registries.applyFields('population', 'person', subject, { alive: false }, now).version };
    if (event.dataset === 'marriage') {
      const spouses = [record.spouseA, record.spouseB].map((s) => (s && typeof s === 'object' && !Array.isArray(s) ? (s as JsonObject).personId : null));
      const other = spouses.find((id) => typeof id === 'string' && id !== subject);
      if (typeof other !== 'string') return { reason: 'the marriage record names no other spouse (subscribe to fields spouseA and spouseB)' };
      return { version: this.registries.applyFields('population', 'person', subject, { spouseId: other, maritalStatus: 'DA_KET_HON' }, now).version };
    }
    // A birth: the new-born's person record, from what the birth register says and the mother's address.
    const missing = ['personId', 'fullName', 'dateOfBirth', 'sex', 'motherId'].filter((f) => typeof record[f] !== 'string');
    if (missing.length > 0) return { reason: `the birth record lacks ${missing.join(', ')} (subscribe to those fields)` };
    const mother = this.registries.lookup('population', { dataset: 'person', subjectId: String(record.motherId), fields: [] }).record;
    const person: JsonObject = {
      personId: subject,
      fullName: record.fullName,
      dateOfBirth: record.dateOfBirth,
      sex: record.sex,
      nationality: 'VN',
      ethnicity: mother?.ethnicity ?? null,
      religion: 'Không',
      birthProvinceCode: subject.slice(0, 3),
      hometown: mother?.hometown ?? null,
      permanentAddress: mother?.permanentAddress ?? null,
      occupation: null,
      fatherId: typeof record.fatherId === 'string' ? record.fatherId : null,
      motherId: record.motherId,
      spouseId: null,
      maritalStatus: 'DOC_THAN',
      alive: true,
    };
    return { version: this.registries.register('population', 'person', person, [subject], subject, now).version };
  }

  /**
   * The simulated registry's clerk takes every correction whose seen value is the value it holds
   * now, and refuses the others (someone changed the record meanwhile, or the clerk misread it).
   */
  private correct(registry: string, event: SimDelivery, now: Date): { version: number } | { reason: string } {
    const correction = event.correction;
    if (!correction) return { reason: 'a correction without its details' };
    const current = this.registries.lookup(registry as 'population', { dataset: event.dataset, subjectId: event.subjectId, fields: [correction.field] });
    if (!current.found || current.record === null) return { reason: 'no such record' };
    let seen: JsonValue;
    let proposed: JsonValue;
    try {
      seen = JSON.parse(correction.valueSeenJson) as JsonValue;
      proposed = JSON.parse(correction.valueProposedJson) as JsonValue;
    } catch {
      return { reason: 'values are not JSON' };
    }
    if (JSON.stringify(current.record[correction.field] ?? null) !== JSON.stringify(seen))
      return { reason: 'the value seen is not the value the registry holds' };
    return { version: this.registries.applyFields(registry, event.dataset, event.subjectId, { [correction.field]: proposed }, now).version };
  }
}
