/**
 * Operand types of the PTX builder's IR. The IR is what both the text emitter and the emulator
 * read: instructions hold typed register objects, immediates as JS numbers and addresses as
 * base + byte offset, so nothing downstream parses PTX text.
 */

/** PTX scalar types used by instructions (`.u32`, `.f16`, …). */
export type PtxType =
  | 'pred'
  | 'b8'
  | 'b16'
  | 'b32'
  | 'b64'
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64'
  | 's8'
  | 's16'
  | 's32'
  | 's64'
  | 'f16'
  | 'f16x2'
  | 'bf16'
  | 'bf16x2'
  | 'f32'
  | 'f64';

/** Types a register can be created with (the TS-side tag; storage follows {@link RegClass}). */
export type RegType = 'pred' | 'b16' | 'u16' | 's16' | 'f16' | 'bf16' | 'b32' | 'u32' | 's32' | 'f16x2' | 'bf16x2' | 'f32' | 'b64' | 'u64' | 's64' | 'f64';

/**
 * Register storage class: one `.reg` declaration and one name prefix each. 16-bit floats live in
 * `.b16` registers and f16x2/bf16x2 pairs in `.b32` registers, as nvcc emits them; the register
 * keeps its {@link RegType} so the builder can default instruction types from it.
 */
export type RegClass = 'pred' | 'b16' | 'b32' | 'f32' | 'b64' | 'f64';

/** Name prefix and `.reg` type of each class (`%p1`, `%rs2`, `%r3`, `%f4`, `%rd5`, `%fd6`). */
export const REG_CLASS_INFO: Readonly<Record<RegClass, { prefix: string; decl: string }>> = {
  pred: { prefix: '%p', decl: '.pred' },
  b16: { prefix: '%rs', decl: '.b16' },
  b32: { prefix: '%r', decl: '.b32' },
  f32: { prefix: '%f', decl: '.f32' },
  b64: { prefix: '%rd', decl: '.b64' },
  f64: { prefix: '%fd', decl: '.f64' },
};

/** Storage class of a register type. */
export function regClassOf(t: RegType): RegClass {
  switch (t) {
    case 'pred':
      return 'pred';
    case 'b16':
    case 'u16':
    case 's16':
    case 'f16':
    case 'bf16':
      return 'b16';
    case 'b32':
    case 'u32':
    case 's32':
    case 'f16x2':
    case 'bf16x2':
      return 'b32';
    case 'f32':
      return 'f32';
    case 'b64':
    case 'u64':
    case 's64':
      return 'b64';
    case 'f64':
      return 'f64';
  }
}

/** Size in bytes of a PTX type in memory (pred has none; reported as 1 for completeness). */
export function typeBytes(t: PtxType): number {
  switch (t) {
    case 'pred':
    case 'b8':
    case 'u8':
    case 's8':
      return 1;
    case 'b16':
    case 'u16':
    case 's16':
    case 'f16':
    case 'bf16':
      return 2;
    case 'b32':
    case 'u32':
    case 's32':
    case 'f32':
    case 'f16x2':
    case 'bf16x2':
      return 4;
    case 'b64':
    case 'u64':
    case 's64':
    case 'f64':
      return 8;
  }
}

/** A virtual register. `id` is 1-based within its class, so its name is `prefix + id`. */
export interface Reg {
  readonly kind: 'reg';
  readonly type: RegType;
  readonly cls: RegClass;
  readonly id: number;
  readonly name: string;
}

/** An immediate, interpreted in the type of the instruction that uses it. */
export interface Imm {
  readonly kind: 'imm';
  readonly value: number;
}

/** Special registers readable with `mov`. */
export type SpecialRegName =
  | 'tid.x'
  | 'tid.y'
  | 'tid.z'
  | 'ntid.x'
  | 'ntid.y'
  | 'ntid.z'
  | 'ctaid.x'
  | 'ctaid.y'
  | 'ctaid.z'
  | 'nctaid.x'
  | 'nctaid.y'
  | 'nctaid.z'
  | 'laneid'
  | 'warpid';

/** A special register operand (`%tid.x`, …). */
export interface SpecialReg {
  readonly kind: 'sreg';
  readonly name: SpecialRegName;
}

/** A named variable: a kernel parameter or a shared-memory array. */
export interface Sym {
  readonly kind: 'sym';
  readonly name: string;
  readonly space: 'param' | 'shared';
}

/** Any source operand. */
export type Operand = Reg | Imm | SpecialReg | Sym;

/** A source operand as the builder accepts it: plain numbers become immediates. */
export type Src = Reg | SpecialReg | Sym | number;

/** A memory address `[base+offset]`; base is a register (64-bit global, 32-bit shared) or a symbol. */
export interface Address {
  readonly base: Reg | Sym;
  readonly offset: number;
}

/** State spaces of loads, stores and atomics. */
export type Space = 'global' | 'shared' | 'param';

/** A branch target, placed with `KernelBuilder.label`. */
export interface Label {
  readonly kind: 'label';
  readonly name: string;
}

/** Turns a builder source into an IR operand. */
export function toOperand(s: Src): Operand {
  return typeof s === 'number' ? { kind: 'imm', value: s } : s;
}
