/**
 * On-device checks: the kernel conformance table (every kernel of src/kernels with its shapes,
 * inputs, TS reference, NMSE bound and cost model), its emulator and CUDA runners, and the
 * `gpu-check` program the GPU kit (tools/gpu-kit.mjs) bundles for a device machine.
 */
export {
  ConformanceCaseError,
  seeded,
  type BufferInit,
  type CaseArg,
  type CaseBuffer,
  type CaseContext,
  type CaseFactory,
  type CaseLaunch,
  type CaseOutput,
  type CaseScale,
  type ConformanceCase,
  type ConformanceEntry,
} from './conformance-case.js';
export { loadConformanceTable, unloadableEntry } from './conformance-table.js';
export {
  compareOutputs,
  formatConformanceHeader,
  formatConformanceReport,
  formatConformanceRow,
  runKernelConformance,
  type ConformanceOptions,
  type ConformanceReport,
  type ConformanceRow,
} from './kernel-conformance.js';
export { CudaCaseRunner, smTargetFor, type CaseTiming, type CudaRunOptions } from './run-cuda.js';
export { runCaseEmulated, type CaseRun } from './run-emulated.js';
export { GPU_CHECK_EXIT, GPU_CHECK_USAGE, GpuCheckUsageError, gpuCheck, parseGpuCheckArgs, type GpuCheckArgs } from './gpu-check.js';
