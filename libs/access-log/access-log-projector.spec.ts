import type { AuditEntry, AuditRecord } from '@motlan/audit/audit-record.js';
import { AuditFeed, type AuditFeedHandler, type AuditPosition, type RunningAuditFeed } from '@motlan/audit/audit-feed.port.js';
import { ACCESS_LOG_CONSUMER } from './access-log-entry.js';
import { AccessLogProjector } from './access-log-projector.js';
import { AccessLogStore, type AccessLogPage, type AccessLogQuery } from './access-log-store.port.js';
import type { AccessLogAddition, SeqRange } from './access-log-entry.js';
import { InMemoryAccessLogStore } from './in-memory-access-log-store.adapter.js';

const A = '001099012345';
const B = '079203000111';

/**
 * The AuditFeed contract in memory: one writer's chain, delivered in order from where the
 * consumer left off (its committed count), then tailing; `redeliverFrom` replays as a consumer
 * restarting after a crash before its commit would.
 */
class MemoryAuditFeed extends AuditFeed {
  readonly entries: AuditEntry[] = [];
  readonly committed = new Map<string, number>();
  consumers: string[] = [];
  private wake?: () => void;

  append(...entries: AuditEntry[]): void {
    this.entries.push(...entries);
    this.wake?.();
  }

  redeliverFrom(consumer: string, index: number): void {
    this.committed.set(consumer, index);
    this.wake?.();
  }

