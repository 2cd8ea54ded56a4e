import { createHash } from 'node:crypto';
import { AuditChain, GENESIS_HASH, canonicalJson, chainHash, chainWriterId, splitChained, type ChainedAuditEntry } from './audit-chain.js';
import type { AuditRecord } from './audit-record.js';
import { accessRecord } from '../../test/support/audit-records.js';

const access = (n: number, extra: Partial<AuditRecord> = {}): AuditRecord =>
  accessRecord(n, { time: '2025-06-01T08:00:00.000Z', fields: ['fullName', 'dateOfBirth'], ...extra });

const parse = (line: string) => JSON.parse(line) as ChainedAuditEntry;

describe('canonicalJson', () => {
  it('sorts keys at every level, keeps array order, leaves undefined members out', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: null }], c: 'é' } })).toBe('{"a":{"c":"é","d":[3,{"x":null,"z":1}]},"b":1}');
    expect(canonicalJson([undefined, () => 1])).toBe('[null,null]');
    expect(canonicalJson({ a: undefined, b: [], c: {}, d: [{}] })).toBe('{"b":[],"c":{},"d":[{}]}');
    expect(canonicalJson({ when: new Date('2025-01-01T00:00:00Z') })).toBe('{"when":"2025-01-01T00:00:00.000Z"}');
  });

  it('is the same for a record and the record parsed back from its JSON', () => {
    const record = { ...access(1), cache: undefined, fields: ['b', 'a'], weird: 'line\nbreak \u2028 "quoted" \ud800' };
    expect(canonicalJson(JSON.parse(JSON.stringify(record)))).toBe(canonicalJson(record));
  });
});

describe('AuditChain', () => {
  it('chains records: seq from 1, prev = hash of the previous one, hash = sha256(prev + canonical entry)', () => {
    const chain = new AuditChain('gw-1~a');
    const first = chain.seal([access(1), access(2)]);
    const second = chain.seal([access(3)]);
    const records = [...first.lines, ...second.lines].map(parse);
    expect(records.map((r) => r.chain.seq)).toEqual([1, 2, 3]);
    expect(records[0].chain.prev).toBe(GENESIS_HASH);
    for (const [i, record] of records.entries()) {
      const { entry, chain: link } = splitChained(record);
      expect(link).toMatchObject({ writer: 'gw-1~a', seq: i + 1 });
      expect(link!.hash).toBe(chainHash(link!.prev, entry));
      // The digest as the trail's documentation states it, computed here with a Hash object.
      expect(link!.hash).toBe(createHash('sha256').update(link!.prev).update(canonicalJson(entry)).digest('hex'));
      expect(link!.hash).toMatch(/^[0-9a-f]{64}$/);
      if (i > 0) expect(link!.prev).toBe(records[i - 1].chain.hash);
    }
    expect(first).toMatchObject({ firstSeq: 1, lastSeq: 2, noticeCount: 0 });
    // The stored entry is the original one plus its link.
    expect(splitChained(records[0]).entry).toEqual(access(1));
  });

  it('stores each record as its canonical JSON (the text its hash covers) with the chain link last', () => {
    const chain = new AuditChain('w');
    const entry = { ...access(1), cache: undefined, fields: ['b', 'a'], note: 'line\nbreak "quoted"' } as AuditRecord;
    const [line] = chain.seal([entry]).lines;
    const { chain: link } = parse(line);
    expect(line).toBe(`${canonicalJson(entry).slice(0, -1)},"chain":${JSON.stringify(link)}}`);
    expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify({ ...entry, chain: link })));
    expect(link.hash).toBe(chainHash(GENESIS_HASH, splitChained(parse(line)).entry));
  });

  it('never reuses the seq numbers of a failed write: they are named unconfirmed by a notice in the next batch', () => {
    const chain = new AuditChain('w');
    chain.written(chain.seal([access(1)]));
    const failed = chain.seal([access(2), access(3)]);
    chain.failed(failed);
    const alsoFailed = chain.seal([access(4)]);
    chain.failed(alsoFailed);
    expect(chain.owesNotice).toBe(true);
    const next = chain.seal([access(5)]);
    const [notice, record] = next.lines.map(parse);
    expect(notice).toMatchObject({ type: 'audit_notice', unconfirmed: [[2, 5]], late: [], chain: { seq: 6 } });
    expect(record).toMatchObject({ requestId: 'req-5', chain: { seq: 7, prev: notice.chain.hash } });
    expect(next.noticeCount).toBe(1);
    chain.written(next);
    expect(chain.owesNotice).toBe(false);
    expect(chain.seal([access(6)]).lines).toHaveLength(1);
  });

  it('names records acknowledged after their callers gave up as late, in the next batch', () => {
    const chain = new AuditChain('w');
    const batch = chain.seal([access(1), access(2), access(3)]);
    chain.written(batch, [[1, 2]]);
    const [notice] = chain.seal([]).lines.map(parse);
    expect(notice).toMatchObject({ type: 'audit_notice', unconfirmed: [], late: [[1, 2]], chain: { seq: 4 } });
  });

  it('gives every start of an instance its own writer id', () => {
    const a = chainWriterId('gw-1');
    const b = chainWriterId('gw-1');
    expect(a).toMatch(/^gw-1~[0-9a-z]+$/);
    expect(a).not.toBe(b);
  });
});
