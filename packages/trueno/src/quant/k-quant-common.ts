/**
 * Helpers shared by the K-quant reference kernels (Q2_K … Q8_K), ported from ggml's
 * `ggml-quants.c`. Every float operation that ggml performs in `float` is rounded to float32 with
 * `Math.fround` right after it, in the same order as the C source: ggml-base is built without FMA
 * contraction and without fast-math, so each multiply and add rounds separately and loop sums are
 * sequential. Rounding a double result of one `+ - * /` or `sqrt` on float32 operands to float32
 * equals the float32 operation (53 ≥ 2·24 + 2), which is what makes `Math.fround` exact here.
 */
import { fp16ToFp32, fp32ToFp16 } from './fp16.js';

const fround = Math.fround;

/** Bytes of one block_q8_K: float32 `d`, 256 int8 `qs`, 16 int16 `bsums`. Q8_K is the vec-dot operand of every K type. */
export const Q8_K_BLOCK_BYTES = 292;
/** Byte offset of `qs` in block_q8_K. */
export const Q8_K_QS = 4;
/** Byte offset of `bsums` in block_q8_K. */
export const Q8_K_BSUMS = 260;

/** ggml's `GROUP_MAX_EPS`: sub-blocks with a smaller absolute maximum are treated as all zero. */
export const GROUP_MAX_EPS = fround(1e-15);

const bitsF32 = new Float32Array(1);
const bitsI32 = new Int32Array(bitsF32.buffer);

/**
 * ggml's `nearest_int`: adds 1.5·2²³ in float32 and reads the low mantissa bits. For
 * |x| ≤ 4194303 this is round-half-to-even; outside that range (ggml only asserts, and asserts are
 * off in release builds) the result is the same bit garbage ggml produces, NaN gives 0.
 * `fval` must already be a float32 value.
 */
export function nearestInt(fval: number): number {
  const val = fround(fval + 12582912);
  // Fast path: exponent 2²³, so the mantissa field is val − 2²³ and the result val − 1.5·2²³.
  if (val >= 8388608 && val < 16777216) return val - 12582912;
  bitsF32[0] = val;
  return (bitsI32[0] & 0x007fffff) - 0x00400000;
}

/** C conversion of an int to `int8_t` (two's-complement wrap). */
export const toInt8 = (v: number): number => (v << 24) >> 24;

/** Reads ggml_half at `off` (little-endian) as float32. */
export function readF16(buf: Uint8Array, off: number): number {
  return fp16ToFp32(buf[off] | (buf[off + 1] << 8));
}

/** Writes `GGML_FP32_TO_FP16(x)` at `off` (little-endian). */
export function writeF16(buf: Uint8Array, off: number, x: number): void {
  const h = fp32ToFp16(x);
  buf[off] = h & 0xff;
  buf[off + 1] = (h >>> 8) & 0xff;
}

