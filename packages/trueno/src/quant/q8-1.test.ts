import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockQuantSuite, roundTrip } from '../../test/block-quant-suite.js';
import { fp16ToFp32, fp32ToFp16 } from './fp16.js';
import { q8_0Ops } from './q8-0.js';
import { q8_1Ops } from './q8-1.js';

// ggml has no dequantize_row_q8_1: the oracle checks quantized bytes only.
blockQuantSuite({ ops: q8_1Ops, id: 'Q8_1', hasMin: true, ggmlDequantize: false, grid: [-127, 126] });

describe('q8_1 layout', () => {
  it('q8_1: quants and d equal q8_0, s = fp16(d * sum(q)) [F-Q8_1-9]', () => {
    fc.assert(
      fc.property(fc.float32Array({ minLength: 32, maxLength: 32, min: -100, max: 100, noNaN: true }), (x) => {
        const a = roundTrip(q8_1Ops, x).q;
        const b = roundTrip(q8_0Ops, x).q;
        expect([a[0], a[1]]).toEqual([b[0], b[1]]);
        expect([...a.subarray(4)]).toEqual([...b.subarray(2)]);
        const d = fp16ToFp32(b[0] | (b[1] << 8));
        // Recompute s from the unrounded float d, as ggml does (the fp16 d is rounded).
        let amax = 0;
        for (const v of x) amax = Math.max(amax, Math.abs(v));
        const dFloat = Math.fround(amax / 127);
        let sum = 0;
        for (const v of new Int8Array(a.buffer, a.byteOffset + 4, 32)) sum += v;
        expect(a[2] | (a[3] << 8)).toBe(fp32ToFp16(Math.fround(sum * dFloat)));
        // s rounds sum·dFloat to fp16 (relative 2^-11, or half the 2^-24 subnormal step), and the
        // stored d differs from dFloat by its own fp16 rounding (all of it when d underflows to 0).
        const tol = Math.abs(sum) * Math.abs(dFloat - d) + Math.abs(sum * dFloat) * 2 ** -11 + 2 ** -25;
        expect(Math.abs(fp16ToFp32(a[2] | (a[3] << 8)) - sum * d)).toBeLessThanOrEqual(tol);
      }),
      // A block whose d underflows fp16 (found by fast-check in CI).
      { numRuns: 100, examples: [[Float32Array.from({ length: 32 }, (_, i) => (i === 16 ? -9.011655066615276e-8 : 0))]] },
    );
  });
});
