/**
 * Q2_K reference kernels (ggml `block_q2_K`, 84 bytes per 256 values): `scales[16]` (low nibble
 * scale, high nibble min, per 16 values), `qs[64]` 2-bit quants, fp16 `d`, fp16 `dmin`.
 * value = d·(sc & 15)·q − dmin·(sc >> 4).
 */
import { GGMLType, QK_K } from '../dtype.js';
import {
  Q8_K_BLOCK_BYTES,
  Q8_K_BSUMS,
  Q8_K_QS,
  makeQkx2Quants,
  nearestInt,
  readF16,
  readF32,
  readI16,
  toInt8,
  writeF16,
} from './k-quant-common.js';
import type { QuantOps } from './quant-ops.js';

const fround = Math.fround;

/** Bytes of one block_q2_K. */
export const Q2_K_BLOCK_BYTES = 84;
const SC = 0;
const QS = 16;
const D = 80;
const DMIN = 82;

const L = new Uint8Array(QK_K);
const Laux = new Uint8Array(16);
const weights = new Float32Array(16);
const mins = new Float32Array(QK_K / 16);
const scales = new Float32Array(QK_K / 16);

/** ggml's `q4scale`: scales and mins are stored with 4 bits. */
const Q4SCALE = 15;

function quantizeRow(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK_K;
  for (let i = 0; i < nb; i++) {
    const xo = i * QK_K;
    const yo = i * Q2_K_BLOCK_BYTES;
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < QK_K / 16; ++j) {
      for (let l = 0; l < 16; ++l) weights[l] = Math.abs(src[xo + 16 * j + l]);
      // Q2_K minimises the weighted absolute error (use_mad), with weights |x|.
      scales[j] = makeQkx2Quants(16, 3, src, xo + 16 * j, weights, L, 16 * j, mins, j, Laux, -0.5, 0.1, 15, true);
      if (scales[j] > maxScale) maxScale = scales[j];
      if (mins[j] > maxMin) maxMin = mins[j];
    }
    if (maxScale > 0) {
      const iscale = fround(Q4SCALE / maxScale);
      for (let j = 0; j < QK_K / 16; ++j) dst[yo + SC + j] = nearestInt(fround(iscale * scales[j])) & 0xff;
      writeF16(dst, yo + D, fround(maxScale / Q4SCALE));
    } else {
      for (let j = 0; j < QK_K / 16; ++j) dst[yo + SC + j] = 0;
      writeF16(dst, yo + D, 0);
    }
    if (maxMin > 0) {
      const iscale = fround(Q4SCALE / maxMin);
      for (let j = 0; j < QK_K / 16; ++j) {
        dst[yo + SC + j] |= (nearestInt(fround(iscale * mins[j])) << 4) & 0xff;
      }
      writeF16(dst, yo + DMIN, fround(maxMin / Q4SCALE));
    } else {
      writeF16(dst, yo + DMIN, 0);
    }
    const dAll = readF16(dst, yo + D);
    const mAll = readF16(dst, yo + DMIN);
    for (let j = 0; j < QK_K / 16; ++j) {
      const sc = dst[yo + SC + j];
      const d = fround(dAll * (sc & 0xf));
      // `if (!d)` in C is `d == 0` (false for NaN). A zero scale keeps make_qkx2_quants' levels, as in ggml.
      if (d === 0) continue;
      const dm = fround(mAll * (sc >> 4));
      for (let ii = 0; ii < 16; ++ii) {
        const l = nearestInt(fround(fround(src[xo + 16 * j + ii] + dm) / d));
        L[16 * j + ii] = Math.max(0, Math.min(3, l));
      }
    }
    for (let j = 0; j < QK_K; j += 128) {
      const q = yo + QS + j / 4;
      for (let l = 0; l < 32; ++l) {
        dst[q + l] = (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6)) & 0xff;
      }
    }
  }
}

function dequantizeRow(src: Uint8Array, dst: Float32Array): void {
  const nb = dst.length / QK_K;
  for (let i = 0; i < nb; i++) {
    const xo = i * Q2_K_BLOCK_BYTES;
    const d = readF16(src, xo + D);
    const min = readF16(src, xo + DMIN);
    let q = xo + QS;
    let y = i * QK_K;
    let is = 0;
    for (let n = 0; n < QK_K; n += 128) {
      for (let shift = 0; shift < 8; shift += 2) {
        let sc = src[xo + SC + is++];
        let dl = fround(d * (sc & 0xf));
        let ml = fround(min * (sc >> 4));
        for (let l = 0; l < 16; ++l) dst[y++] = fround(dl * ((src[q + l] >> shift) & 3)) - ml;
        sc = src[xo + SC + is++];
        dl = fround(d * (sc & 0xf));
        ml = fround(min * (sc >> 4));
        for (let l = 0; l < 16; ++l) dst[y++] = fround(dl * ((src[q + l + 16] >> shift) & 3)) - ml;
      }
      q += 32;
    }
  }
}

/**
 * ggml_vec_dot_q2_K_q8_K_generic: exact integer sums, then per block
 * `sumf += dall·isum − dmin·summs` in float32.
 */
function vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
  const nb = n / QK_K;
  let sumf = 0;
  for (let i = 0; i < nb; ++i) {
    const xo = i * Q2_K_BLOCK_BYTES;
    const yo = i * Q8_K_BLOCK_BYTES;
    let summs = 0;
    for (let j = 0; j < 16; ++j) summs += readI16(y, yo + Q8_K_BSUMS + 2 * j) * (x[xo + SC + j] >> 4);
    const yd = readF32(y, yo);
    const dall = fround(yd * readF16(x, xo + D));
    const dmin = fround(yd * readF16(x, xo + DMIN));
    let isum = 0;
    let is = 0;
    let q2 = xo + QS;
    let q8 = yo + Q8_K_QS;
    for (let k = 0; k < QK_K / 128; ++k) {
      for (let shift = 0; shift < 8; shift += 2) {
        let d = x[xo + SC + is++] & 0xf;
        let isuml = 0;
        for (let l = 0; l < 16; ++l) isuml += toInt8(y[q8 + l]) * ((x[q2 + l] >> shift) & 3);
        isum += d * isuml;
        d = x[xo + SC + is++] & 0xf;
        isuml = 0;
        for (let l = 16; l < 32; ++l) isuml += toInt8(y[q8 + l]) * ((x[q2 + l] >> shift) & 3);
        isum += d * isuml;
        q8 += 32;
      }
      q2 += 32;
    }
    sumf = fround(sumf + fround(fround(dall * fround(isum)) - fround(dmin * fround(summs))));
  }
  return sumf;
}

/** Q2_K reference kernels; dot products take Q8_K activations. */
export const q2_KOps: QuantOps = {
  type: GGMLType.Q2_K,
  quantizeRow,
  dequantizeRow,
  vecDotType: GGMLType.Q8_K,
  vecDot,
};
