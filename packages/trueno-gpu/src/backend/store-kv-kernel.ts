/**
 * The KV-cache store of Backend.storeKv as a kernel: this batch's keys and values
 * `(nTok, nKvHeads·headDim)` into a layer's caches `(nKvHeads, ctxLen, headDim)` at positions
 * pos0..pos0+nTok−1 (trueno's `storeKvRef`). A pure copy (bit-exact). Lives with the backend
 * because it is part of how the backend lays out its caches, not a compute kernel.
 *
 * Geometry: grid (nKvHeads, nTok), one thread per head dimension (block = headDim ≤ 1024).
 * Parameters: `k`, `v`, `k_cache`, `v_cache` (u64), `head_dim`, `kv_dim`, `ctx_len`, `pos0` (u32).
 */
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';

/** Builds the store kernel. */
export function buildStoreKv(opts: { sm: SmTarget }): Kernel {
  const k = new KernelBuilder('store_kv_f32');
  k.doc = `KV cache store: (n_tok, kv_dim) rows into (n_kv_heads, ctx_len, head_dim) at pos0; target ${opts.sm}`;
  const pk = k.param('k', 'u64');
  const pv = k.param('v', 'u64');
  const pkc = k.param('k_cache', 'u64');
  const pvc = k.param('v_cache', 'u64');
  const pD = k.param('head_dim', 'u32');
  const pKv = k.param('kv_dim', 'u32');
  const pCtx = k.param('ctx_len', 'u32');
  const pPos = k.param('pos0', 'u32');
  const D = k.ldParam(pD);
  const h = k.special('ctaid.x');
  const t = k.special('ctaid.y');
  const d = k.special('tid.x');
  k.ifThen(k.setp('lt', 'u32', d, D), () => {
    const src = k.mad('u32', t, k.ldParam(pKv), k.mad('u32', h, D, d)); // t·kv_dim + h·D + d
    const row = k.mad('u32', h, k.ldParam(pCtx), k.add('u32', k.ldParam(pPos), t)); // h·ctx + pos0 + t
    const dst = k.mad('u32', row, D, d);
    const so = k.mulWide('u32', src, 4);
    const dso = k.mulWide('u32', dst, 4);
    k.st('global', 'f32', k.add('u64', k.ldGlobalPtr(pkc), dso), 0, k.ld('global', 'f32', k.add('u64', k.ldGlobalPtr(pk), so), 0));
    k.st('global', 'f32', k.add('u64', k.ldGlobalPtr(pvc), dso), 0, k.ld('global', 'f32', k.add('u64', k.ldGlobalPtr(pv), so), 0));
  });
  k.ret();
  return k.build();
}
