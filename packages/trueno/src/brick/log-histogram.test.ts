/** The log histogram's percentiles: ordered, within the advertised relative error, bounded memory. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOG_HISTOGRAM_REL_ERROR, LogHistogram } from './log-histogram.js';

/** Nearest-rank quantile of the samples (the definition the histogram approximates). */
function exactQuantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(q * s.length)) - 1];
}

const timings = fc.array(fc.double({ min: 1, max: 1e11, noNaN: true }), { minLength: 1, maxLength: 400 });

describe('LogHistogram', () => {
  it('LogHistogram: p50 ≤ p99, both within [min, max] [F-BRICK-3]', () => {
    fc.assert(
      fc.property(timings, (xs) => {
        const h = new LogHistogram();
        for (const x of xs) h.add(x);
        const p50 = h.quantile(0.5);
        const p99 = h.quantile(0.99);
        expect(p50).toBeLessThanOrEqual(p99);
        expect(p50).toBeGreaterThanOrEqual(Math.min(...xs));
        expect(p99).toBeLessThanOrEqual(Math.max(...xs));
      }),
    );
  });

  it('LogHistogram: a quantile is within 2.2% of the exact nearest-rank one [F-BRICK-4]', () => {
    fc.assert(
      fc.property(timings, fc.double({ min: 0, max: 1, noNaN: true }), (xs, q) => {
        const h = new LogHistogram();
        for (const x of xs) h.add(x);
        const exact = exactQuantile(xs, q);
        expect(Math.abs(h.quantile(q) - exact)).toBeLessThanOrEqual(LOG_HISTOGRAM_REL_ERROR * exact * (1 + 1e-12));
      }),
    );
  });

  it('LogHistogram: equal samples give that value exactly; merge equals adding both; memory does not grow', () => {
    const h = new LogHistogram();
    for (let i = 0; i < 1000; i++) h.add(1234.5);
    expect([h.quantile(0.5), h.quantile(0.99)]).toEqual([1234.5, 1234.5]);
    const a = new LogHistogram();
    const b = new LogHistogram();
    const both = new LogHistogram();
    for (let i = 1; i < 5000; i++) {
      const x = (i * 37) % 1999;
      (i % 3 ? a : b).add(x);
      both.add(x);
    }
    a.merge(b);
    expect(Array.from(a.counts)).toEqual(Array.from(both.counts));
    expect([a.count, a.min, a.max]).toEqual([both.count, both.min, both.max]);
    const bytes = a.counts.byteLength;
    for (let i = 0; i < 100_000; i++) a.add(i * 1e6);
    expect(a.counts.byteLength).toBe(bytes);
    expect(new LogHistogram().quantile(0.5)).toBeNaN();
    expect(LogHistogram.bucketOf(0.3)).toBe(0);
    expect(LogHistogram.bucketOf(Number.NaN)).toBe(0);
    expect(LogHistogram.bucketOf(1e300)).toBe(a.counts.length - 1);
  });
});
