/**
 * Q8_K reference kernels (ggml `block_q8_K`, 292 bytes per 256 values): float32 `d`, 256 int8
 * `qs`, 16 int16 `bsums` (sums of 16 consecutive `qs`, which the K-type dot products use to apply
 * sub-block mins without touching every value). ggml uses Q8_K only for activations.
 */
import { GGMLType, QK_K } from '../dtype.js';
import {
  Q8_K_BLOCK_BYTES,
  Q8_K_BSUMS,
  Q8_K_QS,
  nearestInt,
  readF32,
  toInt8,
  writeF32,
} from './k-quant-common.js';
import type { QuantOps } from './quant-ops.js';

export { Q8_K_BLOCK_BYTES } from './k-quant-common.js';

const fround = Math.fround;

function quantizeRow(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK_K;
  for (let i = 0; i < nb; i++) {
    const xo = i * QK_K;
    const yo = i * Q8_K_BLOCK_BYTES;
    let max = 0;
    let amax = 0;
    for (let j = 0; j < QK_K; ++j) {
      const ax = Math.abs(src[xo + j]);
      if (ax > amax) {
        amax = ax;
        max = src[xo + j];
      }
    }
    if (amax === 0) {
      // ggml leaves bsums unwritten here (whatever the buffer held); we write zeros, which is
      // what the sums of the all-zero qs are and what every consumer expects.
      dst.fill(0, yo, yo + Q8_K_BLOCK_BYTES);
      continue;
    }
    // -127 rather than -128 keeps |q| ≤ 127 (ggml: needed by the IQ2_XXS AVX path).
    const iscale = fround(-127 / max);
    for (let j = 0; j < QK_K; ++j) {
      const v = nearestInt(fround(iscale * src[xo + j]));
      dst[yo + Q8_K_QS + j] = toInt8(Math.min(127, v)) & 0xff;
    }
    for (let j = 0; j < QK_K / 16; ++j) {
      let sum = 0;
      for (let ii = 0; ii < 16; ++ii) sum += toInt8(dst[yo + Q8_K_QS + j * 16 + ii]);
      dst[yo + Q8_K_BSUMS + 2 * j] = sum & 0xff;
      dst[yo + Q8_K_BSUMS + 2 * j + 1] = (sum >> 8) & 0xff;
    }
    writeF32(dst, yo, fround(1 / iscale));
  }
}

function dequantizeRow(src: Uint8Array, dst: Float32Array): void {
  const nb = dst.length / QK_K;
  for (let i = 0; i < nb; i++) {
    const xo = i * Q8_K_BLOCK_BYTES;
    const d = readF32(src, xo);
    const y = i * QK_K;
    for (let j = 0; j < QK_K; ++j) dst[y + j] = d * toInt8(src[xo + Q8_K_QS + j]);
  }
}

/**
 * Q8_K · Q8_K. ggml defines no vec_dot for Q8_K (it is never a weight type); this one follows
 * ggml's Q8_0·Q8_0 pattern per 256-value block: exact integer sum, then
 * `sumf += (float)sumi * (dx * dy)` in float32.
 */
function vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
  const nb = n / QK_K;
  let sumf = 0;
  for (let i = 0; i < nb; ++i) {
    const o = i * Q8_K_BLOCK_BYTES;
    let sumi = 0;
    for (let j = 0; j < QK_K; ++j) sumi += toInt8(x[o + Q8_K_QS + j]) * toInt8(y[o + Q8_K_QS + j]);
    sumf = fround(sumf + fround(fround(sumi) * fround(readF32(x, o) * readF32(y, o))));
  }
  return sumf;
}

/** Q8_K reference kernels (the activation type of all K-quant dot products). */
export const q8_KOps: QuantOps = {
  type: GGMLType.Q8_K,
  quantizeRow,
  dequantizeRow,
  vecDotType: GGMLType.Q8_K,
  vecDot,
};
