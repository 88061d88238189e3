/**
 * The tensor-core GEMM's TS references and cost model (kernel in gemm-mma.ts).
 *
 * Two references: `gemmMmaReference` is the exact one (trueno dequantize, f64 dot, one f32
 * rounding: the same as the GEMV oracle); `gemmMmaF16Reference` first rounds X and the
 * dequantized W to f16 as the kernel's staging does, so it differs from the kernel only by the
 * f32 accumulation of the mma partial sums.
 */
import { type GGMLType, dequantize, fp16ToFp32, fp32ToFp16 } from '@sovereign/trueno';
import { MAX_GEMV_BATCH, gemvReference } from './gemv-common.js';
import { GEMM_TILE_M, GEMM_TILE_N, gemmFormatFor } from './gemm-mma.js';
import { H100_BANDWIDTH_GBS, H100_F16_TENSOR_TFLOPS, type KernelCost, predictedMicros } from './kernel-model.js';

/** Exact reference: Y (nTok, nOut) = X (nTok, K) · dequantize(W)ᵀ with f64 dots rounded to f32. */
export function gemmMmaReference(type: GGMLType, w: Uint8Array, x: Float32Array, nTok: number, nOut: number, K: number): Float32Array {
  return gemvReference(type, w, x, nOut, K, nTok);
}

/** f16 value nearest to `v` (round to nearest even, as cvt.rn.f16.f32), as a number. */
function f16Round(v: number): number {
  return fp16ToFp32(fp32ToFp16(v));
}

/**
 * The kernel's arithmetic without its accumulation order: X and dequantize(W) each rounded to f16
 * (round to nearest even), then exact (f64) dots rounded once to f32. Y is (nTok, nOut).
 */
export function gemmMmaF16Reference(type: GGMLType, w: Uint8Array, x: Float32Array, nTok: number, nOut: number, K: number): Float32Array {
  const wf = dequantize(type, w, nOut * K).map(f16Round);
  const xf = x.map(f16Round);
  const y = new Float32Array(nTok * nOut);
  for (let t = 0; t < nTok; t++) {
    for (let r = 0; r < nOut; r++) {
      let s = 0;
      for (let i = 0; i < K; i++) s += wf[r * K + i] * xf[t * K + i];
      y[t * nOut + r] = s;
    }
  }
  return y;
}

/** Bytes and flops of one GEMM launch. */
export interface GemmCost extends KernelCost {
  /** Multiply-adds the tensor cores run, tiles padded to 64 × 64 (times 2). */
  readonly paddedFlops: number;
  /** Bytes the blocks read from L2 or memory: W once per token tile, X once per output tile. */
  readonly l2Bytes: number;
}

/**
 * Cost of Y (nTok, nOut) = X · Wᵀ: device memory sees W, X and Y once (the re-reads of W per
 * 64-token tile and of X per 64-output tile hit the 50 MB L2 for these model sizes: a Qwen2.5
 * FFN weight is a few MB), flops 2·nTok·nOut·K.
 */
export function gemmMmaCost(type: GGMLType, nTok: number, nOut: number, K: number): GemmCost {
  const f = gemmFormatFor(type);
  const wBytes = nOut * (K / f.qk) * f.blockBytes;
  const tilesM = Math.ceil(nTok / GEMM_TILE_M);
  const tilesN = Math.ceil(nOut / GEMM_TILE_N);
  return {
    bytes: wBytes + nTok * K * 4 + nTok * nOut * 4,
    flops: 2 * nTok * nOut * K,
    paddedFlops: 2 * tilesM * GEMM_TILE_M * tilesN * GEMM_TILE_N * K,
    l2Bytes: tilesM * wBytes + tilesN * nTok * K * 4 + nTok * nOut * 4,
  };
}

/** Predicted µs of a GEMM launch: max(bytes / bandwidth, padded flops / f16 tensor-core peak). */
export function gemmMmaPredictedMicros(cost: GemmCost, bandwidthGBs = H100_BANDWIDTH_GBS, tflops = H100_F16_TENSOR_TFLOPS): number {
  return Math.max(predictedMicros(cost, bandwidthGBs), (cost.paddedFlops / (tflops * 1e12)) * 1e6);
}

/**
 * Predicted µs of the same product on the GEMV path: ceil(nTok / 16) batched launches, each
 * reading W once (memory-bound, the GEMV's own model).
 */
export function gemvPathPredictedMicros(type: GGMLType, nTok: number, nOut: number, K: number, bandwidthGBs = H100_BANDWIDTH_GBS): number {
  const f = gemmFormatFor(type);
  const wBytes = nOut * (K / f.qk) * f.blockBytes;
  const passes = Math.ceil(nTok / MAX_GEMV_BATCH);
  return predictedMicros({ bytes: passes * wBytes + nTok * K * 4 + nTok * nOut * 4, flops: 2 * nTok * nOut * K }, bandwidthGBs);
}

/** Whether the roofline model prefers the tensor-core GEMM over the GEMV path for this product. */
export function gemmMmaPreferred(type: GGMLType, nTok: number, nOut: number, K: number): boolean {
  return gemmMmaPredictedMicros(gemmMmaCost(type, nTok, nOut, K)) < gemvPathPredictedMicros(type, nTok, nOut, K);
}
