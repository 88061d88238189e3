/**
 * trueno-gpu: GPU kernels written as PTX text generated from TypeScript, and a CUDA driver binding
 * reached by `dlopen("libcuda.so.1")` at run time, so the package installs and tests everywhere.
 *
 * - `ptx/`: the typed PTX builder (IR, text emission, ptxas harness).
 * - `emu/`: a PTX emulator that runs the builder's IR on the CPU, the kernels' test oracle device.
 * - `kernels/`: one kernel per file with its launch geometry, TS reference and cost model.
 * - `driver/`: the CUDA driver API (native addon, `dlopen` at run time), typed errors.
 */
export * from './ptx/index.js';
export * from './emu/index.js';
export * from './kernels/index.js';
// The CUDA driver binding (native/ addon + src/driver/).
export * from './driver/index.js';
// The GPU backend (registers the `cuda` provider with trueno's backend registry).
export * from './backend/index.js';
