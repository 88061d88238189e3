/**
 * The PTX emulator: runs a built kernel's IR on the CPU over a grid, as a test oracle device.
 *
 * Model: blocks run one after another; inside a block every thread is an independent
 * interpreter, scheduled round-robin, each running until it exits or reaches a synchronising
 * instruction. A warp collective (shfl.sync, mma.sync) executes once all non-exited lanes of the
 * warp wait at that same instruction; bar.sync releases once every non-exited thread of the block
 * waits at a barrier. Anything else is reported as a deadlock with each warp's state.
 *
 * Checks beyond the hardware's: a guarded `bra.uni` whose lanes disagree throws (undefined on the
 * GPU), as do the memory faults of EmuMemory and shfl masks naming exited lanes.
 *
 * Limits (what this does not model): memory ordering between threads outside barriers (a thread
 * runs to its next sync point before others, so races show one interleaving only); the .nc / L1 /
 * L2 caches; timing. 64-bit integers are JS numbers, exact up to 2^53 (enough for addresses; an
 * inexact result throws). Approximate instructions (rcp/rsqrt/ex2/lg2/sin/cos.approx,
 * div.approx) return the correctly rounded f32 result, so GPU results may differ by their ulp
 * error; mma.sync accumulates in double then rounds once. Registers and shared memory start at 0
 * (the GPU leaves them undefined). Half-precision arithmetic (add.f16 …) is not emulated; cvt,
 * mov and mma on halves are. Speed: 1.5-2.5·10^7 instructions per second
 * (a 1023-row × 352 Q8_0 GEMV, 3.4M instructions, runs in ~0.25 s).
 */
import type { Kernel } from '../ptx/kernel.js';
import { BARRIER, type Program, RET, WARP, compileKernel } from './compile.js';
import { EmuMemory } from './memory.js';
import { BlockMemoryRecorder, type MemoryStats, emptyMemoryStats } from './memory-stats.js';
import { EmuRuntimeError } from './operands.js';
import { type BlockContext, EXITED, EmuThread, RUNNING, WAITING } from './thread.js';

/** Launch configuration and arguments of one emulated launch. */
export interface LaunchOptions {
  /** Blocks in x, y, z (`[n]` means `[n, 1, 1]`). */
  readonly grid: readonly number[];
  /** Threads per block in x, y, z. */
  readonly block: readonly number[];
  /** Global memory holding the buffers the pointer parameters address. */
  readonly memory: EmuMemory;
  /** Parameter values by name: addresses from `memory.alloc`, integers, floats. */
  readonly params: Readonly<Record<string, number>>;
  /** Instruction budget per thread before the launch is declared a runaway loop (default 10^7). */
  readonly maxStepsPerThread?: number;
  /** Collect global-memory request / sector counts (slower; see memory-stats.ts). */
  readonly memoryStats?: boolean;
}

/** Counters of one launch. */
export interface LaunchStats {
  readonly blocks: number;
  readonly threads: number;
  /** Instructions executed (plain, per thread; each collective counted once per lane). */
  readonly instructions: number;
  /** Global-memory requests and sectors, when `memoryStats` was set. */
  readonly memory?: MemoryStats;
}

const programs = [new WeakMap<Kernel, Program>(), new WeakMap<Kernel, Program>()];

/** The compiled program of `k` (cached per kernel object; `memoryStats` compiles recording loads/stores). */
export function programOf(k: Kernel, memoryStats = false): Program {
  const cache = programs[memoryStats ? 1 : 0];
  let p = cache.get(k);
  if (!p) {
    p = compileKernel(k, memoryStats);
    cache.set(k, p);
  }
  return p;
}

function dim3(v: readonly number[], what: string): [number, number, number] {
  const d: [number, number, number] = [v[0] ?? 1, v[1] ?? 1, v[2] ?? 1];
  if (d.some((x) => !Number.isInteger(x) || x < 1)) throw new RangeError(`${what} must be 1 to 3 positive integers, got [${v.join(', ')}]`);
  return d;
}

