/**
 * The CUDA driver binding: {@link loadCudaDriver} finds libcuda at run time (never throws), a
 * {@link CudaDriver} lists devices and makes {@link CudaContext}s, which load PTX, own device
 * memory, streams and graphs, and launch kernels. Driver failures are typed {@link CudaError}s.
 */
export { loadCudaDriver } from './load-cuda-driver.js';
export type { CudaDriverLoadResult, LoadCudaDriverOptions } from './load-cuda-driver.js';
export { CudaDriver, CU_DEVICE_ATTRIBUTE, bandwidthEstimate } from './cuda-driver.js';
export type { CudaDeviceInfo, CudaDriverFeatures } from './cuda-driver.js';
export { CudaContext, CudaFunction, CudaModule } from './cuda-context.js';
export type { PinnedHostBuffer } from './cuda-context.js';
export { CudaGraph, CudaStream } from './cuda-stream.js';
export type { CaptureMode, Dim3, LaunchConfig } from './cuda-stream.js';
export { DeviceBuffer, formatBytes } from './device-memory.js';
export type { DevicePointer } from './device-memory.js';
export { checkParams, packParams } from './kernel-params.js';
export type { KernelParam, KernelParamType } from './kernel-params.js';
export { formatDriverVersion, jitAdvice, minDriverForPtx, parsePtxHeader } from './ptx-header.js';
export type { PtxEntry, PtxHeader, PtxParamType } from './ptx-header.js';
export {
  CUDA_ERROR_NAMES,
  CudaCaptureError,
  CudaError,
  CudaJitError,
  CudaLaunchError,
  CudaNotInitializedError,
  CudaNotSupportedError,
  CudaOutOfMemoryError,
  CudaUsageError,
  cudaErrorName,
  toCudaError,
} from './cuda-error.js';
export type { CudaErrorInfo } from './cuda-error.js';
export type { HostMemory } from './native-binding.js';
