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
