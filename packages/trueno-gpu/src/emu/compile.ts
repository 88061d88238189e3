/**
 * Compiles a kernel's IR into closures, one per instruction: plain steps run inside one thread;
 * `bar.sync` and the warp collectives (`shfl.sync`, `mma.sync`) become scheduler stops with a
 * warp-wide executor (warp-ops.ts). Labels and comments compile to nothing.
 */
import type { Instr } from '../ptx/instr.js';
import type { Kernel } from '../ptx/kernel.js';
import { type PtxType, typeBytes } from '../ptx/types.js';
import { type R, addrReader, compileAtom, compileBin, compileCvt, compileUn, memOf, mulExact } from './compile-alu.js';
import { f32ToBf16Bits, f32ToF16Bits, fmaF32 } from './numerics.js';
import { EmuCompileError, EmuRuntimeError, type Reader, reader, sharedOffsets, writer } from './operands.js';
import { type EmuThread, type RegLayout, regLayout, slotOf } from './thread.js';
import { mmaExecutor, shflExecutor, voteExecutor, type WarpExecutor } from './warp-ops.js';

/** Kinds of compiled steps. */
export const PLAIN = 0;
/** `bar.sync`. */
export const BARRIER = 1;
/** `shfl.sync` / `mma.sync`. */
export const WARP = 2;
/** `ret`. */
export const RET = 3;

/** One compiled instruction. */
export interface Step {
  readonly kind: number;
  readonly run: (t: EmuThread) => void;
  /** Guard of a non-plain step (plain steps fold it into `run`). */
  readonly guard?: (t: EmuThread) => boolean;
  readonly warp?: WarpExecutor;
  readonly instr: Instr;
}

/** A kernel compiled for the emulator. */
export interface Program {
  readonly kernel: Kernel;
  readonly layout: RegLayout;
  readonly steps: readonly Step[];
  readonly sharedBytes: number;
  readonly sharedOffsets: ReadonlyMap<string, number>;
}

const isFloatT = (t: PtxType): boolean => t === 'f32' || t === 'f64';
const isSigned = (t: PtxType): boolean => t[0] === 's';
const bitsOf = (t: PtxType): number => typeBytes(t) * 8;
const nop = (): void => {};

/** Compiles `k`; throws {@link EmuCompileError} for IR outside the emulated subset. */
export function compileKernel(k: Kernel, memoryStats = false): Program {
  const L = regLayout(k);
  const { offsets, bytes } = sharedOffsets(k);
  const labels = new Map<string, number>();
  let n = 0;
  for (const i of k.body) {
    if (i.op === 'label') labels.set(i.name, n);
    else if (i.op !== 'comment') n++;
  }
  const steps: Step[] = [];
  for (const i of k.body) {
    if (i.op === 'label' || i.op === 'comment') continue;
    const step = i.op === 'bra' && i.uni && i.guard ? uniformBranch(i, L, labels, steps.length, k.name) : compileInstr(i, L, offsets, labels);
    const global = (i.op === 'ld' || i.op === 'st') && i.space === 'global';
    steps.push(memoryStats && global ? recorded(step, i, L, offsets, steps.length) : step);
  }
  return { kernel: k, layout: L, steps, sharedBytes: bytes, sharedOffsets: offsets };
}

/**
 * A guarded `bra.uni`: PTX requires every active lane of the warp to take the same direction
 * (a divergent .uni branch is undefined behaviour on the GPU). Each lane's n-th visit is checked
 * against the first-arriving lane's n-th decision.
 */
function uniformBranch(i: Extract<Instr, { op: 'bra' }>, L: RegLayout, labels: ReadonlyMap<string, number>, pc: number, name: string): Step {
  const target = labels.get(i.target);
  if (target === undefined) throw new EmuCompileError(`bra to ${i.target}, which is not placed in the kernel`);
  const s = slotOf(L, i.guard!.p);
  const neg = i.guard!.neg;
  return {
    kind: PLAIN,
    instr: i,
    run: (t) => {
      const taken = (t.u32[s] !== 0) !== neg ? 1 : 0;
      const visit = t.uniVisits.get(pc) ?? 0;
      t.uniVisits.set(pc, visit + 1);
      const key = t.warp * 1048576 + pc;
      let seen = t.blk.uniBranches.get(key);
      if (!seen) t.blk.uniBranches.set(key, (seen = []));
      if (visit === seen.length) seen.push(taken);
      else if (seen[visit] !== taken) {
        throw new EmuRuntimeError(
          `kernel ${name}: bra.uni to ${i.target} (step ${pc}) diverges in warp ${t.warp}: lane ${t.lane} ${taken ? 'takes' : 'does not take'} it ` +
            `on visit ${visit + 1}, an earlier lane ${taken ? 'did not' : 'did'}; use a plain bra or make the predicate warp-uniform`,
        );
      }
      if (taken) t.pc = target;
    },
  };
}

