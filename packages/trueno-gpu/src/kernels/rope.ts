/**
 * RoPE, in place: `x (nTok, nHeads, headDim)` rotated by each token's position (Backend.rope,
 * trueno's `ropeRef`, a port of ggml's rope_ext): `normal` (adjacent pairs, llama GGUFs) or
 * `neox` (halves, Qwen2), θ base, linear frequency scale, llama 3 frequency factors, YaRN ramp
 * and attention factor, partial rotation (nRot < headDim: the rest passes through).
 *
 * Geometry: one block of ROPE_THREADS per token. Threads 0..nRot/2-1 first compute the token's
 * (cos θ_i, sin θ_i) table into shared memory (ggml computes it once per position and shares it
 * across heads, and so does this), then all threads rotate the (head, pair) items of the token.
 * Tokens of different sequences sit in one launch: each reads its own position from `pos`.
 *
 * Numerics: everything up to θ rounds exactly like the reference, which is what keeps long
 * contexts right: θ_i is the float chain θ_0 = pos, θ_i = θ_{i-1}·θ_scale (i `mul.rn` per pair,
 * not pos·θ_scale^i, which differs by up to i ulps: 2e-3 rad at position 32k), then the freq
 * factor (`div.rn`), the freq scale and the YaRN mix (`mul.rn`/`add.rn`), cos/sin·mscale, and the
 * rotation x0·c − x1·s as two rounded products. Only cos/sin differ: θ is reduced to [−π, π] with
 * a two-constant Cody-Waite step in fma (k = rint(θ/2π), r = θ − k·C1 − k·C2, C1 + C2 = 2π to
 * ~1e-15; the first fma is exact before its single rounding, so |r error| ≲ 2⁻²³ for θ < 2²⁴),
 * then `cos.approx`/`sin.approx` (absolute error ≲ 2⁻²⁰·⁵ on that range). So each rotated value is
 * off by ≲ 1e-6 of the head's magnitude: NMSE ≲ 1e-12. Without the reduction, sin.approx of
 * θ ~ 3e4 would be wrong in the third digit.
 *
 * Parameters: `x` (u64, (nTok, nHeads, headDim) f32, in place), `pos` (u64, (nTok) u32),
 * `freq_factors` (u64, (nRot/2) f32, or 0 for none), `n_heads`, `head_dim`, `n_rot` (u32), then
 * the f32 scalars of {@link ropeScalars}. Grid (nTok, 1, 1).
 */
import { type RopeParams, refBackend, yarnCorrDims } from '@sovereign/trueno';
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import type { KernelCost } from './kernel-model.js';
import { type LaunchGeometry, addRn, divRn, mulRn, subRn } from './ops-common.js';

/** Threads per token. */
export const ROPE_THREADS = 128;

/** Largest rotated dimension count (the shared cos/sin table holds nRot floats). */
export const ROPE_MAX_ROT = 256;

const fround = Math.fround;
// 2π split for the Cody-Waite reduction: C1 = fl(2π), C2 = fl(2π − C1).
const TWO_PI_HI = fround(2 * Math.PI);
const TWO_PI_LO = fround(2 * Math.PI - TWO_PI_HI);
const INV_TWO_PI = fround(1 / (2 * Math.PI));

/** The f32 scalar parameters of a RoPE launch, derived on the host exactly as `ropeRef` does. */
export interface RopeScalars {
  /** powf(base, −2/nRot). */
  readonly theta_scale: number;
  readonly freq_scale: number;
  readonly ext_factor: number;
  /** YaRN ramp range [low, high] (pair indices; 0, 0 when YaRN is off). */
  readonly corr_low: number;
  /** max(0.001, high − low): the ramp's divisor. */
  readonly corr_span: number;
  /** attnFactor, times 1 + 0.1·ln(1/freqScale) under YaRN. */
  readonly mscale: number;
}

