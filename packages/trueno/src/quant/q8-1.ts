/**
 * Q8_1: blocks of 32 values = fp16 scale `d`, fp16 `s` = d * sum(q), 32 int8 quants (36 bytes).
 * It is the activation type of Q4_1 / Q5_1 dot products, where `s` carries the min term. ggml has
 * no dequantize_row_q8_1; ours decodes q * d (ignoring `s`). Port of quantize_row_q8_1_ref.
 */
import { GGMLType } from '../dtype.js';
import { readFp16 } from './block-io.js';
import type { QuantOps } from './quant-ops.js';
import { quantizeBlock8 } from './q8-0.js';

const QK = 32;
const BLOCK_BYTES = 36;

/** Reference kernels of GGML_TYPE_Q8_1 (vec_dot_type Q8_1). */
export const q8_1Ops: QuantOps = {
  type: GGMLType.Q8_1,
  vecDotType: GGMLType.Q8_1,

  quantizeRow(x: Float32Array, y: Uint8Array): void {
    const nb = x.length / QK;
    for (let i = 0; i < nb; i++) {
      const yo = i * BLOCK_BYTES;
      quantizeBlock8(x, i * QK, y, yo, yo + 4, yo + 2);
    }
  },

  dequantizeRow(x: Uint8Array, y: Float32Array): void {
    const nb = y.length / QK;
    for (let i = 0; i < nb; i++) {
      const xo = i * BLOCK_BYTES;
      const d = readFp16(x, xo);
      for (let j = 0; j < QK; j++) y[i * QK + j] = ((x[xo + 4 + j] << 24) >> 24) * d;
    }
  },

  vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
    // ggml has no q8_1 x q8_1 kernel; this is the Q8_0 formula on the Q8_1 layout.
    const nb = n / QK;
    let sumf = 0;
    for (let ib = 0; ib < nb; ib++) {
      const o = ib * BLOCK_BYTES;
      let sumi = 0;
      for (let j = 0; j < QK; j++) sumi += ((x[o + 4 + j] << 24) >> 24) * ((y[o + 4 + j] << 24) >> 24);
      const t = Math.fround(sumi * Math.fround(readFp16(x, o) * readFp16(y, o)));
      sumf = Math.fround(sumf + t);
    }
    return sumf;
  },
};
