/**
 * Compilers of the arithmetic, conversion and atomic instructions into per-thread closures (the
 * numerics follow PTX: integer ops wrap, float ops round once to f32, cvt saturates float→int).
 */
import type { Instr } from '../ptx/instr.js';
import { type Address, type PtxType, typeBytes } from '../ptx/types.js';
import type { EmuMemory } from './memory.js';
import {
  bf16BitsToF32,
  f16BitsToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
  ftz as flush,
  maxF,
  minF,
  roundF32,
  roundToInt,
  saturateInt,
} from './numerics.js';
import { EmuCompileError, type Reader, checked64, reader, writer } from './operands.js';
import type { EmuThread, RegLayout } from './thread.js';

/** Reader factory of one instruction (operand, type) → closure. */
export type R = (o: Parameters<typeof reader>[0], t: PtxType) => Reader;

const isFloatT = (t: PtxType): boolean => t === 'f32' || t === 'f64';
const isHalfT = (t: PtxType): boolean => t === 'f16' || t === 'bf16';
const isSigned = (t: PtxType): boolean => t[0] === 's';
const bitsOf = (t: PtxType): number => typeBytes(t) * 8;

/** Reads the address of a memory operand as a number. */
export function addrReader(a: Address, L: RegLayout, shared: ReadonlyMap<string, number>): Reader {
  const base = a.base.kind === 'reg' ? reader(a.base, a.base.cls === 'b64' ? 'u64' : 'u32', L, shared) : reader(a.base, 'u64', L, shared);
  const off = a.offset;
  return off === 0 ? base : (t) => base(t) + off;
}

/** The memory of a state space, from a thread. */
export function memOf(space: 'global' | 'shared'): (t: EmuThread) => EmuMemory {
  return space === 'global' ? (t) => t.blk.global : (t) => t.blk.shared;
}

/** Exact product of two integers below 2^32 in magnitude (BigInt when past 2^53). */
export function mulExact(a: number, b: number): number {
  const p = a * b;
  return Number.isSafeInteger(p) ? p : checked64(Number(BigInt(a) * BigInt(b)));
}

/** Round half to even (IEEE roundToIntegralTiesToEven); non-finite values unchanged. */
function rintEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  const r = d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
  return r === 0 ? (x < 0 ? -0 : 0) : r;
}

/** cvt: float rounding modes, float→int rounding with saturation, int widening / narrowing. */
export function compileCvt(i: Extract<Instr, { op: 'cvt' }>, L: RegLayout, R: R): (t: EmuThread) => void {
  const { dtype, stype } = i;
  const a0 = R(i.a, stype);
  // Source as a plain number: halves decoded to their value.
  const a: Reader = stype === 'f16' ? (t) => f16BitsToF32(a0(t)) : stype === 'bf16' ? (t) => bf16BitsToF32(a0(t)) : a0;
  const w = writer(i.d, dtype, L);
  const rnd = i.rnd;
  const fz = i.ftz ? flush : (x: number): number => x;
  if ((dtype === 'f32' || dtype === 'f64') && (rnd === 'rni' || rnd === 'rzi' || rnd === 'rmi' || rnd === 'rpi')) {
    // Float to integral float (cvt.rni.f32.f32 …): the value rounded to an integer, kept a float;
    // NaN and ±inf pass through, -0 stays -0 (as Math.trunc/floor/ceil keep it).
    const toInt = rnd === 'rzi' ? Math.trunc : rnd === 'rmi' ? Math.floor : rnd === 'rpi' ? Math.ceil : rintEven;
    const sat = i.sat ? (x: number): number => (x !== x ? 0 : Math.min(1, Math.max(0, x))) : (x: number): number => x;
    return dtype === 'f64' ? (t) => w(t, sat(toInt(a(t)))) : (t) => w(t, fz(sat(Math.fround(toInt(fz(a(t)))))));
  }
  if (dtype === 'f32' || dtype === 'f64') {
    const mode = rnd === 'rz' || rnd === 'rm' || rnd === 'rp' ? rnd : 'rn';
    const sat = i.sat ? (x: number): number => (x !== x ? 0 : Math.min(1, Math.max(0, x))) : (x: number): number => x;
    if (dtype === 'f64') return (t) => w(t, sat(a(t)));
    return (t) => w(t, fz(sat(roundF32(fz(a(t)), mode))));
  }
  if (isHalfT(dtype)) {
    const mode = rnd === 'rz' || rnd === 'rm' || rnd === 'rp' ? rnd : 'rn';
    const cv = dtype === 'f16' ? f32ToF16Bits : f32ToBf16Bits;
    // Double sources (f64) are first rounded to f32 (a second rounding the hardware does not do; documented limit).
    return (t) => w(t, cv(Math.fround(fz(a(t))), mode));
  }
  const bits = bitsOf(dtype);
  const signed = isSigned(dtype);
  if (isFloatT(stype) || isHalfT(stype)) {
    const mode = rnd === 'rni' || rnd === 'rmi' || rnd === 'rpi' ? rnd : 'rzi';
    return (t) => w(t, saturateInt(roundToInt(a(t), mode), bits, signed));
  }
  // Integer to integer: truncation / extension happens in the writer; .sat clamps.
  if (i.sat) return (t) => w(t, saturateInt(a(t), bits, signed));
  if (bits === 64) return (t) => w(t, a(t));
  if (bits === 32) return signed ? (t) => w(t, a(t) | 0) : (t) => w(t, a(t) >>> 0);
  if (bits === 16) return signed ? (t) => w(t, (a(t) << 16) >> 16) : (t) => w(t, a(t) & 0xffff);
  return signed ? (t) => w(t, (a(t) << 24) >> 24) : (t) => w(t, a(t) & 0xff);
}

