import { type GGMLType, bytesFor, dtypeInfo } from '../dtype.js';
import { bf16Ops } from './bf16.js';
import { f16Ops } from './f16.js';
import { f32Ops } from './f32.js';
import { q2_KOps } from './q2-k.js';
import { q3_KOps } from './q3-k.js';
import { q4_0Ops } from './q4-0.js';
import { q4_1Ops } from './q4-1.js';
import { q4_KOps } from './q4-k.js';
import { q5_0Ops } from './q5-0.js';
import { q5_1Ops } from './q5-1.js';
import { q5_KOps } from './q5-k.js';
import { q6_KOps } from './q6-k.js';
import { q8_0Ops } from './q8-0.js';
import { q8_1Ops } from './q8-1.js';
import { q8_KOps } from './q8-k.js';
import type { QuantOps } from './quant-ops.js';

export type { QuantOps } from './quant-ops.js';
export { FP16_TO_FP32, fp16ToFp32, fp32Bits, fp32BitsToFp16, fp32FromBits, fp32ToFp16 } from './fp16.js';
export { bf16ToFp32, fp32BitsToBf16, fp32ToBf16 } from './bf16.js';

const OPS = new Map<number, QuantOps>(
  [f32Ops, f16Ops, bf16Ops, q4_0Ops, q4_1Ops, q5_0Ops, q5_1Ops, q8_0Ops, q8_1Ops, q2_KOps, q3_KOps, q4_KOps, q5_KOps, q6_KOps, q8_KOps].map(
    (o) => [o.type, o],
  ),
);

/** Thrown when a row length is not a whole number of blocks, or a buffer is too small. */
export class QuantShapeError extends Error {
  override name = 'QuantShapeError';
}

/** Thrown for a ggml type that has no reference kernels here. */
export class UnsupportedQuantError extends Error {
  override name = 'UnsupportedQuantError';
}

/** The reference kernels of `type`; throws {@link UnsupportedQuantError} for types without them. */
export function quantOps(type: GGMLType | number): QuantOps {
  const ops = OPS.get(type);
  if (!ops) {
    const d = dtypeInfo(type);
    throw new UnsupportedQuantError(
      `tensor type ${d.name} has no reference kernels: supported are ${[...OPS.values()].map((o) => dtypeInfo(o.type).name).join(', ')}`,
    );
  }
  return ops;
}

function checkLength(type: number, n: number): number {
  const bytes = bytesFor(type, n);
  if (Number.isNaN(bytes)) {
    const d = dtypeInfo(type);
    throw new QuantShapeError(`${d.name} rows hold whole blocks of ${d.blockSize} values, got ${n} values`);
  }
  return bytes;
}

/** Quantizes `src` (length a multiple of the block size) to a new byte buffer, with ggml's reference quantizer. */
export function quantize(type: GGMLType | number, src: Float32Array): Uint8Array {
  const dst = new Uint8Array(checkLength(type, src.length));
  quantOps(type).quantizeRow(src, dst);
  return dst;
}

/** Dequantizes `n` values from `src` (a view is fine; no copy is made of it). */
export function dequantize(type: GGMLType | number, src: Uint8Array, n: number): Float32Array {
  const bytes = checkLength(type, n);
  if (src.byteLength < bytes) {
    throw new QuantShapeError(`${dtypeInfo(type).name}: ${n} values need ${bytes} bytes, buffer has ${src.byteLength}`);
  }
  const dst = new Float32Array(n);
  quantOps(type).dequantizeRow(src, dst);
  return dst;
}

/** Dot product of `n` values: `x` of `type`, `y` already quantized to `quantOps(type).vecDotType`. */
export function vecDot(type: GGMLType | number, n: number, x: Uint8Array, y: Uint8Array): number {
  const ops = quantOps(type);
  checkLength(type, n);
  checkLength(ops.vecDotType, n);
  return ops.vecDot(n, x, y);
}