/** Host-side scalars of a launch for `p` (the float steps of ggml_rope_cache_init / ropeRef). */
export function ropeScalars(p: RopeParams, headDim: number): RopeScalars & { readonly n_rot: number } {
  const nRot = p.nRot ?? headDim;
  if (nRot % 2 !== 0 || nRot < 2 || nRot > headDim || nRot > ROPE_MAX_ROT) {
    throw new RangeError(`rope: nRot must be even and in 2..${Math.min(headDim, ROPE_MAX_ROT)}, got ${nRot}`);
  }
  const freqScale = fround(p.freqScale ?? 1);
  const extFactor = fround(p.extFactor ?? 0);
  let corr: [number, number] = [0, 0];
  if (extFactor !== 0) {
    if (!p.nCtxOrig) throw new RangeError('rope: YaRN (extFactor ≠ 0) needs nCtxOrig');
    corr = yarnCorrDims(nRot, p.nCtxOrig, p.freqBase, p.betaFast ?? 32, p.betaSlow ?? 1);
  }
  let mscale = fround(p.attnFactor ?? 1);
  if (extFactor !== 0) mscale = fround(mscale * fround(1 + fround(0.1 * fround(Math.log(fround(1 / freqScale))))));
  return {
    n_rot: nRot,
    theta_scale: fround(Math.pow(fround(p.freqBase), fround(-2 / nRot))),
    freq_scale: freqScale,
    ext_factor: extFactor,
    corr_low: corr[0],
    corr_span: fround(Math.max(0.001, fround(corr[1] - corr[0]))),
    mscale,
  };
}

/** cos/sin of θ ≥ 0 via the reduction described in the module comment. */
function cosSin(k: KernelBuilder, th: Reg): [Reg, Reg] {
  // rint via s32 and back (exact: θ/2π < 2²¹ here). cvt.rni.f32.f32 would be one instruction,
  // but the emulator ignores integer rounding on float-to-float cvt (it rounds to f32 only).
  const q = k.cvt('f32', 's32', k.cvt('s32', 'f32', mulRn(k, th, INV_TWO_PI), { rnd: 'rni' }));
  const nq = k.neg('f32', q);
  const r = k.fma('f32', nq, TWO_PI_HI, th);
  k.fma('f32', nq, TWO_PI_LO, r, r);
  return [k.un('cos', 'f32', r), k.un('sin', 'f32', r)];
}

