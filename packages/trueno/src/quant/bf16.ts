/**
 * BF16 (brain float: the top 16 bits of a float32) conversion and row kernels, as ggml's
 * `ggml_compute_fp32_to_bf16` / `ggml_compute_bf16_to_fp32` (ggml-impl.h) and the scalar
 * `ggml_vec_dot_bf16`.
 */
import { GGMLType } from '../dtype.js';
import { fp32Bits, fp32FromBits } from './fp16.js';
import type { QuantOps } from './quant-ops.js';

/**
 * bf16 bits of the float32 whose bits are `u`: round to nearest, ties to even, by adding
 * 0x7fff + (lsb of the kept half) and truncating; a carry into the exponent correctly rounds up to
 * the next binade or to ±inf. NaN keeps its sign and top payload bits and is forced quiet
 * (`| 64` sets bit 6, the bf16 quiet bit); rounding could otherwise turn a NaN into inf. Subnormals
 * are rounded like any value (current ggml no longer flushes them to zero).
 */
export function fp32BitsToBf16(u: number): number {
  u >>>= 0;
  if ((u & 0x7fffffff) >>> 0 > 0x7f800000) return ((u >>> 16) | 64) & 0xffff;
  return ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16) & 0xffff;
}

/** GGML_FP32_TO_BF16: bf16 bits of `x` (first rounded to float32). */
export function fp32ToBf16(x: number): number {
  return fp32BitsToBf16(fp32Bits(x));
}

/** GGML_BF16_TO_FP32: the value of bf16 bits `h` (exact: bf16 is a truncated float32). */
export function bf16ToFp32(h: number): number {
  return fp32FromBits((h & 0xffff) << 16);
}

/** Reference kernels of GGML_TYPE_BF16. */
export const bf16Ops: QuantOps = {
  type: GGMLType.BF16,
  vecDotType: GGMLType.BF16,
  quantizeRow(src: Float32Array, dst: Uint8Array): void {
    const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
    for (let i = 0; i < bits.length; i++) {
      const h = fp32BitsToBf16(bits[i]);
      dst[2 * i] = h & 0xff;
      dst[2 * i + 1] = h >>> 8;
    }
  },
  dequantizeRow(src: Uint8Array, dst: Float32Array): void {
    const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
    for (let i = 0; i < out.length; i++) out[i] = ((src[2 * i] << 16) | (src[2 * i + 1] << 24)) >>> 0;
  },
  vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
    // Products of two bf16 values are exact in float (8 + 8 significant bits); summed in double.
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const a = fp32FromBits(((x[2 * i] << 16) | (x[2 * i + 1] << 24)) >>> 0);
      const b = fp32FromBits(((y[2 * i] << 16) | (y[2 * i + 1] << 24)) >>> 0);
      sum += Math.fround(a * b);
    }
    return Math.fround(sum);
  },
};
