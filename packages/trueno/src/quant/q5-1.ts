/**
 * Q5_1: blocks of 32 values = fp16 scale `d`, fp16 minimum `m`, u32 `qh` of fifth bits, 16 bytes
 * of low nibbles (24 bytes); a value decodes as q * d + m. Bit layout as Q5_0. Port of ggml's
 * quantize_row_q5_1_ref / dequantize_row_q5_1 / ggml_vec_dot_q5_1_q8_1_generic.
 */
import { GGMLType } from '../dtype.js';
import { addMin, blockMinMax, readFp16, readU32, toUint8, writeFp16, writeU32 } from './block-io.js';
import type { QuantOps } from './quant-ops.js';

const QK = 32;
const BLOCK_BYTES = 24;
const Q8_1_BYTES = 36;
const minMax = new Float64Array(2);

/** Reference kernels of GGML_TYPE_Q5_1 (vec_dot_type Q8_1). */
export const q5_1Ops: QuantOps = {
  type: GGMLType.Q5_1,
  vecDotType: GGMLType.Q8_1,

  quantizeRow(x: Float32Array, y: Uint8Array): void {
    const nb = x.length / QK;
    for (let i = 0; i < nb; i++) {
      const xo = i * QK;
      const yo = i * BLOCK_BYTES;
      blockMinMax(x, xo, QK, minMax);
      const min = minMax[0];
      const max = minMax[1];
      const d = Math.fround(Math.fround(max - min) / 31);
      const id = d !== 0 ? Math.fround(1 / d) : 0;
      writeFp16(y, yo, d);
      writeFp16(y, yo + 2, min);
      let qh = 0;
      for (let j = 0; j < QK / 2; j++) {
        const x0 = Math.fround(Math.fround(x[xo + j] - min) * id);
        const x1 = Math.fround(Math.fround(x[xo + QK / 2 + j] - min) * id);
        // ggml has no MIN(31, ...) here: (max - min) * id rounds to at most 31.
        const xi0 = toUint8(Math.fround(x0 + 0.5));
        const xi1 = toUint8(Math.fround(x1 + 0.5));
        y[yo + 8 + j] = (xi0 & 0x0f) | ((xi1 & 0x0f) << 4);
        qh |= ((xi0 & 0x10) >>> 4) << j;
        qh |= ((xi1 & 0x10) >>> 4) << (j + QK / 2);
      }
      writeU32(y, yo + 4, qh);
    }
  },

  dequantizeRow(x: Uint8Array, y: Float32Array): void {
    const nb = y.length / QK;
    for (let i = 0; i < nb; i++) {
      const xo = i * BLOCK_BYTES;
      const yo = i * QK;
      const d = readFp16(x, xo);
      const m = readFp16(x, xo + 2);
      const qh = readU32(x, xo + 4);
      for (let j = 0; j < QK / 2; j++) {
        const q = x[xo + 8 + j];
        const xh0 = ((qh >>> j) << 4) & 0x10;
        const xh1 = (qh >>> (j + 12)) & 0x10;
        y[yo + j] = addMin(((q & 0x0f) | xh0) * d, m);
        y[yo + j + QK / 2] = addMin(((q >>> 4) | xh1) * d, m);
      }
    }
  },

  vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
    const nb = n / QK;
    let sumf = 0;
    for (let ib = 0; ib < nb; ib++) {
      const xo = ib * BLOCK_BYTES;
      const yo = ib * Q8_1_BYTES;
      const qh = readU32(x, xo + 4);
      let sumi0 = 0;
      let sumi1 = 0;
      for (let j = 0; j < QK / 2; j++) {
        const q = x[xo + 8 + j];
        const xh0 = ((qh >>> j) << 4) & 0x10;
        const xh1 = (qh >>> (j + 12)) & 0x10;
        sumi0 += ((q & 0x0f) | xh0) * ((y[yo + 4 + j] << 24) >> 24);
        sumi1 += ((q >>> 4) | xh1) * ((y[yo + 4 + j + QK / 2] << 24) >> 24);
      }
      const dd = Math.fround(readFp16(x, xo) * readFp16(y, yo));
      const t = Math.fround(Math.fround(dd * (sumi0 + sumi1)) + Math.fround(readFp16(x, xo + 2) * readFp16(y, yo + 2)));
      sumf = Math.fround(sumf + t);
    }
    return sumf;
  },
};
