import { FaultInjector, parseFaultPatch } from './fault-injector.js';
import { InvalidRequestError, RegistryUnavailableError } from './sim-errors.js';

describe('parseFaultPatch', () => {
  it('accepts partial settings', () => {
    expect(parseFaultPatch({ latencyMs: 20 })).toEqual({ latencyMs: 20 });
    expect(parseFaultPatch({ errorRate: 0.5, down: false })).toEqual({ errorRate: 0.5, down: false });
    expect(parseFaultPatch({})).toEqual({});
  });

  it.each([
    [null, /must be an object/],
    [[1], /must be an object/],
    [{ latencyMs: -1 }, /latencyMs must be an integer/],
    [{ latencyMs: 1.5 }, /latencyMs must be an integer/],
    [{ latencyMs: '20' }, /latencyMs must be an integer/],
    [{ errorRate: 1.1 }, /errorRate must be a number from 0 to 1/],
    [{ down: 'yes' }, /down must be true or false/],
    [{ slow: true }, /body\.slow is not a fault setting/],
  ])('refuses %j', (value, message) => {
    expect(() => parseFaultPatch(value, 'body')).toThrow(InvalidRequestError);
    expect(() => parseFaultPatch(value, 'body')).toThrow(message);
  });
});

describe('FaultInjector', () => {
  it('passes calls through without faults', async () => {
    await expect(new FaultInjector().apply('lookup')).resolves.toBeUndefined();
  });

  it('adds latency', async () => {
    const injector = new FaultInjector({ latencyMs: 40 });
    const started = performance.now();
    await injector.apply('lookup');
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('fails the share of lookups drawn below errorRate, never a describe', async () => {
    const draws = [0.1, 0.9];
    const injector = new FaultInjector({ errorRate: 0.5 }, () => draws.shift() ?? 0);
    await expect(injector.apply('lookup')).rejects.toBeInstanceOf(RegistryUnavailableError);
    await expect(injector.apply('lookup')).resolves.toBeUndefined();
    await expect(injector.apply('describe')).resolves.toBeUndefined();
  });

  it('fails everything while down and tells health watchers when that changes', async () => {
    const injector = new FaultInjector();
    const seen: boolean[] = [];
    const unsubscribe = injector.onServingChange((serving) => seen.push(serving));
    injector.update({ down: true });
    injector.update({ latencyMs: 5 }); // no change of health, no notification
    expect(injector.serving).toBe(false);
    await expect(injector.apply('describe')).rejects.toThrow(/down/);
    injector.reset();
    expect(injector.settings).toEqual({ latencyMs: 0, errorRate: 0, down: false });
    unsubscribe();
    injector.update({ down: true });
    expect(seen).toEqual([false, true]);
  });
});
