/**
 * KernelBuilder: a typed, imperative way to write one PTX entry. Every op appends an IR
 * instruction and returns its destination register (a fresh one unless `d` is given, which is how
 * loop-carried values such as accumulators are updated in place). Plain numbers are immediates.
 *
 * ```ts
 * const k = new KernelBuilder('scale_f32');
 * const pX = k.param('x', 'u64'); const pN = k.param('n', 'u32');
 * const i = k.globalIndex();                      // ctaid.x * ntid.x + tid.x
 * k.ifThen(k.setp('lt', 'u32', i, k.ldParam(pN)), () => {
 *   const a = k.mad('u64', k.cvt('u64', 'u32', i), 4, k.cvtaGlobal(k.ldParam(pX)), undefined, 'wide');
 *   k.st('global', 'f32', a, 0, k.mul('f32', k.ld('global', 'f32', a), 2));
 * });
 * const kernel = k.build();
 * ```
 */
import type { ArithMode, AtomFn, BinaryFn, CmpOp, Guard, Instr, Rounding, ShflMode, UnaryFn } from './instr.js';
import type { Kernel, ParamDecl, ParamType, SharedDecl } from './kernel.js';
import {
  REG_CLASS_INFO,
  type Label,
  type PtxType,
  type Reg,
  type RegClass,
  type RegType,
  type Space,
  type SpecialRegName,
  type Src,
  type Sym,
  regClassOf,
  toOperand,
} from './types.js';

/** Thrown when a kernel is built inconsistently (duplicate names, unplaced labels, bad widths). */
export class PtxBuildError extends Error {
  override name = 'PtxBuildError';
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The register type that holds a value of instruction type `t`. Sub-word loads land in 32-bit registers. */
export function regTypeFor(t: PtxType): RegType {
  switch (t) {
    case 'b8':
    case 'u8':
      return 'u32';
    case 's8':
      return 's32';
    case 'pred':
    case 'b16':
    case 'u16':
    case 's16':
    case 'f16':
    case 'bf16':
    case 'b32':
    case 'u32':
    case 's32':
    case 'f16x2':
    case 'bf16x2':
    case 'f32':
    case 'b64':
    case 'u64':
    case 's64':
    case 'f64':
      return t;
  }
}

const isFloat = (t: PtxType): boolean => t === 'f32' || t === 'f64' || t === 'f16' || t === 'bf16' || t === 'f16x2' || t === 'bf16x2';

/** Options of {@link KernelBuilder.cvt}. */
export interface CvtOptions {
  rnd?: Rounding;
  sat?: boolean;
  ftz?: boolean;
  d?: Reg;
}

/** Builds one `.entry`; see the module comment for an example. */
export class KernelBuilder {
  private readonly params: ParamDecl[] = [];
  private readonly shared: SharedDecl[] = [];
  private readonly body: Instr[] = [];
  private readonly counts: Record<RegClass, number> = { pred: 0, b16: 0, b32: 0, f32: 0, b64: 0, f64: 0 };
  private readonly labelsMade = new Set<string>();
  private readonly labelsPlaced = new Set<string>();
  private guard: Guard | undefined;
  private labelSeq = 0;
  /** `.maxntid` of the entry, if set. */
  maxThreads: number | undefined;
  /** Comment lines emitted above the entry. */
  doc: string | undefined;

  constructor(readonly name: string) {
    if (!IDENT.test(name)) throw new PtxBuildError(`kernel name '${name}' is not a PTX identifier: use letters, digits and _`);
  }

  // ---- declarations ------------------------------------------------------------------------

  /** Declares `.param .type name` and returns its symbol (read it with {@link ldParam}). */
  param(name: string, type: ParamType): Sym & { readonly type: ParamType } {
    if (!IDENT.test(name) || this.params.some((p) => p.name === name)) {
      throw new PtxBuildError(`kernel ${this.name}: parameter name '${name}' is not a fresh PTX identifier`);
    }
    this.params.push({ name, type });
    return { kind: 'sym', name, space: 'param', type };
  }

