/**
 * Small deterministic hashing and random streams. Every synthetic attribute is a pure function of
 * (seed, ids), so any record can be recomputed on demand instead of being stored.
 */

// Module-scope aliases of Math: hot paths run under Jest's vm contexts too (gateway tests run the
// simulator in-process), where every global lookup costs ~100x more than a module binding.
const { imul, floor } = Math;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** 32-bit finaliser (the "lowbias32" mix): good avalanche, cheap, no allocation. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * Hash of a sequence of non-negative integers below 2^53. The high part of each number is mixed in
 * separately so that indices above 2^32 do not collide with small ones.
 */
export function hashInts(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const low = part >>> 0;
    const high = floor(part / 0x1_0000_0000) >>> 0;
    h = mix32(h ^ mix32(low + 0x9e3779b9));
    if (high !== 0) h = mix32(h ^ mix32(high + 0x7f4a7c15));
  }
  return h;
}

/** FNV-1a of a string, then mixed: for keys that are not numbers. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** Items with relative weights, for {@link SeededRandom.weighted}. */
export type Weighted<T> = readonly (readonly [T, number])[];

/** A splitmix32 stream. Cheap to create: one per derived entity. */
export class SeededRandom {
  private state: number;

  constructor(...parts: number[]) {
    this.state = hashInts(...parts) | 0;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) | 0;
    let z = this.state;
    z = imul(z ^ (z >>> 16), 0x85ebca6b);
    z = imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[floor(this.float() * items.length)];
  }

  /** One of `items`, with probability proportional to its weight. */
  weighted<T>(items: Weighted<T>): T {
    const cumulative = cumulativeWeights(items);
    const r = this.float() * cumulative[cumulative.length - 1];
    for (let i = 0; i < cumulative.length; i++) if (r < cumulative[i]) return items[i][0];
    return items[items.length - 1][0];
  }
}

const cumulativeCache = new WeakMap<object, Float64Array>();

/** Running totals of the weights, computed once per list (the lists are constants). */
function cumulativeWeights(items: Weighted<unknown>): Float64Array {
  let cumulative = cumulativeCache.get(items);
  if (!cumulative) {
    cumulative = new Float64Array(items.length);
    let total = 0;
    items.forEach(([, weight], i) => (cumulative![i] = total += weight));
    cumulativeCache.set(items, cumulative);
  }
  return cumulative;
}

/** Modular inverse of `a` modulo `m` (a and m coprime), by the extended Euclidean algorithm. */
export function modInverse(a: number, m: number): number {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1, 0];
  while (r !== 0) {
    const q = floor(oldR / r);
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1) throw new RangeError(`${a} has no inverse modulo ${m}`);
  return ((oldS % m) + m) % m;
}

/** (a * b) mod m without losing precision when a * b exceeds 2^53. */
export function mulMod(a: number, b: number, m: number): number {
  const product = a * b;
  if (product <= MAX_SAFE) return product % m;
  return Number((BigInt(a) * BigInt(b)) % BigInt(m));
}
