import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NORM_INIT, WEIGHT_INIT, WeightStream, tensorValues } from '../src/index.js';

describe('random weights', () => {
  it('random-weights: a stream gives the same values however it is chunked [F-GEN-1]', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffff_ffff }),
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 8 }),
        (seed, name, cuts) => {
          const total = cuts.reduce((a, b) => a + b, 0);
          const whole = tensorValues(seed, name, WEIGHT_INIT, total);
          const s = new WeightStream(seed, name, WEIGHT_INIT);
          const parts = new Float32Array(total);
          let off = 0;
          for (const c of cuts) {
            s.fill(parts.subarray(off, off + c));
            off += c;
          }
          expect(parts).toEqual(whole);
        },
      ),
    );
  });

  it('random-weights: different seeds or names give different values [F-GEN-2]', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff }), fc.string({ maxLength: 20 }), (a, b, name) => {
        fc.pre(a !== b);
        const x = tensorValues(a, name, WEIGHT_INIT, 64);
        expect(tensorValues(b, name, WEIGHT_INIT, 64)).not.toEqual(x);
        expect(tensorValues(a, `${name}.`, WEIGHT_INIT, 64)).not.toEqual(x);
      }),
    );
  });

  it('has the requested mean and standard deviation, bounded tails', () => {
    const n = 1 << 18;
    for (const init of [WEIGHT_INIT, NORM_INIT]) {
      const v = tensorValues(7, 'stats', init, n);
      let sum = 0;
      let sq = 0;
      let maxDev = 0;
      for (const x of v) {
        sum += x;
        sq += (x - init.mean) ** 2;
        maxDev = Math.max(maxDev, Math.abs(x - init.mean));
      }
      expect(Math.abs(sum / n - init.mean)).toBeLessThan(init.std * 0.01);
      expect(Math.sqrt(sq / n) / init.std).toBeCloseTo(1, 2);
      expect(maxDev).toBeLessThanOrEqual(init.std * 2 * Math.sqrt(3) + 1e-7);
    }
  });

  it('is pinned: the first values of a known stream never change (file bytes depend on them)', () => {
    const v = Array.from(tensorValues(42, 'token_embd.weight', WEIGHT_INIT, 4));
    expect(v.map((x) => x.toFixed(8))).toMatchInlineSnapshot(`
      [
        "-0.00588098",
        "0.00471070",
        "-0.00256890",
        "-0.01409828",
      ]
    `);
  });
});
