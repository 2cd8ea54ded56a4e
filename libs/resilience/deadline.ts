/**
 * Bounds how long a caller waits for a promise. The work itself is not cancelled (a promise cannot
 * be); the caller stops waiting and gets `onTimeout()`'s error, and the timer never keeps the
 * process alive.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), Math.max(0, ms));
    timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/**
 * Waits for `work` to settle, at most `ms`: true when it did (resolved or rejected: its outcome is
 * the caller's business elsewhere), false when the time ran out first. For shutdown paths that must
 * not hang on a peer that is gone; like withDeadline, nothing is cancelled and the timer never keeps
 * the process alive.
 */
export function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const late = new Error('deadline');
  return withDeadline(work, ms, () => late).then(
    () => true,
    (error: unknown) => error !== late,
  );
}
