import { CircuitBreaker, type CircuitBreakerOptions, type CircuitPermit } from './circuit-breaker.js';

function breaker(overrides: Partial<CircuitBreakerOptions> = {}) {
  const clock = { t: 1_000_000 };
  const cb = new CircuitBreaker({
    failureThreshold: 3,
    errorRateThreshold: 0.5,
    minimumCalls: 10,
    windowMs: 1000,
    openMs: 500,
    halfOpenProbes: 1,
    now: () => clock.t,
    ...overrides,
  });
  return { cb, clock };
}

const call = (cb: CircuitBreaker, ok: boolean) => {
  const permit = cb.tryAcquire();
  if (!permit) throw new Error('refused');
  if (ok) cb.onSuccess(permit);
  else cb.onFailure(permit);
};

describe('CircuitBreaker', () => {
  it('opens after the configured consecutive failures, not before, and refuses while open', () => {
    const { cb } = breaker();
    call(cb, false);
    call(cb, false);
    expect(cb.state).toBe('closed');
    call(cb, false);
    expect(cb.state).toBe('open');
    expect(cb.tryAcquire()).toBeUndefined();
    expect(cb.remainingOpenMs()).toBe(500);
    expect(cb.snapshot()).toMatchObject({ state: 'open', opened: 1 });
  });

  it('a success resets the consecutive count', () => {
    // A rate the pattern below cannot reach (2 failures in 3), so only the consecutive rule could trip.
    const { cb } = breaker({ errorRateThreshold: 0.9 });
    for (let i = 0; i < 5; i++) {
      call(cb, false);
      call(cb, false);
      call(cb, true);
    }
    expect(cb.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 0, windowCalls: 15, windowFailures: 10 });
    call(cb, false);
    call(cb, false);
    call(cb, false);
    expect(cb.state).toBe('open');
  });

  it('opens on the error rate once the window holds the minimum number of calls', () => {
    const { cb } = breaker({ failureThreshold: 100 });
    // 9 calls at 5/9 failing: below the minimum, stays closed.
    for (let i = 0; i < 4; i++) {
      call(cb, true);
      call(cb, false);
    }
    call(cb, false);
    expect(cb.snapshot()).toMatchObject({ state: 'closed', windowCalls: 9, windowFailures: 5 });
    call(cb, true);
    // 10 calls, 5 failures: rate 0.5 reached; the check runs on a failure.
    call(cb, false);
    expect(cb.state).toBe('open');
  });

  it('forgets calls older than the window', () => {
    const { cb, clock } = breaker({ failureThreshold: 100 });
    for (let i = 0; i < 9; i++) call(cb, false);
    clock.t += 1100;
    expect(cb.snapshot().windowCalls).toBe(0);
    call(cb, false);
    expect(cb.snapshot()).toMatchObject({ state: 'closed', windowCalls: 1 });
  });

  it('goes half-open after openMs, lets only the configured probes through, and a probe success closes it', () => {
    const { cb, clock } = breaker({ halfOpenProbes: 2 });
    for (let i = 0; i < 3; i++) call(cb, false);
    clock.t += 499;
    expect(cb.state).toBe('open');
    expect(cb.remainingOpenMs()).toBe(1);
    clock.t += 1;
    expect(cb.state).toBe('half_open');
    const a = cb.tryAcquire()!;
    const b = cb.tryAcquire()!;
    expect(a.probe && b.probe).toBe(true);
    expect(cb.tryAcquire()).toBeUndefined();
    cb.onSuccess(a);
    expect(cb.state).toBe('closed');
    // The other probe's late failure belongs to the half-open epoch: it must not re-open the breaker.
    cb.onFailure(b);
    expect(cb.state).toBe('closed');
    expect(cb.snapshot().consecutiveFailures).toBe(0);
  });

  it('a failed probe re-opens it for another openMs', () => {
    const { cb, clock } = breaker();
    for (let i = 0; i < 3; i++) call(cb, false);
    clock.t += 500;
    call(cb, false);
    expect(cb.state).toBe('open');
    expect(cb.remainingOpenMs()).toBe(500);
    expect(cb.snapshot().opened).toBe(2);
  });

  it('an ignored probe frees its slot without deciding anything', () => {
    const { cb, clock } = breaker();
    for (let i = 0; i < 3; i++) call(cb, false);
    clock.t += 500;
    const probe = cb.tryAcquire()!;
    expect(cb.tryAcquire()).toBeUndefined();
    cb.onIgnored(probe);
    expect(cb.state).toBe('half_open');
    const next: CircuitPermit | undefined = cb.tryAcquire();
    expect(next?.probe).toBe(true);
  });

  it('outcomes of calls permitted before it opened do not count after', () => {
    const { cb } = breaker();
    const early = cb.tryAcquire()!;
    for (let i = 0; i < 3; i++) call(cb, false);
    cb.onSuccess(early);
    expect(cb.state).toBe('open');
  });

  it('refuses nonsensical options', () => {
    expect(() => breaker({ errorRateThreshold: 0 })).toThrow(RangeError);
    expect(() => breaker({ failureThreshold: 0 })).toThrow(RangeError);
    expect(() => breaker({ halfOpenProbes: 0 })).toThrow(RangeError);
  });
});
