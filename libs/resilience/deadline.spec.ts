import { settlesWithin, withDeadline } from './deadline.js';

describe('withDeadline', () => {
  it('passes through a value or an error that arrives in time', async () => {
    await expect(withDeadline(Promise.resolve(7), 50, () => new Error('late'))).resolves.toBe(7);
    await expect(withDeadline(Promise.reject(new Error('boom')), 50, () => new Error('late'))).rejects.toThrow('boom');
  });

  it('stops waiting at the deadline with the given error', async () => {
    const started = performance.now();
    const never = new Promise<number>(() => undefined);
    await expect(withDeadline(never, 5, () => new Error('late'))).rejects.toThrow('late');
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('settlesWithin', () => {
  it('says whether the work settled, either way, before the deadline', async () => {
    await expect(settlesWithin(Promise.resolve(1), 50)).resolves.toBe(true);
    await expect(settlesWithin(Promise.reject(new Error('boom')), 50)).resolves.toBe(true);
    await expect(settlesWithin(new Promise(() => undefined), 5)).resolves.toBe(false);
  });
});
