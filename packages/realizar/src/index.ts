export * from './gguf/index.js';
// Tensor-type names for callers above realizar (the CLI), which may not import trueno directly.
export { GGMLType, allDTypes, dtypeByName, dtypeInfo, findDType } from '@sovereign/trueno';
export type { DTypeInfo } from '@sovereign/trueno';
// Backend selection and brick profiling, for the CLI's --backend / --threads / --brick.
export { BACKEND_NAMES, BrickProfiler, backendInfo, calibrateBudgets, renderBrickTable, selectBackend } from '@sovereign/trueno';
export type { BackendInfo, BackendSelection, BrickReport } from '@sovereign/trueno';
// The native addon's load state (ISA, threads, compiler, types, or why it is absent), for `apr info`.
export { loadNative, nativeInfo } from '@sovereign/trueno';
export type { NativeAddonInfo, NativeInfo, NativeLoadResult } from '@sovereign/trueno';
// The CUDA driver's load state (devices, or why CUDA is absent), for `apr info`.
export { gpuInfo } from './gpu-info.js';
export type { GpuDeviceSummary, GpuInfo } from './gpu-info.js';
export { loadCudaDriver } from '@sovereign/trueno-gpu';
export type { CudaDriverLoadResult } from '@sovereign/trueno-gpu';
// The `cuda` backend (trueno-gpu's GpuBackend on a CUDA device), selectable by name; its transfer stats.
import './register-backends.js';
export { GpuBackend, createEmuBackend } from '@sovereign/trueno-gpu';
export type { GpuBackendStats } from '@sovereign/trueno-gpu';
export * from './tokenizer/index.js';
export * from './model/index.js';
export * from './sampler/index.js';
export * from './chat/index.js';
export * from './engine/index.js';
export * from './worker/index.js';
