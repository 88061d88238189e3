/**
 * Q4_1: blocks of 32 values = fp16 scale `d`, fp16 minimum `m`, 16 bytes of 4-bit quants
 * (20 bytes); a value decodes as q * d + m. Nibble order as Q4_0 (low nibble: value j, high:
 * value j + 16). Port of ggml's quantize_row_q4_1_ref / dequantize_row_q4_1 /
 * ggml_vec_dot_q4_1_q8_1_generic.
 */
import { GGMLType } from '../dtype.js';
import { addMin, blockMinMax, readFp16, toInt8, writeFp16 } from './block-io.js';
import type { QuantOps } from './quant-ops.js';

const QK = 32;
const BLOCK_BYTES = 20;
const Q8_1_BYTES = 36;
const minMax = new Float64Array(2);

/** Reference kernels of GGML_TYPE_Q4_1 (vec_dot_type Q8_1). */
export const q4_1Ops: QuantOps = {
  type: GGMLType.Q4_1,
  vecDotType: GGMLType.Q8_1,

  quantizeRow(x: Float32Array, y: Uint8Array): void {
    const nb = x.length / QK;
    for (let i = 0; i < nb; i++) {
      const xo = i * QK;
      const yo = i * BLOCK_BYTES;
      blockMinMax(x, xo, QK, minMax);
      const min = minMax[0];
      const max = minMax[1];
      // 16 levels span [min, max]: d = (max - min) / 15, rounded to float at each step as in C.
      const d = Math.fround(Math.fround(max - min) / 15);
      const id = d !== 0 ? Math.fround(1 / d) : 0;
      writeFp16(y, yo, d);
      writeFp16(y, yo + 2, min);
      for (let j = 0; j < QK / 2; j++) {
        const x0 = Math.fround(Math.fround(x[xo + j] - min) * id);
        const x1 = Math.fround(Math.fround(x[xo + QK / 2 + j] - min) * id);
        const xi0 = Math.min(15, toInt8(Math.fround(x0 + 0.5))) & 0xff;
        const xi1 = Math.min(15, toInt8(Math.fround(x1 + 0.5))) & 0xff;
        y[yo + 4 + j] = (xi0 | (xi1 << 4)) & 0xff;
      }
    }
  },

  dequantizeRow(x: Uint8Array, y: Float32Array): void {
    const nb = y.length / QK;
    for (let i = 0; i < nb; i++) {
      const xo = i * BLOCK_BYTES;
      const yo = i * QK;
      const d = readFp16(x, xo);
      const m = readFp16(x, xo + 2);
      for (let j = 0; j < QK / 2; j++) {
        const q = x[xo + 4 + j];
        // q * d is exact in float (4-bit times 11-bit significand); the sum rounds once on store.
        y[yo + j] = addMin((q & 0x0f) * d, m);
        y[yo + j + QK / 2] = addMin((q >>> 4) * d, m);
      }
    }
  },

  vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
    const nb = n / QK;
    let sumf = 0;
    for (let ib = 0; ib < nb; ib++) {
      const xo = ib * BLOCK_BYTES;
      const yo = ib * Q8_1_BYTES;
      let sumi0 = 0;
      let sumi1 = 0;
      for (let j = 0; j < QK / 2; j++) {
        const q = x[xo + 4 + j];
        sumi0 += (q & 0x0f) * ((y[yo + 4 + j] << 24) >> 24);
        sumi1 += (q >>> 4) * ((y[yo + 4 + j + QK / 2] << 24) >> 24);
      }
      // C: (dx*dy)*sumi + mx*sy, each op in float; y.s = d_y * sum(q_y) carries the min term.
      const dd = Math.fround(readFp16(x, xo) * readFp16(y, yo));
      const t = Math.fround(Math.fround(dd * (sumi0 + sumi1)) + Math.fround(readFp16(x, xo + 2) * readFp16(y, yo + 2)));
      sumf = Math.fround(sumf + t);
    }
    return sumf;
  },
};