/** Runs `kernel` over `opts.grid` × `opts.block` on the CPU. */
export function emulate(kernel: Kernel, opts: LaunchOptions): LaunchStats {
  const prog = programOf(kernel, opts.memoryStats ?? false);
  const memory = opts.memoryStats ? emptyMemoryStats() : undefined;
  const grid = dim3(opts.grid, 'grid');
  const block = dim3(opts.block, 'block');
  const nThreads = block[0] * block[1] * block[2];
  if (nThreads > 1024) throw new RangeError(`a block holds at most 1024 threads, got ${nThreads}`);
  const params = new Map<string, number>();
  for (const p of kernel.params) {
    const v = opts.params[p.name];
    if (v === undefined || !Number.isFinite(v)) throw new RangeError(`kernel ${kernel.name}: parameter '${p.name}' (.${p.type}) needs a finite value`);
    params.set(p.name, v);
  }
  const blk: BlockContext = {
    ntid: block,
    nctaid: grid,
    ctaid: [0, 0, 0],
    shared: new EmuMemory(Math.max(prog.sharedBytes, 1), 'shared'),
    global: opts.memory,
    params,
    uniBranches: new Map(),
    memRecorder: memory ? new BlockMemoryRecorder() : undefined,
  };
  const threads: EmuThread[] = [];
  for (let i = 0; i < nThreads; i++) threads.push(new EmuThread(prog.layout, blk));
  const maxSteps = opts.maxStepsPerThread ?? 1e7;
  let instructions = 0;
  for (let bz = 0; bz < grid[2]; bz++) {
    for (let by = 0; by < grid[1]; by++) {
      for (let bx = 0; bx < grid[0]; bx++) {
        blk.ctaid = [bx, by, bz];
        blk.shared.bytes.fill(0);
        blk.uniBranches.clear();
        let lin = 0;
        for (let z = 0; z < block[2]; z++) for (let y = 0; y < block[1]; y++) for (let x = 0; x < block[0]; x++, lin++) threads[lin].reset(lin, x, y, z);
        instructions += runBlock(prog, threads, maxSteps, kernel.name, blk.ctaid);
        if (memory) blk.memRecorder!.flush(memory);
      }
    }
  }
  return { blocks: grid[0] * grid[1] * grid[2], threads: nThreads * grid[0] * grid[1] * grid[2], instructions, memory };
}

function runThread(prog: Program, t: EmuThread, maxSteps: number): number {
  const steps = prog.steps;
  let n = 0;
  for (;;) {
    const s = steps[t.pc];
    if (s.kind !== 0) {
      if (s.guard && !s.guard(t)) {
        t.pc++;
        continue;
      }
      t.status = s.kind === RET ? EXITED : WAITING;
      t.steps += n;
      return n;
    }
    t.pc++;
    s.run(t);
    if (++n > maxSteps) {
      throw new EmuRuntimeError(`thread ${t.linear} ran more than ${maxSteps} instructions (pc ${t.pc}): a runaway loop, or raise maxStepsPerThread`);
    }
  }
}

function runBlock(prog: Program, threads: EmuThread[], maxSteps: number, name: string, ctaid: readonly number[]): number {
  const steps = prog.steps;
  const nWarps = Math.ceil(threads.length / 32);
  const lanes: (EmuThread | undefined)[] = new Array(32);
  let count = 0;
  for (;;) {
    for (const t of threads) if (t.status === RUNNING) count += runThread(prog, t, maxSteps - t.steps);
    let progressed = false;
    let live = 0;
    let atBarrier = 0;
    for (let w = 0; w < nWarps; w++) {
      let pc = -1;
      let same = true;
      let waitingWarp = 0;
      let nonExited = 0;
      for (let l = 0; l < 32; l++) {
        const t = threads[w * 32 + l];
        lanes[l] = t && t.status !== EXITED ? t : undefined;
        if (!lanes[l]) continue;
        nonExited++;
        const k = steps[t.pc].kind;
        if (k === WARP) {
          waitingWarp++;
          if (pc === -1) pc = t.pc;
          else if (pc !== t.pc) same = false;
        } else if (k === BARRIER) atBarrier++;
      }
      live += nonExited;
      if (waitingWarp > 0 && waitingWarp === nonExited) {
        if (!same) throw deadlock(name, ctaid, threads, prog, `warp ${w}: lanes wait at different warp-collective instructions`);
        steps[pc].warp!(lanes);
        for (const t of lanes) {
          if (!t) continue;
          t.pc++;
          t.status = RUNNING;
        }
        count += nonExited;
        progressed = true;
      }
    }
    if (live === 0) return count;
    if (progressed) continue;
    if (atBarrier === live) {
      for (const t of threads) {
        if (t.status === EXITED) continue;
        t.pc++;
        t.status = RUNNING;
      }
      count += live;
      continue;
    }
    throw deadlock(name, ctaid, threads, prog, 'no warp can complete its collective and not every live thread is at bar.sync');
  }
}

function deadlock(name: string, ctaid: readonly number[], threads: EmuThread[], prog: Program, why: string): EmuRuntimeError {
  const lines: string[] = [];
  for (let w = 0; w * 32 < threads.length; w++) {
    const at = new Map<string, number[]>();
    for (const t of threads.slice(w * 32, w * 32 + 32)) {
      const key = t.status === EXITED ? 'exited' : `pc ${t.pc} (${prog.steps[t.pc].instr.op})`;
      at.set(key, [...(at.get(key) ?? []), t.lane]);
    }
    lines.push(`  warp ${w}: ${[...at].map(([k, v]) => `${k}: lanes ${v.length === 32 ? 'all' : v.join(',')}`).join('; ')}`);
  }
  return new EmuRuntimeError(`deadlock in kernel ${name}, block [${ctaid.join(', ')}]: ${why}\n${lines.join('\n')}`);
}