const f32Bytes = new Uint8Array(bitsF32.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads a little-endian float32 at any byte offset. */
export function readF32(buf: Uint8Array, off: number): number {
  if (littleEndian) {
    f32Bytes[0] = buf[off];
    f32Bytes[1] = buf[off + 1];
    f32Bytes[2] = buf[off + 2];
    f32Bytes[3] = buf[off + 3];
  } else {
    f32Bytes[3] = buf[off];
    f32Bytes[2] = buf[off + 1];
    f32Bytes[1] = buf[off + 2];
    f32Bytes[0] = buf[off + 3];
  }
  return bitsF32[0];
}

/** Writes a little-endian float32 at any byte offset. */
export function writeF32(buf: Uint8Array, off: number, x: number): void {
  bitsF32[0] = x;
  if (littleEndian) {
    buf[off] = f32Bytes[0];
    buf[off + 1] = f32Bytes[1];
    buf[off + 2] = f32Bytes[2];
    buf[off + 3] = f32Bytes[3];
  } else {
    buf[off] = f32Bytes[3];
    buf[off + 1] = f32Bytes[2];
    buf[off + 2] = f32Bytes[1];
    buf[off + 3] = f32Bytes[0];
  }
}

/** Scratch for {@link makeQxQuants}' weights (grown on demand). */
let qxWeights = new Float32Array(32);

/**
 * ggml's `make_qx_quants`: symmetric quantization of `x[xo..xo+n)` to levels
 * `L[lo+i] ∈ [0, 2·nmax)` (stored with the +nmax offset) and returns the scale.
 * `rmseType` as in ggml (1: weights x², 2: 1, 3: |x|, else √|x|; negative: one refinement only);
 * `qw` overrides the weights when given.
 */
export function makeQxQuants(
  n: number,
  nmax: number,
  x: Float32Array,
  xo: number,
  L: Int8Array,
  lo: number,
  rmseType: number,
  qw: Float32Array | null,
  qwo = 0,
): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; ++i) {
    const ax = Math.abs(x[xo + i]);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    for (let i = 0; i < n; ++i) L[lo + i] = 0;
    return 0;
  }
  let iscale = fround(-nmax / max);
  if (rmseType === 0) {
    for (let i = 0; i < n; ++i) {
      const l = nearestInt(fround(iscale * x[xo + i]));
      L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
    }
    return fround(1 / iscale);
  }
  let returnEarly = false;
  if (rmseType < 0) {
    rmseType = -rmseType;
    returnEarly = true;
  }
  // Weights as ggml computes them (in float), once, into module scratch: no per-call allocation.
  const wq = qxWeights.length >= n ? qxWeights : (qxWeights = new Float32Array(n));
  for (let i = 0; i < n; ++i) {
    const xi = x[xo + i];
    wq[i] = qw
      ? qw[qwo + i]
      : rmseType === 1
        ? xi * xi
        : rmseType === 2
          ? 1
          : rmseType === 3
            ? Math.abs(xi)
            : Math.sqrt(Math.abs(xi));
  }
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; ++i) {
    let l = nearestInt(fround(iscale * x[xo + i]));
    l = Math.max(-nmax, Math.min(nmax - 1, l));
    L[lo + i] = l + nmax;
    const w = wq[i];
    sumlx = fround(sumlx + fround(fround(w * x[xo + i]) * l));
    suml2 = fround(suml2 + fround(fround(w * l) * l));
  }
  let scale = suml2 !== 0 ? fround(sumlx / suml2) : 0;
  if (returnEarly) return suml2 > 0 ? fround(0.5 * fround(scale + fround(1 / iscale))) : fround(1 / iscale);
  let best = fround(scale * sumlx);
  for (let is = -9; is <= 9; ++is) {
    if (is === 0) continue;
    // -(nmax + 0.1f*is) / max, all in float
    iscale = fround(-fround(nmax + fround(fround(0.1) * is)) / max);
    sumlx = 0;
    suml2 = 0;
    for (let i = 0; i < n; ++i) {
      let l = nearestInt(fround(iscale * x[xo + i]));
      l = Math.max(-nmax, Math.min(nmax - 1, l));
      const w = wq[i];
      sumlx = fround(sumlx + fround(fround(w * x[xo + i]) * l));
      suml2 = fround(suml2 + fround(fround(w * l) * l));
    }
    if (suml2 > 0 && fround(sumlx * sumlx) > fround(best * suml2)) {
      for (let i = 0; i < n; ++i) {
        const l = nearestInt(fround(iscale * x[xo + i]));
        L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
      }
      scale = fround(sumlx / suml2);
      best = fround(scale * sumlx);
    }
  }
  return scale;
}

/**
 * ggml's `make_q3_quants`: like {@link makeQxQuants} with weights x², but with `doRmse` it
 * refines level by level (up to 5 passes) instead of scanning scales. Levels get the +nmax offset.
 */
export function makeQ3Quants(
  n: number,
  nmax: number,
  x: Float32Array,
  xo: number,
  L: Int8Array,
  lo: number,
  doRmse: boolean,
): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; ++i) {
    const ax = Math.abs(x[xo + i]);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    for (let i = 0; i < n; ++i) L[lo + i] = 0;
    return 0;
  }
  const iscale = fround(-nmax / max);
  if (doRmse) {
    let sumlx = 0;
    let suml2 = 0;
    for (let i = 0; i < n; ++i) {
      const xi = x[xo + i];
      let l = nearestInt(fround(iscale * xi));
      l = Math.max(-nmax, Math.min(nmax - 1, l));
      L[lo + i] = l;
      const w = fround(xi * xi);
      sumlx = fround(sumlx + fround(fround(w * xi) * l));
      suml2 = fround(suml2 + fround(fround(w * l) * l));
    }
    for (let itry = 0; itry < 5; ++itry) {
      let nChanged = 0;
      for (let i = 0; i < n; ++i) {
        const xi = x[xo + i];
        const w = fround(xi * xi);
        const li = L[lo + i];
        let slx = fround(sumlx - fround(fround(w * xi) * li));
        if (slx > 0) {
          let sl2 = fround(suml2 - fround(fround(w * li) * li));
          let newL = nearestInt(fround(fround(xi * sl2) / slx));
          newL = Math.max(-nmax, Math.min(nmax - 1, newL));
          if (newL !== li) {
            slx = fround(slx + fround(fround(w * xi) * newL));
            sl2 = fround(sl2 + fround(fround(w * newL) * newL));
            if (sl2 > 0 && fround(fround(slx * slx) * suml2) > fround(fround(sumlx * sumlx) * sl2)) {
              L[lo + i] = newL;
              sumlx = slx;
              suml2 = sl2;
              ++nChanged;
            }
          }
        }
      }
      if (!nChanged) break;
    }
    for (let i = 0; i < n; ++i) L[lo + i] += nmax;
    return suml2 > 0 ? fround(sumlx / suml2) : 0;
  }
  for (let i = 0; i < n; ++i) {
    let l = nearestInt(fround(iscale * x[xo + i]));
    l = Math.max(-nmax, Math.min(nmax - 1, l));
    L[lo + i] = l + nmax;
  }
  return fround(1 / iscale);
}

