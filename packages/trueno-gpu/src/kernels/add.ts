/**
 * Residual add (`out[i] = a[i] + b[i]`, Backend.add) and broadcast bias add (`x (nTok, n) +=
 * bias (n)`, Backend.addBias: Qwen2's Q/K/V biases). One f32 `add.rn` per element, the same
 * IEEE rounding as the reference, so results are bit-identical (denormals kept: no .ftz).
 *
 * Geometry: ELEMENTWISE_THREADS threads per block, one element per thread; add: grid
 * (ceil(n / 256), 1, 1); bias: grid (ceil(n / 256), nTok, 1), so the bias index is the column and
 * needs no division. Both are pure bandwidth: 12 bytes per element (add), 8 (bias, whose vector
 * stays in L2).
 *
 * Parameters: add_f32: `a`, `b`, `out` (u64; out may alias a or b), `n` (u32).
 * add_bias_f32: `x` (u64, (nTok, n), in place), `bias` (u64, (n)), `n` (u32).
 */
import { refBackend } from '@sovereign/trueno';
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import type { KernelCost } from './kernel-model.js';
import { type LaunchGeometry, addRn } from './ops-common.js';

/** Threads per block of the element-wise kernels (add, bias, SwiGLU). */
export const ELEMENTWISE_THREADS = 256;

/** Builds `add_f32`: out = a + b over n elements. */
export function buildAdd(opts: { sm: SmTarget }): Kernel {
  const k = new KernelBuilder('add_f32');
  k.maxThreads = ELEMENTWISE_THREADS;
  k.doc = `out[i] = a[i] + b[i], i < n; target ${opts.sm}`;
  const pa = k.param('a', 'u64');
  const pb = k.param('b', 'u64');
  const po = k.param('out', 'u64');
  const pn = k.param('n', 'u32');
  const a = k.ldGlobalPtr(pa);
  const b = k.ldGlobalPtr(pb);
  const out = k.ldGlobalPtr(po);
  const n = k.ldParam(pn);
  const i = k.globalIndex();
  k.ifThen(k.setp('lt', 'u32', i, n), () => {
    const off = k.mulWide('u32', i, 4);
    const va = k.ld('global', 'f32', k.add('u64', a, off), 0);
    const vb = k.ld('global', 'f32', k.add('u64', b, off), 0);
    k.st('global', 'f32', k.add('u64', out, off), 0, addRn(k, va, vb));
  });
  k.ret();
  return k.build();
}

/** Builds `add_bias_f32`: x (nTok, n) += bias (n), in place. */
export function buildAddBias(opts: { sm: SmTarget }): Kernel {
  const k = new KernelBuilder('add_bias_f32');
  k.maxThreads = ELEMENTWISE_THREADS;
  k.doc = `x (n_tok, n) += bias (n), grid.y = token; target ${opts.sm}`;
  const px = k.param('x', 'u64');
  const pb = k.param('bias', 'u64');
  const pn = k.param('n', 'u32');
  const x = k.ldGlobalPtr(px);
  const bias = k.ldGlobalPtr(pb);
  const n = k.ldParam(pn);
  const col = k.globalIndex();
  k.ifThen(k.setp('lt', 'u32', col, n), () => {
    const at = k.mad('u32', k.mad('u32', k.special('ctaid.y'), n, col), 4, x, undefined, 'wide');
    const vb = k.ld('global', 'f32', k.mad('u32', col, 4, bias, undefined, 'wide'), 0, { nc: true });
    k.st('global', 'f32', at, 0, addRn(k, k.ld('global', 'f32', at, 0), vb));
  });
  k.ret();
  return k.build();
}

/** Launch geometry of `add_f32` over n elements. */
export function addLaunch(n: number): LaunchGeometry {
  return { grid: [Math.max(1, Math.ceil(n / ELEMENTWISE_THREADS)), 1, 1], block: [ELEMENTWISE_THREADS, 1, 1] };
}

/** Launch geometry of `add_bias_f32` over (nTok, n). */
export function addBiasLaunch(nTok: number, n: number): LaunchGeometry {
  return { grid: [Math.max(1, Math.ceil(n / ELEMENTWISE_THREADS)), nTok, 1], block: [ELEMENTWISE_THREADS, 1, 1] };
}

/** TS reference of `add_f32`: trueno's ref backend (Backend.add). */
export function addReference(a: Float32Array, b: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n);
  refBackend.add(a, b, n, out);
  return out;
}

/** TS reference of `add_bias_f32` on a copy of x: trueno's ref backend (Backend.addBias). */
export function addBiasReference(x: Float32Array, bias: Float32Array, nTok: number, n: number): Float32Array {
  const y = x.slice(0, nTok * n);
  refBackend.addBias(y, bias, nTok, n);
  return y;
}

/** Bytes / flops of `add_f32`: two reads and a write per element. */
export function addCost(n: number): KernelCost {
  return { bytes: 12 * n, flops: n };
}

/** Bytes / flops of `add_bias_f32`: x read and written, the bias vector once. */
export function addBiasCost(nTok: number, n: number): KernelCost {
  return { bytes: 8 * nTok * n + 4 * n, flops: nTok * n };
}
