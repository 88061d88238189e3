/**
 * RMSNorm with the weight multiply fused: `out (nTok, dim) = x / sqrt(mean(x²) + eps) · weight`,
 * Backend.rmsNorm (trueno's `rmsNormRef`: ggml's rms_norm followed by llama.cpp's `mul`). Rows
 * are the tokens of a prefill or the M sequences of a batched decode step.
 *
 * Geometry: one block of RMS_NORM_THREADS threads per row. Each thread sums x² over a stride of
 * the row (fma in f32), a butterfly per warp and a shared-memory pass across warps give every
 * thread the row's sum, then each thread writes its share: `(x · scale) · weight`, two `.rn`
 * multiplies in the reference's order. The row is read twice; the second read hits L1 (a row is
 * dim·4 bytes, 3.5 KiB for Qwen2.5-0.5B), so device memory sees x once.
 *
 * Numerics: the reference sums squares in double; the kernel's f32 sum (per thread, then a tree)
 * has relative error ≲ (dim/256 + 13)·2⁻²⁴, which becomes the same relative error in scale/2.
 * `scale = 1 / sqrt(mean + eps)` uses `div.rn` and `sqrt.rn` like the C code (not rsqrt.approx),
 * so the only deviation is the sum's rounding: NMSE ~1e-14.
 *
 * Parameters, in order: `x` (u64, (nTok, dim) f32), `weight` (u64, (dim) f32), `out` (u64,
 * (nTok, dim) f32, may be x), `dim` (u32), `eps` (f32). Grid: (nTok, 1, 1).
 */
import { refBackend } from '@sovereign/trueno';
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import type { KernelCost } from './kernel-model.js';
import { type LaunchGeometry, blockSum, divRn, mulRn } from './ops-common.js';

/** Threads per row (8 warps). */
export const RMS_NORM_THREADS = 256;

/** Builds the RMSNorm kernel. */
export function buildRmsNorm(opts: { sm: SmTarget }): Kernel {
  const k = new KernelBuilder('rms_norm_f32');
  k.maxThreads = RMS_NORM_THREADS;
  k.doc = `out (n_tok, dim) = x / sqrt(mean(x^2) + eps) * weight, one block per row; target ${opts.sm}`;
  const px = k.param('x', 'u64');
  const pw = k.param('weight', 'u64');
  const po = k.param('out', 'u64');
  const pd = k.param('dim', 'u32');
  const pe = k.param('eps', 'f32');
  const smem = k.sharedArray('warp_sums', 4 * (RMS_NORM_THREADS / 32), 4);
  const x = k.ldGlobalPtr(px);
  const w = k.ldGlobalPtr(pw);
  const out = k.ldGlobalPtr(po);
  const dim = k.ldParam(pd);
  const eps = k.ldParam(pe);
  const tid = k.special('tid.x');
  const row = k.special('ctaid.x');
  const rowOff = k.mulWide('u32', row, dim);
  const xRow = k.mad('u64', rowOff, 4, x);
  const oRow = k.mad('u64', rowOff, 4, out);

  const acc = k.mov('f32', 0);
  k.forRange('u32', tid, dim, RMS_NORM_THREADS, (i) => {
    const v = k.ld('global', 'f32', k.mad('u32', i, 4, xRow, undefined, 'wide'), 0);
    k.fma('f32', v, v, acc, acc);
  });
  const sum = blockSum(k, acc, RMS_NORM_THREADS / 32, smem, tid);
  k.comment('scale = 1 / sqrtf(mean + eps) in IEEE-rounded steps, as ggml computes it');
  const mean = divRn(k, sum, k.cvt('f32', 'u32', dim));
  const scale = divRn(k, 1, k.un('sqrt', 'f32', k.bin('add', 'f32', mean, eps, { mode: 'rn' })));
  k.forRange('u32', tid, dim, RMS_NORM_THREADS, (i) => {
    const off = k.mulWide('u32', i, 4);
    const v = k.ld('global', 'f32', k.add('u64', xRow, off), 0);
    const wv = k.ld('global', 'f32', k.add('u64', w, off), 0, { nc: true });
    k.st('global', 'f32', k.add('u64', oRow, off), 0, mulRn(k, mulRn(k, v, scale), wv));
  });
  k.ret();
  return k.build();
}

/** Launch geometry: one block per row. */
export function rmsNormLaunch(nTok: number): LaunchGeometry {
  return { grid: [nTok, 1, 1], block: [RMS_NORM_THREADS, 1, 1] };
}

/** TS reference: trueno's ref backend (`rmsNormRef`, Backend.rmsNorm semantics). */
export function rmsNormReference(x: Float32Array, weight: Float32Array, eps: number, nTok: number, dim: number): Float32Array {
  const out = new Float32Array(nTok * dim);
  refBackend.rmsNorm(x, weight, eps, nTok, dim, out);
  return out;
}

/** Bytes / flops: x read once (the second pass hits L1), weight once, out written. */
export function rmsNormCost(nTok: number, dim: number): KernelCost {
  return { bytes: 4 * (2 * nTok * dim + dim), flops: 4 * nTok * dim };
}