/** Builds the RoPE kernel for one pair layout. */
export function buildRope(opts: { sm: SmTarget; mode: RopeParams['mode'] }): Kernel {
  const neox = opts.mode === 'neox';
  const k = new KernelBuilder(neox ? 'rope_neox_f32' : 'rope_f32');
  k.maxThreads = ROPE_THREADS;
  k.doc = `in-place RoPE (${opts.mode} pairs) of x (n_tok, n_heads, head_dim), token t at position pos[t]; target ${opts.sm}`;
  const px = k.param('x', 'u64');
  const pp = k.param('pos', 'u64');
  const pf = k.param('freq_factors', 'u64');
  const pH = k.param('n_heads', 'u32');
  const pD = k.param('head_dim', 'u32');
  const pR = k.param('n_rot', 'u32');
  const f = {
    thetaScale: k.param('theta_scale', 'f32'),
    freqScale: k.param('freq_scale', 'f32'),
    ext: k.param('ext_factor', 'f32'),
    low: k.param('corr_low', 'f32'),
    span: k.param('corr_span', 'f32'),
    mscale: k.param('mscale', 'f32'),
  };
  const table = k.sharedArray('cos_sin', 4 * ROPE_MAX_ROT, 8);
  const x = k.ldGlobalPtr(px);
  const posBuf = k.ldGlobalPtr(pp);
  const ffPtr = k.ldParam(pf);
  const nHeads = k.ldParam(pH);
  const headDim = k.ldParam(pD);
  const half = k.shr('u32', k.ldParam(pR), 1);
  const tid = k.special('tid.x');
  const tok = k.special('ctaid.x');
  const tab = k.mov('u32', table);

  k.comment('cos/sin table of this token: pair i = tid (ggml_rope_cache_init, float step by step)');
  k.ifThen(k.setp('lt', 'u32', tid, half), () => {
    const pos = k.ld('global', 'u32', k.mad('u32', tok, 4, posBuf, undefined, 'wide'), 0, { nc: true });
    const theta = k.cvt('f32', 'u32', pos);
    const thetaScale = k.ldParam(f.thetaScale);
    k.forRange('u32', 0, tid, 1, () => mulRn(k, theta, thetaScale, theta));
    const ff = k.mov('f32', 1);
    const hasFf = k.setp('ne', 'u64', ffPtr, 0);
    k.when(hasFf, () => k.ld('global', 'f32', k.mad('u32', tid, 4, k.cvtaGlobal(ffPtr), undefined, 'wide'), 0, { nc: true, d: ff }));
    const extrap = divRn(k, theta, ff);
    const interp = mulRn(k, k.ldParam(f.freqScale), extrap);
    // YaRN mix; with ext_factor = 0 it is exactly interp (interp·1 + extrap·0).
    const y = divRn(k, subRn(k, k.cvt('f32', 'u32', tid), k.ldParam(f.low)), k.ldParam(f.span));
    const ramp = subRn(k, 1, k.min('f32', 1, k.max('f32', 0, y)));
    const mix = mulRn(k, ramp, k.ldParam(f.ext));
    const th = addRn(k, mulRn(k, interp, subRn(k, 1, mix)), mulRn(k, extrap, mix));
    const [c, s] = cosSin(k, th);
    const mscale = k.ldParam(f.mscale);
    const at = k.mad('u32', tid, 8, tab);
    k.stv('shared', 'f32', at, 0, [mulRn(k, c, mscale), mulRn(k, s, mscale)]);
  });
  k.barSync();

  k.comment('rotate every (head, pair) of the token');
  const items = k.mul('u32', nHeads, half);
  const xTok = k.mad('u32', k.mul('u32', tok, nHeads), k.mul('u32', headDim, 4), x, undefined, 'wide');
  k.forRange('u32', tid, items, ROPE_THREADS, (it) => {
    const h = k.bin('div', 'u32', it, half);
    const i = k.sub('u32', it, k.mul('u32', h, half));
    const [c, s] = k.ldv('shared', 'f32', 2, k.mad('u32', i, 8, tab), 0);
    const head = k.mad('u32', h, k.mul('u32', headDim, 4), xTok, undefined, 'wide');
    const rot = (x0: Reg, x1: Reg): [Reg, Reg] => [subRn(k, mulRn(k, x0, c), mulRn(k, x1, s)), addRn(k, mulRn(k, x0, s), mulRn(k, x1, c))];
    if (neox) {
      const a0 = k.mad('u32', i, 4, head, undefined, 'wide');
      const a1 = k.mad('u32', half, 4, a0, undefined, 'wide');
      const [y0, y1] = rot(k.ld('global', 'f32', a0, 0), k.ld('global', 'f32', a1, 0));
      k.st('global', 'f32', a0, 0, y0);
      k.st('global', 'f32', a1, 0, y1);
    } else {
      const a = k.mad('u32', i, 8, head, undefined, 'wide');
      const [x0, x1] = k.ldv('global', 'f32', 2, a, 0);
      k.stv('global', 'f32', a, 0, rot(x0, x1));
    }
  });
  k.ret();
  return k.build();
}

/** Launch geometry: one block per token. */
export function ropeLaunch(nTok: number): LaunchGeometry {
  return { grid: [nTok, 1, 1], block: [ROPE_THREADS, 1, 1] };
}

/** TS reference on a copy of x: trueno's ref backend (`ropeRef`, Backend.rope). */
export function ropeReference(x: Float32Array, nTok: number, nHeads: number, headDim: number, positions: ArrayLike<number>, p: RopeParams): Float32Array {
  const y = x.slice(0, nTok * nHeads * headDim);
  refBackend.rope(y, nTok, nHeads, headDim, positions, p);
  return y;
}

/** Bytes / flops: the rotated dims read and written once, positions read; 6 flops per pair. */
export function ropeCost(nTok: number, nHeads: number, nRot: number): KernelCost {
  return { bytes: 8 * nTok * nHeads * nRot + 4 * nTok, flops: 3 * nTok * nHeads * nRot };
}
