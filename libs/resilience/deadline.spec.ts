import { jest } from '@jest/globals';
import { settlesWithin, withDeadline } from './deadline.js';

describe('withDeadline', () => {
  it('passes through a value or an error that arrives in time', async () => {
    await expect(withDeadline(Promise.resolve(7), 50, () => new Error('late'))).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('boom')), 50, () => new Error('late'))).rejects.toThrow('boom');
  });

  it('stops waiting at the deadline with the given error, not before', async () => {
    // A controlled clock: the rule is about the timer, not about how busy the machine is.
    jest.useFakeTimers();
    try {
      let outcome: string | undefined;
      const never = new Promise<number>(() => undefined);
      const waiting = withDeadline(never, 5, () => new Error('late')).catch((error: Error) => (outcome = error.message));
      await jest.advanceTimersByTimeAsync(4);
      expect(outcome).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await waiting;
      expect(outcome).toBe('late');
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('settlesWithin', () => {
  it('says whether the work settled, either way, before the deadline', async () => {
    await expect(settlesWithin(Promise.resolve(1), 50)).resolves.toBe(true);
    await expect(settlesWithin(Promise.reject(new Error('boom')), 50)).resolves.toBe(true);
    await expect(settlesWithin(new Promise(() => undefined), 5)).resolves.toBe(false);
  });
});
