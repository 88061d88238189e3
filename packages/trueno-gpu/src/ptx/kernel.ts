/**
 * A built kernel (the IR the emitter and emulator read) and a module of kernels for one target.
 */
import { moduleText } from './emit.js';
import type { Instr } from './instr.js';
import type { RegClass } from './types.js';

/** GPU architectures the kernels are built for (Ampere, Ada, Hopper). */
export type SmTarget = 'sm_80' | 'sm_89' | 'sm_90';

/** Every target, for tests that assemble each module for each. */
export const SM_TARGETS: readonly SmTarget[] = ['sm_80', 'sm_89', 'sm_90'];

/** Kernel parameter types. */
export type ParamType = 'u64' | 'u32' | 's32' | 'f32';

/** One `.param` of an entry. */
export interface ParamDecl {
  readonly name: string;
  readonly type: ParamType;
}

/** One `.shared .align A .b8 name[bytes]` array. */
export interface SharedDecl {
  readonly name: string;
  readonly bytes: number;
  readonly align: number;
}

/** A finished kernel: entry name, parameters, shared arrays, register counts per class, body. */
export interface Kernel {
  readonly name: string;
  readonly params: readonly ParamDecl[];
  readonly shared: readonly SharedDecl[];
  /** Highest register id used per class (ids are 1-based). */
  readonly regCounts: Readonly<Record<RegClass, number>>;
  readonly body: readonly Instr[];
  /** Emitted as `.maxntid N, 1, 1` when set (lets ptxas budget registers for the block size). */
  readonly maxThreads?: number;
  /** Comment lines emitted above the entry. */
  readonly doc?: string;
}

/** A PTX module: version, target and its kernels. */
export interface PtxModuleSpec {
  readonly version: string;
  readonly target: SmTarget;
  readonly kernels: readonly Kernel[];
}

/**
 * PTX ISA version of emitted modules. 8.0 is CUDA 12.0's, the oldest that covers sm_90 and every
 * instruction used here, so drivers from CUDA 12.0 on can JIT the text.
 */
export const PTX_VERSION = '8.0';

/** PTX text of `kernels` for `target`. */
export function emitModule(target: SmTarget, kernels: readonly Kernel[]): string {
  return moduleText({ version: PTX_VERSION, target, kernels });
}
