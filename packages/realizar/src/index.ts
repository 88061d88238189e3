export * from './gguf/index.js';
// Tensor-type names for callers above realizar (the CLI), which may not import trueno directly.
export { GGMLType, allDTypes, dtypeByName, dtypeInfo, findDType } from '@sovereign/trueno';
export type { DTypeInfo } from '@sovereign/trueno';
export * from './tokenizer/index.js';
export * from './model/index.js';
export * from './sampler/index.js';
export * from './chat/index.js';
export * from './engine/index.js';
