/**
 * Greedy sampling: the index of the largest logit of each row of `x (M, n)` (Backend.argmax,
 * trueno's `argmaxRef`): the lowest index on ties, NaN never wins, 0 when no value exceeds −∞.
 * Two launches, so a 151936-entry Qwen2.5 vocabulary is spread over many SMs:
 *
 * 1. `argmax_partial_f32`, grid (nParts, M): block p scans the chunk [p·chunk, (p+1)·chunk) of its
 *    row (thread t takes indices t, t+256, … in increasing order and replaces its best only on a
 *    strict `>`, so it keeps its first maximum and never a NaN), then a butterfly per warp and a
 *    shared-memory pass over the 8 warps pick the best (value, index) pair, breaking equal values
 *    toward the lower index. It writes the pair to `part (M, nParts)` as (f32 bits, u32).
 * 2. `argmax_reduce`, grid (M), one warp: the same pair reduction over the row's nParts partials;
 *    lane 0 writes the index (u32), or 0 when every candidate was empty.
 *
 * Empty candidates are (−∞, 0xffffffff): a real value only replaces it when it is > −∞, and the
 * index tie-break makes an empty pair lose to any real one. Comparisons are exact, so the result
 * is the reference's, bit for bit (no tolerance: ARGMAX matches exactly).
 *
 * Parameters: partial: `x` (u64, (M, n) f32), `part` (u64, (M, nParts, 2) u32), `n`, `chunk`
 * (u32). reduce: `part`, `out` (u64, (M) u32), `n_parts` (u32).
 */
import { refBackend } from '@sovereign/trueno';
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import type { Reg } from '../ptx/types.js';
import type { KernelCost } from './kernel-model.js';
import type { LaunchGeometry } from './ops-common.js';

/** Threads of a partial block. */
export const ARGMAX_THREADS = 256;

/** Elements per partial block (8 per thread): 75 blocks per row for a 151936 vocabulary. */
export const ARGMAX_CHUNK = 2048;

const NONE = 0xffffffff;

/** Replaces (v, i) by (ov, oi) when that pair is better: larger, or equal with a lower index. */
function takeBetter(k: KernelBuilder, v: Reg, i: Reg, ov: Reg, oi: Reg): void {
  const gt = k.setp('gt', 'f32', ov, v);
  const eq = k.setp('eq', 'f32', ov, v);
  const lower = k.setp('lt', 'u32', oi, i);
  const better = k.or('pred', gt, k.and('pred', eq, lower));
  k.selp('f32', ov, v, better, v);
  k.selp('u32', oi, i, better, i);
}

/** Butterfly pair reduction: every lane ends with the warp's best (value, index). */
function warpBest(k: KernelBuilder, v: Reg, i: Reg): void {
  for (const off of [16, 8, 4, 2, 1]) {
    const ov = k.shfl('bfly', v, off);
    const oi = k.shfl('bfly', i, off);
    takeBetter(k, v, i, ov, oi);
  }
}

