/** The PTX emulator (a CPU test oracle for kernels built with the PTX builder). */
export { emulate, programOf, type LaunchOptions, type LaunchStats } from './emulate.js';
export { EmuMemory, EmuMemoryError } from './memory.js';
export { EmuCompileError, EmuRuntimeError } from './operands.js';
export { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits, fmaF32, roundF32 } from './numerics.js';
export { BlockMemoryRecorder, emptyMemoryStats, type AccessCounters, type MemoryStats } from './memory-stats.js';
