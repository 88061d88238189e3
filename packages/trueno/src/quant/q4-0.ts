/**
 * Q4_0: blocks of 32 values = fp16 scale `d` + 16 bytes of 4-bit quants (18 bytes). Byte j holds
 * value j in its low nibble and value j + 16 in its high nibble; a value decodes as (q - 8) * d.
 * Port of ggml's quantize_row_q4_0_ref / dequantize_row_q4_0 / ggml_vec_dot_q4_0_q8_0_generic.
 */
import { GGMLType } from '../dtype.js';
import { readFp16, signedAbsMax, toInt8, writeFp16 } from './block-io.js';
import type { QuantOps } from './quant-ops.js';

const QK = 32;
const BLOCK_BYTES = 18;
const Q8_0_BYTES = 34;

/** Reference kernels of GGML_TYPE_Q4_0 (vec_dot_type Q8_0). */
export const q4_0Ops: QuantOps = {
  type: GGMLType.Q4_0,
  vecDotType: GGMLType.Q8_0,

  quantizeRow(x: Float32Array, y: Uint8Array): void {
    const nb = x.length / QK;
    for (let i = 0; i < nb; i++) {
      const xo = i * QK;
      const yo = i * BLOCK_BYTES;
      // The value of largest magnitude, with its sign: it maps to -8, the one level that has no
      // positive counterpart, so d = max / -8. Comparisons with NaN are false, so NaNs are skipped.
      const max = signedAbsMax(x, xo, QK);
      const d = Math.fround(max / -8);
      // C: `d ? 1.0f/d : 0.0f` -- NaN is truthy in C, so test `!== 0`, not JS truthiness.
      const id = d !== 0 ? Math.fround(1 / d) : 0;
      writeFp16(y, yo, d);
      for (let j = 0; j < QK / 2; j++) {
        const x0 = Math.fround(x[xo + j] * id);
        const x1 = Math.fround(x[xo + QK / 2 + j] * id);
        // (int8_t)(x + 8.5f) truncates, i.e. rounds x + 8 to nearest; MIN clamps +8 to 15.
        const xi0 = Math.min(15, toInt8(Math.fround(x0 + 8.5))) & 0xff;
        const xi1 = Math.min(15, toInt8(Math.fround(x1 + 8.5))) & 0xff;
        y[yo + 2 + j] = (xi0 | (xi1 << 4)) & 0xff;
      }
    }
  },

  dequantizeRow(x: Uint8Array, y: Float32Array): void {
    const nb = y.length / QK;
    for (let i = 0; i < nb; i++) {
      const xo = i * BLOCK_BYTES;
      const yo = i * QK;
      const d = readFp16(x, xo);
      for (let j = 0; j < QK / 2; j++) {
        const q = x[xo + 2 + j];
        y[yo + j] = ((q & 0x0f) - 8) * d;
        y[yo + j + QK / 2] = ((q >>> 4) - 8) * d;
      }
    }
  },

  vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
    const nb = n / QK;
    let sumf = 0;
    for (let ib = 0; ib < nb; ib++) {
      const xo = ib * BLOCK_BYTES;
      const yo = ib * Q8_0_BYTES;
      let sumi0 = 0;
      let sumi1 = 0;
      for (let j = 0; j < QK / 2; j++) {
        const q = x[xo + 2 + j];
        sumi0 += ((q & 0x0f) - 8) * ((y[yo + 2 + j] << 24) >> 24);
        sumi1 += ((q >>> 4) - 8) * ((y[yo + 2 + j + QK / 2] << 24) >> 24);
      }
      // C: sumf += sumi*dx*dy, evaluated left to right in float.
      const t = Math.fround(Math.fround((sumi0 + sumi1) * readFp16(x, xo)) * readFp16(y, yo));
      sumf = Math.fround(sumf + t);
    }
    return sumf;
  },
};
