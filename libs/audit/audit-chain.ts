/**
 * The hash chain of the audit trail. Every gateway instance start is one writer with its own
 * chain; every entry it writes carries `chain: { writer, seq, prev, hash }` where
 * `hash = sha256(prev + canonicalJson(entry without chain))` (hex), `seq` counts from 1 and
 * `prev` is the hash of the writer's previous record (GENESIS_HASH for seq 1). A removed record
 * leaves a gap in seq, an altered one no longer matches its hash (or, if its hash was recomputed,
 * the next record's prev), a reordered one comes after a higher seq: audit-verifier.ts checks that.
 * One SHA-256 per record, no asymmetric crypto: the chain sits on the path of every lookup.
 *
 * Seq numbers are never reused. A write that fails may still have landed (a Kafka request whose
 * answer was lost, a partial file write), so reusing its seq numbers could put two different records
 * under one number, which would look like tampering. Instead the chain moves past the failed
 * batch and the writer owes a notice (an `audit_notice` entry, chained like any other) naming
 * those seq numbers as unconfirmed; it goes first into the next write that succeeds. The verifier
 * does not count unconfirmed seq numbers that are absent as removed. The same notice names records
 * acknowledged only after their callers had given up (`late`): they are in the trail, but the
 * lookup was refused with 503 and no data left.
 */
import { hash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AuditChainNoticeRecord, AuditEntry } from './audit-record.js';

/** `prev` of a chain's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** A record's place in its writer's chain. */
export interface AuditChainLink {
  writer: string;
  /** 1, 2, 3, … in write order. */
  seq: number;
  /** Hash of the writer's record seq - 1, GENESIS_HASH for seq 1. */
  prev: string;
  /** sha256(prev + canonicalJson(entry without chain)), lowercase hex. */
  hash: string;
}

/** What is written to the trail: the entry with its chain link. */
export type ChainedAuditEntry = AuditEntry & { chain: AuditChainLink };

/**
 * JSON with object keys sorted (by UTF-16 code units, Array.prototype.sort's order) at every
 * level, no whitespace; values as JSON.stringify renders them (undefined members left out, toJSON
 * honoured). A record parsed back from its stored JSON has the same canonical form as when written.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value) ?? 'null';
}

function canonical(value: unknown): string | undefined {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return canonical(withJson.toJSON());
  // Built by concatenation, member names quoted once per process: this runs for every record on
  // the lookup path (an array of parts joined, and a JSON.stringify per name, cost a third more).
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + (canonical(value[i]) ?? 'null');
    return out + ']';
  }
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const text = canonical((value as Record<string, unknown>)[key]);
    if (text === undefined) continue;
    out += (first ? '' : ',') + memberPrefix(key) + text;
    first = false;
  }
  return out + '}';
}

/** `"name":` per member name; the names of records are few (a stored record read back may hold any: those beyond the bound are not kept). */
const memberPrefixes = new Map<string, string>();
const MEMBER_PREFIXES_KEPT = 1000;

function memberPrefix(key: string): string {
  let prefix = memberPrefixes.get(key);
  if (prefix === undefined) {
    prefix = `${JSON.stringify(key)}:`;
    if (memberPrefixes.size < MEMBER_PREFIXES_KEPT) memberPrefixes.set(key, prefix);
  }
  return prefix;
}

/** The hash a record with this `prev` and content must carry. */
export function chainHash(prev: string, entry: object): string {
  return hashOfCanonical(prev, canonicalJson(entry));
}

function hashOfCanonical(prev: string, canonicalEntry: string): string {
  // One-shot crypto.hash, the same digest as a Hash object fed prev then the entry: 0.8 µs for a
  // lookup's record against 1.8 µs (the object's setup dominates at this size).
  return hash('sha256', prev + canonicalEntry, 'hex');
}

/**
 * The stored text of a chained record, from the canonical JSON its hash was computed over: one
 * encoding per record serves both (the entry's members in canonical order, `chain` last). Parsed
 * back, it gives the same object as `{ ...entry, chain }` and so the same canonical form.
 */
function chainedText(canonicalEntry: string, link: AuditChainLink): string {
  const chain = `"chain":${JSON.stringify(link)}`;
  return canonicalEntry === '{}' ? `{${chain}}` : `${canonicalEntry.slice(0, -1)},${chain}}`;
}

/** Splits a stored record into its entry and its chain link (undefined when it has none, or a malformed one). */
export function splitChained(record: object): { entry: Record<string, unknown>; chain?: AuditChainLink } {
  const { chain, ...entry } = record as Record<string, unknown>;
  return { entry, chain: isChainLink(chain) ? chain : undefined };
}

