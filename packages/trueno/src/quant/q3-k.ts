/**
 * Q3_K reference kernels (ggml `block_q3_K`, 110 bytes per 256 values): `hmask[32]` high bits,
 * `qs[64]` low 2 bits, 12 bytes of 6-bit signed scales (offset 32) for 16 sub-blocks of 16,
 * fp16 `d`. value = d·(sc − 32)·(q − 4), q ∈ [0, 7].
 */
import { GGMLType, QK_K } from '../dtype.js';
import {
  Q8_K_BLOCK_BYTES,
  Q8_K_QS,
  makeQ3Quants,
  nearestInt,
  readF16,
  readF32,
  toInt8,
  writeF16,
} from './k-quant-common.js';
import type { QuantOps } from './quant-ops.js';

const fround = Math.fround;

/** Bytes of one block_q3_K. */
export const Q3_K_BLOCK_BYTES = 110;
const HM = 0;
const QS = 32;
const SC = 96;
const D = 108;

const L = new Int8Array(QK_K);
const scales = new Float32Array(QK_K / 16);
const aux8 = new Int8Array(QK_K);
const aux32 = new Int32Array(8);
const sums = new Float32Array(8);

/** 6-bit scale `j` (0..15) of the 12-byte Q3_K scale block, still offset by 32. */
export function scaleQ3K(j: number, q: Uint8Array, qo: number): number {
  const low = j < 8 ? q[qo + j] & 0xf : q[qo + j - 8] >> 4;
  return low | (((q[qo + 8 + (j & 3)] >> (2 * (j >> 2))) & 3) << 4);
}

function quantizeRow(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK_K;
  for (let i = 0; i < nb; i++) {
    const xo = i * QK_K;
    const yo = i * Q3_K_BLOCK_BYTES;
    let maxScale = 0;
    let amax = 0;
    for (let j = 0; j < QK_K / 16; ++j) {
      scales[j] = makeQ3Quants(16, 4, src, xo + 16 * j, L, 16 * j, true);
      const scale = Math.abs(scales[j]);
      if (scale > amax) {
        amax = scale;
        maxScale = scales[j];
      }
    }
    dst.fill(0, yo + SC, yo + SC + 12);
    // C's `if (max_scale)` is `max_scale != 0`, true for NaN: compare explicitly.
    if (maxScale !== 0) {
      const iscale = fround(-32 / maxScale);
      for (let j = 0; j < QK_K / 16; ++j) {
        // int8_t l = nearest_int(...): wraps before clamping, as in ggml.
        let l = toInt8(nearestInt(fround(iscale * scales[j])));
        l = Math.max(-32, Math.min(31, l)) + 32;
        if (j < 8) dst[yo + SC + j] = l & 0xf;
        else dst[yo + SC + j - 8] |= (l & 0xf) << 4;
        l >>= 4;
        dst[yo + SC + (j % 4) + 8] |= l << (2 * (j >> 2));
      }
      writeF16(dst, yo + D, fround(1 / iscale));
    } else {
      writeF16(dst, yo + D, 0);
    }
    const dAll = readF16(dst, yo + D);
    for (let j = 0; j < QK_K / 16; ++j) {
      const d = fround(dAll * (scaleQ3K(j, dst, yo + SC) - 32));
      // `if (!d)` in C is `d == 0` (false for NaN). A zero scale keeps make_q3_quants' levels.
      if (d === 0) continue;
      for (let ii = 0; ii < 16; ++ii) {
        const l = nearestInt(fround(src[xo + 16 * j + ii] / d));
        L[16 * j + ii] = Math.max(-4, Math.min(3, l)) + 4;
      }
    }
    // The high bit of the first 32 quants goes to bit 0 of hmask[0..31], the next 32 to bit 1, ...
    dst.fill(0, yo + HM, yo + HM + QK_K / 8);
    let m = 0;
    let hm = 1;
    for (let j = 0; j < QK_K; ++j) {
      if (L[j] > 3) {
        dst[yo + HM + m] |= hm;
        L[j] -= 4;
      }
      if (++m === QK_K / 8) {
        m = 0;
        hm <<= 1;
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
    const xo = i * Q3_K_BLOCK_BYTES;
    const dAll = readF16(src, xo + D);
    const hm = xo + HM;
    let q = xo + QS;
    let y = i * QK_K;
    let m = 1;
    let is = 0;
    for (let n = 0; n < QK_K; n += 128) {
      for (let shift = 0; shift < 8; shift += 2) {
        let dl = fround(dAll * (scaleQ3K(is++, src, xo + SC) - 32));
        for (let l = 0; l < 16; ++l) dst[y++] = dl * (((src[q + l] >> shift) & 3) - (src[hm + l] & m ? 0 : 4));
        dl = fround(dAll * (scaleQ3K(is++, src, xo + SC) - 32));
        for (let l = 16; l < 32; ++l) dst[y++] = dl * (((src[q + l] >> shift) & 3) - (src[hm + l] & m ? 0 : 4));
        m <<= 1;
      }
      q += 32;
    }
  }
}

/**
 * ggml_vec_dot_q3_K_q8_K_generic: exact integer sums per 8-lane column; per-lane float
 * accumulators `sums[l] += d·aux32[l]` across all blocks, summed lane 0..7 at the end.
 */
function vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
  const nb = n / QK_K;
  sums.fill(0);
  for (let i = 0; i < nb; ++i) {
    const xo = i * Q3_K_BLOCK_BYTES;
    const yo = i * Q8_K_BLOCK_BYTES;
    const hm = xo + HM;
    let q3 = xo + QS;
    let a = 0;
    let m = 1;
    for (let j = 0; j < QK_K; j += 128) {
      for (let shift = 0; shift < 8; shift += 2) {
        for (let l = 0; l < 32; ++l) aux8[a + l] = ((x[q3 + l] >> shift) & 3) - (x[hm + l] & m ? 0 : 4);
        a += 32;
        m <<= 1;
      }
      q3 += 32;
    }
    aux32.fill(0);
    const q8 = yo + Q8_K_QS;
    for (let j = 0; j < QK_K / 16; ++j) {
      const scale = scaleQ3K(j, x, xo + SC) - 32;
      for (let k = 16 * j; k < 16 * j + 16; ++k) aux32[k & 7] += scale * (toInt8(y[q8 + k]) * aux8[k]);
    }
    const d = fround(readF16(x, xo + D) * readF32(y, yo));
    for (let l = 0; l < 8; ++l) sums[l] = sums[l] + fround(d * fround(aux32[l]));
  }
  let sumf = 0;
  for (let l = 0; l < 8; ++l) sumf = fround(sumf + sums[l]);
  return sumf;
}

/** Q3_K reference kernels; dot products take Q8_K activations. */
export const q3_KOps: QuantOps = {
  type: GGMLType.Q3_K,
  quantizeRow,
  dequantizeRow,
  vecDotType: GGMLType.Q8_K,
  vecDot,
};
