/**
 * Structural properties of the K-quant kernels that hold whatever ggml's search picks:
 * vec_dot agrees with the dot of the dequantized operands, dequantization is linear in the
 * super-block scales, degenerate blocks stay finite, and byte offsets of the views do not matter.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QK_K, dtypeInfo } from '../dtype.js';
import { fp16ToFp32, fp32ToFp16 } from './fp16.js';
import { readF32, writeF32 } from './k-quant-common.js';
import { q2_KOps } from './q2-k.js';
import { q3_KOps } from './q3-k.js';
import { q4_KOps } from './q4-k.js';
import { q5_KOps } from './q5-k.js';
import { q6_KOps } from './q6-k.js';
import { q8_KOps } from './q8-k.js';
import type { QuantOps } from './quant-ops.js';

interface Layout {
  readonly id: string;
  readonly ops: QuantOps;
  /** Byte offset of the super-block scale `d` (fp16; float32 for Q8_K). */
  readonly d: number;
  /** Byte offset of `dmin` (fp16), for the types with a min. */
  readonly dmin?: number;
}

const LAYOUTS: readonly Layout[] = [
  { id: 'Q2_K', ops: q2_KOps, d: 80, dmin: 82 },
  { id: 'Q3_K', ops: q3_KOps, d: 108 },
  { id: 'Q4_K', ops: q4_KOps, d: 0, dmin: 2 },
  { id: 'Q5_K', ops: q5_KOps, d: 0, dmin: 2 },
  { id: 'Q6_K', ops: q6_KOps, d: 208 },
  { id: 'Q8_K', ops: q8_KOps, d: 0 },
];

const typeSize = (ops: QuantOps): number => dtypeInfo(ops.type).typeSize;

function quantize(ops: QuantOps, x: Float32Array): Uint8Array {
  const q = new Uint8Array((x.length / QK_K) * typeSize(ops));
  ops.quantizeRow(x, q);
  return q;
}

function dequantize(ops: QuantOps, q: Uint8Array, n: number): Float32Array {
  const y = new Float32Array(n);
  ops.dequantizeRow(q, y);
  return y;
}

function padToBlocks(x: Float32Array): Float32Array {
  const out = new Float32Array(Math.max(1, Math.ceil(x.length / QK_K)) * QK_K);
  out.set(x);
  return out;
}

/** Sets the scale(s) of every block: fp16 bits `dBits`/`mBits` (Q8_K: float32 value `dBits`). */
function setScales(l: Layout, q: Uint8Array, dBits: number, mBits: number): Uint8Array {
  const out = q.slice();
  for (let o = 0; o < out.length; o += typeSize(l.ops)) {
    if (l.ops.type === q8_KOps.type) {
      writeF32(out, o + l.d, dBits);
      continue;
    }
    out[o + l.d] = dBits & 0xff;
    out[o + l.d + 1] = dBits >> 8;
    if (l.dmin !== undefined) {
      out[o + l.dmin] = mBits & 0xff;
      out[o + l.dmin + 1] = mBits >> 8;
    }
  }
  return out;
}

const FP16_ONE = 0x3c00;
const finiteArray = (max: number) =>
  fc
    .float32Array({ minLength: 1, maxLength: 1023, min: -max, max, noNaN: true, noDefaultInfinity: true })
    .map(padToBlocks);

