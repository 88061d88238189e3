/**
 * Summary statistics of benchmark samples, computed the way llama-bench does: the mean and the
 * sample standard deviation (n − 1) of the per-repetition rates, so our numbers and llama-bench's
 * `avg_ts ± stddev_ts` are comparable term by term.
 */

/** Mean, spread and relative spread of a list of samples. */
export interface SampleSummary {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (divides by n − 1); 0 for fewer than two samples. */
  readonly stddev: number;
  /** Coefficient of variation, stddev / mean (0 when the mean is 0). */
  readonly cv: number;
  readonly min: number;
  readonly max: number;
}

/** Arithmetic mean; NaN for an empty list (a benchmark with no samples has no rate). */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/**
 * Sample standard deviation with Bessel's correction, as llama-bench's `stdev` (0 for n < 2, where
 * the spread is unknown rather than zero, but llama-bench prints 0 there too).
 */
export function stddev(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/** Coefficient of variation `stddev / mean` (0 when the mean is 0 or undefined). */
export function cv(xs: readonly number[]): number {
  const m = mean(xs);
  return m === 0 || !Number.isFinite(m) ? 0 : stddev(xs) / m;
}

/** All of {@link SampleSummary} at once. */
export function summarize(xs: readonly number[]): SampleSummary {
  return {
    n: xs.length,
    mean: mean(xs),
    stddev: stddev(xs),
    cv: cv(xs),
    min: xs.length ? Math.min(...xs) : Number.NaN,
    max: xs.length ? Math.max(...xs) : Number.NaN,
  };
}

/**
 * A small seeded PRNG (mulberry32) for benchmark token ids: reproducible runs, and independent of
 * Math.random so two engines can be fed the very same ids.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` token ids uniform in `[0, vocab)` from {@link seededRandom}. */
export function randomTokens(n: number, vocab: number, seed: number): number[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: n }, () => Math.floor(rnd() * vocab));
}
