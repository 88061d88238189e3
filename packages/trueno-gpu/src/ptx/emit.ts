/**
 * PTX text of IR instructions, kernels and modules. Output is laid out like nvcc's: one
 * instruction per line, tab-indented, labels flush left, optional `// comments`.
 */
import type { Instr } from './instr.js';
import type { Kernel, PtxModuleSpec } from './kernel.js';
import { REG_CLASS_INFO, type Address, type Operand, type PtxType, type RegClass } from './types.js';

const f32Buf = new Float32Array(1);
const u32Buf = new Uint32Array(f32Buf.buffer);
const f64Buf = new Float64Array(1);
const u64Buf = new BigUint64Array(f64Buf.buffer);

/** Thrown when an operand cannot be written in PTX (e.g. a non-integer immediate for an integer type). */
export class PtxEmitError extends Error {
  override name = 'PtxEmitError';
}

function imm(value: number, type: PtxType): string {
  if (type === 'f32') {
    f32Buf[0] = value;
    return `0f${u32Buf[0].toString(16).toUpperCase().padStart(8, '0')}`;
  }
  if (type === 'f64') {
    f64Buf[0] = value;
    return `0d${u64Buf[0].toString(16).toUpperCase().padStart(16, '0')}`;
  }
  if (!Number.isInteger(value)) {
    throw new PtxEmitError(`immediate ${value} used with integer type .${type}: pass an integer, or use an f32/f64 instruction`);
  }
  if (type.startsWith('s')) return String(value);
  if (value < 0) {
    // Unsigned / bit types: write the two's-complement pattern of the operand width.
    const bits = type.endsWith('64') ? 64n : type.endsWith('16') || type === 'f16' || type === 'bf16' ? 16n : 32n;
    return `0x${(BigInt(value) & ((1n << bits) - 1n)).toString(16)}`;
  }
  return value > 0xffff ? `0x${value.toString(16)}` : String(value);
}

/** Text of one operand, with immediates written in `type`. */
export function operandText(o: Operand, type: PtxType): string {
  switch (o.kind) {
    case 'reg':
      return o.name;
    case 'imm':
      return imm(o.value, type);
    case 'sreg':
      return `%${o.name}`;
    case 'sym':
      return o.name;
  }
}

function addr(a: Address): string {
  return a.offset === 0 ? `[${a.base.name}]` : `[${a.base.name}+${a.offset}]`;
}

function list(xs: readonly Operand[], type: PtxType): string {
  return xs.length === 1 ? operandText(xs[0], type) : `{${xs.map((x) => operandText(x, type)).join(', ')}}`;
}

// ptxas rejects any non-ASCII byte, even in comments.
const ascii = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');

const suffix = (s: string | undefined): string => (s ? `.${s}` : '');