  /** Declares `.shared .align align .b8 name[bytes]` (per block, uninitialised). */
  sharedArray(name: string, bytes: number, align = 16): Sym {
    if (!IDENT.test(name) || this.shared.some((s) => s.name === name)) {
      throw new PtxBuildError(`kernel ${this.name}: shared array name '${name}' is not a fresh PTX identifier`);
    }
    if (!Number.isInteger(bytes) || bytes <= 0 || ![1, 2, 4, 8, 16, 32, 64, 128].includes(align)) {
      throw new PtxBuildError(`kernel ${this.name}: shared '${name}' needs a positive byte count and a power-of-two alignment ≤ 128`);
    }
    this.shared.push({ name, bytes, align });
    return { kind: 'sym', name, space: 'shared' };
  }

  /** A fresh register of `type`, named by its class (`%r7`, `%f2`, …). */
  reg(type: RegType): Reg {
    const cls = regClassOf(type);
    const id = ++this.counts[cls];
    return { kind: 'reg', type, cls, id, name: `${REG_CLASS_INFO[cls].prefix}${id}` };
  }

  /** A fresh branch target; place it with {@link label}. */
  newLabel(hint = 'L'): Label {
    const name = `$L_${hint}_${++this.labelSeq}`;
    this.labelsMade.add(name);
    return { kind: 'label', name };
  }

  /** Places `l` at the current position. */
  label(l: Label): void {
    if (this.labelsPlaced.has(l.name)) throw new PtxBuildError(`kernel ${this.name}: label ${l.name} placed twice`);
    this.labelsPlaced.add(l.name);
    this.body.push({ op: 'label', name: l.name });
  }

  /** Appends a `// text` line. */
  comment(text: string): void {
    this.body.push({ op: 'comment', text });
  }

  /** Appends any IR instruction (the active {@link when} guard applies). */
  emit(i: Instr): void {
    if (this.guard && i.op !== 'label' && i.op !== 'comment') i.guard = this.guard;
    this.body.push(i);
  }

  /** Runs `body` with every instruction it emits guarded by `@p` (or `@!p` when `neg`). */
  when(p: Reg, body: () => void, neg = false): void {
    if (this.guard) throw new PtxBuildError(`kernel ${this.name}: when() blocks do not nest; combine the predicates with and.pred`);
    this.guard = { p, neg };
    try {
      body();
    } finally {
      this.guard = undefined;
    }
  }

  /** `if (p) body`: a branch around `body` (threads may diverge; use `uni` when p is warp-uniform). */
  ifThen(p: Reg, body: () => void, uni = false): void {
    const end = this.newLabel('endif');
    this.bra(end, { unless: p, uni });
    body();
    this.label(end);
  }

  /**
   * `for (i = start; i < end; i += step) body(i)` over `type` (u32 or s32), bottom-tested. The
   * counter register is passed to `body`; `uni` marks the branches `.uni` (all lanes agree).
   */
  forRange(type: 'u32' | 's32', start: Src, end: Src, step: Src, body: (i: Reg) => void, uni = false): void {
    const i = this.mov(type, start);
    const top = this.newLabel('loop');
    const done = this.newLabel('done');
    this.bra(done, { when: this.setp('ge', type, i, end), uni });
    this.label(top);
    body(i);
    this.add(type, i, step, i);
    this.bra(top, { when: this.setp('lt', type, i, end), uni });
    this.label(done);
  }

  // ---- data movement -----------------------------------------------------------------------

  /** `mov.type d, a` (a may be a special register or a shared array's address). */
  mov(type: PtxType, a: Src, d?: Reg): Reg {
    const dst = d ?? this.reg(regTypeFor(type));
    this.emit({ op: 'mov', type, d: dst, a: toOperand(a) });
    return dst;
  }

  /** A special register as u32 (`mov.u32 %r, %tid.x`). */
  special(name: SpecialRegName): Reg {
    return this.mov('u32', { kind: 'sreg', name });
  }

  /** `ctaid.x * ntid.x + tid.x` as u32. */
  globalIndex(): Reg {
    return this.mad('u32', this.special('ctaid.x'), this.special('ntid.x'), this.special('tid.x'));
  }

  /** `ld.param` of a parameter declared with {@link param}. */
  ldParam(p: Sym & { readonly type: ParamType }): Reg {
    const d = this.reg(p.type);
    this.emit({ op: 'ld', space: 'param', nc: false, type: p.type, ds: [d], addr: { base: p, offset: 0 } });
    return d;
  }

