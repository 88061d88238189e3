/** The kernels: one file each, with launch geometry, TS reference and cost model. */
export { H100_BANDWIDTH_GBS, H100_F32_TFLOPS, H100_WARP_ISSUE_PER_S, intensity, issueMicros, predictedMicros, predictedMicrosRoofline, type KernelCost } from './kernel-model.js';
export {
  ADD_NMSE,
  ATTENTION_NMSE,
  ATTENTION_SPLIT_NMSE,
  GEMV_DP4A_NMSE,
  GEMV_NMSE,
  GEMV_VS_MATMUL_REF_NMSE,
  RMS_NORM_NMSE,
  ROPE_NMSE,
  SWIGLU_NMSE,
  nmse,
} from './tolerances.js';
export {
  DEFAULT_ROWS_PER_WARP,
  MAX_GEMV_BATCH,
  WARPS_PER_BLOCK,
  buildGemv,
  gemvCost,
  gemvKernelName,
  gemvLaunch,
  gemvReference,
  type GemvBuildOptions,
  type GemvCost,
  type GemvFormat,
  type LaneValues,
} from './gemv-common.js';
export { Q8_0_GEMV, buildGemvQ8_0, gemvQ8_0Cost, gemvQ8_0Launch, gemvQ8_0Reference } from './gemv-q8-0.js';
export { Q4_0_GEMV, buildGemvQ4_0, bytesMinus, q4_0Lane, signedBytes, word16x2, gemvQ4_0Cost, gemvQ4_0Launch, gemvQ4_0Reference } from './gemv-q4-0.js';
export { Q4_K_GEMV, buildGemvQ4_K, gemvQ4_KCost, gemvQ4_KLaunch, gemvQ4_KReference, K_X_RUNS, bytesToF32, laneK, loadDminK, scaleMinK4 } from './gemv-q4-k.js';
export { Q5_K_GEMV, buildGemvQ5_K, gemvQ5_KCost, gemvQ5_KLaunch, gemvQ5_KReference } from './gemv-q5-k.js';
export { Q6_K_GEMV, buildGemvQ6_K, q6kLane, gemvQ6_KCost, gemvQ6_KLaunch, gemvQ6_KReference } from './gemv-q6-k.js';
export { Q5_0_GEMV, buildGemvQ5_0, q5_0Lane, gemvQ5_0Cost, gemvQ5_0Launch, gemvQ5_0Reference } from './gemv-q5-0.js';
export { GEMV_DP4A_BUILDERS, GEMV_FORMATS, UnsupportedGemvTypeError, buildGemvDp4aFor, buildGemvFor, gemvFormatFor } from './gemv-formats.js';
export { Q8_1_BLOCK_BYTES, buildQuantizeQ8_1, quantizeQ8_1Cost, quantizeQ8_1Launch, quantizeQ8_1Reference } from './gemv-q8-1-quantize.js';
export { buildGemvQ4_KQ8_1, gemvQ4_KQ8_1Cost, gemvQ4_KQ8_1Launch, gemvQ4_KQ8_1Reference } from './gemv-q4-k-q8-1.js';
export { buildGemvQ6_KQ8_1, gemvQ6_KQ8_1Cost, gemvQ6_KQ8_1Launch, gemvQ6_KQ8_1Reference } from './gemv-q6-k-q8-1.js';
export { DP4A_ROWS_PER_WARP, buildDp4a32, dp4aEpilogue, dp4aPrologue, loadQ8_1, type Dp4aContext } from './gemv-dp4a-common.js';
export { buildGemvQ4_0Q8_1, buildGemvQ5_0Q8_1, buildGemvQ8_0Q8_1, gemvDp4aLaunch, gemvDp4aReference } from './gemv-q8-1-dp4a.js';
export { LOG2E, type LaunchGeometry } from './ops-common.js';
export { RMS_NORM_THREADS, buildRmsNorm, rmsNormCost, rmsNormLaunch, rmsNormReference } from './rms-norm.js';
export { ROPE_MAX_ROT, ROPE_THREADS, buildRope, ropeCost, ropeLaunch, ropeReference, ropeScalars, type RopeScalars } from './rope.js';
export { ELEMENTWISE_THREADS, addBiasCost, addBiasLaunch, addBiasReference, addCost, addLaunch, addReference, buildAdd, buildAddBias } from './add.js';
export { buildSwiglu, swigluCost, swigluLaunch, swigluReference } from './swiglu.js';
export { ARGMAX_CHUNK, ARGMAX_THREADS, argmaxCost, argmaxLaunch, argmaxReference, buildArgmaxPartial, buildArgmaxReduce } from './argmax.js';
export { type AttentionHeadDim } from './attention-common.js';
export {
  DECODE_UNROLL,
  MAX_GQA_GROUP,
  attentionDecodeCost,
  attentionDecodeLaunch,
  attentionDecodeReference,
  buildAttentionDecode,
  gqaGroup,
  partialRecordFloats,
  type AttentionDecodeOptions,
  type DecodeSequence,
} from './attention-decode.js';
export { MIN_SPLIT_CHUNK, attentionDecodeSplitPlan, buildAttentionDecodePartial, buildAttentionDecodeReduce, type SplitPlan } from './attention-decode-split.js';
export { PREFILL_QUERIES, PREFILL_TILE, PREFILL_UNROLL, attentionPrefillCost, attentionPrefillLaunch, attentionPrefillReference, buildAttentionPrefill } from './attention-prefill.js';
export { KV_STORE_THREADS, buildKvStore, kvStoreCost, kvStoreLaunch, kvStoreReference } from './kv-store.js';
export { H100_F16_TENSOR_TFLOPS } from './kernel-model.js';
export { GEMM_MMA_VS_F32_NMSE, gemmMmaF16Nmse } from './tolerances.js';
export { F16_GEMM, GEMM_FORMATS, quantGemmFormat, type F16Run, type GemmWeightFormat } from './gemm-mma-formats.js';
export {
  GEMM_TILE_N,
  UnsupportedGemmTypeError,
  buildGemmMma,
  gemmFormatFor,
  gemmMmaLaunch,
  gemmSlices,
  gemmThreads,
  type GemmMmaBuildOptions,
  type GemmTileM,
} from './gemm-mma.js';
export { buildGemmSplitKReduce, gemmSplitKReduceCost, gemmSplitKReduceLaunch, gemmSplitKReduceReference } from './gemm-splitk-reduce.js';
export {
  GEMM_WARP_INSTR_PER_MMA,
  GEMV_THREAD_INSTR_PER_WEIGHT,
  H100_SMS,
  H100_TENSOR_CLOCK_GHZ,
  gemmMmaCost,
  gemmMmaF16Reference,
  gemmMmaPredict,
  gemmMmaPredictedMicros,
  gemmMmaPreferred,
  gemmMmaReference,
  gemmMmaPlan,
  GEMM_MIN_K_SPLIT,
  LAUNCH_GAP_MICROS,
  type GemmPlan,
  gemvPathPredict,
  type GemmCost,
  type GemmPrediction,
} from './gemm-mma-model.js';