/** Two-operand ALU ops (float: rounding mode and .ftz; integers: wrap, .lo/.hi/.wide, shifts). */
export function compileBin(i: Extract<Instr, { op: 'bin' }>, L: RegLayout, R: R): (t: EmuThread) => void {
  const { fn, type } = i;
  const wide = i.mode === 'wide';
  const a = R(i.a, type);
  const b = R(i.b, fn === 'shl' || fn === 'shr' ? 'u32' : type);
  const dtype: PtxType = wide ? (isSigned(type) ? (bitsOf(type) === 32 ? 's64' : 's32') : bitsOf(type) === 32 ? 'u64' : 'u32') : type;
  const w = writer(i.d, dtype, L);
  if (type === 'f32' || type === 'f64') {
    const mode = i.mode === 'rz' || i.mode === 'rm' || i.mode === 'rp' ? i.mode : 'rn';
    const r = type === 'f32' ? (x: number): number => roundF32(x, mode) : (x: number): number => x;
    const fz = i.ftz ? flush : (x: number): number => x;
    switch (fn) {
      case 'add':
        return (t) => w(t, fz(r(fz(a(t)) + fz(b(t)))));
      case 'sub':
        return (t) => w(t, fz(r(fz(a(t)) - fz(b(t)))));
      case 'mul':
        return (t) => w(t, fz(r(fz(a(t)) * fz(b(t)))));
      case 'div':
        return (t) => w(t, fz(r(fz(a(t)) / fz(b(t)))));
      case 'min':
        return (t) => w(t, fz(minF(fz(a(t)), fz(b(t)))));
      case 'max':
        return (t) => w(t, fz(maxF(fz(a(t)), fz(b(t)))));
      default:
        throw new EmuCompileError(`${fn}.${type} is not a float operation`);
    }
  }
  if (isHalfT(type) || type === 'f16x2' || type === 'bf16x2') throw new EmuCompileError(`${fn}.${type}: half-precision arithmetic is not emulated; convert to f32`);
  const bits = bitsOf(type);
  const signed = isSigned(type);
  if (type === 'pred') {
    if (fn === 'and') return (t) => w(t, a(t) & b(t));
    if (fn === 'or') return (t) => w(t, a(t) | b(t));
    if (fn === 'xor') return (t) => w(t, a(t) ^ b(t));
    throw new EmuCompileError(`${fn}.pred is not a PTX instruction`);
  }
  if (bits === 64) return compileBin64(fn, i.mode, signed, a, b, w);
  const mask = bits === 32 ? 0xffffffff : bits === 16 ? 0xffff : 0xff;
  switch (fn) {
    case 'add':
      return (t) => w(t, a(t) + b(t));
    case 'sub':
      return (t) => w(t, a(t) - b(t));
    case 'mul':
      if (wide) return (t) => w(t, mulExact(a(t), b(t)));
      if (i.mode === 'hi') {
        return (t) => {
          const p = BigInt(a(t)) * BigInt(b(t));
          w(t, Number(signed ? BigInt.asIntN(bits, p >> BigInt(bits)) : BigInt.asUintN(bits, p >> BigInt(bits))));
        };
      }
      return (t) => w(t, Math.imul(a(t), b(t)));
    case 'div':
      return (t) => {
        const y = b(t);
        w(t, y === 0 ? mask : Math.trunc(a(t) / y));
      };
    case 'rem':
      return (t) => {
        const y = b(t);
        w(t, y === 0 ? a(t) : a(t) % y);
      };
    case 'min':
      return (t) => w(t, Math.min(a(t), b(t)));
    case 'max':
      return (t) => w(t, Math.max(a(t), b(t)));
    case 'and':
      return (t) => w(t, a(t) & b(t));
    case 'or':
      return (t) => w(t, a(t) | b(t));
    case 'xor':
      return (t) => w(t, a(t) ^ b(t));
    case 'shl':
      return (t) => {
        const s = b(t);
        w(t, s >= bits ? 0 : (a(t) << s) & mask);
      };
    case 'shr':
      if (signed) return (t) => w(t, a(t) >> Math.min(b(t), 31));
      return (t) => {
        const s = b(t);
        w(t, s >= bits ? 0 : a(t) >>> s);
      };
  }
}

