/**
 * Accuracy of the K-quant kernels, with ggml's own test-quantize-fns metrics and thresholds:
 * round-trip error sqrt(Σ(x − deq(q(x)))²)/n and dot-product error |vec_dot − Σxy|/n, on ggml's
 * synthetic data 0.1 + 2·cos(i + offset) (n = 4096 in ggml), plus fast-check over lengths
 * 1..1023 (zero-padded to whole 256-value blocks) and random offsets, with ggml's criteria
 * rescaled from n = 4096 to the row length.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ggmlArrayRmse, ggmlSyntheticData } from '../../test/k-quant-data.js';
import { QK_K, dtypeInfo } from '../dtype.js';
import { q2_KOps } from './q2-k.js';
import { q3_KOps } from './q3-k.js';
import { q4_KOps } from './q4-k.js';
import { q5_KOps } from './q5-k.js';
import { q6_KOps } from './q6-k.js';
import { q8_KOps } from './q8-k.js';
import type { QuantOps } from './quant-ops.js';

/** ggml test-quantize-fns: MAX_QUANTIZATION_TOTAL_ERROR{,_3BITS,_2BITS}. */
const MAX_QUANTIZATION_TOTAL_ERROR = 0.002;
const MAX_QUANTIZATION_TOTAL_ERROR_3BITS = 0.004;
const MAX_QUANTIZATION_TOTAL_ERROR_2BITS = 0.0075;
/** ggml: MAX_DOT_PRODUCT_ERROR (ggml allows Q2_K MAX_DOT_PRODUCT_ERROR_LOWBIT = 0.04; it meets 0.02). */
const MAX_DOT_PRODUCT_ERROR = 0.02;
/** ggml's test size (32 · 128). */
const GGML_TEST_SIZE = 4096;

interface Case {
  readonly id: string;
  readonly ops: QuantOps;
  readonly maxError: number;
}

const CASES: readonly Case[] = [
  { id: 'Q2_K', ops: q2_KOps, maxError: MAX_QUANTIZATION_TOTAL_ERROR_2BITS },
  { id: 'Q3_K', ops: q3_KOps, maxError: MAX_QUANTIZATION_TOTAL_ERROR_3BITS },
  { id: 'Q4_K', ops: q4_KOps, maxError: MAX_QUANTIZATION_TOTAL_ERROR },
  { id: 'Q5_K', ops: q5_KOps, maxError: MAX_QUANTIZATION_TOTAL_ERROR },
  { id: 'Q6_K', ops: q6_KOps, maxError: MAX_QUANTIZATION_TOTAL_ERROR },
  { id: 'Q8_K', ops: q8_KOps, maxError: MAX_QUANTIZATION_TOTAL_ERROR },
];

function roundTrip(ops: QuantOps, x: Float32Array): Float32Array {
  const q = new Uint8Array((x.length / QK_K) * dtypeInfo(ops.type).typeSize);
  ops.quantizeRow(x, q);
  const back = new Float32Array(x.length);
  ops.dequantizeRow(q, back);
  return back;
}

/** ggml's dot_product_error: x quantized to the type, y to its vec_dot type (Q8_K), vs the double dot. */
function dotProductError(ops: QuantOps, x: Float32Array, y: Float32Array): number {
  const n = x.length;
  const qx = new Uint8Array((n / QK_K) * dtypeInfo(ops.type).typeSize);
  const qy = new Uint8Array((n / QK_K) * dtypeInfo(ops.vecDotType).typeSize);
  ops.quantizeRow(x, qx);
  q8_KOps.quantizeRow(y, qy);
  const result = ops.vecDot(n, qx, qy);
  let ref = 0;
  for (let i = 0; i < n; i++) ref += Math.fround(x[i] * y[i]);
  return Math.abs(result - Math.fround(ref)) / n;
}

/** Zero-pads to whole K-quant blocks, as a row of a tensor would be. */
function padToBlocks(x: Float32Array): Float32Array {
  const out = new Float32Array(Math.ceil(x.length / QK_K) * QK_K);
  out.set(x);
  return out;
}

/**
 * ggml's metric sqrt(Σd²)/n shrinks like 1/√n, so its thresholds are for n = 4096. On the `len`
 * real values of a shorter row the same criterion reads sqrt(Σd²/len) < threshold·√4096.
 */
function rmsOverThreshold(x: Float32Array, back: Float32Array, len: number, maxError: number): number {
  let sum = 0;
  for (let i = 0; i < len; i++) sum += (x[i] - back[i]) ** 2;
  return Math.sqrt(sum / len) / (maxError * Math.sqrt(GGML_TEST_SIZE));
}

describe('K-quant accuracy (ggml test-quantize-fns)', () => {
  for (const { id, ops, maxError } of CASES) {
    it(`${id.toLowerCase()}: ggml synthetic-data round-trip error below ggml's threshold [F-${id}-1]`, () => {
      const x = ggmlSyntheticData(0, GGML_TEST_SIZE);
      const err = ggmlArrayRmse(x, roundTrip(ops, x));
      console.info(`${id} total quantization error ${err.toFixed(6)} (ggml max ${maxError})`);
      expect(err).toBeLessThan(maxError);
    });

    it(`${id.toLowerCase()}: round-trip error within ggml threshold for any length and offset [F-${id}-2]`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 1023 }),
          fc.float({ min: -1000, max: 1000, noNaN: true }),
          (len, offset) => {
            const x = padToBlocks(ggmlSyntheticData(offset, len));
            expect(rmsOverThreshold(x, roundTrip(ops, x), len, maxError)).toBeLessThan(1);
          },
        ),
        { numRuns: 60 },
      );
    });

    if (ops.type === q8_KOps.type) continue;

    it(`${id.toLowerCase()}: vec_dot with Q8_K within ggml's dot-product error on synthetic data [F-${id}-3]`, () => {
      const x = ggmlSyntheticData(0, GGML_TEST_SIZE);
      const y = ggmlSyntheticData(1, GGML_TEST_SIZE);
      const err = dotProductError(ops, x, y);
      console.info(`${id} dot product error ${err.toFixed(6)} (ggml max ${MAX_DOT_PRODUCT_ERROR})`);
      expect(err).toBeLessThan(MAX_DOT_PRODUCT_ERROR);
    });

    it(`${id.toLowerCase()}: vec_dot error within ggml's bound for any length and offsets [F-${id}-4]`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 1023 }),
          fc.float({ min: -1000, max: 1000, noNaN: true }),
          fc.float({ min: -1000, max: 1000, noNaN: true }),
          (len, o1, o2) => {
            const x = padToBlocks(ggmlSyntheticData(o1, len));
            const y = padToBlocks(ggmlSyntheticData(o2, len));
            // ggml allows |error| < 0.02·4096 at n = 4096; rounding errors add like a random walk,
            // so the same criterion for `len` values is |error| < 0.02·√4096·√len (padding adds zeros).
            const err = dotProductError(ops, x, y) * x.length;
            expect(err).toBeLessThan(MAX_DOT_PRODUCT_ERROR * Math.sqrt(GGML_TEST_SIZE) * Math.sqrt(len));
          },
        ),
        { numRuns: 60 },
      );
    });
  }
});
