/**
 * Q5_K reference kernels (ggml `block_q5_K`, 176 bytes per 256 values): fp16 `d`, fp16 `dmin`,
 * 12 bytes of 6-bit packed scales/mins for 8 sub-blocks of 32, `qh[32]` fifth bits, `qs[128]`
 * low nibbles. value = d·sc·q − dmin·m with q ∈ [0, 31].
 */
import { GGMLType, QK_K } from '../dtype.js';
import {
  Q8_K_BLOCK_BYTES,
  Q8_K_BSUMS,
  Q8_K_QS,
  minK4,
  readF16,
  readF32,
  readI16,
  scaleK4,
  toInt8,
} from './k-quant-common.js';
import { type ScaleMinParams, quantizeScaleMinBlock } from './k-quant-scale-min.js';
import type { QuantOps } from './quant-ops.js';

const fround = Math.fround;

/** Bytes of one block_q5_K. */
export const Q5_K_BLOCK_BYTES = 176;
const D = 0;
const DMIN = 2;
const SC = 4;
const QH = 16;
const QS = 48;

const L = new Uint8Array(QK_K);
// make_qkx2_quants parameters of quantize_row_q5_K_ref.
const PARAMS: ScaleMinParams = { nmax: 31, rmin: -0.5, rdelta: 0.1, nstep: 15 };
const aux8 = new Int8Array(QK_K);
const aux32 = new Int32Array(8);
const sums = new Float32Array(8);

function quantizeRow(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK_K;
  for (let i = 0; i < nb; i++) {
    const xo = i * QK_K;
    const yo = i * Q5_K_BLOCK_BYTES;
    quantizeScaleMinBlock(src, xo, dst, yo, PARAMS, L);
    // Fifth bits: sub-block pair n/64 uses qh bits 2·(n/64) (low nibbles) and 2·(n/64)+1 (high).
    const qh = yo + QH;
    dst.fill(0, qh, qh + QK_K / 8);
    let ql = yo + QS;
    let m1 = 1;
    let m2 = 2;
    for (let n = 0; n < QK_K; n += 64) {
      for (let j = 0; j < 32; ++j) {
        let l1 = L[n + j];
        if (l1 > 15) {
          l1 -= 16;
          dst[qh + j] |= m1;
        }
        let l2 = L[n + j + 32];
        if (l2 > 15) {
          l2 -= 16;
          dst[qh + j] |= m2;
        }
        dst[ql + j] = l1 | ((l2 << 4) & 0xff);
      }
      m1 <<= 2;
      m2 <<= 2;
      ql += 32;
    }
  }
}

function dequantizeRow(src: Uint8Array, dst: Float32Array): void {
  const nb = dst.length / QK_K;
  for (let i = 0; i < nb; i++) {
    const xo = i * Q5_K_BLOCK_BYTES;
    const d = readF16(src, xo + D);
    const min = readF16(src, xo + DMIN);
    const qh = xo + QH;
    let ql = xo + QS;
    let y = i * QK_K;
    let u1 = 1;
    let u2 = 2;
    for (let is = 0; is < 8; is += 2) {
      const d1 = fround(d * scaleK4(is, src, xo + SC));
      const m1 = fround(min * minK4(is, src, xo + SC));
      const d2 = fround(d * scaleK4(is + 1, src, xo + SC));
      const m2 = fround(min * minK4(is + 1, src, xo + SC));
      for (let l = 0; l < 32; ++l) dst[y + l] = fround(d1 * ((src[ql + l] & 0xf) + (src[qh + l] & u1 ? 16 : 0))) - m1;
      for (let l = 0; l < 32; ++l) dst[y + 32 + l] = fround(d2 * ((src[ql + l] >> 4) + (src[qh + l] & u2 ? 16 : 0))) - m2;
      ql += 32;
      y += 64;
      u1 <<= 2;
      u2 <<= 2;
    }
  }
}

/**
 * ggml_vec_dot_q5_K_q8_K_generic: exact integer sums per 8-lane column scaled by the 6-bit
 * sub-block scales; the min term uses Q8_K's bsums. Float order: `sumf -= dmin·sumi` per block,
 * `sums[l] += d·aux32[l]` per block, then lanes 0..7 added to sumf at the end.
 */
function vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
  const nb = n / QK_K;
  sums.fill(0);
  let sumf = 0;
  for (let i = 0; i < nb; ++i) {
    const xo = i * Q5_K_BLOCK_BYTES;
    const yo = i * Q8_K_BLOCK_BYTES;
    let q4 = xo + QS;
    const hm = xo + QH;
    let m = 1;
    for (let a = 0; a < QK_K; a += 64) {
      for (let l = 0; l < 32; ++l) aux8[a + l] = (x[q4 + l] & 0xf) + (x[hm + l] & m ? 16 : 0);
      m <<= 1;
      for (let l = 0; l < 32; ++l) aux8[a + 32 + l] = (x[q4 + l] >> 4) + (x[hm + l] & m ? 16 : 0);
      m <<= 1;
      q4 += 32;
    }
    let sumi = 0;
    for (let j = 0; j < QK_K / 16; ++j) sumi += readI16(y, yo + Q8_K_BSUMS + 2 * j) * minK4(j >> 1, x, xo + SC);
    aux32.fill(0);
    const q8 = yo + Q8_K_QS;
    for (let j = 0; j < QK_K / 32; ++j) {
      const scale = scaleK4(j, x, xo + SC);
      for (let k = 32 * j; k < 32 * j + 32; ++k) aux32[k & 7] += scale * (toInt8(y[q8 + k]) * aux8[k]);
    }
    const yd = readF32(y, yo);
    const d = fround(readF16(x, xo + D) * yd);
    for (let l = 0; l < 8; ++l) sums[l] = sums[l] + fround(d * fround(aux32[l]));
    const dmin = fround(readF16(x, xo + DMIN) * yd);
    sumf = fround(sumf - fround(dmin * fround(sumi)));
  }
  for (let l = 0; l < 8; ++l) sumf = fround(sumf + sums[l]);
  return sumf;
}

/** Q5_K reference kernels; dot products take Q8_K activations. */
export const q5_KOps: QuantOps = {
  type: GGMLType.Q5_K,
  quantizeRow,
  dequantizeRow,
  vecDotType: GGMLType.Q8_K,
  vecDot,
};
