/** ComputeBrick with its assertions: equivalence (NMSE, max-abs), finiteness, budget; profiled runs. */
import { describe, expect, it } from 'vitest';
import { BrickAssertion, checkAssertion, countNonFinite, maxAbsDiff, nmse } from './brick-assertion.js';
import { BrickProfiler } from './brick-profiler.js';
import { type ComputeBrick, defineBrick, profiledBrick, verifyBrick } from './compute-brick.js';
import { TokenBudget } from './token-budget.js';

/** out = 2·x into a buffer the brick owns (no allocation per run). */
function doubler(err = 0): ComputeBrick<Float32Array, Float32Array> {
  const out = new Float32Array(8);
  return defineBrick('blk.0.scale', TokenBudget.fromMicros(5), [BrickAssertion.equivalent(1e-6), BrickAssertion.equivalent(1e-3, 'max-abs'), BrickAssertion.finite(), BrickAssertion.budgetMet(0.1)], (x) => {
    for (let i = 0; i < x.length; i++) out[i] = 2 * x[i] + (i === 0 ? err : 0);
    return out.subarray(0, x.length);
  });
}
const reference = (x: Float32Array): Float32Array => x.map((v) => 2 * v);
const X = Float32Array.from([1, -2, 3, 0.5, 7]);

describe('ComputeBrick', () => {
  it('verifyBrick: a correct brick passes equivalence and finiteness; budget is skipped without a measurement', () => {
    const v = verifyBrick(doubler(), X, { reference });
    expect(v.ok).toBe(true);
    expect(v.results.map((r) => r.status)).toEqual(['pass', 'pass', 'pass', 'skip']);
    expect(verifyBrick(doubler(), X, { reference, strict: true }).ok).toBe(false);
    expect(verifyBrick(doubler(), X, { reference, actualMicrosPerToken: 5.4 }).results[3]).toMatchObject({ status: 'pass', value: 5.4 / 5 });
    expect(verifyBrick(doubler(), X, { reference, actualMicrosPerToken: 5.6 }).ok).toBe(false);
  });

  it('verifyBrick: a wrong or non-finite output fails the matching assertion', () => {
    const off = verifyBrick(doubler(0.1), X, { reference });
    expect(off.results.map((r) => r.status)).toEqual(['fail', 'fail', 'pass', 'skip']);
    expect(off.results[1].value).toBeCloseTo(0.1, 6);
    const nan = verifyBrick(doubler(Number.NaN), X, { reference });
    expect(nan.results.map((r) => r.status)).toEqual(['fail', 'fail', 'fail', 'skip']);
    expect(nan.results[2].message).toBe('1 non-finite values');
  });

  it('profiledBrick: each run is one timed call; the budget assertion reads the profile', () => {
    let now = 0;
    const p = new BrickProfiler({ clock: () => now });
    const inner = doubler();
    const b = profiledBrick({ ...inner, run: (x: Float32Array) => ((now += 4000), inner.run(x)) }, p, 2);
    for (let i = 0; i < 3; i++) b.run(X);
    expect(p.stats('blk.0.scale')).toMatchObject({ count: 3, tokens: 6, usPerToken: 2, totalUs: 12 });
    expect(verifyBrick(b, X, { reference, profiler: p, strict: true }).ok).toBe(true); // runs it once more
    p.enabled = false;
    b.run(X);
    expect(p.stats('blk.0.scale')?.count).toBe(4);
  });

  it('metrics: nmse, max-abs and the non-finite count on edge cases', () => {
    expect(nmse([1, 2], [1, 2])).toBe(0);
    expect(nmse([0, 0], [0, 0])).toBe(0);
    expect(nmse([1, 0], [0, 0])).toBe(Number.POSITIVE_INFINITY);
    expect(nmse([1, 1], [1, 0])).toBe(1);
    expect(nmse([Number.NaN], [1])).toBeNaN();
    expect(maxAbsDiff([1, 5, 3], [1, 2, 4])).toBe(3);
    expect(maxAbsDiff([1, Number.NaN], [1, 2])).toBeNaN();
    expect(maxAbsDiff([], [])).toBe(0);
    expect(countNonFinite([1, Number.NaN, Number.POSITIVE_INFINITY, -Number.MAX_VALUE])).toBe(2);
    expect(() => nmse([1], [1, 2])).toThrow(RangeError);
    expect(() => BrickAssertion.equivalent(-1)).toThrow(RangeError);
    expect(() => BrickAssertion.budgetMet(Number.NaN)).toThrow(RangeError);
    expect(checkAssertion(BrickAssertion.finite(), {}).status).toBe('skip');
    expect(checkAssertion(BrickAssertion.equivalent(0), { output: [1] }).status).toBe('skip');
  });
});
