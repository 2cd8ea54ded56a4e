import { backoffDelay, retry, type RetryOptions } from './retry.js';

class Transient extends Error {}
class Permanent extends Error {}

function harness(overrides: Partial<RetryOptions> = {}) {
  const clock = { t: 0 };
  const sleeps: number[] = [];
  const options: RetryOptions = {
    attempts: 3,
    baseBackoffMs: 100,
    deadlineMs: 10_000,
    isRetryable: (e) => e instanceof Transient,
    random: () => 0.5,
    now: () => clock.t,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.t += ms;
    },
    ...overrides,
  };
  return { options, clock, sleeps };
}

describe('retry', () => {
  it('retries transient errors with jittered exponential backoff until it succeeds', async () => {
    const { options, sleeps } = harness();
    let calls = 0;
    const result = await retry(async ({ attempt }) => {
      calls++;
      if (attempt < 3) throw new Transient('flaky');
      return 'ok';
    }, options);
    expect(result).toBe('ok');
    expect(calls).toBe(3);
    // full jitter with random() = 0.5: half of 100, then half of 200.
    expect(sleeps).toEqual([50, 100]);
  });

  it('stops after the configured attempts and throws the last error', async () => {
    const { options } = harness({ attempts: 2 });
    let calls = 0;
    await expect(
      retry(async () => {
        calls++;
        throw new Transient(`fail ${calls}`);
      }, options),
    ).rejects.toThrow('fail 2');
    expect(calls).toBe(2);
  });

  it('never retries an error that is not retryable', async () => {
    const { options, sleeps } = harness();
    let calls = 0;
    await expect(
      retry(async () => {
        calls++;
        throw new Permanent('caller fault');
      }, options),
    ).rejects.toBeInstanceOf(Permanent);
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('does not retry when the backoff would end past the deadline, and tells each attempt what is left', async () => {
    const { options, clock } = harness({ deadlineMs: 300, random: () => 0.99 });
    const remaining: number[] = [];
    await expect(
      retry(async ({ remainingMs }) => {
        remaining.push(remainingMs);
        clock.t += 150; // the attempt itself takes time
        throw new Transient('slow and failing');
      }, options),
    ).rejects.toBeInstanceOf(Transient);
    // attempt 1 at t=0 (300 left), backoff 99 → attempt 2 at t=249 (51 left); then backoff 198 would pass the deadline.
    expect(remaining).toEqual([300, 51]);
  });

  it('draws full-jitter delays between 0 and the capped step', () => {
    expect(backoffDelay(1, 50, 1000, () => 0)).toBe(0);
    expect(backoffDelay(3, 50, 1000, () => 0.999)).toBe(199);
    expect(backoffDelay(10, 50, 1000, () => 0.999)).toBe(999);
    const seen = new Set(Array.from({ length: 200 }, () => backoffDelay(1, 50, 1000, Math.random)));
    expect(Math.max(...seen)).toBeLessThan(50);
    expect(seen.size).toBeGreaterThan(10);
  });
});
