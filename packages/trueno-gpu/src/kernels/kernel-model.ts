/**
 * Roofline model of a kernel launch: bytes moved to/from device memory, floating-point work, and
 * the time a launch needs at a given memory bandwidth. Decode GEMV is memory-bound (about 2 flops
 * per weight byte for Q8_0, less than an H100's ~300 flops/byte balance point), so the bandwidth
 * term is the prediction.
 */

/** HBM3 bandwidth of an H100 SXM (GB/s, 10^9 bytes per second). */
export const H100_BANDWIDTH_GBS = 3350;

/** Bytes and flops of one launch. */
export interface KernelCost {
  /** Bytes read from and written to device memory, assuming each byte moves once. */
  readonly bytes: number;
  /** Floating-point operations (a multiply-add counts 2). */
  readonly flops: number;
}

/** Predicted microseconds of `cost` at `bandwidthGBs`, memory-bound (launch overhead excluded). */
export function predictedMicros(cost: KernelCost, bandwidthGBs = H100_BANDWIDTH_GBS): number {
  return cost.bytes / (bandwidthGBs * 1e9) * 1e6;
}

/** Arithmetic intensity (flops per byte). */
export function intensity(cost: KernelCost): number {
  return cost.flops / cost.bytes;
}

/** FP32 (non-tensor-core) peak of an H100 SXM, TFLOP/s: the compute roof of the f32 attention kernels. */
export const H100_F32_TFLOPS = 67;

/**
 * Predicted microseconds under both roofs: max(bytes / bandwidth, flops / peak). Element-wise
 * kernels and decode attention sit on the bandwidth roof; long-prompt f32 prefill attention can
 * reach the compute roof (4·headDim flops per (query, position) pair against K/V bytes shared by
 * 8 queries).
 */
export function predictedMicrosRoofline(cost: KernelCost, bandwidthGBs = H100_BANDWIDTH_GBS, tflops = H100_F32_TFLOPS): number {
  return Math.max(predictedMicros(cost, bandwidthGBs), (cost.flops / (tflops * 1e12)) * 1e6);
}

/**
 * Warp instructions an H100 SXM can issue per second: 132 SMs × 4 schedulers × 1.98 GHz boost,
 * one instruction per scheduler per cycle.
 */
export const H100_WARP_ISSUE_PER_S = 132 * 4 * 1.98e9;

/**
 * Microseconds to issue `threadInstructions` (as the emulator counts them: per thread, so ÷32 per
 * full warp) at `warpIssuePerS`. A second roofline next to {@link predictedMicros}: a kernel whose
 * issue time exceeds its memory time cannot reach full bandwidth. PTX counts overestimate the SASS
 * ptxas emits (it fuses shift+mask into LOP3/BFE, folds address arithmetic into loads), so this is
 * pessimistic by a factor of roughly 1.3 to 2.
 */
export function issueMicros(threadInstructions: number, warpIssuePerS = H100_WARP_ISSUE_PER_S): number {
  return (threadInstructions / 32 / warpIssuePerS) * 1e6;
}

/**
 * Dense f16 tensor-core peak of an H100 SXM with f32 accumulation, TFLOP/s (989 in NVIDIA's
 * datasheet; 1979 is the 2:4-sparse figure): the compute roof of the mma.sync GEMM (gemm-mma.ts).
 */
export const H100_F16_TENSOR_TFLOPS = 990;
