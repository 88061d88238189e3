/**
 * IEEE binary16 (fp16) <-> binary32 conversion, bit-identical with ggml's portable
 * `ggml_compute_fp32_to_fp16` / `ggml_compute_fp16_to_fp32` (ggml-impl.h), which are what
 * `libggml-base` uses to store and read every quant block scale.
 *
 * fp32 -> fp16 rounds to nearest, ties to even; overflow gives ±inf; fp32 subnormals and tiny
 * values round to fp16 subnormals or ±0; every NaN becomes the quiet NaN 0x7E00 with the input's
 * sign (the payload is dropped). fp16 -> fp32 is exact; NaNs keep their payload and come out quiet
 * (ggml computes them with a float multiply, which sets the quiet bit).
 */

// Scratch views to move between a float's value and its bits without allocating.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** The bits of `x` rounded to float32 (as C's `float` would hold it). */
export function fp32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0];
}

/** The float32 whose bits are `bits`, as a number. */
export function fp32FromBits(bits: number): number {
  scratchU32[0] = bits;
  return scratchF32[0];
}

const SCALE_TO_INF = 2 ** 112; // fp32_from_bits(0x77800000)
const SCALE_TO_ZERO = 2 ** -110; // fp32_from_bits(0x08800000)

/**
 * fp16 bits of the float32 whose bits are `w` (the core of GGML_FP32_TO_FP16).
 *
 * Port of Maratyszcza's FP16 algorithm as ggml has it: `base` is |f| scaled so that rounding the
 * float addition below performs the fp16 round-to-nearest-even; the scale to inf then to zero makes
 * values above fp16's range become inf. Every float operation is rounded with Math.fround, which
 * gives exactly C's float result (double has more than twice float's precision, so there is no
 * double-rounding error for +, -, *).
 */
export function fp32BitsToFp16(w: number): number {
  w >>>= 0;
  const f = fp32FromBits(w);
  let base = Math.fround(Math.fround(Math.abs(f) * SCALE_TO_INF) * SCALE_TO_ZERO);
  const shl1W = (w + w) >>> 0;
  const sign = (w & 0x80000000) >>> 0;
  let bias = (shl1W & 0xff000000) >>> 0;
  if (bias < 0x71000000) bias = 0x71000000;
  base = Math.fround(fp32FromBits(((bias >>> 1) + 0x07800000) >>> 0) + base);
  const bits = fp32Bits(base);
  const expBits = (bits >>> 13) & 0x00007c00;
  const mantissaBits = bits & 0x00000fff;
  const nonsign = expBits + mantissaBits;
  return (sign >>> 16) | (shl1W > 0xff000000 ? 0x7e00 : nonsign);
}

/** GGML_FP32_TO_FP16: fp16 bits of `x` (first rounded to float32, as a C `float` argument is). */
export function fp32ToFp16(x: number): number {
  return fp32BitsToFp16(fp32Bits(x));
}

/**
 * fp32 bits of fp16 `h`, exact. Subnormal fp16 values are normal in fp32; for NaN the quiet bit is
 * set, as ggml's float-multiply based decoder (and F16C's vcvtph2ps) do.
 */
function fp16ToFp32BitsSlow(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant ? 0x00400000 : 0) | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: value = mant * 2^-24; normalize the mantissa into fp32.
  let e = 113;
  let m = mant;
  while ((m & 0x400) === 0) {
    m <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((m & 0x3ff) << 13)) >>> 0;
}

/**
 * All 65536 fp16 values as float32 bits, like ggml's former `ggml_table_f32_f16`. Use
 * {@link FP16_TO_FP32} for the values; read these bits to copy NaN payloads exactly.
 */
export const FP16_TO_FP32_BITS: Uint32Array = new Uint32Array(65536);
for (let h = 0; h < 65536; h++) FP16_TO_FP32_BITS[h] = fp16ToFp32BitsSlow(h);

/** All 65536 fp16 values as float32 (a view of {@link FP16_TO_FP32_BITS}). */
export const FP16_TO_FP32: Float32Array = new Float32Array(FP16_TO_FP32_BITS.buffer);

/** GGML_FP16_TO_FP32: the value of fp16 bits `h` (exact). */
export function fp16ToFp32(h: number): number {
  return FP16_TO_FP32[h & 0xffff];
}

/** Largest finite fp16 value. */
export const FP16_MAX = 65504;
