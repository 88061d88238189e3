import type { GGMLType } from '../dtype.js';

/**
 * Reference (pure TS) kernels of one ggml type, bit-compatible with ggml's block layout.
 * Every row length passed in is a multiple of the type's block size.
 */
export interface QuantOps {
  readonly type: GGMLType;
  /** ggml's `quantize_row_<type>_ref`: quantizes `src` into `dst` (exactly `bytesFor(type, src.length)` bytes). */
  quantizeRow(src: Float32Array, dst: Uint8Array): void;
  /** ggml's `dequantize_row_<type>`: decodes `dst.length` values from `src`. */
  dequantizeRow(src: Uint8Array, dst: Float32Array): void;
  /** ggml's `vec_dot_type`: the type the other operand of {@link vecDot} must be quantized to. */
  readonly vecDotType: GGMLType;
  /** ggml's `ggml_vec_dot_<type>_<vecDotType>_generic`: dot of `n` values, `x` of this type, `y` of `vecDotType`. */
  vecDot(n: number, x: Uint8Array, y: Uint8Array): number;
}
