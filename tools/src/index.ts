/**
 * `@sovereign/tools`: the GGUF model generator (test fixtures the project makes itself).
 *
 * {@link generateModel} writes a preset-shaped model (tiny, tiny-k, qwen2.5-0.5b, qwen2.5-1.5b,
 * llama-tiny) with seeded random weights in any supported type or llama.cpp mix, with the real
 * Qwen2.5 BPE tokenizer and chat template.
 */
export {
  DEFAULT_SEED,
  generateModel,
  planModel,
  summarizeTypes,
  type GenerateModelOptions,
  type GenerateModelResult,
  type GenerateProgress,
  type GeneratedTensor,
} from './generate-model.js';
export { getPreset, hasQkvBias, headDim, presetIds, type ModelPreset, type PresetArch } from './model-presets.js';
export {
  LlamaFileType,
  isQuantizedType,
  modelTypeNames,
  resolveModelType,
  type ModelTypeSpec,
  type RecipeKind,
} from './model-types.js';
export {
  allowsQuantization,
  chooseTensorTypes,
  compareWeightNames,
  fallbackType,
  useMoreBits,
  type RecipeModel,
  type RecipeTensor,
} from './quant-recipe.js';
export {
  QWEN25_ADDED_TOKENS,
  QWEN25_BOS_ID,
  QWEN25_EOS_ID,
  QWEN25_PAD_ID,
  QWEN25_VOCAB_SIZE,
  QWEN2_BPE_TOKENS,
  TokenType,
  doesTokenLookSpecial,
  loadQwen2Vocab,
  type Qwen2Vocab,
} from './qwen2-vocab.js';
export { QWEN25_CHAT_TEMPLATE } from './qwen2-chat-template.js';
export {
  qwen2TokenizerMetadata,
  tokenizerMetadataFrom,
  type TokenizerMetadata,
} from './tokenizer-metadata.js';
export { GGML_QNT_VERSION, buildMetadata } from './model-metadata.js';
export { elementCount, planTensors, type TensorPlan } from './tensor-plan.js';
export { tensorBytes } from './tensor-data.js';
export { TensorPool, defaultThreads, type TensorJob } from './tensor-pool.js';
export {
  BIAS_INIT,
  NORM_INIT,
  WEIGHT_INIT,
  WeightStream,
  fnv1a32,
  tensorValues,
  type WeightInit,
} from './random-weights.js';
export {
  GeneratorOptionError,
  TensorShapeError,
  UnknownModelTypeError,
  UnknownPresetError,
  VocabSourceError,
} from './errors.js';
