/**
 * Retries with exponential backoff and full jitter (delay drawn uniformly from 0 to the capped
 * exponential step, so many callers failing together do not retry together), only for errors the
 * caller says are transient, and never past a total deadline: a retry whose backoff would end at
 * or after the deadline is not attempted and the last error is thrown. Framework-agnostic.
 */

export interface RetryOptions {
  /** Total attempts, the first included (1 = no retry). */
  attempts: number;
  /** Backoff step before the first retry; doubles for each further retry (capped by maxBackoffMs). */
  baseBackoffMs: number;
  maxBackoffMs?: number;
  /** Time budget of all attempts and backoffs together, from the call to {@link retry}. */
  deadlineMs: number;
  /** Whether an error is transient and worth another attempt. */
  isRetryable: (error: unknown) => boolean;
  /** Injectable for tests. */
  random?: () => number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface AttemptInfo {
  /** 1 for the first attempt. */
  attempt: number;
  /** Milliseconds left of the deadline when the attempt starts. */
  remainingMs: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The full-jitter delay before retry number `retry` (1-based). */
export function backoffDelay(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** (retry - 1)));
}

export async function retry<T>(attempt: (info: AttemptInfo) => Promise<T>, options: RetryOptions): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const deadline = now() + options.deadlineMs;
  for (let n = 1; ; n++) {
    try {
      return await attempt({ attempt: n, remainingMs: Math.max(0, deadline - now()) });
    } catch (error) {
      if (n >= options.attempts || !options.isRetryable(error)) throw error;
      const delay = backoffDelay(n, options.baseBackoffMs, options.maxBackoffMs ?? Number.POSITIVE_INFINITY, random);
      if (now() + delay >= deadline) throw error;
      await sleep(delay);
    }
  }
}
