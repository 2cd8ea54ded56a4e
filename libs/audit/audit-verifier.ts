/**
 * Checks the hash chains of an audit trail (audit-chain.ts). Pure: records go in, in trail order
 * (file line order; Kafka partition order, partitions in any interleaving since one writer's
 * chain is on one partition), a report comes out. Per writer it finds:
 * - removed: seq numbers missing between two records (or before the first, when the whole trail is
 *   verified), unless the writer's own notice names them unconfirmed (a write that failed);
 * - altered: a record whose content no longer matches its hash; a record whose hash was recomputed
 *   (the next record's prev no longer matches it); a second, different record under a seq number;
 *   a chain start whose prev is not the genesis hash;
 * - reordered: a record that comes after a higher seq number of its writer.
 * Exact repeats of a record (same seq and hash: a write retried after it had landed) are counted,
 * not reported. Lines that are not JSON are "unreadable"; records without a chain "unchained"
 * (those before the first chained record of the trail are legacy: counted, not reported).
 *
 * A range (from/to, by the records' own `time`) is cut per writer in trail order: from the first
 * record at or after `from` to the last at or before `to`, everything in between included whatever
 * its time (lookups finish out of order by milliseconds). The first record in range is trusted as
 * the start: the records before `from` are not reported missing.
 *
 * What a hash chain cannot show: records removed from the end of a chain (compare each writer's
 * last seq and time with what is expected), and a trail rewritten from some record on with every
 * later hash recomputed (anchoring chain heads outside the trail would be needed for that).
 */
import { GENESIS_HASH, chainHash, splitChained, type AuditChainLink } from './audit-chain.js';
import type { TrailItem } from './audit-trail-reader.js';

export type AuditProblemKind = 'removed' | 'altered' | 'reordered' | 'unreadable' | 'unchained';

export interface AuditProblem {
  kind: AuditProblemKind;
  writer?: string;
  /** The seq concerned (first of a removed range). */
  seq?: number;
  /** Last seq of a removed range. */
  toSeq?: number;
  /** Where: the record itself, or for a removed range the record after it. */
  position: string;
  detail: string;
}

export interface AuditWriterSummary {
  writer: string;
  records: number;
  firstSeq: number;
  lastSeq: number;
  firstPosition: string;
  lastPosition: string;
  firstTime?: string;
  lastTime?: string;
  /** Seq numbers absent from the trail that the writer itself declared unconfirmed (failed writes). */
  unconfirmedAbsent: number;
}

export interface AuditVerifyReport {
  intact: boolean;
  range: { from?: string; to?: string };
  /** Chained records verified (in range, repeats not counted). */
  records: number;
  /** Exact repeats of a record seen (not a problem). */
  duplicates: number;
  /** Records without a chain before the first chained record of the trail (not verifiable). */
  legacyUnchained: number;
  writers: AuditWriterSummary[];
  problems: AuditProblem[];
}

export interface AuditVerifyRange {
  from?: Date;
  to?: Date;
}

/** Recent seq → hash kept per writer to tell repeats and late records apart from forgeries. */
const WINDOW = 100_000;

interface Checked {
  link: AuditChainLink;
  position: string;
  time?: string;
  timeMs: number;
  /** Content matches its hash. */
  contentOk: boolean;
  /** Seq ranges this record (a notice) declares unconfirmed. */
  unconfirmed?: [number, number][];
}

interface Missing {
  from: number;
  to: number;
  /** Position of the record that revealed the gap (the one after it). */
  before: string;
  after?: string;
}

class WriterState {
  started = false;
  /** Records after `to` in trail order: included only if a record within `to` follows. */
  held: Checked[] = [];
  head?: { seq: number; hash: string; position: string };
  readonly window = new Map<number, { hash: string; position: string }>();
  missing: Missing[] = [];
  readonly excused: [number, number][] = [];
  records = 0;
  first?: Checked;
  last?: Checked;

  constructor(readonly writer: string) {}

  remember(seq: number, hash: string, position: string): void {
    this.window.set(seq, { hash, position });
    if (this.window.size > WINDOW) this.window.delete(this.window.keys().next().value as number);
  }
}

