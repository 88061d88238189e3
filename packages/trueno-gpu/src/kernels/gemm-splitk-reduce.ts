/**
 * The second pass of the split-K GEMM (gemm-mma.ts): Y[i] = Σ_z ws[z][i] over the slices of the
 * (slices, nTok, nOut) f32 workspace, added in slice order with `add.rn`, so the result is
 * deterministic and bit-identical to `gemmSplitKReduceReference` (no atomics: their order would
 * vary from run to run).
 *
 * Geometry: ELEMENTWISE_THREADS threads per block, one output per thread, grid ceil(n / 256).
 * Parameters: `ws` (u64, (slices, n) f32), `y` (u64, (n) f32), `n` (u32: nTok·nOut), `slices` (u32).
 */
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import { ELEMENTWISE_THREADS } from './add.js';
import type { KernelCost } from './kernel-model.js';
import { type LaunchGeometry, addRn } from './ops-common.js';

/** Builds `gemm_splitk_reduce`. */
export function buildGemmSplitKReduce(opts: { sm: SmTarget }): Kernel {
  const k = new KernelBuilder('gemm_splitk_reduce');
  k.maxThreads = ELEMENTWISE_THREADS;
  k.doc = `y[i] = sum over z of ws[z * n + i] in slice order, i < n; target ${opts.sm}`;
  const pws = k.param('ws', 'u64');
  const py = k.param('y', 'u64');
  const pn = k.param('n', 'u32');
  const ps = k.param('slices', 'u32');
  const ws = k.ldGlobalPtr(pws);
  const y = k.ldGlobalPtr(py);
  const n = k.ldParam(pn);
  const slices = k.ldParam(ps);
  const i = k.globalIndex();
  k.ifThen(k.setp('lt', 'u32', i, n), () => {
    const at = k.mad('u32', i, 4, ws, undefined, 'wide');
    const step = k.mulWide('u32', n, 4);
    const acc = k.ld('global', 'f32', at, 0, { nc: true });
    k.forRange('u32', 1, slices, 1, () => {
      k.add('u64', at, step, at);
      addRn(k, acc, k.ld('global', 'f32', at, 0, { nc: true }), acc);
    });
    k.st('global', 'f32', k.mad('u32', i, 4, y, undefined, 'wide'), 0, acc);
  });
  k.ret();
  return k.build();
}

/** Launch geometry of `gemm_splitk_reduce` over n = nTok·nOut outputs. */
export function gemmSplitKReduceLaunch(n: number): LaunchGeometry {
  return { grid: [Math.max(1, Math.ceil(n / ELEMENTWISE_THREADS)), 1, 1], block: [ELEMENTWISE_THREADS, 1, 1] };
}

/** TS reference: the slices summed in order with f32 rounding after each add. */
export function gemmSplitKReduceReference(ws: Float32Array, n: number, slices: number): Float32Array {
  const y = ws.slice(0, n);
  for (let z = 1; z < slices; z++) for (let i = 0; i < n; i++) y[i] = Math.fround(y[i] + ws[z * n + i]);
  return y;
}

/** Bytes / flops: every slice read once, Y written. */
export function gemmSplitKReduceCost(n: number, slices: number): KernelCost {
  return { bytes: 4 * n * (slices + 1), flops: n * (slices - 1) };
}
