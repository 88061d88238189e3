/** F16 row kernels (quantize = ggml_fp32_to_fp16_row, exact dequantize, scalar vec_dot_f16). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arrayRmse, dotProduct, generateData, GGML_TEST_SIZE, MAX_DOT_PRODUCT_ERROR, MAX_QUANTIZATION_TOTAL_ERROR, roundTrip, sameBits, useGgmlOracle } from '../../test/block-quant-suite.js';
import { f16Ops } from './f16.js';
import { fp16ToFp32 } from './fp16.js';

const ggml = useGgmlOracle('f16');

describe('f16 kernels', () => {
  it('f16: rows of any length and any float bits match ggml bytes and values [F-F16-1]', async ({ skip }) => {
    const o = ggml.oracle;
    if (!o) return skip(ggml.skipReason);
    await fc.assert(
      fc.asyncProperty(fc.float32Array({ minLength: 1, maxLength: 1023 }), async (x) => {
        const { q, y } = roundTrip(f16Ops, x);
        const theirs = await o.quantize('f16', x);
        expect([...q]).toEqual([...theirs]);
        expect(sameBits(y, await o.dequantize('f16', theirs, x.length))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('f16: round-trip and dot-product errors within ggml thresholds [F-F16-2]', () => {
    const x = generateData(0, GGML_TEST_SIZE);
    const x2 = generateData(1, GGML_TEST_SIZE);
    const a = roundTrip(f16Ops, x);
    const total = arrayRmse(x, a.y);
    const dot = Math.abs(f16Ops.vecDot(GGML_TEST_SIZE, a.q, roundTrip(f16Ops, x2).q) - dotProduct(x, x2)) / GGML_TEST_SIZE;
    console.log(`f16: test-quantize-fns n=4096 total error ${total.toFixed(6)}, dot error ${dot.toFixed(6)}`);
    expect(total).toBeLessThan(MAX_QUANTIZATION_TOTAL_ERROR);
    expect(dot).toBeLessThan(MAX_DOT_PRODUCT_ERROR);
    // fp16 keeps 11 significant bits: every value is within 2^-11 relative (normal range).
    for (let i = 0; i < x.length; i++) expect(Math.abs(a.y[i] - x[i])).toBeLessThanOrEqual(Math.abs(x[i]) * 2 ** -11);
  });

  it('f16: vecDot is the double sum of the exact half products [F-F16-3]', () => {
    fc.assert(
      fc.property(fc.uint16Array({ minLength: 1, maxLength: 300 }), fc.uint16Array({ minLength: 300, maxLength: 300 }), (a, b) => {
        const n = a.length;
        let want = 0;
        for (let i = 0; i < n; i++) want += fp16ToFp32(a[i]) * fp16ToFp32(b[i]);
        const got = f16Ops.vecDot(n, new Uint8Array(a.buffer), new Uint8Array(b.buffer));
        expect(Object.is(got, Math.fround(want)) || (Number.isNaN(got) && Number.isNaN(want))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('f16: unaligned byte views read the same halves [F-F16-4]', () => {
    const x = generateData(3, 77);
    const { q, y } = roundTrip(f16Ops, x);
    const big = new Uint8Array(q.length + 1);
    big.set(q, 1);
    const y2 = new Float32Array(77);
    f16Ops.dequantizeRow(big.subarray(1), y2);
    expect(sameBits(y, y2)).toBe(true);
    expect(f16Ops.vecDot(77, big.subarray(1), q)).toBe(f16Ops.vecDot(77, q, q));
  });
});
