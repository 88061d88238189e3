/**
 * A fixed log-scale histogram for percentiles of timings (p50, p99) in bounded memory.
 *
 * Why not keep the samples: a profiler left on for a long `apr serve` run would grow without
 * bound. Why not a reservoir: its percentiles depend on a random draw and it needs a sort per
 * report. A log histogram is deterministic, O(1) per sample, mergeable across layers, and its
 * error is relative, which is what timings need (a 2% error on 12 µs and on 12 ms alike).
 *
 * Layout: bucket 0 holds x < 1 (with x in ns, sub-nanosecond times are clock noise); bucket
 * i ≥ 1 holds [2^((i−1)/S), 2^(i/S)) with S = {@link LOG_HISTOGRAM_SUB} sub-buckets per octave;
 * the last bucket also takes everything above 2^{@link LOG_HISTOGRAM_OCTAVES} (≈ 18 minutes in ns).
 * A quantile is reported as its bucket's geometric midpoint, clamped to the observed [min, max]:
 * relative error ≤ 2^(1/(2S)) − 1 ≈ 2.2% for S = 16, and exact when all samples are equal.
 */

/** Sub-buckets per octave (power of two): bucket width ratio 2^(1/16) ≈ 1.044. */
export const LOG_HISTOGRAM_SUB = 16;
/** Octaves covered above 1: values up to 2^40 (≈ 1.1e12) get their own buckets. */
export const LOG_HISTOGRAM_OCTAVES = 40;
/** Largest relative error of a reported quantile (half a bucket, in log scale). */
export const LOG_HISTOGRAM_REL_ERROR = 2 ** (1 / (2 * LOG_HISTOGRAM_SUB)) - 1;

const NBUCKETS = 1 + LOG_HISTOGRAM_SUB * LOG_HISTOGRAM_OCTAVES + 1;

/** Counts of non-negative samples in log-spaced buckets; ~5 KiB, allocated once. */
export class LogHistogram {
  /** Bucket counts (f64: exact up to 2^53 samples). */
  readonly counts = new Float64Array(NBUCKETS);
  /** Samples added. */
  count = 0;
  /** Smallest sample (+∞ when empty). */
  min = Number.POSITIVE_INFINITY;
  /** Largest sample (−∞ when empty). */
  max = Number.NEGATIVE_INFINITY;

  /** The bucket of `x`: 0 below 1 (and for NaN), then ⌊log2(x)·S⌋ + 1, capped at the last. */
  static bucketOf(x: number): number {
    if (!(x >= 1)) return 0;
    const i = Math.floor(Math.log2(x) * LOG_HISTOGRAM_SUB) + 1;
    return i < NBUCKETS ? i : NBUCKETS - 1;
  }

  /** Adds one sample (negative and NaN samples count in bucket 0). */
  add(x: number): void {
    this.counts[LogHistogram.bucketOf(x)]++;
    this.count++;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  /** Adds every sample of `o`. */
  merge(o: LogHistogram): this {
    for (let i = 0; i < NBUCKETS; i++) this.counts[i] += o.counts[i];
    this.count += o.count;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    return this;
  }

  /**
   * The q-quantile (q in [0, 1]) by the nearest-rank rule: the bucket holding the ⌈q·n⌉-th
   * smallest sample, reported as its geometric midpoint clamped to [min, max]. Monotone in q by
   * construction (so p50 ≤ p99 always). NaN when empty.
   */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * this.count));
    let acc = 0;
    let i = 0;
    for (; i < NBUCKETS - 1; i++) {
      acc += this.counts[i];
      if (acc >= rank) break;
    }
    const mid = i === 0 ? 0.5 : 2 ** ((i - 0.5) / LOG_HISTOGRAM_SUB);
    return Math.min(this.max, Math.max(this.min, mid));
  }

  /** Forgets every sample. */
  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }
}
