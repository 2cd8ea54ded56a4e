import type { PartitionOffset } from '@motlan/event-log/event-log.port.js';
import { LagMonitor, type LagMonitorOptions, type LagSnapshot, type OffsetsSource } from './lag-monitor.js';

const T0 = Date.UTC(2025, 0, 1, 8, 0, 0);

/**
 * A source whose offsets the test sets directly. Topics missing from `ends` answer as Kafka does
 * for a topic that does not exist; `failing` makes every read fail (broker unreachable).
 */
class ScriptedSource implements OffsetsSource {
  readonly ends = new Map<string, number[]>();
  /** `${group}/${topic}` -> committed offset per partition index; absent = nothing committed. */
  readonly committed = new Map<string, number[]>();
  readonly calls: string[] = [];
  failing: string | undefined;
  delayMs = 0;

  async endOffsets(topic: string): Promise<PartitionOffset[]> {
    this.calls.push(`end ${topic}`);
    await this.pause();
    if (this.failing) throw new Error(this.failing);
    const ends = this.ends.get(topic);
    if (!ends) throw new Error('This server does not host this topic-partition');
    return ends.map((offset, partition) => ({ partition, offset: String(offset) }));
  }

  async committedOffsets(group: string, topic: string): Promise<PartitionOffset[]> {
    this.calls.push(`committed ${group} ${topic}`);
    await this.pause();
    if (this.failing) throw new Error(this.failing);
    const committed = this.committed.get(`${group}/${topic}`) ?? [];
    return (this.ends.get(topic) ?? []).map((_, partition) => ({ partition, offset: String(committed[partition] ?? -1) }));
  }

  private async pause(): Promise<void> {
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
  }
}

function setup(overrides: Partial<LagMonitorOptions> = {}, topics: Record<string, () => string[]> = { g: () => ['t'] }) {
  const clock = { t: T0 };
  const source = new ScriptedSource();
  const monitor = new LagMonitor({
    source,
    groups: Object.entries(topics).map(([group, list]) => ({ group, topics: list })),
    intervalMs: 1000,
    windowMs: 5000,
    allowance: 10,
    stopAfterMs: 8000,
    historyMs: 20_000,
    now: () => clock.t,
    ...overrides,
  });
  /** Advances the fake clock by one interval and polls. */
  const step = async (): Promise<LagSnapshot> => {
    clock.t += 1000;
    return monitor.sampleOnce();
  };
  return { clock, source, monitor, step };
}

const group = (snapshot: LagSnapshot, name = 'g') => snapshot.groups.find((g) => g.group === name)!;
const partition = (snapshot: LagSnapshot, topic: string, p: number, name = 'g') =>
  group(snapshot, name).partitions.find((x) => x.topic === topic && x.partition === p)!;

