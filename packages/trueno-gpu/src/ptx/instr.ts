/**
 * The instruction objects of the PTX IR. Each variant names its operands by role; the text
 * emitter (emit.ts) and the emulator (../emu/compile.ts) both switch on `op`.
 */
import type { Address, Operand, PtxType, Reg, Space } from './types.js';

/** Float rounding modifiers (`.rn` …) and float-to-integer rounding (`.rni` …). */
export type Rounding = 'rn' | 'rz' | 'rm' | 'rp' | 'rni' | 'rzi' | 'rmi' | 'rpi';

/** Binary operations with one destination. */
export type BinaryFn = 'add' | 'sub' | 'mul' | 'div' | 'rem' | 'min' | 'max' | 'and' | 'or' | 'xor' | 'shl' | 'shr';

/** Unary operations with one destination. */
export type UnaryFn = 'neg' | 'abs' | 'not' | 'rcp' | 'sqrt' | 'rsqrt' | 'ex2' | 'lg2' | 'sin' | 'cos';

/** Comparison operators of `setp` (unsigned types compare unsigned). */
export type CmpOp = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** `shfl.sync` modes. */
export type ShflMode = 'up' | 'down' | 'bfly' | 'idx';

/** Atomic operations. */
export type AtomFn = 'add' | 'min' | 'max' | 'exch' | 'cas';

/** A guard predicate: the instruction runs in a thread only where `p` (or `!p`) holds. */
export interface Guard {
  readonly p: Reg;
  readonly neg: boolean;
}

interface Common {
  /** Optional guard `@p` / `@!p`. */
  guard?: Guard;
  /** Comment emitted after the instruction. */
  comment?: string;
}

/**
 * The mode suffix of arithmetic: integer `.lo` / `.hi` / `.wide`, float rounding, or `.approx`
 * (rcp, sqrt, rsqrt, ex2, lg2, sin, cos, div).
 */
export type ArithMode = 'lo' | 'hi' | 'wide' | 'rn' | 'rz' | 'rm' | 'rp' | 'approx' | 'full';

/** One PTX instruction (or label / comment line). */
export type Instr = Common &
  (
    | { op: 'mov'; type: PtxType; d: Reg; a: Operand }
    /** `mov.b32 d, {a, b}` (or .b64 of two b32): parts from low to high bits. */
    | { op: 'pack'; type: 'b32' | 'b64'; d: Reg; parts: readonly Reg[] }
    /** `mov.b32 {a, b}, d`: parts from low to high bits. */
    | { op: 'unpack'; type: 'b32' | 'b64'; ds: readonly Reg[]; a: Reg }
    | { op: 'ld'; space: Space; nc: boolean; type: PtxType; ds: readonly Reg[]; addr: Address }
    | { op: 'st'; space: Exclude<Space, 'param'>; type: PtxType; srcs: readonly Operand[]; addr: Address }
    | { op: 'cvt'; dtype: PtxType; stype: PtxType; rnd?: Rounding; sat: boolean; ftz: boolean; d: Reg; a: Operand }
    /** `cvt.rn.f16x2.f32 d, a, b` / `.bf16x2`: `a` goes to the upper half, `b` to the lower. */
    | { op: 'cvtpack'; dtype: 'f16x2' | 'bf16x2'; d: Reg; a: Operand; b: Operand }
    /** `cvta.to.global.u64 d, a`: generic to global address (identity in the emulator). */
    | { op: 'cvta'; d: Reg; a: Operand }
    | { op: 'bin'; fn: BinaryFn; type: PtxType; mode?: ArithMode; ftz: boolean; d: Reg; a: Operand; b: Operand }
    | { op: 'un'; fn: UnaryFn; type: PtxType; mode?: ArithMode; ftz: boolean; d: Reg; a: Operand }
    /** `mad.lo/.wide` (integers) and `fma.rn` (floats): d = a*b + c. */
    | { op: 'mad'; fn: 'mad' | 'fma'; type: PtxType; mode: ArithMode; ftz: boolean; d: Reg; a: Operand; b: Operand; c: Operand }
    | { op: 'setp'; cmp: CmpOp; type: PtxType; d: Reg; a: Operand; b: Operand }
    /** `selp.type d, a, b, p`: d = p ? a : b. */
    | { op: 'selp'; type: PtxType; d: Reg; a: Operand; b: Operand; p: Reg }
    | { op: 'bra'; target: string; uni: boolean }
    | { op: 'label'; name: string }
    | { op: 'bar'; id: number }
    /** `membar.level`: orders this thread's memory accesses (a no-op in the sequential emulator). */
    | { op: 'membar'; level: 'cta' | 'gl' | 'sys' }
    /** `vote.sync.ballot.b32 d, p, mask` (d: bit per lane where p holds) or `.any/.all.pred d, p, mask`. */
    | { op: 'vote'; mode: 'ballot' | 'any' | 'all'; d: Reg; p: Reg; mask: Operand }
    /** `shfl.sync.mode.b32 d[|pd], a, b, c, mask`. */
    | { op: 'shfl'; mode: ShflMode; d: Reg; pd?: Reg; a: Operand; b: Operand; c: Operand; mask: Operand }
    /** `atom.space.fn.type d, [addr], b[, c]` (cas: compare b, swap in c). Returns the old value. */
    | { op: 'atom'; space: 'global' | 'shared'; fn: AtomFn; type: PtxType; d: Reg; addr: Address; b: Operand; c?: Operand }
    /** `dp4a.atype.btype d, a, b, c`: d = c + Σ bytes a_i·b_i. */
    | { op: 'dp4a'; atype: 'u32' | 's32'; btype: 'u32' | 's32'; d: Reg; a: Operand; b: Operand; c: Operand }
    /** `mma.sync.aligned.m16n8k16.row.col.f32.ab.ab.f32 {d}, {a}, {b}, {c}`. */
    | { op: 'mma'; ab: 'f16' | 'bf16'; d: readonly Reg[]; a: readonly Reg[]; b: readonly Reg[]; c: readonly Reg[] }
    | { op: 'ret' }
    | { op: 'comment'; text: string }
  );

/** The instruction kinds that synchronise several threads (the emulator schedules around them). */
export function isCollective(i: Instr): boolean {
  return i.op === 'bar' || i.op === 'shfl' || i.op === 'mma' || i.op === 'vote';
}