/** Builds `argmax_partial_f32`. */
export function buildArgmaxPartial(opts: { sm: SmTarget }): Kernel {
  const k = new KernelBuilder('argmax_partial_f32');
  k.maxThreads = ARGMAX_THREADS;
  k.doc = `per (chunk, row): best (value, lowest index) of x[row, chunk]; target ${opts.sm}`;
  const px = k.param('x', 'u64');
  const pp = k.param('part', 'u64');
  const pn = k.param('n', 'u32');
  const pc = k.param('chunk', 'u32');
  const warps = ARGMAX_THREADS / 32;
  const sv = k.sharedArray('best_v', 4 * warps, 4);
  const si = k.sharedArray('best_i', 4 * warps, 4);
  const x = k.ldGlobalPtr(px);
  const part = k.ldGlobalPtr(pp);
  const n = k.ldParam(pn);
  const chunk = k.ldParam(pc);
  const tid = k.special('tid.x');
  const p = k.special('ctaid.x');
  const row = k.special('ctaid.y');
  const start = k.mul('u32', p, chunk);
  const end = k.min('u32', k.add('u32', start, chunk), n);
  const xRow = k.mad('u64', k.mulWide('u32', row, n), 4, x);
  const v = k.mov('f32', -Infinity);
  const i = k.mov('u32', NONE);
  k.forRange('u32', k.add('u32', start, tid), end, ARGMAX_THREADS, (j) => {
    const xv = k.ld('global', 'f32', k.mad('u32', j, 4, xRow, undefined, 'wide'), 0, { nc: true });
    const gt = k.setp('gt', 'f32', xv, v);
    k.selp('f32', xv, v, gt, v);
    k.selp('u32', j, i, gt, i);
  });
  warpBest(k, v, i);
  const lane = k.and('b32', tid, 31);
  const warp = k.shr('u32', tid, 5);
  const bv = k.mov('u32', sv);
  const bi = k.mov('u32', si);
  k.ifThen(k.setp('eq', 'u32', lane, 0), () => {
    k.st('shared', 'f32', k.mad('u32', warp, 4, bv), 0, v);
    k.st('shared', 'u32', k.mad('u32', warp, 4, bi), 0, i);
  });
  k.barSync();
  k.ifThen(k.setp('eq', 'u32', tid, 0), () => {
    for (let w = 1; w < warps; w++) takeBetter(k, v, i, k.ld('shared', 'f32', bv, 4 * w), k.ld('shared', 'u32', bi, 4 * w));
    const at = k.mad('u32', k.mad('u32', row, k.special('nctaid.x'), p), 8, part, undefined, 'wide');
    k.st('global', 'f32', at, 0, v);
    k.st('global', 'u32', at, 4, i);
  });
  k.ret();
  return k.build();
}

/** Builds `argmax_reduce`: one warp per row over its partials. */
export function buildArgmaxReduce(opts: { sm: SmTarget }): Kernel {
  const k = new KernelBuilder('argmax_reduce');
  k.maxThreads = 32;
  k.doc = `out[row] = index of the best partial (0 when none); target ${opts.sm}`;
  const pp = k.param('part', 'u64');
  const po = k.param('out', 'u64');
  const pn = k.param('n_parts', 'u32');
  const part = k.ldGlobalPtr(pp);
  const out = k.ldGlobalPtr(po);
  const nParts = k.ldParam(pn);
  const lane = k.special('tid.x');
  const row = k.special('ctaid.x');
  const pRow = k.mad('u64', k.mulWide('u32', row, nParts), 8, part);
  const v = k.mov('f32', -Infinity);
  const i = k.mov('u32', NONE);
  k.forRange('u32', lane, nParts, 32, (j) => {
    const at = k.mad('u32', j, 8, pRow, undefined, 'wide');
    takeBetter(k, v, i, k.ld('global', 'f32', at, 0), k.ld('global', 'u32', at, 4));
  });
  warpBest(k, v, i);
  k.ifThen(k.setp('eq', 'u32', lane, 0), () => {
    const none = k.setp('eq', 'u32', i, NONE);
    k.st('global', 'u32', k.mad('u32', row, 4, out, undefined, 'wide'), 0, k.selp('u32', 0, i, none));
  });
  k.ret();
  return k.build();
}

/** Both launches for M rows of n values, and the size of the partials buffer. */
export function argmaxLaunch(n: number, M = 1): { partial: LaunchGeometry; reduce: LaunchGeometry; nParts: number; chunk: number; partBytes: number } {
  const nParts = Math.max(1, Math.ceil(n / ARGMAX_CHUNK));
  return {
    partial: { grid: [nParts, M, 1], block: [ARGMAX_THREADS, 1, 1] },
    reduce: { grid: [M, 1, 1], block: [32, 1, 1] },
    nParts,
    chunk: ARGMAX_CHUNK,
    partBytes: 8 * nParts * M,
  };
}

/** TS reference: trueno's ref backend (`argmaxRef`, Backend.argmax) per row. */
export function argmaxReference(x: Float32Array, n: number, M = 1): Uint32Array {
  const out = new Uint32Array(M);
  for (let m = 0; m < M; m++) out[m] = refBackend.argmax(x.subarray(m * n, (m + 1) * n), n);
  return out;
}

/** Bytes / flops of both launches: x read once, partials written and read. */
export function argmaxCost(n: number, M = 1): KernelCost {
  const { nParts } = argmaxLaunch(n, M);
  return { bytes: 4 * M * n + 16 * M * nParts + 4 * M, flops: M * n };
}
