/**
 * Q8_0: blocks of 32 values = fp16 scale `d` + 32 int8 quants (34 bytes); a value decodes as
 * q * d. Also the activation type that Q4_0, Q5_0 and Q8_0 weights are dotted with. Port of
 * ggml's quantize_row_q8_0_ref / dequantize_row_q8_0 / ggml_vec_dot_q8_0_q8_0_generic.
 */
import { GGMLType } from '../dtype.js';
import { readFp16, roundf, toInt8, writeFp16 } from './block-io.js';
import type { QuantOps } from './quant-ops.js';

const QK = 32;
const BLOCK_BYTES = 34;

/**
 * Quantizes one 32-value block of `x` at `xo` into a Q8_0/Q8_1-style block at `y[yo]`: writes
 * d (fp16) at `yo` and the int8 quants at `qsOff`; when `sOff >= 0` also writes Q8_1's
 * s = GGML_FP32_TO_FP16(sum(q) * d) there. Shared by Q8_0 and Q8_1, whose quantizers differ only
 * in the block header.
 */
export function quantizeBlock8(x: Float32Array, xo: number, y: Uint8Array, yo: number, qsOff: number, sOff: number): void {
  let amax = 0;
  for (let j = 0; j < QK; j++) {
    const av = Math.abs(x[xo + j]);
    // C: amax = MAX(amax, fabsf(v)) with MAX(a, b) = a > b ? a : b, so a NaN resets amax.
    amax = amax > av ? amax : av;
  }
  const d = Math.fround(amax / 127);
  const id = d !== 0 ? Math.fround(1 / d) : 0;
  writeFp16(y, yo, d);
  let sum = 0;
  for (let j = 0; j < QK; j++) {
    // roundf, then the implicit float -> int8_t conversion of the assignment.
    const q = toInt8(roundf(Math.fround(x[xo + j] * id)));
    y[qsOff + j] = q & 0xff;
    sum += q;
  }
  // C: y.s = GGML_FP32_TO_FP16(sum*d), int * float in float (sum is exact in float).
  if (sOff >= 0) writeFp16(y, sOff, Math.fround(sum * d));
}

/** Reference kernels of GGML_TYPE_Q8_0 (vec_dot_type Q8_0). */
export const q8_0Ops: QuantOps = {
  type: GGMLType.Q8_0,
  vecDotType: GGMLType.Q8_0,

  quantizeRow(x: Float32Array, y: Uint8Array): void {
    const nb = x.length / QK;
    for (let i = 0; i < nb; i++) quantizeBlock8(x, i * QK, y, i * BLOCK_BYTES, i * BLOCK_BYTES + 2, -1);
  },

  dequantizeRow(x: Uint8Array, y: Float32Array): void {
    const nb = y.length / QK;
    for (let i = 0; i < nb; i++) {
      const xo = i * BLOCK_BYTES;
      const d = readFp16(x, xo);
      // int8 * fp16 value is exact in float (8 + 11 significant bits).
      for (let j = 0; j < QK; j++) y[i * QK + j] = ((x[xo + 2 + j] << 24) >> 24) * d;
    }
  },

  vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
    const nb = n / QK;
    let sumf = 0;
    for (let ib = 0; ib < nb; ib++) {
      const o = ib * BLOCK_BYTES;
      let sumi = 0;
      for (let j = 0; j < QK; j++) sumi += ((x[o + 2 + j] << 24) >> 24) * ((y[o + 2 + j] << 24) >> 24);
      // C: sumf += sumi*(dx*dy).
      const t = Math.fround(sumi * Math.fround(readFp16(x, o) * readFp16(y, o)));
      sumf = Math.fround(sumf + t);
    }
    return sumf;
  },
};
