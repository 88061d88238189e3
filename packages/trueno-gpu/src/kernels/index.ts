/** The kernels: one file each, with launch geometry, TS reference and cost model. */
export { H100_BANDWIDTH_GBS, H100_F32_TFLOPS, intensity, predictedMicros, predictedMicrosRoofline, type KernelCost } from './kernel-model.js';
export {
  ADD_NMSE,
  ATTENTION_NMSE,
  ATTENTION_SPLIT_NMSE,
  GEMV_NMSE,
  GEMV_VS_MATMUL_REF_NMSE,
  RMS_NORM_NMSE,
  ROPE_NMSE,
  SWIGLU_NMSE,
  nmse,
} from './tolerances.js';
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
export { Q4_0_GEMV, buildGemvQ4_0, gemvQ4_0Cost, gemvQ4_0Launch, gemvQ4_0Reference } from './gemv-q4-0.js';
export { Q4_K_GEMV, buildGemvQ4_K, gemvQ4_KCost, gemvQ4_KLaunch, gemvQ4_KReference, scaleMinK4 } from './gemv-q4-k.js';
export { Q5_K_GEMV, buildGemvQ5_K, gemvQ5_KCost, gemvQ5_KLaunch, gemvQ5_KReference } from './gemv-q5-k.js';
export { Q6_K_GEMV, buildGemvQ6_K, gemvQ6_KCost, gemvQ6_KLaunch, gemvQ6_KReference } from './gemv-q6-k.js';
export { Q5_0_GEMV, buildGemvQ5_0, gemvQ5_0Cost, gemvQ5_0Launch, gemvQ5_0Reference } from './gemv-q5-0.js';
export { GEMV_FORMATS, UnsupportedGemvTypeError, buildGemvFor, gemvFormatFor } from './gemv-formats.js';
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
