/**
 * Q4_K reference kernels (ggml `block_q4_K`, 144 bytes per 256 values): fp16 `d`, fp16 `dmin`,
 * 12 bytes of 6-bit packed scales/mins for 8 sub-blocks of 32, 128 bytes of 4-bit quants.
 * value = d·sc·q − dmin·m.
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

/** Bytes of one block_q4_K. */
export const Q4_K_BLOCK_BYTES = 144;
const D = 0;
const DMIN = 2;
const SC = 4;
const QS = 16;

const L = new Uint8Array(QK_K);
// make_qkx2_quants parameters of quantize_row_q4_K_ref.
const PARAMS: ScaleMinParams = { nmax: 15, rmin: -1, rdelta: 0.1, nstep: 20 };
const aux8 = new Int8Array(QK_K);
const aux32 = new Int32Array(8);
const sums = new Float32Array(8);

function quantizeRow(src: Float32Array, dst: Uint8Array): void {
  const nb = src.length / QK_K;
  for (let i = 0; i < nb; i++) {
    const xo = i * QK_K;
    const yo = i * Q4_K_BLOCK_BYTES;
    quantizeScaleMinBlock(src, xo, dst, yo, PARAMS, L);
    let q = yo + QS;
    for (let j = 0; j < QK_K; j += 64) {
      for (let l = 0; l < 32; ++l) dst[q + l] = L[j + l] | ((L[j + l + 32] << 4) & 0xff);
      q += 32;
    }
  }
}

function dequantizeRow(src: Uint8Array, dst: Float32Array): void {
  const nb = dst.length / QK_K;
  for (let i = 0; i < nb; i++) {
    const xo = i * Q4_K_BLOCK_BYTES;
    const d = readF16(src, xo + D);
    const min = readF16(src, xo + DMIN);
    let q = xo + QS;
    let y = i * QK_K;
    for (let is = 0; is < 8; is += 2) {
      const d1 = fround(d * scaleK4(is, src, xo + SC));
      const m1 = fround(min * minK4(is, src, xo + SC));
      const d2 = fround(d * scaleK4(is + 1, src, xo + SC));
      const m2 = fround(min * minK4(is + 1, src, xo + SC));
      for (let l = 0; l < 32; ++l) dst[y + l] = fround(d1 * (src[q + l] & 0xf)) - m1;
      for (let l = 0; l < 32; ++l) dst[y + 32 + l] = fround(d2 * (src[q + l] >> 4)) - m2;
      q += 32;
      y += 64;
    }
  }
}

/**
 * ggml_vec_dot_q4_K_q8_K_generic: exact integer sums per 8-lane column scaled by the 6-bit
 * sub-block scales; the min term uses Q8_K's bsums. Float order: `sumf -= dmin·sumi` per block,
 * `sums[l] += d·aux32[l]` per block, then lanes 0..7 added to sumf at the end.
 */
function vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
  const nb = n / QK_K;
  sums.fill(0);
  let sumf = 0;
  for (let i = 0; i < nb; ++i) {
    const xo = i * Q4_K_BLOCK_BYTES;
    const yo = i * Q8_K_BLOCK_BYTES;
    let q4 = xo + QS;
    for (let a = 0; a < QK_K; a += 64) {
      for (let l = 0; l < 32; ++l) aux8[a + l] = x[q4 + l] & 0xf;
      for (let l = 0; l < 32; ++l) aux8[a + 32 + l] = x[q4 + l] >> 4;
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

/** Q4_K reference kernels; dot products take Q8_K activations. */
export const q4_KOps: QuantOps = {
  type: GGMLType.Q4_K,
  quantizeRow,
  dequantizeRow,
  vecDotType: GGMLType.Q8_K,
  vecDot,
};
