import { AuditSink } from '@motlan/audit/audit-sink.port.js';
import type { AuditEntry } from '@motlan/audit/audit-record.js';
import { AnonymousRefusals } from './anonymous-refusals.js';

class RecordingSink extends AuditSink {
  readonly records: AuditEntry[] = [];
  async append(record: AuditEntry): Promise<void> {
    this.records.push(record);
  }
  async appendMany(records: AuditEntry[]): Promise<void> {
    this.records.push(...records);
  }
}

const refusal = (requestId: string): AuditEntry => ({
  type: 'refusal',
  time: '2026-11-23T10:00:00.000Z',
  requestId,
  method: 'GET',
  route: '/v1/registries',
  clientId: null,
  status: 401,
  code: 'token_missing',
});

describe('AnonymousRefusals', () => {
  let nowMs = Date.parse('2026-11-23T10:00:00Z');
  const now = () => nowMs;
  const make = (sink: AuditSink, overrides: Partial<ConstructorParameters<typeof AnonymousRefusals>[1]> = {}) =>
    new AnonymousRefusals(sink, { perSecond: 1, burst: 3, auditIntervalMs: 3_600_000, auditFullPerAddress: 2, auditFullTotal: 3, ...overrides }, now);

  it('limits each address on its own with a token bucket', () => {
    const refusals = make(new RecordingSink());
    expect([1, 2, 3, 4].map(() => refusals.admit('10.0.0.1').allowed)).toEqual([true, true, true, false]);
    expect(refusals.admit('10.0.0.2').allowed).toBe(true);
    nowMs += 1000;
    expect(refusals.admit('10.0.0.1').allowed).toBe(true);
    void refusals.onModuleDestroy();
  });

  it('no limit when perSecond is 0', () => {
    const refusals = make(new RecordingSink(), { perSecond: 0 });
    expect(Array.from({ length: 100 }, () => refusals.admit('10.0.0.1').allowed).every(Boolean)).toBe(true);
    void refusals.onModuleDestroy();
  });

  it('writes the first refusals per address and in all one by one, counts the rest into one summary per interval', async () => {
    const sink = new RecordingSink();
    const refusals = make(sink);
    for (let i = 0; i < 10; i++) await refusals.record('10.0.0.1', i % 2 ? 'token_missing' : 'rate_limited', refusal(`a-${i}`));
    for (let i = 0; i < 4; i++) await refusals.record('10.0.0.2', 'token_missing', refusal(`b-${i}`));
    // 2 of the first address, then 1 of the second: the total allowance (3) is used up.
    expect(sink.records.map((r) => (r as { requestId: string }).requestId)).toEqual(['a-0', 'a-1', 'b-0']);
    await refusals.flush();
    expect(sink.records).toHaveLength(4);
    expect(sink.records[3]).toMatchObject({
      type: 'refusal_summary',
      count: 11,
      codes: { token_missing: 7, rate_limited: 4 },
      sources: [
        { address: '10.0.0.1', count: 8 },
        { address: '10.0.0.2', count: 3 },
      ],
      otherSources: 0,
    });
    // A new interval: allowances again, no summary when nothing was counted.
    await refusals.record('10.0.0.1', 'token_missing', refusal('c-0'));
    await refusals.onModuleDestroy();
    expect(sink.records.map((r) => r.type)).toEqual(['refusal', 'refusal', 'refusal', 'refusal_summary', 'refusal']);
  });
});