/** Streaming verifier: push records in trail order, then report(). */
export class AuditTrailVerifier {
  private readonly writers = new Map<string, WriterState>();
  private readonly problems: AuditProblem[] = [];
  private duplicates = 0;
  private legacyUnchained = 0;
  private seenChained = false;
  private readonly fromMs: number;
  private readonly toMs: number;

  constructor(private readonly range: AuditVerifyRange = {}) {
    this.fromMs = range.from?.getTime() ?? -Infinity;
    this.toMs = range.to?.getTime() ?? Infinity;
  }

  push(item: TrailItem): void {
    if (!item.value) {
      this.problems.push({ kind: 'unreadable', position: item.position, detail: 'not a JSON object (damaged or truncated record)' });
      return;
    }
    const { entry, chain } = splitChained(item.value);
    if (!chain) {
      if (!this.seenChained) this.legacyUnchained++;
      else this.problems.push({ kind: 'unchained', position: item.position, detail: 'record without a valid chain link among chained records' });
      return;
    }
    this.seenChained = true;
    const time = typeof entry.time === 'string' ? entry.time : undefined;
    const parsed = time === undefined ? NaN : Date.parse(time);
    const checked: Checked = {
      link: chain,
      position: item.position,
      time,
      // A record without a readable time is kept with its neighbours (its content check tells whether it was altered).
      timeMs: Number.isFinite(parsed) ? parsed : NaN,
      contentOk: chainHash(chain.prev, entry) === chain.hash,
      unconfirmed: entry.type === 'audit_notice' ? ranges(entry.unconfirmed) : undefined,
    };
    let state = this.writers.get(chain.writer);
    if (!state) this.writers.set(chain.writer, (state = new WriterState(chain.writer)));
    if (!state.started) {
      if (!(checked.timeMs >= this.fromMs) && !Number.isNaN(checked.timeMs)) return;
      state.started = true;
    }
    if (checked.timeMs > this.toMs) {
      state.held.push(checked);
      return;
    }
    for (const held of state.held.splice(0)) this.check(state, held);
    this.check(state, checked);
  }

  private check(state: WriterState, record: Checked): void {
    const { seq, prev, hash } = record.link;
    const { writer } = state;
    if (!record.contentOk)
      this.problems.push({ kind: 'altered', writer, seq, position: record.position, detail: `seq ${seq}: content does not match its hash` });
    const head = state.head;
    if (!head) {
      if (this.range.from === undefined) {
        if (seq === 1 && prev !== GENESIS_HASH)
          this.problems.push({ kind: 'altered', writer, seq, position: record.position, detail: 'seq 1 does not start from the genesis hash' });
        if (seq > 1) state.missing.push({ from: 1, to: seq - 1, before: record.position });
      }
      this.accept(state, record);
      return;
    }
    if (seq > head.seq) {
      if (seq === head.seq + 1) {
        if (prev !== head.hash) {
          this.problems.push({
            kind: 'altered',
            writer,
            seq: head.seq,
            position: head.position,
            detail: `seq ${head.seq} is not the record seq ${seq} (at ${record.position}) was chained to: replaced, or its hash recomputed`,
          });
        }
      } else {
        state.missing.push({ from: head.seq + 1, to: seq - 1, after: head.position, before: record.position });
      }
      this.accept(state, record);
      return;
    }
    const known = state.window.get(seq);
    if (known && known.hash === hash) {
      this.duplicates++;
      return;
    }
    if (known) {
      this.problems.push({
        kind: 'altered',
        writer,
        seq,
        position: record.position,
        detail: `a second, different record with seq ${seq} (the first at ${known.position})`,
      });
      return;
    }
    this.problems.push({ kind: 'reordered', writer, seq, position: record.position, detail: `seq ${seq} comes after seq ${head.seq} (at ${head.position})` });
    if (fill(state.missing, seq)) {
      const before = state.window.get(seq - 1);
      if (before && before.hash !== prev) {
        this.problems.push({
          kind: 'altered',
          writer,
          seq: seq - 1,
          position: before.position,
          detail: `seq ${seq - 1} is not the record seq ${seq} (at ${record.position}) was chained to`,
        });
      }
      state.records++;
      state.remember(seq, hash, record.position);
      this.noteExcuses(state, record);
    }
  }

