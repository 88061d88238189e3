/**
 * Per-thread state of the emulator and the register layout of a kernel. 32-bit-or-narrower
 * registers (pred, b16, b32, f32 classes) share one ArrayBuffer viewed as u32 / i32 / f32, so a
 * `mov.b32` between an f32 and a b32 register moves the bits; 64-bit registers are JS numbers in a
 * Float64Array (integers exact up to 2^53, see emulate()'s limits).
 */
import type { Kernel } from '../ptx/kernel.js';
import type { Reg, RegClass } from '../ptx/types.js';
import type { EmuMemory } from './memory.js';
import type { BlockMemoryRecorder } from './memory-stats.js';

/** Thread status in the scheduler. */
export const RUNNING = 0;
/** Stopped at a bar.sync or a warp-collective instruction (pc points at it). */
export const WAITING = 1;
/** Executed ret/exit. */
export const EXITED = 2;

/** Block-wide context shared by a block's threads. */
export interface BlockContext {
  readonly ntid: readonly [number, number, number];
  readonly nctaid: readonly [number, number, number];
  ctaid: [number, number, number];
  shared: EmuMemory;
  readonly global: EmuMemory;
  readonly params: ReadonlyMap<string, number>;
  /**
   * Decisions of guarded `bra.uni` per warp and pc, in visit order (key `warp * 2^20 + pc`),
   * so later lanes can be checked against the first lane of their warp. Cleared per block.
   */
  readonly uniBranches: Map<number, number[]>;
  /** Set when the launch collects global-memory statistics. */
  readonly memRecorder?: BlockMemoryRecorder;
}

/** Where each register class starts in the 32-bit or the 64-bit register file. */
export interface RegLayout {
  readonly base: Readonly<Record<RegClass, number>>;
  readonly n32: number;
  readonly n64: number;
}

/** The register file layout of `k` (register ids are 1-based, so slot = base + id). */
export function regLayout(k: Kernel): RegLayout {
  const c = k.regCounts;
  const base: Record<RegClass, number> = { pred: 0, b16: 0, b32: 0, f32: 0, b64: 0, f64: 0 };
  base.b16 = c.pred + 1;
  base.b32 = base.b16 + c.b16 + 1;
  base.f32 = base.b32 + c.b32 + 1;
  base.f64 = c.b64 + 1;
  return { base, n32: base.f32 + c.f32 + 1, n64: base.f64 + c.f64 + 1 };
}

/** True for classes stored in the 32-bit register file. */
export function is32(cls: RegClass): boolean {
  return cls !== 'b64' && cls !== 'f64';
}

/** The slot of `r` in its register file. */
export function slotOf(L: RegLayout, r: Reg): number {
  return L.base[r.cls] + r.id;
}

/** One emulated thread. */
export class EmuThread {
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f32: Float32Array;
  readonly r64: Float64Array;
  pc = 0;
  status = RUNNING;
  steps = 0;
  /** Visits of each guarded `bra.uni` by this thread (pc → count). */
  readonly uniVisits = new Map<number, number>();
  /** Executions of each global load/store step by this thread (only with memory statistics). */
  readonly memVisits = new Map<number, number>();
  readonly tid: [number, number, number] = [0, 0, 0];
  /** Linear index in the block (x fastest), lane = linear % 32, warp = linear / 32. */
  linear = 0;
  lane = 0;
  warp = 0;

  constructor(
    L: RegLayout,
    readonly blk: BlockContext,
  ) {
    const buf = new ArrayBuffer(L.n32 * 4);
    this.u32 = new Uint32Array(buf);
    this.i32 = new Int32Array(buf);
    this.f32 = new Float32Array(buf);
    this.r64 = new Float64Array(L.n64);
  }

  /** Resets registers and status for a new block (registers start at 0). */
  reset(linear: number, tx: number, ty: number, tz: number): void {
    this.u32.fill(0);
    this.r64.fill(0);
    this.pc = 0;
    this.status = RUNNING;
    this.steps = 0;
    this.uniVisits.clear();
    this.memVisits.clear();
    this.linear = linear;
    this.lane = linear & 31;
    this.warp = linear >>> 5;
    this.tid[0] = tx;
    this.tid[1] = ty;
    this.tid[2] = tz;
  }
}
