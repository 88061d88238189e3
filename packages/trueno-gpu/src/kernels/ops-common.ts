/**
 * Building blocks shared by the element-wise and row-wise kernels (RMSNorm, RoPE, SwiGLU, add,
 * argmax, attention): IEEE-exact f32 arithmetic helpers, warp and block reductions, and the
 * launch-geometry type.
 *
 * Exactness: a plain `mul.f32` followed by `add.f32` may be contracted into one `fma` by ptxas
 * (PTX allows it for instructions without a rounding modifier), which changes the rounding. Where
 * a kernel must round exactly like the TS reference (ggml's float semantics), it uses the `.rn`
 * forms below, which ptxas never contracts.
 */
import type { KernelBuilder } from '../ptx/builder.js';
import type { Src, Reg, Sym } from '../ptx/types.js';

/** Grid and block of a launch, (x, y, z) each. */
export interface LaunchGeometry {
  readonly grid: [number, number, number];
  readonly block: [number, number, number];
}

/** log2(e) as f32: e^x = 2^(x·log2 e), so exp is one `ex2.approx` after a multiply (as flash attention does). */
export const LOG2E = Math.fround(Math.LOG2E);

/** `mul.rn.f32` (never fused into an fma). */
export function mulRn(k: KernelBuilder, a: Src, b: Src, d?: Reg): Reg {
  return k.bin('mul', 'f32', a, b, { mode: 'rn', d });
}

/** `add.rn.f32` (never fused). */
export function addRn(k: KernelBuilder, a: Src, b: Src, d?: Reg): Reg {
  return k.bin('add', 'f32', a, b, { mode: 'rn', d });
}

/** `sub.rn.f32` (never fused). */
export function subRn(k: KernelBuilder, a: Src, b: Src, d?: Reg): Reg {
  return k.bin('sub', 'f32', a, b, { mode: 'rn', d });
}

/** `div.rn.f32`: IEEE-correct quotient (what C's `/` on floats gives). */
export function divRn(k: KernelBuilder, a: Src, b: Src, d?: Reg): Reg {
  return k.bin('div', 'f32', a, b, { mode: 'rn', d });
}

/** e^x as `ex2.approx(x·log2 e)` (relative error ≲ 2⁻²² plus |x|·2⁻²⁴ from the pre-scaling). */
export function expApprox(k: KernelBuilder, x: Src): Reg {
  return k.un('ex2', 'f32', mulRn(k, x, LOG2E));
}

/** Butterfly sum over the 32 lanes (every lane gets the total); the whole warp must be active. */
export function warpSum(k: KernelBuilder, v: Reg): Reg {
  for (const off of [16, 8, 4, 2, 1]) k.add('f32', v, k.shfl('bfly', v, off), v);
  return v;
}

/** Butterfly max over the 32 lanes (every lane gets the maximum); the whole warp must be active. */
export function warpMax(k: KernelBuilder, v: Reg): Reg {
  for (const off of [16, 8, 4, 2, 1]) k.max('f32', v, k.shfl('bfly', v, off), v);
  return v;
}

/**
 * Sum of `v` over a block of `warps` full warps, returned in every thread. Lane 0 of each warp
 * writes its warp's sum to `smem` (`warps` f32), then every thread adds the `warps` values in the
 * same order, so all threads hold the bit-identical total. Two `bar.sync`: the second keeps a
 * later reuse of `smem` from overwriting values another warp has not read yet.
 */
export function blockSum(k: KernelBuilder, v: Reg, warps: number, smem: Sym, tid: Reg): Reg {
  warpSum(k, v);
  if (warps === 1) return v;
  const lane = k.and('b32', tid, 31);
  const warp = k.shr('u32', tid, 5);
  const base = k.mov('u32', smem);
  k.ifThen(k.setp('eq', 'u32', lane, 0), () => k.st('shared', 'f32', k.mad('u32', warp, 4, base), 0, v));
  k.barSync();
  const total = k.ld('shared', 'f32', base, 0);
  for (let w = 1; w < warps; w++) k.add('f32', total, k.ld('shared', 'f32', base, 4 * w), total);
  k.barSync();
  return total;
}
