/**
 * One conformance case of a kernel, described independently of the device that runs it: the
 * buffers to upload (or zero, or fill with the addresses of other buffers), the launches in
 * order with their arguments by parameter name, the outputs to read back with the TS
 * reference's values, the NMSE bound, and the cost model. The emulator runner
 * (run-emulated.ts) and the CUDA runner (run-cuda.ts) both execute this description, so the
 * table (conformance-table.ts) is tested here on the emulator and runs unchanged on a GPU.
 */
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import type { KernelCost } from '../kernels/kernel-model.js';

/** How a buffer starts: uploaded data, `bytes` zeroed bytes, or a u64 table of other buffers' addresses. */
export type BufferInit = ArrayBufferView | number | { readonly pointers: readonly string[] };

/** A device buffer of a case. */
export interface CaseBuffer {
  readonly name: string;
  readonly init: BufferInit;
}

/** A kernel argument: a buffer's address (plus a byte offset), or a plain number typed by the kernel's parameter. */
export type CaseArg = number | { readonly buf: string; readonly offset?: number };

/** One launch of a case. */
export interface CaseLaunch {
  readonly kernel: Kernel;
  readonly grid: readonly [number, number, number];
  readonly block: readonly [number, number, number];
  /** Every parameter of `kernel`, by name. */
  readonly args: Readonly<Record<string, CaseArg>>;
}

/** An output compared against the reference after the launches. */
export interface CaseOutput {
  readonly buf: string;
  /** f32 outputs are compared by NMSE; u32 outputs (argmax indices) must be equal (mismatches counted). */
  readonly type: 'f32' | 'u32';
  readonly ref: Float32Array | Uint32Array;
  /** Byte offset into the buffer (default 0). */
  readonly offset?: number;
}

/** A ready case: what to run, what must come out, and what it should cost. */
export interface ConformanceCase {
  readonly buffers: readonly CaseBuffer[];
  readonly launches: readonly CaseLaunch[];
  readonly outputs: readonly CaseOutput[];
  /** Bytes and flops of all launches together (kernel-model.ts). */
  readonly cost: KernelCost;
  /** The cost model's time at `bandwidthGBs` (default: bytes / bandwidth, kernel-model.ts `predictedMicros`). */
  readonly predictMicros?: (bandwidthGBs: number) => number;
  /** A bound for this shape that overrides the entry's (e.g. one that grows with K). */
  readonly bound?: number;
}

/** What a case factory gets: the target, and a memo so one kernel object serves every shape of a table entry. */
export interface CaseContext {
  readonly sm: SmTarget;
  /** Streaming multiprocessors of the device (split-K plans); undefined in the emulator (plans assume 132, an H100 SXM). */
  readonly multiprocessors?: number;
  /** The kernel `key` of this entry, built once per runner and target. */
  kernel(key: string, build: () => Kernel): Kernel;
}

/** One shape of a table entry. */
export interface CaseFactory {
  /** Human-readable shape, e.g. `4864x896 M=1`. */
  readonly shape: string;
  make(ctx: CaseContext): ConformanceCase;
}

/** Where a shape is meant to run: `emu` small odd sizes (seconds in the emulator), `device` odd plus model-sized shapes. */
export type CaseScale = 'emu' | 'device';

/** One row of the table: a kernel (or a pair of launches that together make one op). */
export interface ConformanceEntry {
  /** Kernel name as in the PTX (`gemv_q8_0`; a pair of launches: `argmax_partial_f32+reduce`). */
  readonly name: string;
  /** The NMSE bound (tolerances.ts); 0 = bit-identical / exact. */
  readonly bound: number;
  /** Name of the bound's constant, for the report. */
  readonly boundName: string;
  cases(scale: CaseScale): readonly CaseFactory[];
}

export { seeded } from '../kernels/seeded.js';

/** Bytes a buffer occupies (a pointer table: 8 per entry). */
export function bufferBytes(init: BufferInit): number {
  if (typeof init === 'number') return init;
  if (ArrayBuffer.isView(init)) return init.byteLength;
  return 8 * init.pointers.length;
}

/** Total bytes of a case's buffers. */
export function caseBytes(c: ConformanceCase): number {
  return c.buffers.reduce((s, b) => s + bufferBytes(b.init), 0);
}

/** Thrown when a case description is inconsistent (an argument names no buffer, a parameter has no argument). */
export class ConformanceCaseError extends Error {
  override name = 'ConformanceCaseError';
}

/** The buffer named by an argument; throws {@link ConformanceCaseError} naming the kernel when absent. */
export function argBuffer(c: ConformanceCase, kernel: Kernel, param: string, arg: CaseArg): CaseBuffer | undefined {
  if (typeof arg === 'number') return undefined;
  const b = c.buffers.find((x) => x.name === arg.buf);
  if (!b) throw new ConformanceCaseError(`${kernel.name}: parameter '${param}' names buffer '${arg.buf}', which the case does not declare`);
  return b;
}

/** The argument of each parameter of `l.kernel`, in declaration order; throws when one is missing. */
export function orderedArgs(l: CaseLaunch): { name: string; type: Kernel['params'][number]['type']; arg: CaseArg }[] {
  return l.kernel.params.map((p) => {
    const arg = l.args[p.name];
    if (arg === undefined) throw new ConformanceCaseError(`${l.kernel.name}: no argument for parameter '${p.name}' (.${p.type})`);
    return { name: p.name, type: p.type, arg };
  });
}
