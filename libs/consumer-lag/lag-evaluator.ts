/**
 * Consumer-group lag evaluation, after LinkedIn's Burrow: a partition is judged on how its lag and
 * its committed offset moved over a sliding window of samples, not on one lag threshold alone (a
 * large lag that is shrinking is fine; a small lag that never moves is not).
 *
 * Pure and clock-free: "now" is the time of the newest sample, so every rule can be tested with a
 * table of samples. The rules in operator words are in docs/sync-monitoring.md.
 *
 * Kafka's admin API gives no commit timestamps, so "the committed offset moved" always means the
 * committed offset *observed by the monitor* changed between two of its samples.
 */

import type { GroupStatus, LagRules, PartitionStatus } from './lag.types.js';

export type { GroupStatus, LagRules, PartitionStatus } from './lag.types.js';

/** What the source reports as the committed offset of a partition where the group committed nothing. */
export const NO_COMMITTED_OFFSET = -1;

/** One observation of one partition. */
export interface OffsetSample {
  /** Milliseconds (any epoch, as long as all samples share it). */
  t: number;
  /** Log-end offset: the offset the next appended message will get. */
  endOffset: number;
  /** The group's committed offset (the next offset it will read), -1 where it committed nothing. */
  committedOffset: number;
}

/**
 * What the monitor knows about the committed offset beyond the samples it hands over (it keeps
 * samples for a bounded time, but remembers when the current committed offset was first seen).
 */
export interface CommitTracking {
  /** When the current committed offset was first observed (≤ the newest sample's t). */
  unchangedSince: number;
  /**
   * True when `unchangedSince` is when a change was observed; false when it is merely the
   * monitor's first observation (the offset may have been committed long before).
   */
  observedChange: boolean;
}

export interface TimeLag {
  /** Estimated age of the oldest unconsumed message (0 when nothing is unconsumed). */
  timeLagMs: number;
  /** The committed offset predates the history: the true age is at least `timeLagMs`. */
  lowerBound: boolean;
}

export interface PartitionEvaluation extends TimeLag {
  endOffset: number;
  committedOffset: number;
  lag: number;
  status: PartitionStatus;
  /** The samples cover at least `windowMs`: only then are STALL and WARN judged. */
  windowFull: boolean;
  /** When the monitor saw the committed offset change last; null when it never saw it change. */
  committedMovedAt: number | null;
  /** How long the current committed offset has been observed unchanged. */
  unchangedForMs: number;
  /** Why the status, in words (for the operator API and logs). */
  reason: string;
}

export interface GroupEvaluation {
  status: GroupStatus;
  totalLag: number;
  maxTimeLagMs: number;
}

/**
 * Messages between the committed offset and the log end. Nothing committed counts from offset 0:
 * a group that starts from the beginning has everything ahead of it (when retention removed the
 * first messages this overstates by the removed count, which the admin API cannot tell cheaply).
 * Never negative: a committed offset beyond the log end (topic deleted and re-created) is no lag.
 */
export function lagOf(endOffset: number, committedOffset: number): number {
  const from = committedOffset < 0 ? 0 : committedOffset;
  return Math.max(0, endOffset - from);
}

/**
 * The window ending at the newest sample: from the newest sample taken at or before
 * `newest.t - windowMs` onwards, so a full window always spans at least `windowMs` whatever the
 * polling jitter. Not full when no sample is that old.
 */
export function windowOf(samples: readonly OffsetSample[], windowMs: number): { samples: OffsetSample[]; full: boolean } {
  if (samples.length === 0) return { samples: [], full: false };
  const cutoff = samples[samples.length - 1].t - windowMs;
  for (let i = samples.length - 1; i >= 0; i--) {
    if (samples[i].t <= cutoff) return { samples: samples.slice(i), full: true };
  }
  return { samples: samples.slice(), full: false };
}