describe('K-quant structural properties', () => {
  for (const l of LAYOUTS) {
    const { id, ops } = l;
    const lc = id.toLowerCase();

    it(`${lc}: vec_dot(q, q8_K) equals the dot of the dequantized operands [F-${id}-5]`, () => {
      fc.assert(
        fc.property(finiteArray(1e4), fc.integer(), (x, seed) => {
          const y = Float32Array.from(x, (_, i) => Math.sin(i * 0.7 + seed));
          const qx = quantize(ops, x);
          const qy = quantize(q8_KOps, y);
          const a = dequantize(ops, qx, x.length);
          const b = dequantize(q8_KOps, qy, y.length);
          // The min term −dmin·m is cancelled inside each dequantized value; it bounds the rounding
          // error of a_i as much as |a_i| does, so it is part of the tolerance.
          const m = l.dmin === undefined ? null : dequantize(ops, setScales(l, qx, 0, readF16Bits(qx, l.dmin)), x.length);
          let ref = 0;
          let mag = 0;
          for (let i = 0; i < x.length; i++) {
            ref += a[i] * b[i];
            mag += (Math.abs(a[i]) + (m ? Math.abs(m[i]) : 0)) * Math.abs(b[i]);
          }
          const got = ops.vecDot(x.length, qx, qy);
          expect(Math.abs(got - ref)).toBeLessThanOrEqual(1e-5 * mag + 1e-30);
        }),
        { numRuns: 40 },
      );
    });

    it(`${lc}: dequantize is linear in the super-block scale${l.dmin !== undefined ? 's d and dmin' : ' d'} [F-${id}-6]`, () => {
      fc.assert(
        fc.property(finiteArray(100), fc.float({ min: -1000, max: 1000, noNaN: true }), fc.float({ min: -1000, max: 1000, noNaN: true }), (x, d, m) => {
          const isQ8 = ops.type === q8_KOps.type;
          const q = quantize(ops, x);
          const n = x.length;
          // Basis: the integer parts (d = 1, dmin = 0) and the min parts (d = 0, dmin = 1).
          const A = dequantize(ops, setScales(l, q, isQ8 ? 1 : FP16_ONE, 0), n);
          const B = dequantize(ops, setScales(l, q, 0, FP16_ONE), n);
          const dBits = isQ8 ? Math.fround(d) : fp32ToFp16(d);
          const mBits = fp32ToFp16(m);
          const dv = isQ8 ? Math.fround(d) : fp16ToFp32(dBits);
          const mv = l.dmin === undefined ? 0 : fp16ToFp32(mBits);
          const y = dequantize(ops, setScales(l, q, dBits, mBits), n);
          for (let i = 0; i < n; i++) {
            const expected = dv * A[i] + mv * B[i];
            // Two or three float32 roundings of terms of this size.
            const tol = 2 ** -21 * (Math.abs(dv * A[i]) + Math.abs(mv * B[i]));
            expect(Math.abs(y[i] - expected)).toBeLessThanOrEqual(tol);
          }
          // Doubling the scales doubles every value exactly (no overflow/underflow at this size).
          const y2 = dequantize(ops, setScales(l, q, isQ8 ? 2 * dv : fp32ToFp16(2 * dv), fp32ToFp16(2 * mv)), n);
          for (let i = 0; i < n; i++) expect(y2[i]).toBe(2 * y[i]);
        }),
        { numRuns: 40 },
      );
    });

    it(`${lc}: zero, constant, ±huge and subnormal blocks dequantize to finite values [F-${id}-7]`, () => {
      const blocks: Array<[string, (i: number) => number]> = [
        ['zero', () => 0],
        ['negative zero', () => -0],
        ['positive constant', () => 3.25],
        ['negative constant', () => -7.5],
        // ggml's fp16 super-block scales overflow beyond this (Q2_K: |min| > 15·65504 gives dmin = inf,
        // in ggml as here), so ±5e5 is about the largest magnitude every K type represents.
        ['±huge', (i) => (i % 2 ? 5e5 : -5e5)],
        ['huge with small', (i) => (i % 37 === 0 ? -5e5 : i * 1e-3)],
        ['subnormal', (i) => (i % 3 === 0 ? 1e-40 : -3e-42)],
        ['subnormal and zero', (i) => (i % 5 === 0 ? -1.4e-45 : 0)],
        ['one outlier', (i) => (i === 200 ? 5e5 : 0.01)],
      ];
      for (const [name, f] of blocks) {
        const x = Float32Array.from({ length: 3 * QK_K }, (_, i) => f(i));
        const y = dequantize(ops, quantize(ops, x), x.length);
        const bad = y.findIndex((v) => !Number.isFinite(v));
        expect(bad, `${id} ${name}: value ${bad} is ${y[bad]}`).toBe(-1);
        if (name.endsWith('zero')) expect(y.every((v) => v === 0)).toBe(true);
      }
    });

    it(`${lc}: results do not depend on the byte offset of the views [F-${id}-8]`, () => {
      fc.assert(
        fc.property(finiteArray(10), fc.integer({ min: 1, max: 7 }), (x, shift) => {
          const q = quantize(ops, x);
          const shiftedQ = new Uint8Array(q.length + shift).subarray(shift);
          ops.quantizeRow(x, shiftedQ);
          expect([...shiftedQ]).toEqual([...q]);
          expect(dequantize(ops, shiftedQ, x.length)).toEqual(dequantize(ops, q, x.length));
          const qy = quantize(q8_KOps, x);
          const shiftedY = new Uint8Array(qy.length + shift);
          shiftedY.set(qy, shift);
          expect(ops.vecDot(x.length, shiftedQ, shiftedY.subarray(shift))).toBe(ops.vecDot(x.length, q, qy));
        }),
        { numRuns: 20 },
      );
    });
  }

  it('q8_K: bsums hold the sums of each 16 quants [F-Q8_K-9]', () => {
    fc.assert(
      fc.property(finiteArray(1e3), (x) => {
        const q = quantize(q8_KOps, x);
        const view = new DataView(q.buffer, q.byteOffset, q.byteLength);
        for (let b = 0; b < x.length / QK_K; b++) {
          const o = b * 292;
          expect(readF32(q, o)).toBe(view.getFloat32(o, true));
          for (let j = 0; j < 16; j++) {
            let sum = 0;
            for (let k = 0; k < 16; k++) sum += view.getInt8(o + 4 + 16 * j + k);
            expect(view.getInt16(o + 260 + 2 * j, true)).toBe(sum);
          }
        }
      }),
      { numRuns: 30 },
    );
  });
});

function readF16Bits(q: Uint8Array, off: number): number {
  return q[off] | (q[off + 1] << 8);
}
