/**
 * Byte-level helpers shared by the block quantizers: little-endian fp16 / u32 fields at any byte
 * offset of a Uint8Array (which may be an unaligned view into a file buffer), and the C scalar
 * conversions that ggml's reference quantizers rely on.
 */
import { FP16_TO_FP32, fp32ToFp16 } from './fp16.js';

/** Value of the little-endian fp16 at `buf[off]`, `buf[off + 1]` (exact, as float32). */
export function readFp16(buf: Uint8Array, off: number): number {
  return FP16_TO_FP32[buf[off] | (buf[off + 1] << 8)];
}

/** Raw bits of the little-endian fp16 at `buf[off]`. */
export function readFp16Bits(buf: Uint8Array, off: number): number {
  return buf[off] | (buf[off + 1] << 8);
}

/** Stores GGML_FP32_TO_FP16(`x`) little-endian at `buf[off]`. */
export function writeFp16(buf: Uint8Array, off: number, x: number): void {
  const h = fp32ToFp16(x);
  buf[off] = h & 0xff;
  buf[off + 1] = h >>> 8;
}

/** Stores fp16 bits `h` little-endian at `buf[off]`. */
export function writeFp16Bits(buf: Uint8Array, off: number, h: number): void {
  buf[off] = h & 0xff;
  buf[off + 1] = (h >>> 8) & 0xff;
}

/** The little-endian u32 at `buf[off]` (ggml's `memcpy(&qh, x[i].qh, 4)`). */
export function readU32(buf: Uint8Array, off: number): number {
  return (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)) >>> 0;
}

/** Stores `v` as a little-endian u32 at `buf[off]`. */
export function writeU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v & 0xff;
  buf[off + 1] = (v >>> 8) & 0xff;
  buf[off + 2] = (v >>> 16) & 0xff;
  buf[off + 3] = (v >>> 24) & 0xff;
}

/**
 * C's float -> int conversion as x86-64 executes it (cvttss2si): truncation toward zero; NaN and
 * values outside int32 give the "integer indefinite" 0x80000000. C calls that case undefined
 * behaviour; we mirror what ggml's x86 build does, which the ggml oracle confirms.
 */
export function cvtt(x: number): number {
  return x > -2147483649 && x < 2147483648 ? Math.trunc(x) | 0 : -2147483648;
}

/** `(int8_t)x` for a float `x`: {@link cvtt} then keep the low 8 bits, sign-extended. */
export function toInt8(x: number): number {
  return (cvtt(x) << 24) >> 24;
}

/** `(uint8_t)x` for a float `x`: {@link cvtt} then keep the low 8 bits. */
export function toUint8(x: number): number {
  return cvtt(x) & 0xff;
}

/** C `roundf`: round half away from zero (Math.round rounds half toward +inf). Exact for floats. */
export function roundf(x: number): number {
  return x < 0 ? -Math.floor(0.5 - x) : Math.floor(x + 0.5);
}

/**
 * C's float `p + m` for dequantizers of the form `q*d + m`, where `p` is the product q*d: the
 * rounded sum, except that when both are NaN the result is `p`'s NaN. x86 `addss` returns its
 * first operand's NaN and ggml computes `q*d` first; V8 may swap the operands of `+`. Only NaN
 * payload bits depend on this.
 */
export function addMin(p: number, m: number): number {
  const pf = Math.fround(p);
  return pf !== pf ? pf : Math.fround(pf + m);
}

/**
 * The value of largest magnitude in `x[xo .. xo+n)`, with its sign, as ggml's q4_0/q5_0 quantizers
 * find it (the first one wins ties; comparisons with NaN are false, so NaNs are skipped).
 */
export function signedAbsMax(x: Float32Array, xo: number, n: number): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < n; j++) {
    const v = x[xo + j];
    if (amax < Math.abs(v)) {
      amax = Math.abs(v);
      max = v;
    }
  }
  return max;
}

const FLT_MAX = 3.4028234663852886e38;

/**
 * Minimum and maximum of `x[xo .. xo+n)` into `out[0]`, `out[1]`, as ggml's q4_1/q5_1 quantizers
 * compute them: starting from ±FLT_MAX, so NaNs never win and an all-NaN block keeps the bounds.
 */
export function blockMinMax(x: Float32Array, xo: number, n: number, out: Float64Array): void {
  let min = FLT_MAX;
  let max = -FLT_MAX;
  for (let j = 0; j < n; j++) {
    const v = x[xo + j];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  out[0] = min;
  out[1] = max;
}