/** Wraps a global ld/st so each execution is recorded (address, bytes) for the memory statistics. */
function recorded(step: Step, i: Extract<Instr, { op: 'ld' | 'st' }>, L: RegLayout, shared: ReadonlyMap<string, number>, pc: number): Step {
  const addr = addrReader(i.addr, L, shared);
  const bytes = typeBytes(i.type) * (i.op === 'ld' ? i.ds.length : i.srcs.length);
  const store = i.op === 'st';
  const g = i.guard;
  const s = g ? slotOf(L, g.p) : 0;
  const inner = step.run;
  return {
    ...step,
    run: (t) => {
      if (!g || (t.u32[s] !== 0) !== g.neg) {
        const visit = t.memVisits.get(pc) ?? 0;
        t.memVisits.set(pc, visit + 1);
        t.blk.memRecorder!.record(t.warp, pc, visit, addr(t), bytes, store);
      }
      inner(t);
    },
  };
}

function compileInstr(i: Instr, L: RegLayout, shared: ReadonlyMap<string, number>, labels: ReadonlyMap<string, number>): Step {
  const R = (o: Parameters<typeof reader>[0], t: PtxType): Reader => reader(o, t, L, shared);
  let guard: ((t: EmuThread) => boolean) | undefined;
  if (i.guard) {
    const s = slotOf(L, i.guard.p);
    guard = i.guard.neg ? (t) => t.u32[s] === 0 : (t) => t.u32[s] !== 0;
  }
  if (i.op === 'bar') return { kind: BARRIER, run: nop, guard, instr: i };
  if (i.op === 'ret') return { kind: RET, run: nop, guard, instr: i };
  if (i.op === 'shfl') return { kind: WARP, run: nop, guard, warp: shflExecutor(i, L, shared), instr: i };
  if (i.op === 'mma') return { kind: WARP, run: nop, guard, warp: mmaExecutor(i, L), instr: i };
  if (i.op === 'vote') return { kind: WARP, run: nop, guard, warp: voteExecutor(i, L, shared), instr: i };
  if (i.op === 'membar') return { kind: PLAIN, run: nop, instr: i };
  const body = compilePlain(i, L, shared, labels, R);
  const g = guard;
  return { kind: PLAIN, run: g ? (t) => void (g(t) && body(t)) : body, instr: i };
}

