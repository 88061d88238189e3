/**
 * trueno-gpu: GPU kernels written as PTX text generated from TypeScript, and a CUDA driver binding
 * reached by `dlopen("libcuda.so.1")` at run time, so the package installs and tests everywhere.
 */
// The CUDA driver binding (native/ addon + src/driver/).
export * from './driver/index.js';
