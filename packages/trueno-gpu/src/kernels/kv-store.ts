/**
 * KV-cache store: rows of this step's keys and values `(nRows, nKvHeads·headDim)` copied into
 * each row's sequence cache at the row's position (Backend.storeKv, trueno's `storeKvRef`), the
 * write half of the attention brick. Same cache addressing as attention-decode.ts: per-row
 * device tables of cache bases (`k_ptrs`, `v_ptrs`, realizar's `(nLayers, nKvHeads, ctxLen,
 * headDim)` f32 allocation per sequence) plus the layer's byte offset; a decode step's row s goes
 * to sequence s at its position, a prompt's T rows repeat one sequence's base with positions
 * pos0..pos0+T−1, and both can share one launch.
 *
 * Geometry: one block of KV_STORE_THREADS per row, threads over the row's kvDim values: reads are
 * coalesced, and each head's headDim values land contiguously in the cache. A pure copy, so the
 * cache equals the reference's bit for bit.
 *
 * Parameters: `k`, `v` (u64, (nRows, nKvHeads·headDim) f32), `k_ptrs`, `v_ptrs` (u64, (nRows)
 * u64), `layer_off` (u64, bytes), `pos` (u64, (nRows) u32), `n_kv_heads`, `ctx_len`, `head_dim`
 * (u32).
 */
import { refBackend } from '@sovereign/trueno';
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import type { KernelCost } from './kernel-model.js';
import type { LaunchGeometry } from './ops-common.js';

/** Threads per row. */
export const KV_STORE_THREADS = 128;

/** Builds `kv_store_f32`. */
export function buildKvStore(opts: { sm: SmTarget }): Kernel {
  const k = new KernelBuilder('kv_store_f32');
  k.maxThreads = KV_STORE_THREADS;
  k.doc = `cache[row's sequence][layer][h][pos[row]][:] = k/v[row][h][:]; target ${opts.sm}`;
  const pk = k.param('k', 'u64');
  const pv = k.param('v', 'u64');
  const pkp = k.param('k_ptrs', 'u64');
  const pvp = k.param('v_ptrs', 'u64');
  const plo = k.param('layer_off', 'u64');
  const ppos = k.param('pos', 'u64');
  const pH = k.param('n_kv_heads', 'u32');
  const pctx = k.param('ctx_len', 'u32');
  const pD = k.param('head_dim', 'u32');
  const row = k.special('ctaid.x');
  const tid = k.special('tid.x');
  const headDim = k.ldParam(pD);
  const ctx = k.ldParam(pctx);
  const kvDim = k.mul('u32', k.ldParam(pH), headDim);
  const pos = k.ld('global', 'u32', k.mad('u32', row, 4, k.ldGlobalPtr(ppos), undefined, 'wide'), 0, { nc: true });
  const layerOff = k.ldParam(plo);
  const base = (p: typeof pkp) =>
    k.add('u64', k.cvtaGlobal(k.ld('global', 'u64', k.mad('u32', row, 8, k.ldGlobalPtr(p), undefined, 'wide'), 0, { nc: true })), layerOff);
  const kBase = base(pkp);
  const vBase = base(pvp);
  const srcRow = k.mulWide('u32', k.mul('u32', row, kvDim), 4);
  const kSrc = k.add('u64', k.ldGlobalPtr(pk), srcRow);
  const vSrc = k.add('u64', k.ldGlobalPtr(pv), srcRow);
  k.forRange('u32', tid, kvDim, KV_STORE_THREADS, (i) => {
    const h = k.bin('div', 'u32', i, headDim);
    const d = k.sub('u32', i, k.mul('u32', h, headDim));
    // (nKvHeads, ctxLen, headDim) index of (h, pos, d)
    const dst = k.mulWide('u32', k.mad('u32', k.mad('u32', h, ctx, pos), headDim, d), 4);
    const src = k.mulWide('u32', i, 4);
    k.st('global', 'f32', k.add('u64', kBase, dst), 0, k.ld('global', 'f32', k.add('u64', kSrc, src), 0, { nc: true }));
    k.st('global', 'f32', k.add('u64', vBase, dst), 0, k.ld('global', 'f32', k.add('u64', vSrc, src), 0, { nc: true }));
  });
  k.ret();
  return k.build();
}

/** Launch geometry: one block per row. */
export function kvStoreLaunch(nRows: number): LaunchGeometry {
  return { grid: [nRows, 1, 1], block: [KV_STORE_THREADS, 1, 1] };
}

/**
 * TS reference, in place on the layer caches: trueno's ref backend `storeKv` once per row
 * (nTok = 1 at that row's position) into `caches[row]` (rows of one sequence share its caches).
 */
export function kvStoreReference(
  k: Float32Array,
  v: Float32Array,
  caches: readonly { kCache: Float32Array; vCache: Float32Array }[],
  pos: ArrayLike<number>,
  shape: { nKvHeads: number; headDim: number; ctxLen: number },
): void {
  const kvDim = shape.nKvHeads * shape.headDim;
  caches.forEach((c, r) => {
    const p = { ...shape, nTok: 1, nHeads: shape.nKvHeads, pos0: pos[r], scale: 1 };
    refBackend.storeKv(k.subarray(r * kvDim, (r + 1) * kvDim), v.subarray(r * kvDim, (r + 1) * kvDim), c.kCache, c.vCache, p);
  });
}

/** Bytes / flops: k and v rows read and written once (plus the per-row tables). */
export function kvStoreCost(nRows: number, nKvHeads: number, headDim: number): KernelCost {
  return { bytes: 16 * nRows * nKvHeads * headDim + 20 * nRows, flops: 0 };
}