  /** A u64 pointer parameter, converted to a global address (`ld.param` + `cvta.to.global`). */
  ldGlobalPtr(p: Sym & { readonly type: ParamType }): Reg {
    return this.cvtaGlobal(this.ldParam(p));
  }

  /** `cvta.to.global.u64 d, a`. */
  cvtaGlobal(a: Src): Reg {
    const d = this.reg('u64');
    this.emit({ op: 'cvta', d, a: toOperand(a) });
    return d;
  }

  /** Scalar load `ld.space[.nc].type d, [base+offset]`. */
  ld(space: Space, type: PtxType, base: Reg | Sym, offset = 0, opts: { nc?: boolean; d?: Reg } = {}): Reg {
    const d = opts.d ?? this.reg(regTypeFor(type));
    this.emit({ op: 'ld', space, nc: opts.nc ?? false, type, ds: [d], addr: { base, offset } });
    return d;
  }

  /** Vector load `ld.space.vN.type {d…}, [base+offset]` (address aligned to N·size). */
  ldv(space: Space, type: PtxType, n: 2 | 4, base: Reg | Sym, offset = 0, opts: { nc?: boolean; ds?: Reg[] } = {}): Reg[] {
    const ds = opts.ds ?? Array.from({ length: n }, () => this.reg(regTypeFor(type)));
    if (ds.length !== n) throw new PtxBuildError(`kernel ${this.name}: ld.v${n} needs ${n} destinations, got ${ds.length}`);
    this.emit({ op: 'ld', space, nc: opts.nc ?? false, type, ds, addr: { base, offset } });
    return ds;
  }

  /** Scalar store `st.space.type [base+offset], a`. */
  st(space: 'global' | 'shared', type: PtxType, base: Reg | Sym, offset: number, a: Src): void {
    this.emit({ op: 'st', space, type, srcs: [toOperand(a)], addr: { base, offset } });
  }

  /** Vector store `st.space.vN.type [base+offset], {a…}`. */
  stv(space: 'global' | 'shared', type: PtxType, base: Reg | Sym, offset: number, srcs: readonly Src[]): void {
    if (srcs.length !== 2 && srcs.length !== 4) throw new PtxBuildError(`kernel ${this.name}: st.v needs 2 or 4 sources, got ${srcs.length}`);
    this.emit({ op: 'st', space, type, srcs: srcs.map(toOperand), addr: { base, offset } });
  }

  /** `mov.b32 d, {lo, hi}` (two 16-bit registers) or `mov.b64 d, {lo, hi}` (two 32-bit). */
  pack(type: 'b32' | 'b64', parts: readonly Reg[], d?: Reg): Reg {
    const dst = d ?? this.reg(type);
    this.emit({ op: 'pack', type, d: dst, parts });
    return dst;
  }

  /** `mov.b32 {lo, hi}, a`: the 16-bit halves of a 32-bit register (or 32-bit halves of 64). */
  unpack(type: 'b32' | 'b64', a: Reg): [Reg, Reg] {
    const part: RegType = type === 'b32' ? 'b16' : 'b32';
    const ds: [Reg, Reg] = [this.reg(part), this.reg(part)];
    this.emit({ op: 'unpack', type, ds, a });
    return ds;
  }

  /** `cvt[.rnd][.ftz][.sat].dtype.stype d, a`. Float results need a rounding mode when narrowing or from integers. */
  cvt(dtype: PtxType, stype: PtxType, a: Src, o: CvtOptions = {}): Reg {
    let rnd = o.rnd;
    if (!rnd && isFloat(dtype) && (!isFloat(stype) || narrower(dtype, stype))) rnd = 'rn';
    if (!rnd && !isFloat(dtype) && isFloat(stype)) rnd = 'rzi';
    const d = o.d ?? this.reg(regTypeFor(dtype));
    this.emit({ op: 'cvt', dtype, stype, rnd, sat: o.sat ?? false, ftz: o.ftz ?? false, d, a: toOperand(a) });
    return d;
  }