/**
 * Age of the oldest unconsumed message, from the monitor's own history of log-end offsets: the
 * time at which the log end was at the committed offset, linearly interpolated between the two
 * samples around it; now = the newest sample. When the log end sat at that offset for several
 * samples, the last of them counts (the unconsumed message arrived after it). When even the oldest
 * sample's log end is past the committed offset, the message is at least as old as the history:
 * that age, marked as a lower bound.
 */
export function estimateTimeLag(history: readonly Pick<OffsetSample, 't' | 'endOffset'>[], committedOffset: number): TimeLag {
  if (history.length === 0) return { timeLagMs: 0, lowerBound: false };
  const newest = history[history.length - 1];
  const now = newest.t;
  if (lagOf(newest.endOffset, committedOffset) === 0) return { timeLagMs: 0, lowerBound: false };
  const target = committedOffset < 0 ? 0 : committedOffset;
  // The last sample whose log end had not passed the target; every later one has (the newest
  // does, since lag > 0), so the next sample brackets it even if the log end ever went backwards.
  let i = history.length - 1;
  while (i >= 0 && history[i].endOffset > target) i--;
  if (i < 0) return { timeLagMs: Math.max(0, now - history[0].t), lowerBound: true };
  const before = history[i];
  const after = history[i + 1];
  const fraction = (target - before.endOffset) / (after.endOffset - before.endOffset);
  const at = before.t + fraction * (after.t - before.t);
  return { timeLagMs: Math.max(0, Math.round(now - at)), lowerBound: false };
}

/** When the newest committed offset was first seen in the samples, and whether a change was seen. */
function trackingFromSamples(samples: readonly OffsetSample[]): CommitTracking {
  const current = samples[samples.length - 1].committedOffset;
  let i = samples.length - 1;
  while (i > 0 && samples[i - 1].committedOffset === current) i--;
  return { unchangedSince: samples[i].t, observedChange: i > 0 };
}

function findLast<T>(items: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i])) return items[i];
  return undefined;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * Judges one partition. `samples`: oldest first, the newest is "now"; they may reach further back
 * than the window (the window is taken from the end; all of them serve the time-lag estimate).
 * `tracking`: what the monitor remembers beyond the samples; derived from the samples when absent.
 *
 * Rules, first match wins:
 * 1. STOP: lag > 0 and the committed offset unchanged for longer than `stopAfterMs`.
 * 2. OK: lag ≤ allowance.
 * 3. Window not full yet: WARN when nothing is committed at all (a group that has not committed
 *    its first batch cannot be told from one that never will), otherwise OK: not enough history
 *    to call a lag a trend.
 * 4. STALL: the committed offset did not move over the full window.
 * 5. WARN (early): it moved within the window but not since some samples, and the lag grew over them.
 * 6. WARN: it moved, but the lag never decreased from one sample to the next over the window.
 * 7. OK: committing, and the lag went down at least once (the group is catching up or keeping pace).
 */
