/**
 * Seeded pseudo-random numbers for sampling: xoshiro128** (Blackman & Vigna, 2018) seeded through
 * splitmix32. Chosen over mt19937 (llama.cpp's generator) because its state is four 32-bit words that
 * JS integer arithmetic handles exactly (`Math.imul`, `>>>`), it is fast and passes BigCrush. Bit-exact
 * parity with llama.cpp's random draws is impossible anyway (its `std::discrete_distribution` is
 * implementation-defined), so reproducibility is promised within apr only: same seed → same sequence
 * on every platform and Node version.
 */

/** Largest seed accepted: seeds are unsigned integers up to 2^53 - 1 (a safe JS integer). */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** A deterministic generator of uniform numbers, reproducible from its seed. */
export class Xoshiro128 {
  /** The seed this generator was (last) seeded with. */
  seed = 0;
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** @param seed an unsigned integer ≤ {@link MAX_SEED}; other values throw a RangeError. */
  constructor(seed: number) {
    this.reseed(seed);
  }

  /** Restarts the sequence from `seed` (same seed → same sequence). */
  reseed(seed: number): void {
    if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
      throw new RangeError(`seed must be an integer in [0, 2^53-1], got ${seed}; pass e.g. --seed 42`);
    }
    this.seed = seed;
    // splitmix32 over both halves of the 53-bit seed, so that seeds differing only in the high bits
    // still give unrelated streams. splitmix never yields an all-zero xoshiro state in practice, but
    // the guard below makes that impossible rather than unlikely.
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 0x1_0000_0000) >>> 0, 0x9e3779b9);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /**
   * A generator started from a raw xoshiro state (not all zero), bypassing splitmix seeding: for
   * checking against the reference implementation's published outputs.
   */
  static fromState(s0: number, s1: number, s2: number, s3: number): Xoshiro128 {
    const g = new Xoshiro128(0);
    if (((s0 | s1 | s2 | s3) >>> 0) === 0) throw new RangeError('xoshiro state must not be all zero');
    g.s0 = s0 | 0;
    g.s1 = s1 | 0;
    g.s2 = s2 | 0;
    g.s3 = s3 | 0;
    return g;
  }

  /** The next uniform unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 53 random bits (two draws). */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A fresh random seed (for when the user gave none); report it so that the run can be replayed. */
export function randomSeed(): number {
  // Math.random is enough here: the seed only has to differ between runs, not be unpredictable.
  return Math.floor(Math.random() * 0x1_0000_0000);
}
