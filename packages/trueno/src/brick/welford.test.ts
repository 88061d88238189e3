/**
 * Welford's streaming mean/variance against the two-pass definition, and Chan's merge against a
 * single pass over the concatenation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Welford } from './welford.js';

/** Two-pass mean and population variance in f64 (the definition). */
function twoPass(xs: readonly number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
  return { mean, variance };
}

const relClose = (a: number, b: number, rel: number): boolean => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)) + 1e-300;

/** Timing-like samples: a positive base with a spread from tiny to large relative to it. */
const samples = fc
  .tuple(
    fc.double({ min: 1e-3, max: 1e9, noNaN: true }),
    fc.double({ min: 1e-6, max: 10, noNaN: true }),
    fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 300 }),
  )
  .map(([base, spread, us]) => us.map((u) => base * (1 + spread * u)));

describe('Welford', () => {
  it('Welford: mean and variance equal the two-pass result within 1e-9 relative [F-BRICK-1]', () => {
    fc.assert(
      fc.property(samples, (xs) => {
        const w = new Welford();
        for (const x of xs) w.push(x);
        const ref = twoPass(xs);
        expect(w.count).toBe(xs.length);
        expect(relClose(w.mean, ref.mean, 1e-9)).toBe(true);
        // Variance: relative to itself, floored by the rounding noise of the data (mean² · 1e-15).
        expect(Math.abs(w.variance - ref.variance)).toBeLessThanOrEqual(1e-9 * ref.variance + 1e-15 * ref.mean ** 2);
        expect(w.min).toBe(Math.min(...xs));
        expect(w.max).toBe(Math.max(...xs));
      }),
    );
  });

  it('Welford: merging two streams equals one pass over both [F-BRICK-2]', () => {
    fc.assert(
      fc.property(samples, samples, (a, b) => {
        const wa = new Welford();
        const wb = new Welford();
        const all = new Welford();
        for (const x of a) wa.push(x);
        for (const x of b) wb.push(x);
        for (const x of [...a, ...b]) all.push(x);
        wa.merge(wb);
        const ref = twoPass([...a, ...b]);
        expect(wa.count).toBe(all.count);
        expect(relClose(wa.mean, ref.mean, 1e-9)).toBe(true);
        expect(Math.abs(wa.variance - ref.variance)).toBeLessThanOrEqual(1e-9 * ref.variance + 1e-15 * ref.mean ** 2);
      }),
    );
  });

  it('Welford: keeps the variance where Σx² − n·mean² cancels (12 µs ± 50 ns over 1e5 samples)', () => {
    const w = new Welford();
    let s = 0;
    let s2 = 0;
    const xs: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      const x = 12_000_000 + ((i * 7919) % 101) - 50; // in ps: 12 µs with a ±50 ps spread
      xs.push(x);
      w.push(x);
      s += x;
      s2 += x * x;
    }
    const ref = twoPass(xs);
    const naive = s2 / xs.length - (s / xs.length) ** 2;
    expect(relClose(w.variance, ref.variance, 1e-9)).toBe(true);
    expect(relClose(naive, ref.variance, 1e-3)).toBe(false); // the textbook formula loses it
  });

  it('Welford: empty and single-sample accumulators report zero spread; cv is stddev/mean', () => {
    const w = new Welford();
    expect([w.count, w.mean, w.variance, w.stddev, w.cv]).toEqual([0, 0, 0, 0, 0]);
    w.push(5);
    expect([w.count, w.mean, w.variance, w.stddev, w.cv]).toEqual([1, 5, 0, 0, 0]);
    w.push(7);
    expect(w.sampleVariance).toBe(2);
    expect(w.cv).toBeCloseTo(Math.SQRT2 / 6, 15);
    w.merge(new Welford());
    expect(w.count).toBe(2);
    const e = new Welford().merge(w);
    expect([e.count, e.mean, e.m2, e.min, e.max]).toEqual([2, 6, 2, 5, 7]);
    w.reset();
    expect(w.count).toBe(0);
  });
});