function compileBin64(fn: string, mode: string | undefined, signed: boolean, a: Reader, b: Reader, w: (t: EmuThread, v: number) => void): (t: EmuThread) => void {
  const big = (op: (x: bigint, y: bigint) => bigint) => (t: EmuThread) =>
    w(t, Number(signed ? BigInt.asIntN(64, op(BigInt(a(t)), BigInt(b(t)))) : BigInt.asUintN(64, op(BigInt(a(t)), BigInt(b(t))))));
  switch (fn) {
    case 'add':
      return (t) => w(t, a(t) + b(t));
    case 'sub':
      return (t) => w(t, a(t) - b(t));
    case 'mul':
      if (mode === 'hi') throw new EmuCompileError('mul.hi on 64-bit integers is not emulated');
      return (t) => w(t, mulExact(a(t), b(t)));
    case 'min':
      return (t) => w(t, Math.min(a(t), b(t)));
    case 'max':
      return (t) => w(t, Math.max(a(t), b(t)));
    case 'div':
      return (t) => w(t, Math.trunc(a(t) / b(t)));
    case 'rem':
      return (t) => w(t, a(t) % b(t));
    case 'and':
      return big((x, y) => x & y);
    case 'or':
      return big((x, y) => x | y);
    case 'xor':
      return big((x, y) => x ^ y);
    case 'shl':
      return big((x, y) => (y >= 64n ? 0n : x << y));
    case 'shr':
      return big((x, y) => (signed ? BigInt.asIntN(64, x) >> (y > 63n ? 63n : y) : y >= 64n ? 0n : BigInt.asUintN(64, x) >> y));
  }
  throw new EmuCompileError(`${fn} on 64-bit integers is not emulated`);
}

/** One-operand ops (neg/abs/not, and the f32 transcendentals rounded once to f32). */
export function compileUn(i: Extract<Instr, { op: 'un' }>, L: RegLayout, R: R): (t: EmuThread) => void {
  const { fn, type } = i;
  const a = R(i.a, type);
  const w = writer(i.d, type, L);
  if (type === 'f32' || type === 'f64') {
    const r = type === 'f32' ? Math.fround : (x: number): number => x;
    const fz = i.ftz ? flush : (x: number): number => x;
    const f: Record<string, (x: number) => number> = {
      neg: (x) => -x,
      abs: Math.abs,
      rcp: (x) => 1 / x,
      sqrt: Math.sqrt,
      rsqrt: (x) => 1 / Math.sqrt(x),
      ex2: (x) => 2 ** x,
      lg2: Math.log2,
      sin: Math.sin,
      cos: Math.cos,
    };
    const g = f[fn];
    if (!g) throw new EmuCompileError(`${fn}.${type} is not a float operation`);
    return (t) => w(t, fz(r(g(fz(a(t))))));
  }
  if (type === 'pred' && fn === 'not') return (t) => w(t, a(t) ^ 1);
  switch (fn) {
    case 'neg':
      return (t) => w(t, -a(t));
    case 'abs':
      return (t) => w(t, Math.abs(a(t)));
    case 'not':
      return bitsOf(type) === 64 ? (t) => w(t, Number(BigInt.asUintN(64, ~BigInt(a(t))))) : (t) => w(t, ~a(t));
    default:
      throw new EmuCompileError(`${fn}.${type} is not an integer operation`);
  }
}

/** Atomics: read-modify-write of one value; atomic by construction (threads run one at a time). */
export function compileAtom(i: Extract<Instr, { op: 'atom' }>, L: RegLayout, shared: ReadonlyMap<string, number>, R: R): (t: EmuThread) => void {
  const addr = addrReader(i.addr, L, shared);
  const mem = memOf(i.space);
  const type = i.type;
  const b = R(i.b, type);
  const c = i.c ? R(i.c, type) : undefined;
  const w = writer(i.d, type, L);
  const float = type === 'f32';
  let f: (old: number, x: number, t: EmuThread) => number;
  switch (i.fn) {
    case 'add':
      f = float ? (o, x) => Math.fround(o + x) : (o, x) => o + x;
      break;
    case 'min':
      f = float ? (o, x) => minF(o, x) : (o, x) => Math.min(o, x);
      break;
    case 'max':
      f = float ? (o, x) => maxF(o, x) : (o, x) => Math.max(o, x);
      break;
    case 'exch':
      f = (_o, x) => x;
      break;
    case 'cas':
      f = (o, x, t) => (o === x ? c!(t) : o);
      break;
  }
  // Memory reads of signed types come back signed, as the readers of b do, so comparisons agree.
  return (t) => {
    const m = mem(t);
    const a = addr(t);
    const old = m.load(type, a);
    m.store(type, a, f(old, b(t), t));
    w(t, old);
  };
}
