/**
 * fp16 <-> fp32 conversion (GGML_FP32_TO_FP16 / GGML_FP16_TO_FP32): checked against ggml on all
 * 65536 halves and a sweep of the float32 bit space, and against the IEEE rules directly.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useGgmlOracle } from '../../test/block-quant-suite.js';
import { FP16_MAX, FP16_TO_FP32_BITS, fp16ToFp32, fp32BitsToFp16, fp32FromBits, fp32ToFp16 } from './fp16.js';

const ggml = useGgmlOracle('fp16');
const isNaNHalf = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

/** Every 4093rd float32 bit pattern (a prime stride reaches all exponents and many mantissas). */
function bitSweep(): Uint32Array {
  const n = Math.ceil(2 ** 32 / 4093);
  const bits = new Uint32Array(n + 16);
  for (let i = 0; i < n; i++) bits[i] = i * 4093;
  // Edge cases: ±0, fp16 max and the overflow boundary 65520, smallest subnormal and half of it.
  const edges = [0x80000000, 0x477fe000, 0x477fefff, 0x477ff000, 0x33800000, 0x33000000, 0x33000001, 0x7f800000, 0xff800000, 0x7f800001, 0xffc00000, 0x387fc000, 0x38800000];
  edges.forEach((e, i) => (bits[n + i] = e));
  return bits;
}

describe('fp16 conversion', () => {
  it('fp16: fp16ToFp32 of all 65536 halves equals ggml bit for bit [F-FP16-1]', async ({ skip }) => {
    const o = ggml.oracle;
    if (!o) return skip(ggml.skipReason);
    const halves = new Uint16Array(65536).map((_, i) => i);
    const theirs = await o.dequantize('f16', new Uint8Array(halves.buffer), 65536);
    const theirBits = new Uint32Array(theirs.buffer);
    const bad = FP16_TO_FP32_BITS.findIndex((b, h) => b !== theirBits[h]);
    expect(bad, `first half whose fp32 bits differ: 0x${bad.toString(16)}`).toBe(-1);
  });

  it('fp16: fp32ToFp16 equals ggml over a sweep of the float32 bit space [F-FP16-2]', async ({ skip }) => {
    const o = ggml.oracle;
    if (!o) return skip(ggml.skipReason);
    const bits = bitSweep();
    const theirs = new Uint16Array((await o.quantize('f16', new Float32Array(bits.buffer))).slice().buffer);
    let bad = -1;
    for (let i = 0; i < bits.length && bad < 0; i++) if (fp32BitsToFp16(bits[i]) !== theirs[i]) bad = i;
    expect(bad < 0 ? 'all equal' : `bits 0x${bits[bad].toString(16)}: ours 0x${fp32BitsToFp16(bits[bad]).toString(16)}, ggml 0x${theirs[bad].toString(16)}`).toBe('all equal');
  });

  it('fp16: every non-NaN half survives fp32 and back; NaN becomes quiet 0x7E00 with its sign [F-FP16-3]', () => {
    for (let h = 0; h < 65536; h++) {
      const back = fp32ToFp16(fp16ToFp32(h));
      const want = isNaNHalf(h) ? (h & 0x8000) | 0x7e00 : h;
      if (back !== want) expect(`0x${h.toString(16)} -> 0x${back.toString(16)}`).toBe(`0x${h.toString(16)} -> 0x${want.toString(16)}`);
    }
  });

  it('fp16: rounds to the nearest half, ties to even mantissa [F-FP16-4]', () => {
    // Any value between two adjacent finite halves a < b rounds to the nearer; exact midpoints go
    // to the one with an even mantissa. Midpoints are exact in float32 (12 significant bits).
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x7bfe }), fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true }), (h, neg, t) => {
        const s = neg ? 0x8000 : 0;
        const a = fp16ToFp32(h | s);
        const b = fp16ToFp32((h + 1) | s);
        const mid = (a + b) / 2;
        expect(fp32ToFp16(mid)).toBe((h % 2 === 0 ? h : h + 1) | s);
        const x = Math.fround(a + (b - a) * t);
        const got = fp32ToFp16(x);
        if (x === mid) return;
        const nearer = Math.abs(x - a) < Math.abs(x - b) ? h | s : (h + 1) | s;
        expect(got).toBe(nearer);
      }),
      { numRuns: 3000 },
    );
  });

  it('fp16: conversion is monotonic [F-FP16-5]', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true }), fc.float({ noNaN: true }), (x, y) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        expect(fp16ToFp32(fp32ToFp16(lo))).toBeLessThanOrEqual(fp16ToFp32(fp32ToFp16(hi)));
      }),
      { numRuns: 3000 },
    );
  });

  it('fp16: overflow gives ±inf from 65520 on, values below round to ±65504 [F-FP16-6]', () => {
    expect(fp16ToFp32(fp32ToFp16(FP16_MAX))).toBe(FP16_MAX);
    expect(fp16ToFp32(fp32ToFp16(65519.99))).toBe(FP16_MAX);
    expect(fp16ToFp32(fp32ToFp16(65520))).toBe(Infinity);
    expect(fp16ToFp32(fp32ToFp16(-1e30))).toBe(-Infinity);
    expect(fp32ToFp16(2 ** -25)).toBe(0); // half of the smallest subnormal: tie to even (0)
    expect(fp32ToFp16(fp32FromBits(0x33000001))).toBe(1); // just above the tie: 2^-24
    expect(fp32ToFp16(-0)).toBe(0x8000);
    expect(fp32BitsToFp16(0xffc00001)).toBe(0xfe00);
  });
});
