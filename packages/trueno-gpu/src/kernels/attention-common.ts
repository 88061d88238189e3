/**
 * The per-warp online-softmax attention step shared by the decode, split-K decode and prefill
 * kernels. One warp owns one query row of one head; lane `l` holds dims `l·E .. l·E+E−1` of q,
 * of the output accumulator and of each K/V row it reads (E = headDim / 32: 2 for headDim 64, 4
 * for 128, so one `ld.v2`/`ld.v4` per lane reads a whole row coalesced).
 *
 * Per visited position j (flash attention's recurrence, in the log2 domain):
 *   s  = (q·k_j) · scale·log2 e          (dot: per-lane fma, then a 32-lane butterfly)
 *   m' = max(m, s);  c = 2^(m − m');  p = 2^(s − m')
 *   l  = l·c + p;    acc = acc·c + p·v_j;  m = m'
 * and at the end out = acc / l. m starts at −∞: the first c is 2^(−∞) = 0 and multiplies zeros,
 * so no NaN appears while every score is finite.
 *
 * Why the bounds hold (vs trueno's attentionRef, ggml's f32 softmax with double sums): the dot is
 * an f32 sum of headDim products (relative error ≲ √headDim·2⁻²⁴ typical), pre-scaling by
 * fl(scale·log2 e) and `ex2.approx` (≲ 2⁻²² relative) perturb each weight p_j by a relative
 * ≲ (2 + |s_j − m|)·2⁻²³, and the f32 accumulators add ≲ log2(n)·2⁻²⁴ relative per sum; the
 * normalisation divides both sides by the same l, so errors do not grow with the context length
 * beyond the sums' rounding. Output NMSE is therefore ~1e-13 and a 1e-9 bound is safe for scores
 * up to |s| ~ 100 and contexts of tens of thousands.
 */
import type { KernelBuilder } from '../ptx/builder.js';
import type { Reg } from '../ptx/types.js';
import { LOG2E, divRn, mulRn, warpSum } from './ops-common.js';

/** Head sizes the attention kernels are built for. */
export type AttentionHeadDim = 64 | 128;

/** Running softmax state of one warp (one query row). */
export interface SoftmaxState {
  /** Running max of the scaled scores (log2 domain); −∞ before the first position. */
  readonly m: Reg;
  /** Running Σ 2^(s − m). */
  readonly l: Reg;
  /** This lane's E output accumulators. */
  readonly acc: readonly Reg[];
}

/** Throws unless headDim is 64 or 128; returns E = headDim / 32. */
export function lanesDims(headDim: number): 2 | 4 {
  if (headDim !== 64 && headDim !== 128) throw new RangeError(`attention kernels are built for headDim 64 or 128, got ${headDim}`);
  return headDim === 64 ? 2 : 4;
}

/** `fl(scale · log2 e)` as the kernels compute it from the f32 `scale` parameter. */
export function scaleLog2(k: KernelBuilder, scale: Reg): Reg {
  return mulRn(k, scale, LOG2E);
}

/** A fresh state: m = −∞, l = 0, acc = 0. */
export function initState(k: KernelBuilder, E: number): SoftmaxState {
  return { m: k.mov('f32', -Infinity), l: k.mov('f32', 0), acc: Array.from({ length: E }, () => k.mov('f32', 0)) };
}

/** Loads E contiguous f32 (`ld.v2`/`ld.v4`) from `space` at `at + off`. */
export function loadLane(k: KernelBuilder, space: 'global' | 'shared', at: Reg, E: 2 | 4, off = 0): Reg[] {
  return k.ldv(space, 'f32', E, at, off, { nc: space === 'global' });
}

