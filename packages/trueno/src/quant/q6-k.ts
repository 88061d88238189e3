/**
 * Q6_K reference kernels (ggml `block_q6_K`, 210 bytes per 256 values, unaligned):
 * `ql[128]` low 4 bits, `qh[64]` high 2 bits, `scales[16]` int8 per 16 values, fp16 `d`.
 * value = d · scale · (q − 32).
 */
import { GGMLType, QK_K } from '../dtype.js';
import {
  GROUP_MAX_EPS,
  Q8_K_BLOCK_BYTES,
  Q8_K_QS,
  makeQxQuants,
  nearestInt,
  readF16,
  readF32,
  toInt8,
  writeF16,
} from './k-quant-common.js';
import type { QuantOps } from './quant-ops.js';

const fround = Math.fround;

/** Bytes of one block_q6_K. */
export const Q6_K_BLOCK_BYTES = 210;
const QL = 0;
const QH = 128;
const SC = 192;
const D = 208;

const L = new Int8Array(QK_K);
const scales = new Float32Array(QK_K / 16);
const aux8 = new Int8Array(QK_K);
const aux32 = new Int32Array(8);
const sums = new Float32Array(8);

function quantizeRow(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK_K;
  for (let i = 0; i < nb; i++) {
    const xo = i * QK_K;
    const yo = i * Q6_K_BLOCK_BYTES;
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let ib = 0; ib < QK_K / 16; ++ib) {
      // rmse_type 1 without quant weights: ggml weighs each value by x².
      const scale = makeQxQuants(16, 32, src, xo + 16 * ib, L, 16 * ib, 1, null);
      scales[ib] = scale;
      const absScale = Math.abs(scale);
      if (absScale > maxAbsScale) {
        maxAbsScale = absScale;
        maxScale = scale;
      }
    }
    if (maxAbsScale < GROUP_MAX_EPS) {
      dst.fill(0, yo, yo + Q6_K_BLOCK_BYTES);
      writeF16(dst, yo + D, 0);
      continue;
    }
    const iscale = fround(-128 / maxScale);
    writeF16(dst, yo + D, fround(1 / iscale));
    for (let ib = 0; ib < QK_K / 16; ++ib) {
      // MIN(127, ...) then the implicit int8_t store (ggml wraps values below -128 the same way).
      dst[yo + SC + ib] = toInt8(Math.min(127, nearestInt(fround(iscale * scales[ib])))) & 0xff;
    }
    const dAll = readF16(dst, yo + D);
    for (let j = 0; j < QK_K / 16; ++j) {
      const d = fround(dAll * toInt8(dst[yo + SC + j]));
      // `if (!d)` in C is `d == 0` (false for NaN). Sub-blocks whose scale rounds to 0 keep make_qx_quants' levels, as in ggml.
      if (d === 0) continue;
      for (let ii = 0; ii < 16; ++ii) {
        let l = nearestInt(fround(src[xo + 16 * j + ii] / d));
        l = Math.max(-32, Math.min(31, l));
        L[16 * j + ii] = l + 32;
      }
    }
    let ql = yo + QL;
    let qh = yo + QH;
    for (let j = 0; j < QK_K; j += 128) {
      for (let l = 0; l < 32; ++l) {
        const q1 = L[j + l] & 0xf;
        const q2 = L[j + l + 32] & 0xf;
        const q3 = L[j + l + 64] & 0xf;
        const q4 = L[j + l + 96] & 0xf;
        dst[ql + l] = q1 | (q3 << 4);
        dst[ql + l + 32] = q2 | (q4 << 4);
        dst[qh + l] =
          ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6)) &
          0xff;
      }
      ql += 64;
      qh += 32;
    }
  }
}

function dequantizeRow(src: Uint8Array, dst: Float32Array): void {
  const nb = dst.length / QK_K;
  for (let i = 0; i < nb; i++) {
    const xo = i * Q6_K_BLOCK_BYTES;
    const d = readF16(src, xo + D);
    let ql = xo + QL;
    let qh = xo + QH;
    let sc = xo + SC;
    let y = i * QK_K;
    for (let n = 0; n < QK_K; n += 128) {
      for (let l = 0; l < 32; ++l) {
        const is = l >> 4;
        const h = src[qh + l];
        const q1 = ((src[ql + l] & 0xf) | ((h & 3) << 4)) - 32;
        const q2 = ((src[ql + l + 32] & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        const q3 = ((src[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
        const q4 = ((src[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
        // (d * sc) * q, left to right in float.
        dst[y + l] = fround(d * toInt8(src[sc + is])) * q1;
        dst[y + l + 32] = fround(d * toInt8(src[sc + is + 2])) * q2;
        dst[y + l + 64] = fround(d * toInt8(src[sc + is + 4])) * q3;
        dst[y + l + 96] = fround(d * toInt8(src[sc + is + 6])) * q4;
      }
      y += 128;
      ql += 64;
      qh += 32;
      sc += 8;
    }
  }
}

/**
 * ggml_vec_dot_q6_K_q8_K_generic: integer products per 8-lane column, then per-lane float
 * accumulators `sums[l] += d·aux32[l]` across blocks, summed lane 0..7 at the end.
 */
function vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
  const nb = n / QK_K;
  sums.fill(0);
  for (let i = 0; i < nb; ++i) {
    const xo = i * Q6_K_BLOCK_BYTES;
    const yo = i * Q8_K_BLOCK_BYTES;
    let q4 = xo + QL;
    let qh = xo + QH;
    let a = 0;
    for (let j = 0; j < QK_K; j += 128) {
      for (let l = 0; l < 32; ++l) {
        const h = x[qh + l];
        aux8[a + l] = ((x[q4 + l] & 0xf) | ((h & 3) << 4)) - 32;
        aux8[a + l + 32] = ((x[q4 + l + 32] & 0xf) | (((h >> 2) & 3) << 4)) - 32;
        aux8[a + l + 64] = ((x[q4 + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
        aux8[a + l + 96] = ((x[q4 + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
      }
      a += 128;
      q4 += 64;
      qh += 32;
    }
    aux32.fill(0);
    let q8 = yo + Q8_K_QS;
    a = 0;
    for (let j = 0; j < QK_K / 16; ++j) {
      const scale = toInt8(x[xo + SC + j]);
      for (let k = 0; k < 16; ++k) {
        aux32[k & 7] += scale * (toInt8(y[q8 + k]) * aux8[a + k]);
      }
      q8 += 16;
      a += 16;
    }
    const d = fround(readF16(x, xo + D) * readF32(y, yo));
    for (let l = 0; l < 8; ++l) sums[l] = sums[l] + fround(d * fround(aux32[l]));
  }
  let sumf = 0;
  for (let l = 0; l < 8; ++l) sumf = fround(sumf + sums[l]);
  return sumf;
}

/** Q6_K reference kernels; dot products take Q8_K activations. */
export const q6_KOps: QuantOps = {
  type: GGMLType.Q6_K,
  quantizeRow,
  dequantizeRow,
  vecDotType: GGMLType.Q8_K,
  vecDot,
};