/**
 * ggml's `make_qkx2_quants`: asymmetric (scale + min) quantization of `x[xo..xo+n)` to levels
 * `L[lo+i] ∈ [0, nmax]`, searching `nstep + 1` candidate scales `(rmin + rdelta·is + nmax)/(max − min)`
 * for the least weighted error (absolute with `useMad`, squared otherwise). Returns the scale and
 * writes ggml's `*the_min` (the negated, non-negative offset) to `theMin[mo]`.
 * `Laux` is scratch of at least `n` entries.
 */
export function makeQkx2Quants(
  n: number,
  nmax: number,
  x: Float32Array,
  xo: number,
  weights: Float32Array,
  L: Uint8Array,
  lo: number,
  theMin: Float32Array,
  mo: number,
  Laux: Uint8Array,
  rmin: number,
  rdelta: number,
  nstep: number,
  useMad: boolean,
): number {
  let min = x[xo];
  let max = x[xo];
  let sumW = weights[0];
  let sumX = fround(sumW * x[xo]);
  for (let i = 1; i < n; ++i) {
    const xi = x[xo + i];
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    const w = weights[i];
    sumW = fround(sumW + w);
    sumX = fround(sumX + fround(w * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    for (let i = 0; i < n; ++i) L[lo + i] = 0;
    theMin[mo] = -min;
    return 0;
  }
  // rmin/rdelta are float literals in ggml (-0.5f, 0.1f, ...).
  const rminF = fround(rmin);
  const rdeltaF = fround(rdelta);
  let iscale = fround(nmax / fround(max - min));
  let scale = fround(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; ++i) {
    const l = nearestInt(fround(iscale * fround(x[xo + i] - min)));
    const q = Math.max(0, Math.min(nmax, l));
    L[lo + i] = q;
    let diff = fround(fround(fround(scale * q) + min) - x[xo + i]);
    diff = useMad ? Math.abs(diff) : fround(diff * diff);
    bestError = fround(bestError + fround(weights[i] * diff));
  }
  if (nstep < 1) {
    theMin[mo] = -min;
    return scale;
  }
  for (let is = 0; is <= nstep; ++is) {
    // `min` is the best fit so far (ggml updates it inside this loop), so the range moves too.
    iscale = fround(fround(fround(rminF + fround(rdeltaF * is)) + nmax) / fround(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; ++i) {
      const xi = x[xo + i];
      let l = nearestInt(fround(iscale * fround(xi - min)));
      l = Math.max(0, Math.min(nmax, l));
      Laux[i] = l;
      const w = weights[i];
      const wl = fround(w * l);
      sumL = fround(sumL + wl);
      sumL2 = fround(sumL2 + fround(wl * l));
      sumXL = fround(sumXL + fround(wl * xi));
    }
    const D = fround(fround(sumW * sumL2) - fround(sumL * sumL));
    if (D > 0) {
      let thisScale = fround(fround(fround(sumW * sumXL) - fround(sumX * sumL)) / D);
      let thisMin = fround(fround(fround(sumL2 * sumX) - fround(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = fround(sumXL / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; ++i) {
        let diff = fround(fround(fround(thisScale * Laux[i]) + thisMin) - x[xo + i]);
        diff = useMad ? Math.abs(diff) : fround(diff * diff);
        curError = fround(curError + fround(weights[i] * diff));
      }
      if (curError < bestError) {
        for (let i = 0; i < n; ++i) L[lo + i] = Laux[i];
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  theMin[mo] = -min;
  return scale;
}

/** 6-bit scale `j` (0..7) of the 12-byte K4/K5 scale block at `q[qo..qo+12)` (`get_scale_min_k4`'s `*d`). */
export function scaleK4(j: number, q: Uint8Array, qo: number): number {
  return j < 4 ? q[qo + j] & 63 : (q[qo + j + 4] & 0xf) | ((q[qo + j - 4] >> 6) << 4);
}

/** 6-bit min `j` (0..7) of the 12-byte K4/K5 scale block (`get_scale_min_k4`'s `*m`). */
export function minK4(j: number, q: Uint8Array, qo: number): number {
  return j < 4 ? q[qo + j + 4] & 63 : (q[qo + j + 4] >> 4) | ((q[qo + j] >> 6) << 4);
}

/**
 * Packs 6-bit scale `ls` and min `lm` of sub-block `j` into the 12-byte scale block at `q[qo..)`,
 * as quantize_row_q4_K/q5_K do. Sub-blocks 0..3 must be written before 4..7 (the latter OR their
 * high bits into bytes the former set).
 */
export function packScaleMinK4(q: Uint8Array, qo: number, j: number, ls: number, lm: number): void {
  if (j < 4) {
    q[qo + j] = ls;
    q[qo + j + 4] = lm;
  } else {
    q[qo + j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
    q[qo + j - 4] |= (ls >> 4) << 6;
    q[qo + j] |= (lm >> 4) << 6;
  }
}

/** Reads a little-endian int16 (e.g. a Q8_K `bsums` entry) at any byte offset. */
export function readI16(buf: Uint8Array, off: number): number {
  return ((buf[off] | (buf[off + 1] << 8)) << 16) >> 16;
}