/** One position of the recurrence (see the module comment); the whole warp must be active. */
export function softmaxStep(k: KernelBuilder, st: SoftmaxState, q: readonly Reg[], kv: readonly Reg[], vv: readonly Reg[], sl2: Reg): void {
  let dot = k.mul('f32', q[0], kv[0]);
  for (let e = 1; e < q.length; e++) dot = k.fma('f32', q[e], kv[e], dot, dot);
  warpSum(k, dot);
  const s = mulRn(k, dot, sl2);
  const m1 = k.max('f32', st.m, s);
  const c = k.un('ex2', 'f32', k.sub('f32', st.m, m1));
  const p = k.un('ex2', 'f32', k.sub('f32', s, m1));
  k.fma('f32', st.l, c, p, st.l);
  for (let e = 0; e < st.acc.length; e++) k.fma('f32', p, vv[e], mulRn(k, st.acc[e], c), st.acc[e]);
  k.mov('f32', m1, st.m);
}

/**
 * `n` positions in one update (the same recurrence with one rescale): all n rows' loads are
 * issued before any use, so a warp keeps n K and n V rows in flight instead of waiting a full
 * memory latency per position, and the n butterflies interleave. m' = max(m, s_1..s_n),
 * c = 2^(m − m'), p_i = 2^(s_i − m'), l = l·c + Σ p_i, acc = acc·c + Σ p_i·v_i.
 */
export function softmaxStepN(k: KernelBuilder, st: SoftmaxState, q: readonly Reg[], kvs: readonly (readonly Reg[])[], vvs: readonly (readonly Reg[])[], sl2: Reg): void {
  const dots = kvs.map((kv) => {
    let dot = k.mul('f32', q[0], kv[0]);
    for (let e = 1; e < q.length; e++) dot = k.fma('f32', q[e], kv[e], dot, dot);
    return dot;
  });
  for (const off of [16, 8, 4, 2, 1]) for (const d of dots) k.add('f32', d, k.shfl('bfly', d, off), d);
  const s = dots.map((d) => mulRn(k, d, sl2));
  const m1 = k.max('f32', st.m, s[0]);
  for (let i = 1; i < s.length; i++) k.max('f32', m1, s[i], m1);
  const c = k.un('ex2', 'f32', k.sub('f32', st.m, m1));
  const p = s.map((si) => k.un('ex2', 'f32', k.sub('f32', si, m1)));
  k.mul('f32', st.l, c, st.l);
  for (const pi of p) k.add('f32', st.l, pi, st.l);
  for (let e = 0; e < st.acc.length; e++) {
    mulRn(k, st.acc[e], c, st.acc[e]);
    p.forEach((pi, i) => k.fma('f32', pi, vvs[i][e], st.acc[e], st.acc[e]));
  }
  k.mov('f32', m1, st.m);
}

/**
 * The recurrence over positions [start, end) (warp-uniform bounds): groups of `unroll` positions
 * through {@link softmaxStepN}, then the remaining ones one at a time. `row(j)` emits the loads
 * of position j's K and V lane values.
 */
export function softmaxRange(
  k: KernelBuilder,
  st: SoftmaxState,
  q: readonly Reg[],
  sl2: Reg,
  start: Reg,
  end: Reg,
  unroll: number,
  row: (j: Reg) => [Reg[], Reg[]],
): void {
  const mainEnd = k.sub('u32', end, k.and('b32', k.sub('u32', end, start), unroll - 1));
  k.forRange(
    'u32',
    start,
    mainEnd,
    unroll,
    (j) => {
      const rows = Array.from({ length: unroll }, (_, u) => row(u === 0 ? j : k.add('u32', j, u)));
      softmaxStepN(
        k,
        st,
        q,
        rows.map((r) => r[0]),
        rows.map((r) => r[1]),
        sl2,
      );
    },
    true,
  );
  k.forRange(
    'u32',
    mainEnd,
    end,
    1,
    (j) => {
      const [kv, vv] = row(j);
      softmaxStep(k, st, q, kv, vv, sl2);
    },
    true,
  );
}

/** out = acc / l (E values; `div.rn`). */
export function finalize(k: KernelBuilder, st: SoftmaxState): Reg[] {
  return st.acc.map((a) => divRn(k, a, st.l));
}
