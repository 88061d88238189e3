/**
 * F16 rows: little-endian IEEE half floats. Quantize is ggml_fp32_to_fp16_row (round to nearest
 * even, see ./fp16.ts), dequantize is exact, and the dot product is ggml's scalar
 * `ggml_vec_dot_f16`: each product of two halves is exact in float and is summed in double.
 */
import { GGMLType } from '../dtype.js';
import { FP16_TO_FP32, FP16_TO_FP32_BITS, fp32BitsToFp16 } from './fp16.js';
import type { QuantOps } from './quant-ops.js';

/** Reference kernels of GGML_TYPE_F16. */
export const f16Ops: QuantOps = {
  type: GGMLType.F16,
  vecDotType: GGMLType.F16,
  quantizeRow(src: Float32Array, dst: Uint8Array): void {
    // Read the float bits directly so that NaN signs survive (a NaN read as a JS number may not).
    const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
    for (let i = 0; i < bits.length; i++) {
      const h = fp32BitsToFp16(bits[i]);
      dst[2 * i] = h & 0xff;
      dst[2 * i + 1] = h >>> 8;
    }
  },
  dequantizeRow(src: Uint8Array, dst: Float32Array): void {
    // Copy bits, not values, so NaN payloads are exactly ggml's.
    const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
    for (let i = 0; i < out.length; i++) out[i] = FP16_TO_FP32_BITS[src[2 * i] | (src[2 * i + 1] << 8)];
  },
  vecDot(n: number, x: Uint8Array, y: Uint8Array): number {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const a = FP16_TO_FP32[x[2 * i] | (x[2 * i + 1] << 8)];
      const b = FP16_TO_FP32[y[2 * i] | (y[2 * i + 1] << 8)];
      sum += Math.fround(a * b);
    }
    return Math.fround(sum);
  },
};
