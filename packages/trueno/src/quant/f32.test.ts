/** F32 row kernels: bit-exact copies and ggml's scalar vec_dot_f32. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dotProduct, generateData, roundTrip, sameBits } from '../../test/block-quant-suite.js';
import { f32Ops } from './f32.js';

describe('f32 kernels', () => {
  it('f32: quantize/dequantize copy every bit pattern, from unaligned views too [F-F32-1]', () => {
    fc.assert(
      fc.property(fc.float32Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 0, max: 3 }), (x, off) => {
        const { q, y } = roundTrip(f32Ops, x);
        expect(sameBits(x, y)).toBe(true);
        const big = new Uint8Array(q.length + off);
        big.set(q, off);
        const y2 = new Float32Array(x.length);
        f32Ops.dequantizeRow(big.subarray(off), y2);
        expect(sameBits(x, y2)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('f32: vecDot within test-quantize-fns reference error and equal to the double sum [F-F32-2]', () => {
    // test_vec_dot_f32: these lengths, |vec_dot - dot_product| / n < MAX_QUANTIZATION_REFERENCE_ERROR.
    for (const n of [1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 63, 67, 127, 129, 193, 255, 1023]) {
      const a = generateData(0, n);
      const b = generateData(1, n);
      const got = f32Ops.vecDot(n, roundTrip(f32Ops, a).q, roundTrip(f32Ops, b).q);
      const ref = dotProduct(a, b);
      expect(Math.abs(got - ref) / n).toBeLessThan(0.0001);
      expect(got).toBe(ref); // same formula: float products summed in double
    }
    const a = generateData(0, 99);
    const q = roundTrip(f32Ops, a).q;
    const big = new Uint8Array(q.length + 2);
    big.set(q, 2);
    expect(f32Ops.vecDot(99, big.subarray(2), q)).toBe(f32Ops.vecDot(99, q, q));
  });
});
