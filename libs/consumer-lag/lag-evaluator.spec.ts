import {
  estimateTimeLag,
  evaluateGroup,
  evaluatePartition,
  groupStatus,
  lagOf,
  windowOf,
  type CommitTracking,
  type LagRules,
  type OffsetSample,
  type PartitionStatus,
} from './lag-evaluator.js';

const RULES: LagRules = { windowMs: 60_000, allowance: 100, stopAfterMs: 120_000 };

/** Samples every `step` ms from t=0: [endOffset, committedOffset] pairs. */
function every(step: number, pairs: Array<[number, number]>): OffsetSample[] {
  return pairs.map(([endOffset, committedOffset], i) => ({ t: i * step, endOffset, committedOffset }));
}

/** `n` samples every `step` ms where end and committed follow the given functions of the index. */
function series(n: number, step: number, end: (i: number) => number, committed: (i: number) => number): OffsetSample[] {
  return Array.from({ length: n }, (_, i) => ({ t: i * step, endOffset: end(i), committedOffset: committed(i) }));
}

describe('lagOf', () => {
  it.each([
    [100, 40, 60],
    [100, -1, 100], // nothing committed: everything from offset 0 is ahead
    [0, -1, 0],
    [100, 100, 0],
    [100, 150, 0], // committed beyond the log end (topic re-created): no lag, never negative
  ])('end %i, committed %i -> %i', (end, committed, lag) => {
    expect(lagOf(end, committed)).toBe(lag);
  });
});

describe('windowOf', () => {
  const at = (...ts: number[]) => ts.map((t) => ({ t, endOffset: 0, committedOffset: 0 }));

  it.each([
    ['exactly one window of samples', at(0, 20, 40, 60), 60, [0, 20, 40, 60], true],
    ['more history than the window: starts at the newest sample at or before now - window', at(0, 10, 20, 30, 70, 80), 60, [20, 30, 70, 80], true],
    ['jitter: the window may span a little more than windowMs, never less', at(1, 21, 42, 63), 60, [1, 21, 42, 63], true],
    ['not yet a full window', at(5, 20, 40, 60), 60, [5, 20, 40, 60], false],
    ['a single sample', at(0), 60, [0], false],
  ])('%s', (_name, samples, windowMs, ts, full) => {
    const window = windowOf(samples, windowMs);
    expect(window.samples.map((s) => s.t)).toEqual(ts);
    expect(window.full).toBe(full);
  });
});

