import { Bulkhead } from './bulkhead.js';

describe('Bulkhead', () => {
  it('admits up to maxConcurrent, refuses the excess at once, and admits again after a release', () => {
    const bulkhead = new Bulkhead(2);
    expect(bulkhead.tryAcquire()).toBe(true);
    expect(bulkhead.tryAcquire()).toBe(true);
    expect(bulkhead.tryAcquire()).toBe(false);
    expect(bulkhead).toMatchObject({ inFlight: 2, rejected: 1 });
    bulkhead.release();
    expect(bulkhead.tryAcquire()).toBe(true);
    expect(bulkhead.inFlight).toBe(2);
  });

  it('never goes below zero on a stray release', () => {
    const bulkhead = new Bulkhead(1);
    bulkhead.release();
    expect(bulkhead.inFlight).toBe(0);
    expect(bulkhead.tryAcquire()).toBe(true);
    expect(bulkhead.tryAcquire()).toBe(false);
  });

  it('refuses a size below 1', () => {
    expect(() => new Bulkhead(0)).toThrow(RangeError);
    expect(() => new Bulkhead(1.5)).toThrow(RangeError);
  });
});
