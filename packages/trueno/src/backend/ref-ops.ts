/**
 * Reference element-wise and row-wise ops with ggml-cpu's float semantics: every float operation
 * is rounded to float32 (`Math.fround`, or a store into a Float32Array), and the sums ggml keeps
 * in `ggml_float` (double) are kept in a JS number.
 */
import { BackendArgumentError } from './backend.js';

const fround = Math.fround;

/** Throws a BackendArgumentError when `buf` holds fewer than `n` values (shared with other backends). */
export function need(op: string, what: string, buf: ArrayLike<number>, n: number): void {
  if (buf.length < n) throw new BackendArgumentError(`${op}: ${what} needs ${n} values, has ${buf.length}`);
}

/**
 * `out (nTok, dim) = x / sqrt(mean(x²) + eps) * weight`. ggml rms_norm: squares are float products
 * summed in double, `mean` is stored as float, scale = 1/sqrtf(mean + eps); llama.cpp then
 * multiplies by the weight in a separate float op.
 */
export function rmsNormRef(x: Float32Array, weight: Float32Array, eps: number, nTok: number, dim: number, out: Float32Array): void {
  need('rmsNorm', 'x', x, nTok * dim);
  need('rmsNorm', 'out', out, nTok * dim);
  need('rmsNorm', 'weight', weight, dim);
  const epsf = fround(eps);
  for (let t = 0; t < nTok; t++) {
    const o = t * dim;
    let sum = 0;
    for (let i = 0; i < dim; i++) sum += fround(x[o + i] * x[o + i]);
    const mean = fround(sum / dim);
    const scale = fround(1 / fround(Math.sqrt(fround(mean + epsf))));
    for (let i = 0; i < dim; i++) out[o + i] = fround(x[o + i] * scale) * weight[i];
  }
}

/** In place `x (nTok, n) += bias (n)` per row. */
export function addBiasRef(x: Float32Array, bias: Float32Array, nTok: number, n: number): void {
  need('addBias', 'x', x, nTok * n);
  need('addBias', 'bias', bias, n);
  for (let t = 0; t < nTok; t++) {
    const o = t * n;
    for (let i = 0; i < n; i++) x[o + i] += bias[i];
  }
}

/** `out[i] = a[i] + b[i]`, i < n. */
export function addRef(a: Float32Array, b: Float32Array, n: number, out: Float32Array): void {
  need('add', 'a', a, n);
  need('add', 'b', b, n);
  need('add', 'out', out, n);
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/** ggml_silu_f32: x / (1 + expf(-x)). */
export function silu(x: number): number {
  return fround(x / fround(1 + fround(Math.exp(-x))));
}

/** `out[i] = silu(gate[i]) * up[i]` (ggml_vec_swiglu_f32), i < n. */
export function swigluRef(gate: Float32Array, up: Float32Array, n: number, out: Float32Array): void {
  need('swiglu', 'gate', gate, n);
  need('swiglu', 'up', up, n);
  need('swiglu', 'out', out, n);
  for (let i = 0; i < n; i++) out[i] = silu(gate[i]) * up[i];
}

/**
 * Softmax of `n` values of `x` from offset `o`, in place, after multiplying by `scale`; positions
 * masked with -Infinity get 0. ggml soft_max: max in float, e^(x - max) in float summed in
 * double, then every value times the float 1/sum. A row of only -Infinity gives NaNs, as in ggml.
 */
export function softmaxRow(x: Float32Array, o: number, n: number, scale: number): void {
  const sc = fround(scale);
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = fround(x[o + i] * sc);
    x[o + i] = v;
    if (v > max) max = v;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = fround(Math.exp(fround(x[o + i] - max)));
    x[o + i] = e;
    sum += e;
  }
  const inv = fround(1 / sum);
  for (let i = 0; i < n; i++) x[o + i] *= inv;
}

/** Row-wise in-place softmax of `x (nRows, n)`. */
export function softmaxRef(x: Float32Array, nRows: number, n: number, scale = 1): void {
  need('softmax', 'x', x, nRows * n);
  for (let r = 0; r < nRows; r++) softmaxRow(x, r * n, n, scale);
}

/** Index of the first maximum of `x[0..n)`; NaN never wins, 0 when nothing exceeds -∞ (see Backend.argmax). */
export function argmaxRef(x: Float32Array, n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new BackendArgumentError(`argmax: n must be a positive integer, got ${n}`);
  need('argmax', 'x', x, n);
  let best = -Infinity;
  let idx = 0;
  for (let i = 0; i < n; i++) {
    if (x[i] > best) {
      best = x[i];
      idx = i;
    }
  }
  return idx;
}

/** Checks the range of Backend.copyWithin: `src .. src + n` and `dst .. dst + n` inside `x`. */
export function checkCopyWithin(x: Float32Array, dst: number, src: number, n: number): void {
  for (const [what, v] of [['dst', dst], ['src', src], ['n', n]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new BackendArgumentError(`copyWithin: ${what} must be a non-negative integer, got ${v}`);
  }
  if (src + n > x.length || dst + n > x.length) {
    throw new BackendArgumentError(`copyWithin: moving ${n} values from ${src} to ${dst} needs ${Math.max(src, dst) + n} values, x has ${x.length}`);
  }
}

/** Backend.copyWithin: `x.copyWithin(dst, src, src + n)` after the range check. */
export function copyWithinRef(x: Float32Array, dst: number, src: number, n: number): void {
  checkCopyWithin(x, dst, src, n);
  if (n > 0 && dst !== src) x.copyWithin(dst, src, src + n);
}
