/**
 * The first stage of ggml's `quantize_row_q4_K_ref` and `quantize_row_q5_K_ref`, which is the same
 * in both except for the level count and search parameters: fit a scale and a min to each of the 8
 * sub-blocks of 32 (make_qkx2_quants, weighted by av_x + |x|), pack them as 6-bit values next to
 * the fp16 super-block `d` and `dmin`, and requantize every value against the packed scales.
 * The caller then packs the levels `L` into its own bit layout.
 */
import { QK_K } from '../dtype.js';
import { makeQkx2Quants, minK4, nearestInt, packScaleMinK4, readF16, scaleK4, writeF16 } from './k-quant-common.js';

const fround = Math.fround;

// Header of block_q4_K and block_q5_K: fp16 d, fp16 dmin, 12 bytes of packed scales/mins.
const D = 0;
const DMIN = 2;
const SC = 4;

const Laux = new Uint8Array(32);
const weights = new Float32Array(32);
const mins = new Float32Array(QK_K / 32);
const scales = new Float32Array(QK_K / 32);

/** make_qkx2_quants parameters of one K type: levels 0..nmax, and the search's rmin/rdelta/nstep. */
export interface ScaleMinParams {
  readonly nmax: number;
  readonly rmin: number;
  readonly rdelta: number;
  readonly nstep: number;
}

/**
 * Writes the header (d, dmin, packed scales/mins) of the super-block of `src` at `xo` into `dst`
 * at `yo`, and the level (0..nmax) of each of its 256 values into `L[0..255]`.
 */
export function quantizeScaleMinBlock(src: Float32Array, xo: number, dst: Uint8Array, yo: number, p: ScaleMinParams, L: Uint8Array): void {
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < QK_K / 32; ++j) {
    // Weights av_x + |x|, av_x the sub-block RMS: favours large values without ignoring small ones.
    let sumX2 = 0;
    for (let l = 0; l < 32; ++l) {
      const v = src[xo + 32 * j + l];
      sumX2 = fround(sumX2 + fround(v * v));
    }
    const avX = fround(Math.sqrt(fround(sumX2 / 32)));
    for (let l = 0; l < 32; ++l) weights[l] = avX + Math.abs(src[xo + 32 * j + l]);
    scales[j] = makeQkx2Quants(32, p.nmax, src, xo + 32 * j, weights, L, 32 * j, mins, j, Laux, p.rmin, p.rdelta, p.nstep, false);
    if (scales[j] > maxScale) maxScale = scales[j];
    if (mins[j] > maxMin) maxMin = mins[j];
  }
  const invScale = maxScale > 0 ? fround(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? fround(63 / maxMin) : 0;
  for (let j = 0; j < QK_K / 32; ++j) {
    // uint8_t ls = nearest_int(...): the store wraps mod 256 before MIN(63, ...).
    const ls = Math.min(63, nearestInt(fround(invScale * scales[j])) & 0xff);
    const lm = Math.min(63, nearestInt(fround(invMin * mins[j])) & 0xff);
    packScaleMinK4(dst, yo + SC, j, ls, lm);
  }
  writeF16(dst, yo + D, fround(maxScale / 63));
  writeF16(dst, yo + DMIN, fround(maxMin / 63));
  const dAll = readF16(dst, yo + D);
  const mAll = readF16(dst, yo + DMIN);
  for (let j = 0; j < QK_K / 32; ++j) {
    const d = fround(dAll * scaleK4(j, dst, yo + SC));
    // `if (!d)` in C is `d == 0` (false for NaN). A zero scale keeps make_qkx2_quants' levels, as in ggml.
    if (d === 0) continue;
    const dm = fround(mAll * minK4(j, dst, yo + SC));
    for (let ii = 0; ii < 32; ++ii) {
      const l = nearestInt(fround(fround(src[xo + 32 * j + ii] + dm) / d));
      L[32 * j + ii] = Math.max(0, Math.min(p.nmax, l));
    }
  }
}