function compilePlain(
  i: Instr,
  L: RegLayout,
  shared: ReadonlyMap<string, number>,
  labels: ReadonlyMap<string, number>,
  R: R,
): (t: EmuThread) => void {
  switch (i.op) {
    case 'mov': {
      const a = R(i.a, i.type);
      const w = writer(i.d, i.type, L);
      return (t) => w(t, a(t));
    }
    case 'pack': {
      const pt = i.type === 'b32' ? 'b16' : 'b32';
      const [lo, hi] = i.parts.map((p) => R(p, pt));
      const w = writer(i.d, i.type, L);
      return i.type === 'b32' ? (t) => w(t, (lo(t) | (hi(t) << 16)) >>> 0) : (t) => w(t, lo(t) + hi(t) * 4294967296);
    }
    case 'unpack': {
      const a = R(i.a, i.type);
      const pt = i.type === 'b32' ? 'b16' : 'b32';
      const [wl, wh] = i.ds.map((d) => writer(d, pt, L));
      if (i.type === 'b32') {
        return (t) => {
          const v = a(t);
          wl(t, v & 0xffff);
          wh(t, v >>> 16);
        };
      }
      return (t) => {
        const v = a(t);
        wl(t, v % 4294967296);
        wh(t, Math.floor(v / 4294967296));
      };
    }
    case 'ld': {
      const ws = i.ds.map((d) => writer(d, i.type, L));
      const size = typeBytes(i.type);
      if (i.space === 'param') {
        const a = i.addr.base;
        if (a.kind !== 'sym' || i.addr.offset !== 0) throw new EmuCompileError('ld.param needs a parameter name without offset');
        const name = a.name;
        const cv = i.type === 'f32' ? Math.fround : (v: number): number => v;
        return (t) => ws[0](t, cv(t.blk.params.get(name)!));
      }
      const addr = addrReader(i.addr, L, shared);
      const mem = memOf(i.space);
      const type = i.type;
      if (ws.length === 1) return (t) => ws[0](t, mem(t).load(type, addr(t)));
      const vecBytes = size * ws.length;
      return (t) => {
        const m = mem(t);
        const a = addr(t);
        m.check(a, vecBytes, vecBytes, `ld.v${ws.length}`);
        for (let k = 0; k < ws.length; k++) ws[k](t, m.load(type, a + k * size));
      };
    }
    case 'st': {
      const rs = i.srcs.map((s) => R(s, i.type));
      const size = typeBytes(i.type);
      const addr = addrReader(i.addr, L, shared);
      const mem = memOf(i.space);
      const type = i.type;
      if (rs.length === 1) return (t) => mem(t).store(type, addr(t), rs[0](t));
      const vecBytes = size * rs.length;
      return (t) => {
        const m = mem(t);
        const a = addr(t);
        m.check(a, vecBytes, vecBytes, `st.v${rs.length}`);
        const vals = rs.map((r) => r(t));
        for (let k = 0; k < vals.length; k++) m.store(type, a + k * size, vals[k]);
      };
    }
    case 'cvt':
      return compileCvt(i, L, R);
    case 'cvtpack': {
      const a = R(i.a, 'f32');
      const b = R(i.b, 'f32');
      const cv = i.dtype === 'f16x2' ? f32ToF16Bits : f32ToBf16Bits;
      const w = writer(i.d, 'b32', L);
      return (t) => w(t, ((cv(a(t)) << 16) | cv(b(t))) >>> 0);
    }
    case 'cvta': {
      const a = R(i.a, 'u64');
      const w = writer(i.d, 'u64', L);
      return (t) => w(t, a(t));
    }
    case 'bin':
      return compileBin(i, L, R);
    case 'un':
      return compileUn(i, L, R);
    case 'mad': {
      const a = R(i.a, i.type);
      const b = R(i.b, i.type);
      const wide = i.mode === 'wide';
      const ctype: PtxType = wide ? (isSigned(i.type) ? 's64' : 'u64') : i.type;
      const c = R(i.c, ctype);
      const w = writer(i.d, ctype, L);
      if (i.type === 'f32') return (t) => w(t, fmaF32(a(t), b(t), c(t)));
      if (i.type === 'f64') return (t) => w(t, a(t) * b(t) + c(t));
      if (wide) return (t) => w(t, mulExact(a(t), b(t)) + c(t));
      if (bitsOf(i.type) === 64) return (t) => w(t, Number(BigInt.asIntN(64, BigInt(a(t)) * BigInt(b(t)) + BigInt(c(t)))));
      return (t) => w(t, Math.imul(a(t), b(t)) + c(t));
    }
    case 'setp': {
      const a = R(i.a, i.type);
      const b = R(i.b, i.type);
      const w = writer(i.d, 'pred', L);
      const float = isFloatT(i.type);
      switch (i.cmp) {
        case 'eq':
          return (t) => w(t, a(t) === b(t) ? 1 : 0);
        case 'ne':
          return float
            ? (t) => {
                const x = a(t);
                const y = b(t);
                w(t, x !== y && x === x && y === y ? 1 : 0);
              }
            : (t) => w(t, a(t) !== b(t) ? 1 : 0);
        case 'lt':
          return (t) => w(t, a(t) < b(t) ? 1 : 0);
        case 'le':
          return (t) => w(t, a(t) <= b(t) ? 1 : 0);
        case 'gt':
          return (t) => w(t, a(t) > b(t) ? 1 : 0);
        case 'ge':
          return (t) => w(t, a(t) >= b(t) ? 1 : 0);
      }
      break;
    }
    case 'selp': {
      const a = R(i.a, i.type);
      const b = R(i.b, i.type);
      const s = slotOf(L, i.p);
      const w = writer(i.d, i.type, L);
      return (t) => w(t, t.u32[s] !== 0 ? a(t) : b(t));
    }
    case 'bra': {
      const target = labels.get(i.target);
      if (target === undefined) throw new EmuCompileError(`bra to ${i.target}, which is not placed in the kernel`);
      return (t) => void (t.pc = target);
    }
    case 'atom':
      return compileAtom(i, L, shared, R);
    case 'dp4a': {
      const a = R(i.a, 'u32');
      const b = R(i.b, 'u32');
      const sa = i.atype === 's32';
      const sb = i.btype === 's32';
      const ct: PtxType = sa || sb ? 's32' : 'u32';
      const c = R(i.c, ct);
      const w = writer(i.d, ct, L);
      return (t) => {
        const x = a(t);
        const y = b(t);
        let acc = c(t);
        for (let k = 0; k < 32; k += 8) {
          const xb = sa ? ((x << (24 - k)) >> 24) : (x >>> k) & 0xff;
          const yb = sb ? ((y << (24 - k)) >> 24) : (y >>> k) & 0xff;
          acc += xb * yb;
        }
        w(t, acc);
      };
    }
  }
  throw new EmuCompileError(`instruction '${i.op}' has no emulator implementation`);
}