  private accept(state: WriterState, record: Checked): void {
    const { seq, hash } = record.link;
    state.head = { seq, hash, position: record.position };
    state.remember(seq, hash, record.position);
    state.records++;
    state.first ??= record;
    state.last = record;
    this.noteExcuses(state, record);
  }

  private noteExcuses(state: WriterState, record: Checked): void {
    if (record.unconfirmed && record.contentOk) state.excused.push(...record.unconfirmed);
  }

  report(): AuditVerifyReport {
    const problems = [...this.problems];
    const writers: AuditWriterSummary[] = [];
    let records = 0;
    for (const state of this.writers.values()) {
      if (!state.first || !state.last) continue;
      let unconfirmedAbsent = 0;
      for (const gap of state.missing) {
        for (const [from, to] of subtract([gap.from, gap.to], state.excused)) {
          problems.push({
            kind: 'removed',
            writer: state.writer,
            seq: from,
            toSeq: to,
            position: gap.before,
            detail: `${from === to ? `seq ${from} is` : `seq ${from}-${to} (${to - from + 1} records) are`} missing ${gap.after ? `(between the records at ${gap.after} and ${gap.before})` : `(the start of the chain, before the record at ${gap.before})`}`,
          });
        }
        unconfirmedAbsent += gap.to - gap.from + 1 - subtract([gap.from, gap.to], state.excused).reduce((n, [a, b]) => n + b - a + 1, 0);
      }
      records += state.records;
      writers.push({
        writer: state.writer,
        records: state.records,
        firstSeq: state.first.link.seq,
        lastSeq: state.last.link.seq,
        firstPosition: state.first.position,
        lastPosition: state.last.position,
        firstTime: state.first.time,
        lastTime: state.last.time,
        unconfirmedAbsent,
      });
    }
    problems.sort((a, b) => (a.writer ?? '').localeCompare(b.writer ?? '') || (a.seq ?? 0) - (b.seq ?? 0));
    return {
      intact: problems.length === 0,
      range: { from: this.range.from?.toISOString(), to: this.range.to?.toISOString() },
      records,
      duplicates: this.duplicates,
      legacyUnchained: this.legacyUnchained,
      writers: writers.sort((a, b) => a.writer.localeCompare(b.writer)),
      problems,
    };
  }
}

/** Verifies records given in trail order. */
export function verifyAuditTrail(items: Iterable<TrailItem>, range: AuditVerifyRange = {}): AuditVerifyReport {
  const verifier = new AuditTrailVerifier(range);
  for (const item of items) verifier.push(item);
  return verifier.report();
}

/** Takes `seq` out of the missing ranges; false when it was not missing. */
function fill(missing: Missing[], seq: number): boolean {
  const index = missing.findIndex((m) => m.from <= seq && seq <= m.to);
  if (index === -1) return false;
  const gap = missing[index];
  const parts: Missing[] = [];
  if (gap.from < seq) parts.push({ ...gap, to: seq - 1 });
  if (seq < gap.to) parts.push({ ...gap, from: seq + 1 });
  missing.splice(index, 1, ...parts);
  return true;
}

/** The parts of `range` not covered by `cover`. */
function subtract(range: [number, number], cover: [number, number][]): [number, number][] {
  let parts: [number, number][] = [range];
  for (const [a, b] of cover) {
    parts = parts.flatMap(([from, to]): [number, number][] => {
      if (b < from || a > to) return [[from, to]];
      const rest: [number, number][] = [];
      if (from < a) rest.push([from, a - 1]);
      if (b < to) rest.push([b + 1, to]);
      return rest;
    });
  }
  return parts;
}

function ranges(value: unknown): [number, number][] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (r): r is [number, number] => Array.isArray(r) && r.length === 2 && Number.isSafeInteger(r[0]) && Number.isSafeInteger(r[1]) && r[0] <= r[1],
  );
}