describe('LagMonitor', () => {
  it('follows a group from keeping up, through falling behind and stopping, back to OK once it drains', async () => {
    const { source, monitor, step } = setup();
    const statuses: string[] = [];
    const groupStatuses: string[] = [];
    let last!: LagSnapshot;
    // k = 0..5: 5 messages per partition per second, the group keeps up.
    for (let k = 0; k <= 5; k++) {
      source.ends.set('t', [5 * (k + 1), 5 * (k + 1)]);
      source.committed.set('g/t', [5 * (k + 1), 5 * (k + 1)]);
      last = await step();
      expect(group(last).status).toBe('OK');
    }
    // k = 6..14: the group stops committing; partition 0 keeps receiving, partition 1 is idle.
    for (let k = 6; k <= 14; k++) {
      source.ends.set('t', [5 * (k + 1), 30]);
      last = await step();
      statuses.push(partition(last, 't', 0).status);
      groupStatuses.push(group(last).status);
      expect(partition(last, 't', 1)).toMatchObject({ lag: 0, status: 'OK' });
    }
    // Lag 5, 10 (within the allowance), 15 and 20 while the window still holds the last commits
    // (WARN: lag growing), STALL once a whole window passed without a commit, STOP after 8 s.
    expect(statuses).toEqual(['OK', 'OK', 'WARN', 'WARN', 'STALL', 'STALL', 'STALL', 'STALL', 'STOP']);
    expect(groupStatuses).toEqual(['OK', 'OK', 'WARN', 'WARN', 'ERR', 'ERR', 'ERR', 'ERR', 'ERR']);
    expect(group(last)).toMatchObject({ status: 'ERR', totalLag: 45, maxTimeLagMs: 9000, error: null });
    expect(partition(last, 't', 0)).toMatchObject({
      endOffset: 75,
      committedOffset: 30,
      lag: 45,
      // The log end was at 30 at k = 5, nine seconds ago.
      timeLagMs: 9000,
      timeLagIsLowerBound: false,
      status: 'STOP',
      committedMovedAt: new Date(T0 + 6000).toISOString(),
    });
    expect(partition(last, 't', 0).reason).toMatch(/unchanged for 9 s/);

    // The group resumes and drains.
    source.committed.set('g/t', [80, 30]);
    source.ends.set('t', [80, 30]);
    last = await step();
    expect(group(last)).toMatchObject({ status: 'OK', totalLag: 0, maxTimeLagMs: 0 });
    expect(partition(last, 't', 0)).toMatchObject({ status: 'OK', committedMovedAt: new Date(T0 + 16_000).toISOString() });

    const history = monitor.history('g');
    expect(history).toHaveLength(16);
    expect(history.map((h) => h.totalLag)).toEqual([0, 0, 0, 0, 0, 0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 0]);
    expect(history[14]).toEqual({ t: T0 + 15_000, totalLag: 45, maxTimeLagMs: 9000, status: 'ERR' });
    // The history keeps the status of every poll, so a WARN seen between two API reads is not lost.
    expect(history.slice(6).map((h) => h.status)).toEqual(['OK', 'OK', 'WARN', 'WARN', 'ERR', 'ERR', 'ERR', 'ERR', 'ERR', 'OK']);
    expect(monitor.history('unknown')).toEqual([]);
  });

  it('reads committed offsets before log ends, and each topic once per poll however many groups read it', async () => {
    const { source, step } = setup({}, { a: () => ['t', 'u'], b: () => ['t'] });
    source.ends.set('t', [10]);
    source.ends.set('u', [3]);
    const snapshot = await step();
    const firstEnd = source.calls.findIndex((c) => c.startsWith('end'));
    expect(source.calls.slice(0, firstEnd).sort()).toEqual(['committed a t', 'committed a u', 'committed b t']);
    expect(source.calls.slice(firstEnd).sort()).toEqual(['end t', 'end u']);
    expect(snapshot.groups.map((g) => [g.group, g.totalLag])).toEqual([
      ['a', 13],
      ['b', 10],
    ]);
  });

  it('records a missing topic as an error of its group and keeps monitoring the others', async () => {
    const { clock, source, monitor, step } = setup({}, { g: () => ['t', 'retry'] });
    source.ends.set('t', [100]);
    source.committed.set('g/t', [100]);
    let snapshot = await step();
    expect(group(snapshot)).toMatchObject({
      status: 'OK',
      error: 'retry: log-end offsets: This server does not host this topic-partition',
      errorSince: new Date(clock.t).toISOString(),
      sampledAt: new Date(clock.t).toISOString(),
    });
    expect(group(snapshot).partitions.map((p) => p.topic)).toEqual(['t']);
    const firstError = clock.t;
    snapshot = await step();
    expect(group(snapshot).errorSince).toBe(new Date(firstError).toISOString());

    // The topic is created: picked up at the next poll, error gone.
    source.ends.set('retry', [0, 0]);
    snapshot = await step();
    expect(group(snapshot)).toMatchObject({ error: null, errorSince: null });
    expect(group(snapshot).partitions.map((p) => `${p.topic}/${p.partition}`)).toEqual(['retry/0', 'retry/1', 't/0']);
    expect(monitor.snapshot()).toEqual(snapshot);
  });

  it('survives an unreachable source: keeps the last known partitions (stale) until the history ends, then recovers', async () => {
    const { clock, source, step } = setup();
    source.ends.set('t', [50]);
    source.committed.set('g/t', [40]);
    const sampledAt = new Date(clock.t + 1000).toISOString();
    await step();
    source.failing = 'Connection error: connect ECONNREFUSED 127.0.0.1:9092';
    let snapshot = await step();
    expect(group(snapshot)).toMatchObject({ sampledAt, error: expect.stringContaining('t: committed offsets: Connection error') });
    expect(partition(snapshot, 't', 0)).toMatchObject({ lag: 10, status: 'OK' });
    // Still there 20 s (historyMs) after the last good read, gone after.
    for (let i = 0; i < 19; i++) snapshot = await step();
    expect(group(snapshot).partitions).toHaveLength(1);
    snapshot = await step();
    expect(group(snapshot)).toMatchObject({ partitions: [], totalLag: 0, status: 'OK', sampledAt });

    source.failing = undefined;
    snapshot = await step();
    expect(group(snapshot)).toMatchObject({ error: null, totalLag: 10, sampledAt: new Date(clock.t).toISOString() });
  });

  it('reports a topic without partitions, a failing topic list and unreadable offsets as errors', async () => {
    let topicsFail = true;
    const { source, step } = setup(
      {},
      {
        g: () => {
          if (topicsFail) throw new Error('config not loaded');
          return ['empty', 't'];
        },
      },
    );
    expect(group(await step()).error).toBe('listing topics: config not loaded');
    topicsFail = false;
    source.ends.set('empty', []);
    source.ends.set('t', [5]);
    source.committed.set('g/t', [Number.NaN]);
    expect(group(await step()).error).toBe('empty: no partitions (the topic does not exist yet?); t: unreadable committed offset of partition 0 offset "NaN"');
  });

  it('treats a partition without a committed offset as nothing committed (-1, lag = log end)', async () => {
    const { source, step } = setup();
    source.ends.set('t', [7, 9]);
    source.committed.set('g/t', [7]);
    const snapshot = await step();
    expect(partition(snapshot, 't', 1)).toMatchObject({ committedOffset: -1, lag: 9, timeLagMs: 0, timeLagIsLowerBound: true });
  });

  it('drops partitions of topics no longer listed and partitions gone from a topic', async () => {
    let topics = ['t', 'u'];
    const { source, step } = setup({}, { g: () => topics });
    source.ends.set('t', [1, 2, 3]);
    source.ends.set('u', [4]);
    expect(group(await step()).partitions).toHaveLength(4);
    topics = ['t'];
    source.ends.set('t', [1, 2]);
    const snapshot = await step();
    expect(group(snapshot).partitions.map((p) => `${p.topic}/${p.partition}`)).toEqual(['t/0', 't/1']);
    expect(group(snapshot).totalLag).toBe(3);
  });

  it('keeps memory bounded by historyMs: history points and samples (the time lag saturates at the history age)', async () => {
    const { source, monitor, step } = setup();
    source.committed.set('g/t', [0]);
    let snapshot!: LagSnapshot;
    for (let k = 1; k <= 200; k++) {
      source.ends.set('t', [10 * k]);
      snapshot = await step();
    }
    // 20 s of history at one poll per second, plus the poll that anchors its start.
    expect(monitor.history('g')).toHaveLength(21);
    expect(monitor.history('g')[0].t).toBe(T0 + 180_000);
    // Offset 0 is older than the kept samples: their age (20 s), as a lower bound.
    expect(partition(snapshot, 't', 0)).toMatchObject({ lag: 2000, timeLagMs: 20_000, timeLagIsLowerBound: true, status: 'STOP' });
  });

  it('gives up on a hanging read after readTimeoutMs, never piles reads up nor uses a late answer, and reports how the late one failed', async () => {
    const { source, step } = setup({ readTimeoutMs: 20 }, { g: () => ['t', 'slow'] });
    source.ends.set('t', [4]);
    source.ends.set('slow', [1]);
    const hanging: Array<(error: Error) => void> = [];
    const endOffsets = source.endOffsets.bind(source);
    source.endOffsets = async (topic) => {
      if (topic !== 'slow') return endOffsets(topic);
      source.calls.push('end slow');
      return new Promise<PartitionOffset[]>((_, reject) => hanging.push(reject));
    };
    let snapshot = await step();
    expect(group(snapshot)).toMatchObject({ error: 'slow: log-end offsets: no answer within 20 ms', totalLag: 4 });
    // The next poll does not wait for it again, nor start another.
    snapshot = await step();
    expect(source.calls.filter((c) => c === 'end slow')).toHaveLength(1);
    expect(group(snapshot)).toMatchObject({ error: 'slow: log-end offsets: still no answer to the read started 1 s ago', totalLag: 4 });
    expect(group(snapshot).partitions.map((p) => p.topic)).toEqual(['t']);

    hanging[0](new Error('Request timed out'));
    snapshot = await step();
    expect(source.calls.filter((c) => c === 'end slow')).toHaveLength(2);
    expect(group(snapshot).error).toBe('slow: log-end offsets: no answer within 20 ms (last failure: Request timed out)');
    hanging[1](new Error('gone'));
  });

  it('does not read the log end of a topic whose committed offsets no group could read', async () => {
    const { source, step } = setup({}, { g: () => ['t'] });
    source.ends.set('t', [4]);
    source.committedOffsets = async () => {
      throw new Error('The coordinator is not available');
    };
    expect(group(await step()).error).toBe('t: committed offsets: The coordinator is not available');
    expect(source.calls).toEqual([]);
  });

  it('runs one poll at a time when asked concurrently', async () => {
    const { source, monitor } = setup();
    source.ends.set('t', [1]);
    source.delayMs = 5;
    await Promise.all([monitor.sampleOnce(), monitor.sampleOnce()]);
    expect(source.calls).toEqual(['committed g t', 'end t', 'committed g t', 'end t']);
  });

  it('polls every intervalMs after start() until stop(), errors or not', async () => {
    const source = new ScriptedSource();
    source.failing = 'broker down';
    const monitor = new LagMonitor({
      source,
      groups: [{ group: 'g', topics: () => ['t'] }],
      intervalMs: 10,
      windowMs: 50,
      allowance: 0,
      stopAfterMs: 100,
      historyMs: 1000,
    });
    monitor.start();
    monitor.start(); // idempotent
    const deadline = Date.now() + 5000;
    while (source.calls.length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await monitor.stop();
    const polled = source.calls.length;
    expect(polled).toBeGreaterThanOrEqual(8);
    await new Promise((r) => setTimeout(r, 60));
    expect(source.calls.length).toBe(polled);
    expect(group(monitor.snapshot()).error).toBe('t: committed offsets: broker down');
  });

  it('reports its settings, and empty groups before the first poll', () => {
    const { monitor } = setup({}, { a: () => ['t'], b: () => ['t'] });
    expect(monitor.snapshot()).toEqual({
      evaluatedAt: new Date(T0).toISOString(),
      settings: { intervalMs: 1000, windowMs: 5000, allowance: 10, stopAfterMs: 8000, historyMs: 20_000 },
      groups: ['a', 'b'].map((g) => ({ group: g, status: 'OK', totalLag: 0, maxTimeLagMs: 0, partitions: [], error: null, errorSince: null, sampledAt: null })),
    });
  });

  it('refuses inconsistent settings and a group listed twice', () => {
    expect(() => setup({ stopAfterMs: 5000 })).toThrow(/stopAfterMs \(5000\) must be greater than windowMs \(5000\)/);
    expect(() => setup({ intervalMs: 0 })).toThrow(/intervalMs must be a positive number/);
    const twice = () =>
      new LagMonitor({
        source: new ScriptedSource(),
        groups: [
          { group: 'g', topics: () => [] },
          { group: 'g', topics: () => [] },
        ],
        intervalMs: 1000,
        windowMs: 5000,
        allowance: 10,
        stopAfterMs: 8000,
        historyMs: 20_000,
      });
    expect(twice).toThrow(/"g" is listed twice/);
  });
});