export function evaluatePartition(samples: readonly OffsetSample[], rules: LagRules, tracking?: CommitTracking): PartitionEvaluation {
  if (samples.length === 0) throw new RangeError('evaluatePartition needs at least one sample');
  const newest = samples[samples.length - 1];
  const lag = lagOf(newest.endOffset, newest.committedOffset);
  const window = windowOf(samples, rules.windowMs);
  const { unchangedSince, observedChange } = tracking ?? trackingFromSamples(samples);
  const unchangedForMs = Math.max(0, newest.t - unchangedSince);
  // An idle group does not commit: nothing to do. Its clock for STOP and STALL starts when work
  // appeared (the last sample with no lag), not at its last commit hours ago.
  const lastIdle = findLast(samples, (s) => lagOf(s.endOffset, s.committedOffset) === 0);
  const stuckSince = Math.max(unchangedSince, lastIdle?.t ?? Number.NEGATIVE_INFINITY);
  const stuckForMs = Math.max(0, newest.t - stuckSince);
  const base = {
    endOffset: newest.endOffset,
    committedOffset: newest.committedOffset,
    lag,
    ...estimateTimeLag(samples, newest.committedOffset),
    windowFull: window.full,
    committedMovedAt: observedChange ? unchangedSince : null,
    unchangedForMs,
  };
  const judged = (status: PartitionStatus, reason: string): PartitionEvaluation => ({ ...base, status, reason });
  const committed = newest.committedOffset < 0 ? 'nothing committed' : `committed offset ${newest.committedOffset}`;

  if (lag > 0 && stuckForMs > rules.stopAfterMs) {
    return judged('STOP', `${committed} unchanged for ${seconds(stuckForMs)} (> ${seconds(rules.stopAfterMs)}) with ${lag} messages behind`);
  }
  if (lag <= rules.allowance) return judged('OK', `lag ${lag} within the allowance of ${rules.allowance}`);
  if (!window.full) {
    const observed = seconds(newest.t - samples[0].t);
    if (newest.committedOffset < 0) {
      return judged(
        'WARN',
        `lag ${lag} > allowance ${rules.allowance}, nothing committed yet (window not full: ${observed} of ${seconds(rules.windowMs)} observed)`,
      );
    }
    return judged('OK', `lag ${lag} > allowance ${rules.allowance}, not judged yet (window not full: ${observed} of ${seconds(rules.windowMs)} observed)`);
  }
  const inWindow = window.samples;
  const span = seconds(newest.t - inWindow[0].t);
  const moved = inWindow.some((s, i) => i > 0 && s.committedOffset !== inWindow[i - 1].committedOffset);
  if (!moved && stuckForMs < rules.windowMs) {
    return judged(
      'WARN',
      `lag ${lag} > allowance ${rules.allowance}: work arrived ${seconds(stuckForMs)} ago and ${committed} has not moved since (STALL if it stays so for ${seconds(rules.windowMs)})`,
    );
  }
  if (!moved) return judged('STALL', `lag ${lag} > allowance ${rules.allowance} and ${committed} unchanged over the last ${span}`);
  // Early warning: no commit since some time inside the window while the backlog grows. Burrow
  // would say nothing until a full window passed (then STALL); operators want to know sooner.
  const sinceLastMove = inWindow.filter((s) => s.t >= unchangedSince && s.committedOffset === newest.committedOffset);
  const tailLags = sinceLastMove.map((s) => lagOf(s.endOffset, s.committedOffset));
  if (sinceLastMove.length >= 2 && tailLags.at(-1)! > tailLags[0] && tailLags.every((l, i) => i === 0 || l >= tailLags[i - 1])) {
    return judged(
      'WARN',
      `lag ${lag} > allowance ${rules.allowance} and growing while ${committed} has not moved for ${seconds(unchangedForMs)} (STALL if it stays so for ${seconds(rules.windowMs)})`,
    );
  }
  const lags = inWindow.map((s) => lagOf(s.endOffset, s.committedOffset));
  const neverDecreased = lags.every((l, i) => i === 0 || l >= lags[i - 1]);
  if (neverDecreased) {
    return judged('WARN', `lag ${lag} > allowance ${rules.allowance} and never decreased over the last ${span} although the group commits (falling behind)`);
  }
  return judged('OK', `lag ${lag} > allowance ${rules.allowance}, but the group commits and the lag went down within the last ${span}`);
}

/** ERR if any partition is STALL or STOP, else WARN if any is WARN, else OK (also with no partitions). */
export function groupStatus(statuses: Iterable<PartitionStatus>): GroupStatus {
  let status: GroupStatus = 'OK';
  for (const s of statuses) {
    if (s === 'STALL' || s === 'STOP') return 'ERR';
    if (s === 'WARN') status = 'WARN';
  }
  return status;
}

export function evaluateGroup(partitions: readonly Pick<PartitionEvaluation, 'status' | 'lag' | 'timeLagMs'>[]): GroupEvaluation {
  return {
    status: groupStatus(partitions.map((p) => p.status)),
    totalLag: partitions.reduce((sum, p) => sum + p.lag, 0),
    maxTimeLagMs: partitions.reduce((max, p) => Math.max(max, p.timeLagMs), 0),
  };
}
