/** The kernels: one file each, with launch geometry, TS reference and cost model. */
export { H100_BANDWIDTH_GBS, intensity, predictedMicros, type KernelCost } from './kernel-model.js';
export { GEMV_NMSE, GEMV_VS_MATMUL_REF_NMSE, nmse } from './tolerances.js';
export {
  MAX_GEMV_BATCH,
  WARPS_PER_BLOCK,
  buildGemv,
  gemvCost,
  gemvLaunch,
  gemvReference,
  type GemvBuildOptions,
  type GemvFormat,
  type LaneValues,
} from './gemv-common.js';
export { Q8_0_GEMV, buildGemvQ8_0, gemvQ8_0Cost, gemvQ8_0Launch, gemvQ8_0Reference } from './gemv-q8-0.js';