/** The text of one instruction (without indentation or `;` for labels and comments). */
export function instrText(i: Instr): string {
  const g = i.guard ? `@${i.guard.neg ? '!' : ''}${i.guard.p.name} ` : '';
  let s: string;
  switch (i.op) {
    case 'label':
      return `${i.name}:`;
    case 'comment':
      return `// ${ascii(i.text)}`;
    case 'mov':
      s = `mov.${i.type} ${i.d.name}, ${operandText(i.a, i.type)}`;
      break;
    case 'pack':
      s = `mov.${i.type} ${i.d.name}, {${i.parts.map((p) => p.name).join(', ')}}`;
      break;
    case 'unpack':
      s = `mov.${i.type} {${i.ds.map((p) => p.name).join(', ')}}, ${i.a.name}`;
      break;
    case 'ld': {
      const v = i.ds.length > 1 ? `.v${i.ds.length}` : '';
      s = `ld.${i.space}${i.nc ? '.nc' : ''}${v}.${i.type} ${list(i.ds, i.type)}, ${addr(i.addr)}`;
      break;
    }
    case 'st': {
      const v = i.srcs.length > 1 ? `.v${i.srcs.length}` : '';
      s = `st.${i.space}${v}.${i.type} ${addr(i.addr)}, ${list(i.srcs, i.type)}`;
      break;
    }
    case 'cvt':
      s = `cvt${suffix(i.rnd)}${i.ftz ? '.ftz' : ''}${i.sat ? '.sat' : ''}.${i.dtype}.${i.stype} ${i.d.name}, ${operandText(i.a, i.stype)}`;
      break;
    case 'cvtpack':
      s = `cvt.rn.${i.dtype}.f32 ${i.d.name}, ${operandText(i.a, 'f32')}, ${operandText(i.b, 'f32')}`;
      break;
    case 'cvta':
      s = `cvta.to.global.u64 ${i.d.name}, ${operandText(i.a, 'u64')}`;
      break;
    case 'bin': {
      // shl/shr take a .u32 shift amount whatever the value type.
      const bt = i.fn === 'shl' || i.fn === 'shr' ? 'u32' : i.type;
      s = `${i.fn}${suffix(i.mode)}${i.ftz ? '.ftz' : ''}.${i.type} ${i.d.name}, ${operandText(i.a, i.type)}, ${operandText(i.b, bt)}`;
      break;
    }
    case 'un':
      s = `${i.fn}${suffix(i.mode)}${i.ftz ? '.ftz' : ''}.${i.type} ${i.d.name}, ${operandText(i.a, i.type)}`;
      break;
    case 'mad': {
      const ct = i.mode === 'wide' ? (i.type.startsWith('s') ? 's64' : 'u64') : i.type;
      s = `${i.fn}.${i.mode}${i.ftz ? '.ftz' : ''}.${i.type} ${i.d.name}, ${operandText(i.a, i.type)}, ${operandText(i.b, i.type)}, ${operandText(i.c, ct)}`;
      break;
    }
    case 'setp':
      s = `setp.${i.cmp}.${i.type} ${i.d.name}, ${operandText(i.a, i.type)}, ${operandText(i.b, i.type)}`;
      break;
    case 'selp':
      s = `selp.${i.type} ${i.d.name}, ${operandText(i.a, i.type)}, ${operandText(i.b, i.type)}, ${i.p.name}`;
      break;
    case 'bra':
      s = `bra${i.uni ? '.uni' : ''} ${i.target}`;
      break;
    case 'bar':
      s = `bar.sync ${i.id}`;
      break;
    case 'membar':
      s = `membar.${i.level}`;
      break;
    case 'vote':
      s = `vote.sync.${i.mode}.${i.mode === 'ballot' ? 'b32' : 'pred'} ${i.d.name}, ${i.p.name}, ${operandText(i.mask, 'b32')}`;
      break;
    case 'shfl':
      s =
        `shfl.sync.${i.mode}.b32 ${i.d.name}${i.pd ? `|${i.pd.name}` : ''}, ${operandText(i.a, 'b32')}, ` +
        `${operandText(i.b, 'b32')}, ${operandText(i.c, 'b32')}, ${operandText(i.mask, 'b32')}`;
      break;
    case 'atom':
      s = `atom.${i.space}.${i.fn}.${i.type} ${i.d.name}, ${addr(i.addr)}, ${operandText(i.b, i.type)}${i.c ? `, ${operandText(i.c, i.type)}` : ''}`;
      break;
    case 'dp4a': {
      const ct = i.atype === 's32' || i.btype === 's32' ? 's32' : 'u32';
      s = `dp4a.${i.atype}.${i.btype} ${i.d.name}, ${operandText(i.a, i.atype)}, ${operandText(i.b, i.btype)}, ${operandText(i.c, ct)}`;
      break;
    }
    case 'mma':
      s =
        `mma.sync.aligned.m16n8k16.row.col.f32.${i.ab}.${i.ab}.f32 ${list(i.d, 'f32')}, ${list(i.a, 'b32')}, ` +
        `${list(i.b, 'b32')}, ${list(i.c, 'f32')}`;
      break;
    case 'ret':
      s = 'ret';
      break;
  }
  return `${g}${s};${i.comment ? ` // ${ascii(i.comment)}` : ''}`;
}

const CLASS_ORDER: readonly RegClass[] = ['pred', 'b16', 'b32', 'f32', 'b64', 'f64'];

/** The `.visible .entry` text of one kernel. */
export function kernelText(k: Kernel): string {
  const out: string[] = [];
  if (k.doc) for (const line of k.doc.split('\n')) out.push(`// ${ascii(line)}`);
  out.push(`.visible .entry ${k.name}(`);
  out.push(k.params.map((p) => `\t.param .${p.type} ${p.name}`).join(',\n'));
  out.push(')');
  if (k.maxThreads) out.push(`.maxntid ${k.maxThreads}, 1, 1`);
  out.push('{');
  for (const c of CLASS_ORDER) {
    const n = k.regCounts[c];
    // Ids start at 1 (nvcc's convention), so `<n + 1>` declares %x0 … %xn.
    if (n > 0) out.push(`\t.reg ${REG_CLASS_INFO[c].decl} ${REG_CLASS_INFO[c].prefix}<${n + 1}>;`);
  }
  for (const s of k.shared) out.push(`\t.shared .align ${s.align} .b8 ${s.name}[${s.bytes}];`);
  out.push('');
  for (const i of k.body) {
    if (i.op === 'label') out.push(instrText(i));
    else out.push(`\t${instrText(i)}`);
  }
  out.push('}');
  return out.join('\n');
}

/** PTX text of a module: header then each kernel. */
export function moduleText(m: PtxModuleSpec): string {
  const head = [`// Generated by @sovereign/trueno-gpu`, `.version ${m.version}`, `.target ${m.target}`, '.address_size 64', ''];
  return `${head.join('\n')}\n${m.kernels.map(kernelText).join('\n\n')}\n`;
}
