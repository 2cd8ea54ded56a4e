/**
 * Overhead per call of the resilience guard around a registry adapter call, libs/resilience
 * against cockatiel (docs/decisions/0003-resilience-kept.md): an async function that resolves at
 * once, called BENCH_CALLS (default 1,000,000) times one after the other through circuit breaker +
 * deadline + bulkhead, minus nothing (the bare call is reported beside them).
 *
 *  - motlan: the steps of GuardedAdapter.attempt without its metrics — breaker permit, bulkhead
 *    slot held until the work ends, withDeadline, outcome reported to the breaker;
 *  - cockatiel: wrap(circuitBreaker, timeout, bulkhead) in that order, so the bulkhead slot is also
 *    held until the work ends; once with a ConsecutiveBreaker and once with a SamplingBreaker
 *    (the error-rate window, the closer match to ours).
 *
 * cockatiel is not a dependency: it is loaded from a scratch install named by DECIDE_DIR
 *   mkdir /tmp/decide && cd /tmp/decide && npm init -y && npm install --save-exact cockatiel@4.0.0
 *   DECIDE_DIR=/tmp/decide node dist/test/bench/resilience-overhead.bench.js
 * BENCH_ROUNDS (default 3) rounds, interleaved; the median is reported. Not a test.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Bulkhead } from '@motlan/resilience/bulkhead.js';
import { CircuitBreaker } from '@motlan/resilience/circuit-breaker.js';
import { withDeadline } from '@motlan/resilience/deadline.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DEADLINE_MS = 1500;
const MAX_CONCURRENT = 64;

/** The part of cockatiel's API the bench uses (it is not a dependency, so not typed by its package). */
interface Cockatiel {
  handleAll: unknown;
  TimeoutStrategy: { Aggressive: unknown };
  ConsecutiveBreaker: new (threshold: number) => unknown;
  SamplingBreaker: new (options: { threshold: number; duration: number; minimumRps?: number }) => unknown;
  circuitBreaker(policy: unknown, options: { halfOpenAfter: number; breaker: unknown }): unknown;
  timeout(ms: number, strategy: unknown): unknown;
  bulkhead(limit: number, queue?: number): unknown;
  wrap(...policies: unknown[]): { execute<T>(fn: () => Promise<T>): Promise<T> };
}

const work = async (): Promise<number> => 1;

function motlanGuard(): () => Promise<number> {
  const breaker = new CircuitBreaker({ failureThreshold: 5, errorRateThreshold: 0.5, minimumCalls: 20, windowMs: 10_000, openMs: 5000, halfOpenProbes: 1 });
  const bulkhead = new Bulkhead(MAX_CONCURRENT);
  const release = () => bulkhead.release();
  return async () => {
    const permit = breaker.tryAcquire();
    if (!permit) throw new Error('circuit open');
    if (!bulkhead.tryAcquire()) {
      breaker.onIgnored(permit);
      throw new Error('busy');
    }
    const call = work();
    call.then(release, release);
    try {
      const value = await withDeadline(call, DEADLINE_MS, () => new Error('timeout'));
      breaker.onSuccess(permit);
      return value;
    } catch (error) {
      breaker.onFailure(permit);
      throw error;
    }
  };
}

function cockatielGuard(c: Cockatiel, breaker: unknown): () => Promise<number> {
  const policy = c.wrap(
    c.circuitBreaker(c.handleAll, { halfOpenAfter: 5000, breaker }),
    c.timeout(DEADLINE_MS, c.TimeoutStrategy.Aggressive),
    c.bulkhead(MAX_CONCURRENT, 0),
  );
  return () => policy.execute(work);
}

async function perCallNs(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < CALLS / 10; i++) await fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) await fn();
  return Number(process.hrtime.bigint() - started) / CALLS;
}

async function main(): Promise<void> {
  if (!process.env.DECIDE_DIR) throw new Error('DECIDE_DIR must name a scratch directory with cockatiel installed (see the header of this file)');
  const c = (await import(pathToFileURL(path.join(process.env.DECIDE_DIR, 'node_modules', 'cockatiel', 'dist', 'index.js')).href)) as Cockatiel;
  const guards: Array<[string, () => () => Promise<number>]> = [
    ['bare call', () => work],
    ['motlan breaker+deadline+bulkhead', motlanGuard],
    ['cockatiel consecutive', () => cockatielGuard(c, new c.ConsecutiveBreaker(5))],
    ['cockatiel sampling', () => cockatielGuard(c, new c.SamplingBreaker({ threshold: 0.5, duration: 10_000, minimumRps: 2 }))],
  ];
  const figures = new Map<string, number[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, make] of guards) figures.set(name, [...(figures.get(name) ?? []), await perCallNs(make())]);
    process.stdout.write(`bench resilience: round ${round}/${ROUNDS} done\n`);
  }
  process.stdout.write(
    `bench resilience: node ${process.version}, ${CALLS} sequential calls per figure, median of ${ROUNDS} rounds (all rounds in brackets)\n`,
  );
  for (const [name, values] of figures) {
    const sorted = [...values].sort((a, b) => a - b);
    process.stdout.write(
      `  ${name.padEnd(34)} ${sorted[Math.floor(sorted.length / 2)].toFixed(0).padStart(6)} ns/call  [${values.map((v) => v.toFixed(0)).join(', ')}]\n`,
    );
  }
}

await main();
