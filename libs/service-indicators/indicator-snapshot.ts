import {
  decodeProjectionSnapshot,
  type DecodedSnapshot,
  type ProjectionSnapshot,
  type ProjectionSnapshotStore,
} from '@motlan/projection/snapshotted-projection.js';
import { COUNTERS } from './indicators.js';
import type { IndicatorStateData } from './indicator-state.js';

/**
 * The indicators' state at one point of the topics they read. Bounded by the retention, the
 * communes and the dossiers remembered, never by the history of the topics.
 */
export type IndicatorSnapshot = ProjectionSnapshot<IndicatorStateData>;

/** Where the snapshot is kept between starts (production: one Redis key; embedded: a file). */
export type IndicatorSnapshotStore = ProjectionSnapshotStore;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const COMMUNE = /^\d{5}$/;
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isTime = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The snapshot in `text`, checked field by field: it comes from outside the process. One that
 * does not pass is not used and the indicators are rebuilt from the topics (slower, never wrong).
 */
export function decodeIndicatorSnapshot(text: string): DecodedSnapshot<IndicatorStateData> {
  return decodeProjectionSnapshot(text, decodeState);
}

function decodeState(state: unknown): { ok: true } | { ok: false; reason: string } {
  if (!isObject(state)) return { ok: false, reason: 'state missing' };
  const { days, dossiers, lastReport, delivered } = state;
  if (
    !Array.isArray(days) ||
    !days.every(
      (d) =>
        Array.isArray(d) &&
        d.length === 2 &&
        typeof d[0] === 'string' &&
        DAY.test(d[0]) &&
        Array.isArray(d[1]) &&
        d[1].every((row: unknown) => Array.isArray(row) && row.length === COUNTERS.length + 1 && COMMUNE.test(String(row[0])) && row.slice(1).every(isCount)),
    )
  ) {
    return { ok: false, reason: 'day buckets malformed' };
  }
  if (
    !Array.isArray(dossiers) ||
    !dossiers.every(
      (d) =>
        Array.isArray(d) &&
        d.length === 8 &&
        typeof d[0] === 'string' &&
        COMMUNE.test(String(d[1])) &&
        typeof d[2] === 'string' &&
        DAY.test(d[2]) &&
        (d[3] === null || isTime(d[3])) &&
        isCount(d[4]) &&
        (d[5] === null || isTime(d[5])) &&
        isTime(d[6]) &&
        typeof d[7] === 'boolean',
    )
  ) {
    return { ok: false, reason: 'dossiers malformed' };
  }
  if (!Array.isArray(lastReport) || !lastReport.every((e) => Array.isArray(e) && e.length === 2 && COMMUNE.test(String(e[0])) && isTime(e[1]))) {
    return { ok: false, reason: 'last reports malformed' };
  }
  if (!Array.isArray(delivered) || !delivered.every((k) => typeof k === 'string')) return { ok: false, reason: 'delivered keys malformed' };
  return { ok: true };
}
