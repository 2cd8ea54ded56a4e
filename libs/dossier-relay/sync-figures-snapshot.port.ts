import type { PartitionOffset } from '@motlan/event-log/event-log.port.js';

/** Counters of one commune: [code, province, received, delivered, failed]. */
export type SnapshotCommune = [code: string, province: string, received: number, delivered: number, failed: number];
/** A status not settled yet: [dossier#sequence, commune, 'p' pending | 'f' failed, acceptedAt ms, sync partition, read on the sync topic]. */
export type SnapshotOpenStatus = [key: string, commune: string, state: 'p' | 'f', acceptedAt: number, partition: number, onSync: boolean];
/** A delivered status still remembered to count a repeat once: [dossier#sequence, settled at (log time, ms)]. */
export type SnapshotSettledStatus = [key: string, settledAt: number];

/**
 * The per-commune sync figures at one point of the sync and outcomes topics: everything before
 * `offsets` (the next offset to read, per topic and partition) is in it, nothing after. Its size
 * is bounded by the communes, the statuses in flight or failed, and the de-duplication window;
 * never by the history of the topics (docs/decisions/0001-bounded-sync-figures.md).
 */
export interface SyncFiguresSnapshot {
  version: 1;
  takenAt: string;
  offsets: Record<string, PartitionOffset[]>;
  communes: SnapshotCommune[];
  open: SnapshotOpenStatus[];
  settled: SnapshotSettledStatus[];
  /** Delivered statuses whose outcome was read before their status (outside the window until it comes). */
  settledAhead: SnapshotSettledStatus[];
}

/**
 * Where the figures' snapshot is kept between starts, shared by every instance (production:
 * Redis; embedded: a file under the data directory). Any stored snapshot is a correct starting
 * point, whichever instance wrote it: an instance restores it and reads the topics on from its
 * offsets, so the last writer winning is fine.
 */
export abstract class SyncFiguresSnapshotStore {
  /** The stored snapshot's text, undefined when there is none. Rejects when the store cannot answer. */
  abstract load(): Promise<string | undefined>;
  /** Replaces the stored snapshot (atomically: a reader sees the old or the new one). */
  abstract save(text: string): Promise<void>;
  abstract close(): Promise<void>;
}

export function encodeSnapshot(snapshot: SyncFiguresSnapshot): string {
  return JSON.stringify(snapshot);
}

const COMMUNE = /^\d{5}$/;
const PROVINCE = /^\d{2}$/;
const OFFSET = /^\d+$/;
const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isTime = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/**
 * The snapshot in `text`, checked field by field (it comes from outside the process, like a Kafka
 * message): a snapshot that does not pass is not used and the figures are rebuilt from the topics.
 * Tuples rather than objects keep a snapshot of thousands of statuses small and quick to parse,
 * which is why this is checked by hand and not with class-validator.
 */
export function decodeSnapshot(text: string): { ok: true; snapshot: SyncFiguresSnapshot } | { ok: false; reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { ok: false, reason: 'not a JSON object' };
  const s = raw as Record<string, unknown>;
  if (s.version !== 1) return { ok: false, reason: `unknown version ${JSON.stringify(s.version)}` };
  if (typeof s.takenAt !== 'string') return { ok: false, reason: 'takenAt missing' };
  if (s.offsets === null || typeof s.offsets !== 'object' || Array.isArray(s.offsets)) return { ok: false, reason: 'offsets missing' };
  for (const [topic, list] of Object.entries(s.offsets)) {
    if (
      !Array.isArray(list) ||
      !list.every(
        (p: unknown) =>
          p !== null &&
          typeof p === 'object' &&
          isCount((p as PartitionOffset).partition) &&
          typeof (p as PartitionOffset).offset === 'string' &&
          OFFSET.test((p as PartitionOffset).offset),
      )
    ) {
      return { ok: false, reason: `offsets of ${topic} malformed` };
    }
  }
  if (
    !Array.isArray(s.communes) ||
    !s.communes.every(
      (c: unknown) =>
        Array.isArray(c) && c.length === 5 && COMMUNE.test(String(c[0])) && PROVINCE.test(String(c[1])) && isCount(c[2]) && isCount(c[3]) && isCount(c[4]),
    )
  ) {
    return { ok: false, reason: 'communes malformed' };
  }
  if (
    !Array.isArray(s.open) ||
    !s.open.every(
      (o: unknown) =>
        Array.isArray(o) &&
        o.length === 6 &&
        typeof o[0] === 'string' &&
        COMMUNE.test(String(o[1])) &&
        (o[2] === 'p' || o[2] === 'f') &&
        isTime(o[3]) &&
        isCount(o[4]) &&
        typeof o[5] === 'boolean',
    )
  ) {
    return { ok: false, reason: 'open statuses malformed' };
  }
  for (const list of ['settled', 'settledAhead'] as const) {
    const entries = s[list];
    if (!Array.isArray(entries) || !entries.every((e: unknown) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && isTime(e[1]))) {
      return { ok: false, reason: `${list} statuses malformed` };
    }
  }
  return { ok: true, snapshot: s as unknown as SyncFiguresSnapshot };
}
