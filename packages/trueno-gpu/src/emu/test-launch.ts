/**
 * Test helper: uploads buffers, launches a kernel in the emulator and reads results back. Not
 * exported from the package.
 */
import type { Kernel } from '../ptx/kernel.js';
import { emulate, type LaunchStats } from './emulate.js';
import { EmuMemory } from './memory.js';

/** Buffers by parameter name: data to upload, or a byte count to allocate (zeroed). */
export type Buffers = Record<string, ArrayBufferView | number>;

/** A finished launch: the memory, each buffer's address and the launch counters. */
export interface Launched {
  readonly mem: EmuMemory;
  readonly addr: Record<string, number>;
  readonly stats: LaunchStats;
  f32(name: string, n: number): Float32Array;
  u32(name: string, n: number): Uint32Array;
}

/** Launches `k` with pointer params from `bufs` and plain values from `scalars`. */
export function launch(
  k: Kernel,
  grid: number[],
  block: number[],
  bufs: Buffers,
  scalars: Record<string, number> = {},
  maxSteps?: number,
  memoryStats = false,
): Launched {
  let bytes = 1024;
  for (const b of Object.values(bufs)) bytes += (typeof b === 'number' ? b : b.byteLength) + 256;
  const mem = new EmuMemory(bytes);
  const addr: Record<string, number> = {};
  for (const [name, b] of Object.entries(bufs)) addr[name] = typeof b === 'number' ? mem.alloc(b) : mem.upload(b);
  const stats = emulate(k, { grid, block, memory: mem, params: { ...addr, ...scalars }, maxStepsPerThread: maxSteps, memoryStats });
  return {
    mem,
    addr,
    stats,
    f32: (name, n) => mem.readF32(addr[name], n),
    u32: (name, n) => new Uint32Array(mem.readBytes(addr[name], n * 4).buffer),
  };
}
