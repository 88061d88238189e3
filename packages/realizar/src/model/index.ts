/**
 * Models: config from GGUF metadata, validated zero-copy weights, per-sequence sessions with a
 * KV cache, and the forward passes of `models/<arch>.ts` (llama, qwen2).
 */
export { loadModel } from './model.js';
export type { LoadModelOptions, Model } from './model.js';
export { Session, DEFAULT_MAX_BATCH, DEFAULT_SESSION_CONTEXT } from './session.js';
export type { ForwardOptions, SessionOptions } from './session.js';
export { MODEL_ARCHS, modelArchOf, readModelConfig } from './config.js';
export type { ModelArch, ModelConfig, ModelRope } from './config.js';
export { loadWeights } from './weights.js';
export type { LayerWeights, LoadWeightsOptions, ModelWeights } from './weights.js';
export { KvCache } from './kv-cache.js';
export { BatchRunner } from './batch-runner.js';
export type { BatchRunnerOptions } from './batch-runner.js';
export { BatchSegment } from './batch-segment.js';
export type { SegmentOutputs } from './batch-segment.js';
export { Activations } from './activations.js';
export type { MutableAttentionParams } from './activations.js';
export { ARCHITECTURES } from './architecture.js';
export type { ArchitectureSpec, ForwardBatch, ForwardFn, ForwardState, ModelParts } from './architecture.js';
export {
  ContextOverflowError,
  InvalidTokenError,
  ModelConfigError,
  ModelError,
  ModelTensorError,
  UnsupportedArchitectureError,
} from './errors.js';
