/**
 * F32 "quantization": rows are stored as little-endian float32, copied bit for bit.
 * The dot product is ggml's scalar `ggml_vec_dot_f32`: float products summed in double.
 */
import { GGMLType } from '../dtype.js';
import type { QuantOps } from './quant-ops.js';

/**
 * A Float32Array over `n` values of `src`: a view when `src` is 4-byte aligned, else a copy (a
 * Float32Array cannot start at an unaligned offset). Assumes a little-endian host, as Node's
 * supported platforms are.
 */
export function f32View(src: Uint8Array, n: number): Float32Array {
  if (src.byteOffset % 4 === 0) return new Float32Array(src.buffer, src.byteOffset, n);
  const copy = new Float32Array(n);
  new Uint8Array(copy.buffer).set(src.subarray(0, n * 4));
  return copy;
}

/** Reference kernels of GGML_TYPE_F32. */
export const f32Ops: QuantOps = {
  type: GGMLType.F32,
  vecDotType: GGMLType.F32,
  quantizeRow(src: Float32Array, dst: Uint8Array): void {
    dst.set(new Uint8Array(src.buffer, src.byteOffset, src.length * 4));
  },
  dequantizeRow(src: Uint8Array, dst: Float32Array): void {
    new Uint8Array(dst.buffer, dst.byteOffset, dst.length * 4).set(src.subarray(0, dst.length * 4));
  },
  vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
    const a = f32View(x, n);
    const b = f32View(y, n);
    // ggml_float (double) accumulator of float products; the result is stored to a float.
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.fround(a[i] * b[i]);
    return Math.fround(sum);
  },
};
