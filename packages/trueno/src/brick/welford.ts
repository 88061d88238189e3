/**
 * Streaming mean and variance (Welford 1962), with Chan et al.'s pairwise merge.
 *
 * Why not Σx and Σx²: the textbook `E[x²] − E[x]²` cancels catastrophically when the spread is
 * small next to the mean — exactly the case of brick timings (say 12.000 µs ± 0.05 µs over 1e6
 * samples, where Σx² ≈ 1.4e14 keeps only ~2 significant digits of the variance). Welford's update
 * keeps the running mean and the sum of squared deviations from it (M2), so each step adds a
 * well-conditioned term `d·(x − mean')`; the result matches a two-pass computation to ~1e-12
 * relative for any sample that fits in memory.
 */

/** Running count / mean / variance / min / max of a stream of numbers. O(1) memory, no allocation per sample. */
export class Welford {
  /** Samples seen. */
  count = 0;
  /** Running mean (0 when empty). */
  mean = 0;
  /** Σ (x − mean)² over the samples seen (Welford's M2). */
  m2 = 0;
  /** Smallest sample (+∞ when empty). */
  min = Number.POSITIVE_INFINITY;
  /** Largest sample (−∞ when empty). */
  max = Number.NEGATIVE_INFINITY;

  /** Adds one sample. */
  push(x: number): void {
    const n = ++this.count;
    const d = x - this.mean;
    this.mean += d / n;
    // d·(x − new mean) = (n−1)/n · d² ≥ 0: the exact increment of M2, without cancellation.
    this.m2 += d * (x - this.mean);
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  /**
   * Adds every sample of `o` (Chan, Golub & LeVeque 1979): the merged M2 is
   * M2a + M2b + δ²·na·nb/n with δ = mean_b − mean_a, which is what a single pass over the
   * concatenation would have produced (up to rounding). Used to aggregate `blk.*.qkv` over layers.
   */
  merge(o: Welford): this {
    if (o.count === 0) return this;
    if (this.count === 0) {
      this.count = o.count;
      this.mean = o.mean;
      this.m2 = o.m2;
      this.min = o.min;
      this.max = o.max;
      return this;
    }
    const n = this.count + o.count;
    const d = o.mean - this.mean;
    this.mean += (d * o.count) / n;
    this.m2 += o.m2 + (d * d * this.count * o.count) / n;
    this.count = n;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
    return this;
  }

  /** Population variance M2/n (0 with fewer than 2 samples): the spread of the timings observed, not an estimate of a wider population. */
  get variance(): number {
    return this.count < 2 ? 0 : this.m2 / this.count;
  }

  /** Unbiased sample variance M2/(n−1) (0 with fewer than 2 samples). */
  get sampleVariance(): number {
    return this.count < 2 ? 0 : this.m2 / (this.count - 1);
  }

  /** Sample standard deviation √(M2/(n−1)), the one llama-bench's ± column reports. */
  get stddev(): number {
    return Math.sqrt(this.sampleVariance);
  }

  /** Coefficient of variation stddev/mean (0 when the mean is 0): run-to-run noise as a fraction. */
  get cv(): number {
    return this.mean === 0 ? 0 : this.stddev / Math.abs(this.mean);
  }

  /** Forgets every sample. */
  reset(): void {
    this.count = 0;
    this.mean = 0;
    this.m2 = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }
}
