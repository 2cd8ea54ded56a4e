import { withDeadline } from './deadline.js';

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