export function isChainLink(value: unknown): value is AuditChainLink {
  if (value === null || typeof value !== 'object') return false;
  const link = value as Record<string, unknown>;
  return (
    typeof link.writer === 'string' &&
    link.writer !== '' &&
    Number.isSafeInteger(link.seq) &&
    (link.seq as number) >= 1 &&
    typeof link.prev === 'string' &&
    typeof link.hash === 'string'
  );
}

/** Default instance id (MOTLAN_INSTANCE_ID unset): unique per process. */
export function defaultInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/**
 * The writer id of one start of an instance: `<instance id>~<start time base36><random>`. A
 * restarted gateway starts a new chain rather than continuing its old one: it need not read the
 * trail back on start (Kafka may be down then), and two processes configured with the same
 * MOTLAN_INSTANCE_ID by mistake still write separate chains instead of one forked chain.
 */
export function chainWriterId(instanceId: string): string {
  return `${instanceId}~${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
}

/** Seq numbers as inclusive [first, last] ranges. */
export type SeqRange = [number, number];

/** A batch chained and ready to write, in chain order (an owed notice first). */
export interface SealedBatch {
  /** One JSON text per record, no newline. */
  lines: string[];
  firstSeq: number;
  lastSeq: number;
  /** Entries before the caller's: 1 when the batch starts with the owed notice, else 0. */
  noticeCount: number;
}

/**
 * One writer's chain state. Not safe for concurrent batches: the sinks seal one batch, write it,
 * report the outcome (written/failed), then seal the next, so chain order equals write order.
 */
export class AuditChain {
  private seq = 0;
  private head = GENESIS_HASH;
  private unconfirmed: SeqRange[] = [];
  private late: SeqRange[] = [];
  /** What the notice in the batch being written covers, cleared from the debt once it is written. */
  private noticeCovers?: { unconfirmed: number; late: number };

  constructor(readonly writer: string) {}

  /** Whether a notice is owed (the next batch written, even an empty one, should carry it). */
  get owesNotice(): boolean {
    return this.unconfirmed.length > 0 || this.late.length > 0;
  }

  /** Chains `entries` after the notice owed, if any. */
  seal(entries: readonly AuditEntry[], now: Date = new Date()): SealedBatch {
    const all: AuditEntry[] = [];
    this.noticeCovers = undefined;
    if (this.owesNotice) {
      const notice: AuditChainNoticeRecord = {
        type: 'audit_notice',
        time: now.toISOString(),
        unconfirmed: this.unconfirmed.map(copy),
        late: this.late.map(copy),
      };
      all.push(notice);
      this.noticeCovers = { unconfirmed: this.unconfirmed.length, late: this.late.length };
    }
    all.push(...entries);
    const firstSeq = this.seq + 1;
    const lines = all.map((entry) => {
      const seq = ++this.seq;
      const prev = this.head;
      const canonicalEntry = canonicalJson(entry);
      const hash = hashOfCanonical(prev, canonicalEntry);
      this.head = hash;
      return chainedText(canonicalEntry, { writer: this.writer, seq, prev, hash });
    });
    return { lines, firstSeq, lastSeq: this.seq, noticeCount: this.noticeCovers ? 1 : 0 };
  }

  /** The batch is durably written; `late` are seq ranges in it whose callers had already given up. */
  written(batch: SealedBatch, late: readonly SeqRange[] = []): void {
    if (batch.noticeCount > 0 && this.noticeCovers) {
      // Only ranges added after the seal (none, with one batch at a time) would remain.
      this.unconfirmed = this.unconfirmed.slice(this.noticeCovers.unconfirmed);
      this.late = this.late.slice(this.noticeCovers.late);
    }
    this.noticeCovers = undefined;
    for (const range of late) addRange(this.late, range);
  }

  /** The write failed: its records may or may not be in the trail. The chain still moves past them. */
  failed(batch: SealedBatch): void {
    this.noticeCovers = undefined;
    if (batch.lastSeq >= batch.firstSeq) addRange(this.unconfirmed, [batch.firstSeq, batch.lastSeq]);
  }
}

function copy(range: SeqRange): SeqRange {
  return [range[0], range[1]];
}

/** Appends a range, merging it with the last one when they touch (failed batches follow each other). */
function addRange(ranges: SeqRange[], range: SeqRange): void {
  const last = ranges[ranges.length - 1];
  if (last && range[0] <= last[1] + 1) last[1] = Math.max(last[1], range[1]);
  else ranges.push(copy(range));
}