  /** `cvt.rn.f16x2.f32 d, hi, lo` (or bf16x2): `hi` lands in bits 16..31. */
  cvtPack(dtype: 'f16x2' | 'bf16x2', hi: Src, lo: Src): Reg {
    const d = this.reg('b32');
    this.emit({ op: 'cvtpack', dtype, d, a: toOperand(hi), b: toOperand(lo) });
    return d;
  }

  // ---- arithmetic --------------------------------------------------------------------------

  /** Any two-operand op; integer mul defaults to `.lo`. */
  bin(fn: BinaryFn, type: PtxType, a: Src, b: Src, o: { mode?: ArithMode; ftz?: boolean; d?: Reg } = {}): Reg {
    let mode = o.mode;
    if (!mode && fn === 'mul' && !isFloat(type) && type !== 'pred') mode = 'lo';
    if (!mode && fn === 'div' && type === 'f32') mode = 'rn';
    const dt: RegType = mode === 'wide' ? wideOf(type) : type === 'pred' ? 'pred' : regTypeFor(type);
    const d = o.d ?? this.reg(dt);
    this.emit({ op: 'bin', fn, type, mode, ftz: o.ftz ?? false, d, a: toOperand(a), b: toOperand(b) });
    return d;
  }

  /** `add.type d, a, b` (integers wrap; f32 rounds to nearest). */
  add(type: PtxType, a: Src, b: Src, d?: Reg): Reg {
    return this.bin('add', type, a, b, { d });
  }
  /** `sub.type d, a, b`. */
  sub(type: PtxType, a: Src, b: Src, d?: Reg): Reg {
    return this.bin('sub', type, a, b, { d });
  }
  /** `mul.type` (integers: `.lo`, the low half of the product). */
  mul(type: PtxType, a: Src, b: Src, d?: Reg): Reg {
    return this.bin('mul', type, a, b, { d });
  }
  /** `mul.wide.type`: u32/s32 operands, 64-bit product. */
  mulWide(type: 'u32' | 's32' | 'u16' | 's16', a: Src, b: Src, d?: Reg): Reg {
    return this.bin('mul', type, a, b, { mode: 'wide', d });
  }
  /** `min.type` (f32: a NaN operand yields the other). */
  min(type: PtxType, a: Src, b: Src, d?: Reg): Reg {
    return this.bin('min', type, a, b, { d });
  }
  /** `max.type` (f32: a NaN operand yields the other). */
  max(type: PtxType, a: Src, b: Src, d?: Reg): Reg {
    return this.bin('max', type, a, b, { d });
  }
  /** `and.type` (b32/b64 bits, or pred). */
  and(type: PtxType, a: Src, b: Src, d?: Reg): Reg {
    return this.bin('and', type, a, b, { d });
  }
  /** `or.type` (b32/b64 bits, or pred). */
  or(type: PtxType, a: Src, b: Src, d?: Reg): Reg {
    return this.bin('or', type, a, b, { d });
  }
  /** `xor.type` (b32/b64 bits, or pred). */
  xor(type: PtxType, a: Src, b: Src, d?: Reg): Reg {
    return this.bin('xor', type, a, b, { d });
  }
  /** `shl.bN`: shift amounts ≥ the width give 0. */
  shl(type: PtxType, a: Src, b: Src, d?: Reg): Reg {
    return this.bin('shl', type, a, b, { d });
  }
  /** `shr.uN` (logical) / `shr.sN` (arithmetic). */
  shr(type: PtxType, a: Src, b: Src, d?: Reg): Reg {
    return this.bin('shr', type, a, b, { d });
  }

  /** Any one-operand op. Transcendentals default to `.approx`, f32 sqrt to `.rn`. */
  un(fn: UnaryFn, type: PtxType, a: Src, o: { mode?: ArithMode; ftz?: boolean; d?: Reg } = {}): Reg {
    let mode = o.mode;
    if (!mode && ['rcp', 'rsqrt', 'ex2', 'lg2', 'sin', 'cos'].includes(fn)) mode = 'approx';
    if (!mode && fn === 'sqrt') mode = 'rn';
    const d = o.d ?? this.reg(regTypeFor(type));
    this.emit({ op: 'un', fn, type, mode, ftz: o.ftz ?? false, d, a: toOperand(a) });
    return d;
  }
  /** `neg.type d, a`. */
  neg(type: PtxType, a: Src, d?: Reg): Reg {
    return this.un('neg', type, a, { d });
  }
  /** `abs.type d, a`. */
  abs(type: PtxType, a: Src, d?: Reg): Reg {
    return this.un('abs', type, a, { d });
  }
  /** `not.type d, a` (bitwise; pred: logical). */
  not(type: PtxType, a: Src, d?: Reg): Reg {
    return this.un('not', type, a, { d });
  }

