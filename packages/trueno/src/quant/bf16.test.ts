/** BF16 conversion (GGML_FP32_TO_BF16: RNE, quiet NaN) and row kernels. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arrayRmse, dotProduct, generateData, GGML_TEST_SIZE, MAX_DOT_PRODUCT_ERROR, MAX_QUANTIZATION_TOTAL_ERROR, roundTrip, sameBits, useGgmlOracle } from '../../test/block-quant-suite.js';
import { bf16Ops, bf16ToFp32, fp32BitsToBf16, fp32ToBf16 } from './bf16.js';
import { fp32FromBits } from './fp16.js';

const ggml = useGgmlOracle('bf16');

describe('bf16', () => {
  it('bf16: conversion equals ggml (ref and row variants) over a sweep of the float32 bit space [F-BF16-1]', async ({ skip }) => {
    const o = ggml.oracle;
    if (!o) return skip(ggml.skipReason);
    const n = Math.ceil(2 ** 32 / 4099);
    const bits = new Uint32Array(n);
    for (let i = 0; i < n; i++) bits[i] = i * 4099;
    const x = new Float32Array(bits.buffer);
    for (const variant of ['bf16', 'bf16_row']) {
      const theirs = new Uint16Array((await o.quantize(variant, x)).slice().buffer);
      let bad = -1;
      for (let i = 0; i < n && bad < 0; i++) if (fp32BitsToBf16(bits[i]) !== theirs[i]) bad = i;
      expect(bad < 0 ? 'equal' : `${variant} 0x${bits[bad].toString(16)}: ours 0x${fp32BitsToBf16(bits[bad]).toString(16)} ggml 0x${theirs[bad].toString(16)}`).toBe('equal');
    }
    const halves = new Uint16Array(65536).map((_, i) => i);
    const back = await o.dequantize('bf16', new Uint8Array(halves.buffer), 65536);
    const y = new Float32Array(65536);
    bf16Ops.dequantizeRow(new Uint8Array(halves.buffer), y);
    expect(sameBits(y, back)).toBe(true);
  });

  it('bf16: rounds to nearest, ties to even, overflow to inf [F-BF16-2]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7f7e }), fc.boolean(), fc.integer({ min: 0, max: 0xffff }), (h, neg, low) => {
        const s = neg ? 0x8000 : 0;
        // float32 bits (h << 16) + low lie between bf16 h and h + 1; 0x8000 is the midpoint.
        const got = fp32BitsToBf16((((h | s) << 16) | low) >>> 0);
        const up = low > 0x8000 || (low === 0x8000 && (h & 1) === 1);
        expect(got).toBe((up ? h + 1 : h) | s);
      }),
      { numRuns: 3000 },
    );
    expect(bf16ToFp32(fp32ToBf16(3.4e38))).toBe(Infinity);
    expect(fp32ToBf16(1e-40)).not.toBe(0); // subnormals are rounded, not flushed
  });

  it('bf16: NaN stays NaN, quiet, with its sign [F-BF16-3]', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffff }), fc.boolean(), (mant, neg) => {
        const h = fp32BitsToBf16(((neg ? 0xff800000 : 0x7f800000) | mant) >>> 0);
        expect(Number.isNaN(bf16ToFp32(h))).toBe(true);
        expect(h & 0x40).toBe(0x40);
        expect(h >>> 15).toBe(neg ? 1 : 0);
      }),
      { numRuns: 500 },
    );
    expect(Number.isNaN(fp32FromBits(0x7f800001))).toBe(true);
  });

  it('bf16: round-trip and dot errors within ggml thresholds; vecDot is the exact-product sum [F-BF16-4]', () => {
    const x = generateData(0, GGML_TEST_SIZE);
    const x2 = generateData(1, GGML_TEST_SIZE);
    const a = roundTrip(bf16Ops, x);
    const b = roundTrip(bf16Ops, x2);
    const total = arrayRmse(x, a.y);
    const got = bf16Ops.vecDot(GGML_TEST_SIZE, a.q, b.q);
    const dot = Math.abs(got - dotProduct(x, x2)) / GGML_TEST_SIZE;
    console.log(`bf16: test-quantize-fns n=4096 total error ${total.toFixed(6)}, dot error ${dot.toFixed(6)}`);
    expect(total).toBeLessThan(MAX_QUANTIZATION_TOTAL_ERROR);
    expect(dot).toBeLessThan(MAX_DOT_PRODUCT_ERROR);
    let want = 0;
    for (let i = 0; i < x.length; i++) want += a.y[i] * b.y[i];
    expect(got).toBe(Math.fround(want));
    const big = new Uint8Array(a.q.length + 1);
    big.set(a.q, 1);
    expect(bf16Ops.vecDot(GGML_TEST_SIZE, big.subarray(1), b.q)).toBe(got);
  });
});
