/**
 * Operand readers and register writers, compiled once per instruction into closures.
 *
 * Value convention (what a reader returns and a writer takes) by PTX type: f32/f64 as float
 * values; signed integers as signed numbers; unsigned / bit types as non-negative numbers; f16,
 * bf16, f16x2, bf16x2 as their bit patterns; pred as 0 / 1.
 */
import type { Kernel } from '../ptx/kernel.js';
import type { Operand, PtxType, Reg, SpecialRegName } from '../ptx/types.js';
import { type EmuThread, type RegLayout, is32, slotOf } from './thread.js';

/** Reads an operand in a thread. */
export type Reader = (t: EmuThread) => number;
/** Writes a register in a thread. */
export type Writer = (t: EmuThread, v: number) => void;

/** An IR program the emulator cannot run (a construct outside the emulated subset). */
export class EmuCompileError extends Error {
  override name = 'EmuCompileError';
}

/** A runtime fault: 64-bit overflow past 2^53, a bad collective, a deadlock, a step limit. */
export class EmuRuntimeError extends Error {
  override name = 'EmuRuntimeError';
}

const is64Type = (t: PtxType): boolean => t === 'u64' || t === 's64' || t === 'b64' || t === 'f64';

function sreg(name: SpecialRegName): Reader {
  switch (name) {
    case 'tid.x':
      return (t) => t.tid[0];
    case 'tid.y':
      return (t) => t.tid[1];
    case 'tid.z':
      return (t) => t.tid[2];
    case 'ntid.x':
      return (t) => t.blk.ntid[0];
    case 'ntid.y':
      return (t) => t.blk.ntid[1];
    case 'ntid.z':
      return (t) => t.blk.ntid[2];
    case 'ctaid.x':
      return (t) => t.blk.ctaid[0];
    case 'ctaid.y':
      return (t) => t.blk.ctaid[1];
    case 'ctaid.z':
      return (t) => t.blk.ctaid[2];
    case 'nctaid.x':
      return (t) => t.blk.nctaid[0];
    case 'nctaid.y':
      return (t) => t.blk.nctaid[1];
    case 'nctaid.z':
      return (t) => t.blk.nctaid[2];
    case 'laneid':
      return (t) => t.lane;
    case 'warpid':
      return (t) => t.warp;
  }
}

/** An immediate's value in the reader convention of `type`. */
export function immValue(v: number, type: PtxType): number {
  switch (type) {
    case 'f32':
      return Math.fround(v);
    case 'f64':
      return v;
    case 's32':
      return v | 0;
    case 'u32':
    case 'b32':
    case 'f16x2':
    case 'bf16x2':
      return v >>> 0;
    case 's16':
      return (v << 16) >> 16;
    case 'u16':
    case 'b16':
    case 'f16':
    case 'bf16':
      return v & 0xffff;
    case 's8':
      return (v << 24) >> 24;
    case 'u8':
    case 'b8':
      return v & 0xff;
    case 'pred':
      return v ? 1 : 0;
    default:
      return v;
  }
}

/** Byte offsets of a kernel's shared arrays within the block's shared memory. */
export function sharedOffsets(k: Kernel): { offsets: Map<string, number>; bytes: number } {
  const offsets = new Map<string, number>();
  let at = 0;
  for (const s of k.shared) {
    at = Math.ceil(at / s.align) * s.align;
    offsets.set(s.name, at);
    at += s.bytes;
  }
  return { offsets, bytes: at };
}

/** Compiles a reader of operand `o` as `type`. */
export function reader(o: Operand, type: PtxType, L: RegLayout, shared: ReadonlyMap<string, number>): Reader {
  switch (o.kind) {
    case 'imm': {
      const v = immValue(o.value, type);
      return () => v;
    }
    case 'sreg':
      return sreg(o.name);
    case 'sym': {
      if (o.space === 'shared') {
        const off = shared.get(o.name);
        if (off === undefined) throw new EmuCompileError(`shared array '${o.name}' is used but not declared`);
        return () => off;
      }
      const name = o.name;
      return (t) => t.blk.params.get(name)!;
    }
    case 'reg':
      return regReader(o, type, L);
  }
}

function regReader(r: Reg, type: PtxType, L: RegLayout): Reader {
  const s = slotOf(L, r);
  if (!is32(r.cls)) {
    if (!is64Type(type)) throw new EmuCompileError(`register ${r.name} (64-bit) read as .${type}: use cvt to narrow it`);
    return (t) => t.r64[s];
  }
  switch (type) {
    case 'f32':
      return (t) => t.f32[s];
    case 's32':
      return (t) => t.i32[s];
    case 'u32':
    case 'b32':
    case 'f16x2':
    case 'bf16x2':
    case 'pred':
      return (t) => t.u32[s];
    case 'u16':
    case 'b16':
    case 'f16':
    case 'bf16':
      return (t) => t.u32[s] & 0xffff;
    case 's16':
      return (t) => (t.u32[s] << 16) >> 16;
    case 'u8':
    case 'b8':
      return (t) => t.u32[s] & 0xff;
    case 's8':
      return (t) => (t.u32[s] << 24) >> 24;
    default:
      throw new EmuCompileError(`register ${r.name} (32-bit) read as .${type}: use cvt to widen it`);
  }
}

/** Throws unless `v` is an integer the emulator holds exactly (64-bit registers are JS numbers). */
export function checked64(v: number): number {
  if (!Number.isSafeInteger(v)) throw new EmuRuntimeError(`64-bit integer result ${v} is beyond 2^53, which the emulator cannot hold exactly`);
  return v;
}

/** Compiles a writer of register `r` taking values of `type`. */
export function writer(r: Reg, type: PtxType, L: RegLayout): Writer {
  const s = slotOf(L, r);
  if (!is32(r.cls)) {
    if (type === 'f64') return (t, v) => void (t.r64[s] = v);
    if (!is64Type(type)) {
      // Sub-word or 32-bit values widen into a 64-bit register as loaded (zero/sign-extended).
      return (t, v) => void (t.r64[s] = v);
    }
    return (t, v) => void (t.r64[s] = checked64(v));
  }
  if (is64Type(type)) throw new EmuCompileError(`register ${r.name} (32-bit) cannot take a .${type} value: use a 64-bit register`);
  if (type === 'f32') return (t, v) => void (t.f32[s] = v);
  if (type === 'pred') return (t, v) => void (t.u32[s] = v ? 1 : 0);
  if (r.cls === 'b16' || r.cls === 'pred') return (t, v) => void (t.u32[s] = v & 0xffff);
  // 32-bit register: Uint32Array stores wrap modulo 2^32, which is two's complement for negatives.
  return (t, v) => void (t.u32[s] = v);
}
