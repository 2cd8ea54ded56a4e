/**
 * A clerk's correction of a registry value, and its life cycle:
 *
 *   open ──▶ accepted ──▶ applied (with the record version that holds the new value)
 *     │  └─────────────────▲ (a registry that applies at once: accepted and applied together)
 *     └──▶ rejected (with the registry's reason)
 */
import type { JsonValue } from '@motlan/contracts/struct-codec.js';

export const CORRECTION_STATES = ['open', 'accepted', 'rejected', 'applied'] as const;
export type CorrectionState = (typeof CORRECTION_STATES)[number];

/** How the correction reaches the registry: over its adapter (Deliver), or the operator queue of the gateway's API. */
export type CorrectionRoute = 'adapter' | 'operator_queue';

/** Where a correction sent over the adapter stands: queued in the relay, taken by the registry, or dead-lettered. */
export type CorrectionDelivery = 'queued' | 'delivered' | 'failed';

export interface CorrectionStep {
  state: CorrectionState;
  at: string;
  /** Client id of who moved it (the gateway's relay: `registry:<name>`). */
  by: string;
  reason?: string;
  recordVersion?: string;
}

export interface Correction {
  id: string;
  registry: string;
  dataset: string;
  subjectId: string;
  field: string;
  valueSeen: JsonValue;
  valueProposed: JsonValue;
  evidenceRef: string;
  officerId: string;
  /** The procedure the clerk worked under (it reads that field). */
  purpose: string;
  filedBy: string;
  /** The commune of the filing client, when its token is commune-bound: that commune follows it. */
  communeCode: string | null;
  route: CorrectionRoute;
  delivery: CorrectionDelivery | null;
  state: CorrectionState;
  reason: string | null;
  /** Applied: the registry's record version that holds the new value. */
  recordVersion: string | null;
  filedAt: string;
  updatedAt: string;
  history: CorrectionStep[];
}

/** The moves an operator may make from each state; `applied` straight from `open` means accepted and applied at once. */
export const NEXT_STATES: Readonly<Record<CorrectionState, readonly CorrectionState[]>> = {
  open: ['accepted', 'rejected', 'applied'],
  accepted: ['applied', 'rejected'],
  rejected: [],
  applied: [],
};

/**
 * A correction's revision, for optimistic concurrency (ETag / If-Match on decisions): the number of
 * steps in its life cycle. Every state move adds at least one, and only state moves matter to a
 * decision (the delivery's progress over the adapter does not change what an operator may decide).
 */
export function correctionRevision(correction: Pick<Correction, 'history'>): number {
  return correction.history.length;
}

/** A correction read back from the log, checked for shape (the log is an edge); null when it is not one. */
export function parseCorrection(value: string): Correction | null {
  try {
    const c = JSON.parse(value) as Partial<Correction>;
    const strings = [c.id, c.registry, c.dataset, c.subjectId, c.field, c.evidenceRef, c.officerId, c.purpose, c.filedBy, c.filedAt, c.updatedAt];
    if (!strings.every((s) => typeof s === 'string')) return null;
    if (!CORRECTION_STATES.includes(c.state as CorrectionState) || !Array.isArray(c.history)) return null;
    if (c.route !== 'adapter' && c.route !== 'operator_queue') return null;
    return c as Correction;
  } catch {
    return null;
  }
}