describe('evaluatePartition: status rules', () => {
  // Samples every 10 s; 7 samples = a full 60 s window.
  const cases: Array<[string, PartitionStatus, OffsetSample[], RegExp]> = [
    // OK
    [
      'lag within the allowance, committed offset not moving',
      'OK',
      series(
        7,
        10_000,
        () => 1050,
        () => 1000,
      ),
      /within the allowance/,
    ],
    [
      'lag exactly the allowance',
      'OK',
      series(
        7,
        10_000,
        () => 1100,
        () => 1000,
      ),
      /within the allowance/,
    ],
    [
      'idle group: lag 0 and nothing committed for far longer than stopAfter',
      'OK',
      series(
        31,
        10_000,
        () => 500,
        () => 500,
      ),
      /lag 0 within/,
    ],
    [
      'empty topic, nothing committed',
      'OK',
      series(
        31,
        10_000,
        () => 0,
        () => -1,
      ),
      /lag 0 within/,
    ],
    [
      'catching up: large lag, committing, lag decreasing',
      'OK',
      series(
        7,
        10_000,
        (i) => 1000 + 10 * i,
        (i) => 100 + 110 * i,
      ),
      /lag went down/,
    ],
    [
      'keeping pace: lag above the allowance but it went down at least once',
      'OK',
      every(10_000, [
        [1200, 1000],
        [1300, 1050],
        [1330, 1110],
        [1400, 1140],
        [1460, 1220],
        [1520, 1250],
        [1580, 1330],
      ]),
      /lag went down/,
    ],
    [
      'window not full: large lag with a committed offset is not judged yet',
      'OK',
      series(
        6,
        10_000,
        () => 5000,
        () => 1000,
      ),
      /not judged yet \(window not full: 50 s of 60 s observed\)/,
    ],
    // WARN
    [
      'committing but the lag grows at every sample',
      'WARN',
      series(
        7,
        10_000,
        (i) => 1000 + 100 * i,
        (i) => 800 + 90 * i,
      ),
      /never decreased/,
    ],
    [
      'committing but the lag stays the same (not decreasing)',
      'WARN',
      series(
        7,
        10_000,
        (i) => 1500 + 50 * i,
        (i) => 1000 + 50 * i,
      ),
      /never decreased/,
    ],
    [
      'window not full and nothing committed at all',
      'WARN',
      series(
        3,
        10_000,
        () => 5000,
        () => -1,
      ),
      /nothing committed yet/,
    ],
    // Early WARN: the group committed within the window, then stopped while the backlog grows.
    [
      'committing, then stuck for part of the window while lag grows',
      'WARN',
      every(10_000, [
        [100, 100],
        [200, 200],
        [300, 300],
        [400, 400],
        [600, 400],
        [900, 400],
        [1300, 400],
      ]),
      /has not moved for 30 s \(STALL if it stays so for 60 s\)/,
    ],
    [
      'stuck for part of the window but the lag does not grow',
      'OK',
      every(10_000, [
        [100, 100],
        [200, 150],
        [300, 290],
        [500, 300],
        [500, 300],
        [500, 300],
        [500, 300],
      ]),
      /lag went down/,
    ],
    // An idle group (nothing to commit for minutes) that just got work is not STOP or STALL yet.
    [
      'idle for 2 minutes, then a backlog the group has not started on',
      'WARN',
      every(10_000, [...Array<[number, number]>(12).fill([100, 100]), [400, 100], [700, 100]]),
      /work arrived 20 s ago/,
    ],
    [
      'idle, then a backlog untouched for a whole window',
      'STALL',
      every(10_000, [...Array<[number, number]>(12).fill([100, 100]), ...Array<[number, number]>(7).fill([400, 100])]),
      /unchanged over the last 60 s/,
    ],
    // STALL
    [
      'full window, committed offset unchanged, lag constant',
      'STALL',
      series(
        7,
        10_000,
        () => 1500,
        () => 1000,
      ),
      /unchanged over the last 60 s/,
    ],
    [
      'full window, committed offset unchanged while messages arrive',
      'STALL',
      series(
        7,
        10_000,
        (i) => 1000 + 100 * i,
        () => 900,
      ),
      /committed offset 900 unchanged/,
    ],
    [
      'full window, nothing ever committed',
      'STALL',
      series(
        7,
        10_000,
        () => 1000,
        () => -1,
      ),
      /nothing committed unchanged/,
    ],
    // The window for now = 70 s starts at the sample of 10 s; the only change is from 0 s to 10 s.
    [
      'a commit just before the window does not count as moving within it',
      'STALL',
      every(10_000, [[1000, 100], ...Array<[number, number]>(7).fill([1000, 200])]),
      /unchanged over the last 60 s/,
    ],
    // STOP
    [
      'committed unchanged longer than stopAfter with a small lag',
      'STOP',
      series(
        14,
        10_000,
        () => 1005,
        () => 1000,
      ),
      /unchanged for 130 s \(> 120 s\) with 5 messages behind/,
    ],
    [
      'committed unchanged longer than stopAfter with a large lag (STOP wins over STALL)',
      'STOP',
      series(
        14,
        10_000,
        (i) => 1000 + 10 * i,
        () => 100,
      ),
      /unchanged for 130 s/,
    ],
    [
      'unchanged exactly stopAfter is not yet STOP',
      'STALL',
      series(
        13,
        10_000,
        () => 1500,
        () => 1000,
      ),
      /unchanged over the last/,
    ],
  ];

  it.each(cases)('%s -> %s', (_name, status, samples, reason) => {
    const result = evaluatePartition(samples, RULES);
    expect(result.status).toBe(status);
    expect(result.reason).toMatch(reason);
  });

  it('reports offsets, lag, the window state and when the committed offset was seen moving', () => {
    const samples = every(10_000, [
      [1000, 900],
      [1100, 950],
      [1200, 950],
      [1300, 950],
    ]);
    expect(evaluatePartition(samples, RULES)).toMatchObject({
      endOffset: 1300,
      committedOffset: 950,
      lag: 350,
      windowFull: false,
      committedMovedAt: 10_000,
      unchangedForMs: 20_000,
    });
    // Never seen moving: the first observation is no proof of a commit then.
    expect(
      evaluatePartition(
        series(
          3,
          10_000,
          () => 10,
          () => 5,
        ),
        RULES,
      ),
    ).toMatchObject({ committedMovedAt: null, unchangedForMs: 20_000 });
  });

  it('uses the tracking the monitor keeps beyond its samples', () => {
    const samples = series(
      7,
      10_000,
      () => 1005,
      () => 1000,
    ).map((s) => ({ ...s, t: s.t + 200_000 }));
    const longAgo: CommitTracking = { unchangedSince: 50_000, observedChange: true };
    expect(evaluatePartition(samples, RULES, longAgo)).toMatchObject({ status: 'STOP', unchangedForMs: 210_000, committedMovedAt: 50_000 });
    const sinceStart: CommitTracking = { unchangedSince: 200_000, observedChange: false };
    expect(evaluatePartition(samples, RULES, sinceStart)).toMatchObject({ status: 'OK', unchangedForMs: 60_000, committedMovedAt: null });
  });

  it('refuses an empty sample list', () => {
    expect(() => evaluatePartition([], RULES)).toThrow(RangeError);
  });
});

