import { AuditChain, chainHash, splitChained } from './audit-chain.js';
import type { AuditRecord } from './audit-record.js';
import type { TrailItem } from './audit-trail-reader.js';
import { verifyAuditTrail } from './audit-verifier.js';
import { accessRecord } from '../../test/support/audit-records.js';

const T0 = Date.parse('2025-06-01T08:00:00.000Z');
const access = (n: number, timeMs = T0 + n * 1000): AuditRecord => accessRecord(n, { time: new Date(timeMs).toISOString() });

/** `n` records of one writer, one per write, as stored JSON texts. */
function chainOf(writer: string, n: number, time = (i: number) => T0 + i * 1000): string[] {
  const chain = new AuditChain(writer);
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) {
    const batch = chain.seal([access(i, time(i))]);
    chain.written(batch);
    lines.push(...batch.lines);
  }
  return lines;
}

const items = (lines: string[]): TrailItem[] =>
  lines.map((line, i) => ({ position: String(i + 1), value: line === '' ? undefined : (JSON.parse(line) as object) }));
const verify = (lines: string[], range = {}) => verifyAuditTrail(items(lines), range);
const kinds = (lines: string[], range = {}) => verify(lines, range).problems.map((p) => `${p.kind}:${p.seq}`);

/** Two writers interleaved, as in a file several processes append to. */
function interleaved(): string[] {
  const a = chainOf('a', 10);
  const b = chainOf('b', 10);
  return a.flatMap((line, i) => [line, b[i]]);
}

describe('verifyAuditTrail', () => {
  it('an intact trail of two interleaved writers', () => {
    const report = verify(interleaved());
    expect(report.intact).toBe(true);
    expect(report.records).toBe(20);
    expect(report.writers.map((w) => [w.writer, w.firstSeq, w.lastSeq, w.records])).toEqual([
      ['a', 1, 10, 10],
      ['b', 1, 10, 10],
    ]);
  });

  it('detects a removed record, with where it was', () => {
    const lines = chainOf('a', 10);
    lines.splice(4, 1); // seq 5
    const report = verify(lines);
    expect(report.intact).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'removed', writer: 'a', seq: 5, toSeq: 5, position: '5' })]);
    expect(report.problems[0].detail).toMatch(/seq 5 is missing \(between the records at 4 and 5\)/);
  });

  it('detects removed records at the start of a chain when the whole trail is verified', () => {
    expect(kinds(chainOf('a', 5).slice(2))).toEqual(['removed:1']);
  });

  it('detects an altered record (content changed, hash left)', () => {
    const lines = chainOf('a', 10);
    const record = JSON.parse(lines[6]) as AuditRecord;
    record.subjectId = '001099099999';
    lines[6] = JSON.stringify(record);
    expect(kinds(lines)).toEqual(['altered:7']);
  });

  it('detects an altered record whose hash was recomputed (the next record no longer chains to it)', () => {
    const lines = chainOf('a', 10);
    const { entry, chain } = splitChained(JSON.parse(lines[6]) as object);
    entry.outcome = 'refused';
    lines[6] = JSON.stringify({ ...entry, chain: { ...chain!, hash: chainHash(chain!.prev, entry) } });
    const report = verify(lines);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'altered', seq: 7, position: '7' })]);
  });

  it('detects two swapped records as reordered, and nothing else', () => {
    const lines = chainOf('a', 10);
    [lines[3], lines[4]] = [lines[4], lines[3]];
    const report = verify(lines);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'reordered', writer: 'a', seq: 4, position: '5' })]);
  });

  it('detects a record moved far back', () => {
    const lines = chainOf('a', 10);
    const [moved] = lines.splice(1, 1);
    lines.push(moved);
    expect(kinds(lines)).toEqual(['reordered:2']);
  });

  it('detects a second, different record under an existing seq', () => {
    const lines = chainOf('a', 5);
    const forged = chainOf('a', 5, (i) => T0 + i * 2000)[2]; // another chain under the same writer id
    lines.push(forged);
    expect(kinds(lines)).toEqual(['altered:3']);
  });

  it('counts an exact repeat of records (a retried write) without reporting it', () => {
    const lines = chainOf('a', 6);
    lines.splice(4, 0, lines[2], lines[3]);
    const report = verify(lines);
    expect(report.intact).toBe(true);
    expect(report.duplicates).toBe(2);
    expect(report.records).toBe(6);
  });

  it('reports unreadable lines and records without a chain among chained ones; legacy records before are only counted', () => {
    const legacy = JSON.stringify(access(0));
    const lines = [legacy, legacy, ...chainOf('a', 3)];
    lines.splice(3, 0, '{"torn": "li');
    lines.push(legacy);
    const report = verifyAuditTrail(lines.map((line, i) => ({ position: String(i + 1), value: safeParse(line) })));
    expect(report.legacyUnchained).toBe(2);
    expect(report.problems.map((p) => `${p.kind}@${p.position}`).sort()).toEqual(['unchained@7', 'unreadable@4']);
  });

  it('does not count seq numbers the writer declared unconfirmed (a failed write) as removed', () => {
    const chain = new AuditChain('a');
    const lines: string[] = [];
    const write = (n: number, ok: boolean) => {
      const batch = chain.seal([access(n)]);
      if (ok) {
        chain.written(batch);
        lines.push(...batch.lines);
      } else chain.failed(batch);
    };
    write(1, true);
    write(2, false);
    write(3, false);
    write(4, true); // carries the notice for 2-4 (the second failed write carried a notice too)
    write(5, true);
    const report = verify(lines);
    expect(report.intact).toBe(true);
    expect(report.writers[0]).toMatchObject({ unconfirmedAbsent: 3, records: 4, lastSeq: 7 });
    // Removing the notice itself shows both the notice and the records it explained as missing.
    const withoutNotice = lines.filter((l) => !l.includes('audit_notice'));
    expect(kinds(withoutNotice)).toEqual(['removed:2']);
    expect(verify(withoutNotice).problems[0]).toMatchObject({ seq: 2, toSeq: 5 });
  });

  describe('time range', () => {
    it('takes the first record in range as the start: the records before --from are not missing', () => {
      const lines = chainOf('a', 20);
      const report = verify(lines, { from: new Date(T0 + 10_000), to: new Date(T0 + 15_000) });
      expect(report.intact).toBe(true);
      expect(report.writers[0]).toMatchObject({ firstSeq: 10, lastSeq: 15, records: 6 });
    });

    it('still finds tampering inside the range, and ignores tampering outside it', () => {
      const lines = chainOf('a', 20);
      lines.splice(12, 1); // seq 13, in range
      lines.splice(2, 1); // seq 3, before it
      expect(kinds(lines, { from: new Date(T0 + 10_000), to: new Date(T0 + 15_000) })).toEqual(['removed:13']);
    });

    it('cuts by trail order: a record timed just before --from but written after the start is inside', () => {
      // Lookups finish out of order: seq 11 was decided before seq 10.
      const lines = chainOf('a', 15, (i) => (i === 11 ? T0 + 9_500 : T0 + i * 1000));
      const report = verify(lines, { from: new Date(T0 + 10_000) });
      expect(report.intact).toBe(true);
      expect(report.writers[0]).toMatchObject({ firstSeq: 10, lastSeq: 15 });
      const to = verify(lines, { to: new Date(T0 + 10_000) });
      expect(to.writers[0]).toMatchObject({ firstSeq: 1, lastSeq: 11 });
    });
  });
});

function safeParse(line: string): object | undefined {
  try {
    return JSON.parse(line) as object;
  } catch {
    return undefined;
  }
}