  /**
   * `mad.lo` / `mad.wide` for integers (`wide`: u32/s32 operands, 64-bit c and d), `fma.rn` for
   * floats: d = a·b + c.
   */
  mad(type: PtxType, a: Src, b: Src, c: Src, d?: Reg, mode: 'lo' | 'wide' = 'lo'): Reg {
    if (isFloat(type)) return this.fma(type, a, b, c, d);
    const dst = d ?? this.reg(mode === 'wide' ? wideOf(type) : regTypeFor(type));
    this.emit({ op: 'mad', fn: 'mad', type, mode, ftz: false, d: dst, a: toOperand(a), b: toOperand(b), c: toOperand(c) });
    return dst;
  }

  /** `fma.rn.type d, a, b, c` (single rounding). */
  fma(type: PtxType, a: Src, b: Src, c: Src, d?: Reg): Reg {
    const dst = d ?? this.reg(regTypeFor(type));
    this.emit({ op: 'mad', fn: 'fma', type, mode: 'rn', ftz: false, d: dst, a: toOperand(a), b: toOperand(b), c: toOperand(c) });
    return dst;
  }

  /** `setp.cmp.type p, a, b`. */
  setp(cmp: CmpOp, type: PtxType, a: Src, b: Src, d?: Reg): Reg {
    const dst = d ?? this.reg('pred');
    this.emit({ op: 'setp', cmp, type, d: dst, a: toOperand(a), b: toOperand(b) });
    return dst;
  }

  /** `selp.type d, a, b, p`: p ? a : b. */
  selp(type: PtxType, a: Src, b: Src, p: Reg, d?: Reg): Reg {
    const dst = d ?? this.reg(regTypeFor(type));
    this.emit({ op: 'selp', type, d: dst, a: toOperand(a), b: toOperand(b), p });
    return dst;
  }

  /** `dp4a.atype.btype d, a, b, c`: c + the dot product of the four bytes of a and b. */
  dp4a(atype: 'u32' | 's32', btype: 'u32' | 's32', a: Src, b: Src, c: Src, d?: Reg): Reg {
    const dst = d ?? this.reg(atype === 's32' || btype === 's32' ? 's32' : 'u32');
    this.emit({ op: 'dp4a', atype, btype, d: dst, a: toOperand(a), b: toOperand(b), c: toOperand(c) });
    return dst;
  }

  // ---- control and synchronisation -------------------------------------------------------

  /** `[@p] bra[.uni] target`; `when` / `unless` give the guard. */
  bra(target: Label, o: { when?: Reg; unless?: Reg; uni?: boolean } = {}): void {
    if (o.when && o.unless) throw new PtxBuildError(`kernel ${this.name}: bra takes when or unless, not both`);
    const guard = o.when ? { p: o.when, neg: false } : o.unless ? { p: o.unless, neg: true } : undefined;
    const i: Instr = { op: 'bra', target: target.name, uni: o.uni ?? false };
    if (guard) i.guard = guard;
    if (this.guard && guard) throw new PtxBuildError(`kernel ${this.name}: a guarded bra inside when() would need two predicates`);
    this.emit(i);
  }

  /** `bar.sync id`: every non-exited thread of the block waits here. */
  barSync(id = 0): void {
    this.emit({ op: 'bar', id });
  }

