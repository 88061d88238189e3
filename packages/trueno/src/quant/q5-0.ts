/**
 * Q5_0: blocks of 32 values = fp16 scale `d`, u32 `qh` of fifth bits, 16 bytes of low nibbles
 * (22 bytes); a value decodes as (q - 16) * d. Bit j of qh is the fifth bit of value j (values
 * 0..31); nibbles as Q4_0. Port of ggml's quantize_row_q5_0_ref / dequantize_row_q5_0 /
 * ggml_vec_dot_q5_0_q8_0_generic.
 */
import { GGMLType } from '../dtype.js';
import { readFp16, readU32, signedAbsMax, toInt8, writeFp16, writeU32 } from './block-io.js';
import type { QuantOps } from './quant-ops.js';

const QK = 32;
const BLOCK_BYTES = 22;
const Q8_0_BYTES = 34;

/** Reference kernels of GGML_TYPE_Q5_0 (vec_dot_type Q8_0). */
export const q5_0Ops: QuantOps = {
  type: GGMLType.Q5_0,
  vecDotType: GGMLType.Q8_0,

  quantizeRow(x: Float32Array, y: Uint8Array): void {
    const nb = x.length / QK;
    for (let i = 0; i < nb; i++) {
      const xo = i * QK;
      const yo = i * BLOCK_BYTES;
      const max = signedAbsMax(x, xo, QK);
      const d = Math.fround(max / -16);
      const id = d !== 0 ? Math.fround(1 / d) : 0;
      writeFp16(y, yo, d);
      let qh = 0;
      for (let j = 0; j < QK / 2; j++) {
        const x0 = Math.fround(x[xo + j] * id);
        const x1 = Math.fround(x[xo + QK / 2 + j] * id);
        const xi0 = Math.min(31, toInt8(Math.fround(x0 + 16.5))) & 0xff;
        const xi1 = Math.min(31, toInt8(Math.fround(x1 + 16.5))) & 0xff;
        y[yo + 6 + j] = (xi0 & 0x0f) | ((xi1 & 0x0f) << 4);
        qh |= ((xi0 & 0x10) >>> 4) << j;
        qh |= ((xi1 & 0x10) >>> 4) << (j + QK / 2);
      }
      writeU32(y, yo + 2, qh);
    }
  },

  dequantizeRow(x: Uint8Array, y: Float32Array): void {
    const nb = y.length / QK;
    for (let i = 0; i < nb; i++) {
      const xo = i * BLOCK_BYTES;
      const yo = i * QK;
      const d = readFp16(x, xo);
      const qh = readU32(x, xo + 2);
      for (let j = 0; j < QK / 2; j++) {
        const q = x[xo + 6 + j];
        const xh0 = ((qh >>> j) << 4) & 0x10;
        const xh1 = (qh >>> (j + 12)) & 0x10;
        y[yo + j] = (((q & 0x0f) | xh0) - 16) * d;
        y[yo + j + QK / 2] = (((q >>> 4) | xh1) - 16) * d;
      }
    }
  },

  vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
    const nb = n / QK;
    let sumf = 0;
    for (let ib = 0; ib < nb; ib++) {
      const xo = ib * BLOCK_BYTES;
      const yo = ib * Q8_0_BYTES;
      const qh = readU32(x, xo + 2);
      let sumi0 = 0;
      let sumi1 = 0;
      for (let j = 0; j < QK / 2; j++) {
        const q = x[xo + 6 + j];
        const xh0 = ((qh >>> j) << 4) & 0x10;
        const xh1 = (qh >>> (j + 12)) & 0x10;
        sumi0 += (((q & 0x0f) | xh0) - 16) * ((y[yo + 2 + j] << 24) >> 24);
        sumi1 += (((q >>> 4) | xh1) - 16) * ((y[yo + 2 + j + QK / 2] << 24) >> 24);
      }
      const t = Math.fround(Math.fround(readFp16(x, xo) * readFp16(y, yo)) * (sumi0 + sumi1));
      sumf = Math.fround(sumf + t);
    }
    return sumf;
  },
};