describe('estimateTimeLag: interpolation over the log-end history', () => {
  // The log end over time: 100 messages per 10 s, a pause between 20 s and 30 s, then 200 in 10 s.
  const history = [
    { t: 0, endOffset: 0 },
    { t: 10_000, endOffset: 100 },
    { t: 20_000, endOffset: 200 },
    { t: 30_000, endOffset: 200 },
    { t: 40_000, endOffset: 400 },
  ];
  it.each([
    ['caught up: no lag, no time lag', 400, 0, false],
    ['beyond the log end: no lag', 500, 0, false],
    ['between two samples: linear interpolation', 150, 25_000, false],
    ['exactly at a sample', 100, 30_000, false],
    ['the log end sat at the offset for a while: the last time it was there counts', 200, 10_000, false],
    ['within the last step', 300, 5_000, false],
    ['nothing committed: counts from offset 0, the oldest sample', -1, 40_000, false],
  ])('%s (committed %i -> %i ms)', (_name, committed, timeLagMs, lowerBound) => {
    expect(estimateTimeLag(history, committed)).toEqual({ timeLagMs, lowerBound });
  });

  it.each([
    [
      'committed offset older than the history: the age of the history, as a lower bound',
      [
        { t: 5_000, endOffset: 50 },
        { t: 65_000, endOffset: 80 },
      ],
      20,
      60_000,
      true,
    ],
    [
      'nothing committed and the history starts after offset 0',
      [
        { t: 5_000, endOffset: 50 },
        { t: 65_000, endOffset: 80 },
      ],
      -1,
      60_000,
      true,
    ],
    ['a single sample with lag: a lower bound of 0', [{ t: 5_000, endOffset: 50 }], 20, 0, true],
    [
      'the log end went backwards (topic re-created): bracketed by the last samples',
      [
        { t: 0, endOffset: 1000 },
        { t: 10_000, endOffset: 5 },
        { t: 20_000, endOffset: 15 },
      ],
      10,
      5_000,
      false,
    ],
    ['no history at all', [], 10, 0, false],
  ])('%s', (_name, samples, committed, timeLagMs, lowerBound) => {
    expect(estimateTimeLag(samples, committed)).toEqual({ timeLagMs, lowerBound });
  });

  it('evaluatePartition estimates the time lag from all its samples, not just the window', () => {
    // 10 messages per 10 s for 200 s; the group committed offset 50 (end was 50 at t=50 s).
    const samples = series(
      21,
      10_000,
      (i) => 10 * i,
      (i) => Math.min(10 * i, 50),
    );
    expect(evaluatePartition(samples, { ...RULES, allowance: 1000 })).toMatchObject({ lag: 150, timeLagMs: 150_000, lowerBound: false });
  });
});

describe('group status', () => {
  it.each<[PartitionStatus[], string]>([
    [[], 'OK'],
    [['OK', 'OK'], 'OK'],
    [['OK', 'WARN'], 'WARN'],
    [['WARN', 'STALL', 'OK'], 'ERR'],
    [['OK', 'STOP'], 'ERR'],
  ])('%j -> %s', (statuses, status) => {
    expect(groupStatus(statuses)).toBe(status);
  });

  it('sums the lag and takes the worst time lag', () => {
    expect(
      evaluateGroup([
        { status: 'OK', lag: 10, timeLagMs: 3000 },
        { status: 'WARN', lag: 250, timeLagMs: 1000 },
      ]),
    ).toEqual({ status: 'WARN', totalLag: 260, maxTimeLagMs: 3000 });
  });
});