  /**
   * `shfl.sync.mode.b32 d, a, b, c, 0xffffffff` over the full warp. `c` defaults to ptx's usual
   * clamp: 0 for `up`, 0x1f otherwise. Float values are shuffled as their bits.
   */
  shfl(mode: ShflMode, a: Reg, b: Src, o: { c?: Src; mask?: Src; d?: Reg; pd?: Reg } = {}): Reg {
    const d = o.d ?? this.reg(a.type === 'f32' ? 'f32' : 'b32');
    const c = o.c ?? (mode === 'up' ? 0 : 0x1f);
    this.emit({ op: 'shfl', mode, d, pd: o.pd, a, b: toOperand(b), c: toOperand(c), mask: toOperand(o.mask ?? 0xffffffff) });
    return d;
  }

  /** `atom.space.fn.type d, [base+offset], b[, c]`; returns the old value. */
  atom(space: 'global' | 'shared', fn: AtomFn, type: PtxType, base: Reg | Sym, offset: number, b: Src, c?: Src): Reg {
    if ((fn === 'cas') !== (c !== undefined)) throw new PtxBuildError(`kernel ${this.name}: atom.cas needs c (the new value); other atomics take none`);
    const d = this.reg(regTypeFor(type));
    this.emit({ op: 'atom', space, fn, type, d, addr: { base, offset }, b: toOperand(b), c: c === undefined ? undefined : toOperand(c) });
    return d;
  }

  /**
   * `mma.sync.aligned.m16n8k16.row.col.f32.ab.ab.f32`: a warp-wide D = A·B + C with A 16×16,
   * B 16×8 (f16 or bf16 pairs in b32 registers: 4 for A, 2 for B) and f32 C/D (4 each per lane).
   */
  mma(ab: 'f16' | 'bf16', a: readonly Reg[], b: readonly Reg[], c: readonly Reg[], d?: readonly Reg[]): Reg[] {
    if (a.length !== 4 || b.length !== 2 || c.length !== 4 || (d && d.length !== 4)) {
      throw new PtxBuildError(`kernel ${this.name}: mma m16n8k16 takes 4 A, 2 B, 4 C and 4 D registers per lane`);
    }
    const ds = d ? [...d] : [this.reg('f32'), this.reg('f32'), this.reg('f32'), this.reg('f32')];
    this.emit({ op: 'mma', ab, d: ds, a, b, c });
    return ds;
  }

  /** `membar.level` (cta / gl / sys): memory ordering for cross-block protocols with atomics. */
  membar(level: 'cta' | 'gl' | 'sys' = 'gl'): void {
    this.emit({ op: 'membar', level });
  }

  /** `vote.sync.ballot.b32` over the full warp: bit l of the result is lane l's `p`. */
  ballot(p: Reg, mask: Src = 0xffffffff): Reg {
    const d = this.reg('b32');
    this.emit({ op: 'vote', mode: 'ballot', d, p, mask: toOperand(mask) });
    return d;
  }

  /** `vote.sync.any.pred` / `vote.sync.all.pred` over the full warp. */
  vote(mode: 'any' | 'all', p: Reg, mask: Src = 0xffffffff): Reg {
    const d = this.reg('pred');
    this.emit({ op: 'vote', mode, d, p, mask: toOperand(mask) });
    return d;
  }

  /** `ret`. */
  ret(): void {
    this.emit({ op: 'ret' });
  }

  /** The finished kernel. Throws when a label was made but never placed. */
  build(): Kernel {
    for (const l of this.labelsMade) {
      if (!this.labelsPlaced.has(l)) throw new PtxBuildError(`kernel ${this.name}: label ${l} is branched to but never placed`);
    }
    const last = this.body.at(-1);
    const body = last && last.op === 'ret' && !last.guard ? [...this.body] : [...this.body, { op: 'ret' } as Instr];
    return {
      name: this.name,
      params: [...this.params],
      shared: [...this.shared],
      regCounts: { ...this.counts },
      body,
      maxThreads: this.maxThreads,
      doc: this.doc,
    };
  }
}

function wideOf(t: PtxType): RegType {
  if (t === 'u32') return 'u64';
  if (t === 's32') return 's64';
  if (t === 'u16') return 'u32';
  if (t === 's16') return 's32';
  throw new PtxBuildError(`.wide needs a 16- or 32-bit integer type, got .${t}`);
}

function narrower(d: PtxType, s: PtxType): boolean {
  const w = (t: PtxType): number => (t === 'f64' ? 64 : t === 'f32' ? 32 : 16);
  return w(d) < w(s);
}