  async follow(consumer: string, handler: AuditFeedHandler): Promise<RunningAuditFeed> {
    this.consumers.push(consumer);
    let stopped = false;
    const target = this.entries.length;
    let reachedTarget!: () => void;
    const caughtUp = new Promise<void>((resolve) => (reachedTarget = resolve));
    const loop = (async () => {
      while (!stopped) {
        const next = this.committed.get(consumer) ?? 0;
        if (next >= target) reachedTarget();
        if (next >= this.entries.length) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        const position: AuditPosition = { position: String(next + 1), writer: 'gw-1', seq: next + 1 };
        try {
          await handler(this.entries[next], position);
          this.committed.set(consumer, next + 1);
        } catch {
          // At least once: the same entry comes again.
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    })();
    return {
      caughtUp: () => caughtUp,
      stop: async () => {
        stopped = true;
        this.wake?.();
        await loop;
      },
    };
  }
}

let seq = 0;
function access(subjectId: string | null, extra: Partial<AuditRecord> = {}): AuditRecord {
  seq++;
  return {
    type: 'access',
    time: new Date(Date.now() - 60_000 + seq).toISOString(),
    requestId: `req-${seq}`,
    clientId: 'commune-00004',
    clientCommune: '00004',
    officerId: 'officer-001',
    purpose: '1.004222',
    dossierId: 'H01-2026-0001',
    registry: 'population',
    dataset: 'person',
    subjectId,
    fields: ['fullName', 'dateOfBirth'],
    outcome: 'answered',
    status: 200,
    cache: 'MISS',
    version: '3',
    ...extra,
  };
}

const all = async (store: AccessLogStore, subjectId: string) => (await store.page(subjectId, { limit: 100 })).entries;

describe('AccessLogProjector', () => {
  let feed: MemoryAuditFeed;
  let store: InMemoryAccessLogStore;
  let projector: AccessLogProjector;

  beforeEach(() => {
    feed = new MemoryAuditFeed();
    store = new InMemoryAccessLogStore();
    projector = new AccessLogProjector(feed, store, { backoffMs: 1 });
  });

  afterEach(async () => {
    await projector.stop();
  });

  it("puts each access about a citizen into that citizen's log, answered and refused, and nothing else", async () => {
    feed.append(
      access(A),
      access(B, { clientId: 'commune-00007', clientCommune: '00007', officerId: 'officer-777', purpose: '2.000123' }),
      access(A, { outcome: 'refused', status: 403, code: 'missing_scope', fields: ['address'], cache: undefined, version: undefined }),
      // Not citizens' logs: a parcel, an enterprise, a malformed id, an unidentified caller, another entry type.
      access('00004-12-345', { registry: 'land', dataset: 'parcel' }),
      access('0101234567', { registry: 'business', dataset: 'enterprise' }),
      access('001999012345'),
      access(null),
      access(A, { clientId: null, outcome: 'refused', status: 401, code: 'token_missing' }),
      {
        type: 'adapter_catalog',
        time: new Date().toISOString(),
        requestId: 'r',
        clientId: 'op',
        action: 'register',
        adapterId: 'x',
        registry: 'land',
        before: null,
        after: {},
      },
    );
    await projector.start();
    expect(feed.consumers).toEqual([ACCESS_LOG_CONSUMER]);
    await projector.caughtUp();

    const logA = await all(store, A);
    expect(logA).toHaveLength(2);
    expect(logA[0]).toMatchObject({
      outcome: 'refused',
      status: 403,
      code: 'missing_scope',
      fields: ['address'],
      requestId: (feed.entries[2] as AuditRecord).requestId,
    });
    expect(logA[1]).toEqual({
      id: expect.stringMatching(/^[\w-]{22}$/),
      time: (feed.entries[0] as AuditRecord).time,
      requestId: (feed.entries[0] as AuditRecord).requestId,
      clientId: 'commune-00004',
      clientCommune: '00004',
      officerId: 'officer-001',
      purpose: '1.004222',
      dossierId: 'H01-2026-0001',
      registry: 'population',
      dataset: 'person',
      fields: ['fullName', 'dateOfBirth'],
      outcome: 'answered',
      status: 200,
      code: null,
      writer: 'gw-1',
      seq: 1,
    });
    const logB = await all(store, B);
    expect(logB).toEqual([expect.objectContaining({ clientId: 'commune-00007', officerId: 'officer-777', purpose: '2.000123' })]);
    expect(JSON.stringify(logA)).not.toContain(B);
    expect(JSON.stringify(logB)).not.toContain(A);
    expect(projector.stats).toMatchObject({ added: 3, skipped: 6 });
  });

  it('turns the answered accesses an audit notice names into refusals (the lookup answered 503, no data left)', async () => {
    feed.append(access(A), access(A), access(B), access(A));
    feed.append({ type: 'audit_notice', time: new Date().toISOString(), unconfirmed: [[2, 3]], late: [] });
    await projector.start();
    await projector.caughtUp();
    const logA = await all(store, A);
    expect(logA.map((e) => [e.seq, e.outcome, e.code])).toEqual([
      [4, 'answered', null],
      [2, 'refused', 'audit_unavailable'],
      [1, 'answered', null],
    ]);
    expect(await all(store, B)).toEqual([expect.objectContaining({ outcome: 'refused', status: 503, code: 'audit_unavailable' })]);
    expect(projector.stats.notices).toBe(1);
  });

  it('keeps new entries coming after the catch-up', async () => {
    await projector.start();
    await projector.caughtUp();
    feed.append(access(A));
    await waitFor(async () => (await all(store, A)).length === 1);
  });

  it('adds an entry delivered again once, and two items of one batch request twice', async () => {
    const batch = access(A, { requestId: 'batch-1' });
    feed.append(batch, { ...batch, fields: ['address'] }, access(B));
    await projector.start();
    await projector.caughtUp();
    expect(await all(store, A)).toHaveLength(2);
    feed.redeliverFrom(ACCESS_LOG_CONSUMER, 0);
    await waitFor(() => feed.committed.get(ACCESS_LOG_CONSUMER) === 3 && projector.stats.duplicates === 3);
    expect(await all(store, A)).toHaveLength(2);
    expect(await all(store, B)).toHaveLength(1);
  });

  it('retries a store that fails for a moment, and hands a lasting failure back to the feed', async () => {
    const flaky = new FlakyStore(new InMemoryAccessLogStore(), 2);
    projector = new AccessLogProjector(feed, flaky, { backoffMs: 1, attempts: 3 });
    await projector.handle(access(A), { position: '1', writer: 'gw-1', seq: 1 });
    expect(flaky.calls).toBe(3);
    expect(await all(flaky, A)).toHaveLength(1);

    const down = new FlakyStore(new InMemoryAccessLogStore(), Number.POSITIVE_INFINITY);
    projector = new AccessLogProjector(feed, down, { backoffMs: 1, attempts: 3 });
    await expect(projector.handle(access(A), { position: '2', writer: 'gw-1', seq: 2 })).rejects.toThrow('store down');
    expect(down.calls).toBe(3);
  });

  it('keeps unchecked free text only when well-formed, and masks another 12-digit id in it', async () => {
    feed.append(
      access(A, {
        clientId: 'https://idp.example/clients/one stop',
        officerId: `officer-${B}`,
        dossierId: `dossier/${A}`,
        purpose: 'curiosity',
        registry: 'Population!',
        fields: ['ok', 'no way'],
      }),
    );
    await projector.start();
    await projector.caughtUp();
    const [entry] = await all(store, A);
    // The client id is a verified token subject: kept whatever its characters, never dropped.
    expect(entry).toMatchObject({
      clientId: 'https://idp.example/clients/one stop',
      officerId: 'officer-************',
      dossierId: `dossier/${A}`,
      purpose: null,
      registry: null,
      fields: ['ok'],
    });
  });

  it("puts an answered access into the log of every person the released fields named, marked so, and leaves the subject's entry as it was", async () => {
    const household = access(A, {
      registry: 'residence',
      dataset: 'household',
      fields: ['head', 'members'],
      officerId: `officer-${A}`,
      namedSubjects: [
        { subjectId: B, paths: ['head.personId', 'members[0].personId', 'bad path!'] },
        // Never the subject itself, never an invalid id, never garbage.
        { subjectId: A, paths: ['members[1].personId'] },
        { subjectId: '001999012345', paths: ['members[2].personId'] },
        { nonsense: true } as unknown as { subjectId: string; paths: string[] },
      ],
    });
    const plain = access(A, { registry: 'residence', dataset: 'household', fields: ['head', 'members'], officerId: `officer-${A}` });
    const parcel = access('00004-12-345', {
      registry: 'land',
      dataset: 'parcel',
      fields: ['owners'],
      namedSubjects: [{ subjectId: A, paths: ['owners[0].id'] }],
    });
    // A refusal released nothing: nobody is named by it.
    const refused = access('00004-12-345', {
      registry: 'land',
      dataset: 'parcel',
      outcome: 'refused',
      status: 403,
      code: 'missing_scope',
      namedSubjects: [{ subjectId: B, paths: ['owners[0].id'] }],
    });
    feed.append(household, plain, parcel, refused);
    await projector.start();
    await projector.caughtUp();

    const logB = await all(store, B);
    expect(logB).toHaveLength(1);
    expect(logB[0]).toMatchObject({
      role: 'named-in-record',
      fieldPaths: ['head.personId', 'members[0].personId'],
      registry: 'residence',
      dataset: 'household',
      requestId: household.requestId,
      outcome: 'answered',
      // A's id is masked in B's entry as any other citizen's id would be.
      officerId: 'officer-************',
    });
    expect(JSON.stringify(logB)).not.toContain(A);

    const logA = await all(store, A);
    expect(logA.map((e) => [e.requestId, e.role ?? 'subject'])).toEqual([
      [parcel.requestId, 'named-in-record'],
      [plain.requestId, 'subject'],
      [household.requestId, 'subject'],
    ]);
    expect(logA[0]).toMatchObject({ registry: 'land', dataset: 'parcel', fieldPaths: ['owners[0].id'] });
    // The subject's own entry is the one it always was (the same record without names gives the same shape).
    const { id: _h, requestId: _hr, seq: _hs, time: _ht, ...householdEntry } = logA[2];
    const { id: _p, requestId: _pr, seq: _ps, time: _pt, ...plainEntry } = logA[1];
    expect(householdEntry).toEqual(plainEntry);
    expect(logA[2]).not.toHaveProperty('role');
    expect(logB[0].id).not.toBe(logA[2].id);

    // Delivered again: nobody's log grows.
    feed.redeliverFrom(ACCESS_LOG_CONSUMER, 0);
    await waitFor(() => feed.committed.get(ACCESS_LOG_CONSUMER) === 4 && projector.stats.duplicates === 4);
    expect(await all(store, A)).toHaveLength(3);
    expect(await all(store, B)).toHaveLength(1);
  });

  it('keeps retrying to follow a feed that cannot be followed yet, and stops when asked', async () => {
    let attempts = 0;
    const broken = new (class extends AuditFeed {
      async follow(): Promise<RunningAuditFeed> {
        attempts++;
        throw new Error('kafka not reachable');
      }
    })();
    projector = new AccessLogProjector(broken, store);
    const started = projector.start();
    await waitFor(() => attempts >= 1);
    await projector.stop();
    await started;
  });
});

class FlakyStore extends AccessLogStore {
  calls = 0;
  constructor(
    private readonly inner: AccessLogStore,
    private failures: number,
  ) {
    super();
  }
  async add(entry: AccessLogAddition): Promise<boolean> {
    this.calls++;
    if (this.failures-- > 0) throw new Error('store down');
    return this.inner.add(entry);
  }
  addNotice(writer: string, ranges: readonly SeqRange[]): Promise<void> {
    return this.inner.addNotice(writer, ranges);
  }
  page(subjectId: string, query: AccessLogQuery): Promise<AccessLogPage> {
    return this.inner.page(subjectId, query);
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
