/**
 * The GPU backend: trueno's Backend over a GpuDevice (CUDA or the PTX emulator), with weights and
 * activations resident on the device; importing this module registers the `cuda` provider.
 */
export { CudaDevice, cudaUnavailableReason, openCudaDevice, type CudaDeviceOpen } from './cuda-device.js';
export { CudaUnavailableError, cudaProvider } from './cuda-provider.js';
export { createEmuBackend } from './emu-backend.js';
export { EmuDevice, type EmuDeviceOptions } from './emu-device.js';
export { GpuBackend, type GpuBackendOptions } from './gpu-backend.js';
export { GpuDeviceError, smTargetFor, type DeviceAddress, type DeviceGraph, type DeviceLaunch, type DeviceStaging, type GpuDevice } from './gpu-device.js';
export type { GpuBackendStats } from './gpu-stats.js';
export type { StepGraphStats } from './step-graphs.js';
