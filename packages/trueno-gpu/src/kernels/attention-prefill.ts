/**
 * Causal prefill attention: T new tokens of one sequence (positions pos0..pos0+T−1, their K/V
 * already stored in the cache) attend to cache positions 0..pos0+t, GQA. Backend.attention for a
 * prompt segment (trueno's `attentionRef` with nTok = T), same cache layout as the decode kernel:
 * one layer view `(nKvHeads, ctxLen, headDim)` f32 of the sequence's realizar `KvCache`.
 *
 * Geometry: grid (ceil(T / 8), nHeads), PREFILL_QUERIES warps per block, warp w owning query
 * token t0 + w of head h. The block walks the context in tiles of PREFILL_TILE positions: all 256
 * threads load the tile's K and V rows into shared memory (`ld.v4`, coalesced), then each warp
 * runs attention-common's online-softmax step over the tile's positions up to its own causal end
 * (pos0 + t), reading K/V from shared memory. So each K/V row is read from memory once per 8
 * queries instead of once per query (flash attention's query tiling, with the f32 recurrence
 * instead of tensor-core tiles: prefill is a small share of a chat's time at these model sizes,
 * and f32 keeps the results within ATTENTION_NMSE of the reference). Warps past T still load and
 * synchronise but compute and write nothing.
 *
 * Parameters: `q` (u64, (T, nHeads·headDim) f32), `k_cache`, `v_cache` (u64, layer views),
 * `out` (u64, (T, nHeads·headDim) f32), `n_tok` (T), `n_kv_heads`, `ctx_len`, `pos0` (u32),
 * `scale` (f32).
 */
import { refBackend } from '@sovereign/trueno';
import { KernelBuilder } from '../ptx/builder.js';
import type { Kernel, SmTarget } from '../ptx/kernel.js';
import { type AttentionHeadDim, finalize, initState, lanesDims, loadLane, scaleLog2, softmaxRange } from './attention-common.js';
import { gqaGroup } from './attention-decode.js';
import type { KernelCost } from './kernel-model.js';
import type { LaunchGeometry } from './ops-common.js';

/** Query tokens per block (one warp each). */
export const PREFILL_QUERIES = 8;

/** Context positions per shared-memory tile. */
export const PREFILL_TILE = 32;

/** Positions per softmax update (attention-common's softmaxStepN): 4 rows of shared-memory loads in flight. */
export const PREFILL_UNROLL = 4;

/** Builds `attention_prefill_d<headDim>`. */
export function buildAttentionPrefill(opts: { sm: SmTarget; headDim: AttentionHeadDim }): Kernel {
  const D = opts.headDim;
  const E = lanesDims(D);
  const threads = 32 * PREFILL_QUERIES;
  const k = new KernelBuilder(`attention_prefill_d${D}`);
  k.maxThreads = threads;
  k.doc = `causal prefill attention, ${PREFILL_QUERIES} queries per block, K/V tiles of ${PREFILL_TILE} in shared memory, GQA, head_dim ${D}; target ${opts.sm}`;
  const pq = k.param('q', 'u64');
  const pk = k.param('k_cache', 'u64');
  const pv = k.param('v_cache', 'u64');
  const po = k.param('out', 'u64');
  const pT = k.param('n_tok', 'u32');
  const pkv = k.param('n_kv_heads', 'u32');
  const pctx = k.param('ctx_len', 'u32');
  const ppos = k.param('pos0', 'u32');
  const psc = k.param('scale', 'f32');
  const tileBytes = PREFILL_TILE * D * 4;
  const sK = k.mov('u32', k.sharedArray('k_tile', tileBytes, 16));
  const sV = k.mov('u32', k.sharedArray('v_tile', tileBytes, 16));

  const tid = k.special('tid.x');
  const lane = k.and('b32', tid, 31);
  const w = k.shr('u32', tid, 5);
  const h = k.special('ctaid.y');
  const nHeads = k.special('nctaid.y');
  const T = k.ldParam(pT);
  const pos0 = k.ldParam(ppos);
  const kvh = k.bin('div', 'u32', h, k.bin('div', 'u32', nHeads, k.ldParam(pkv)));
  const t0 = k.mul('u32', k.special('ctaid.x'), PREFILL_QUERIES);
  const tok = k.add('u32', t0, w);
  const live = k.setp('lt', 'u32', tok, T);
  // Causal end of this warp's query (0 for warps past T) and of the block's last live query.
  const myEnd = k.selp('u32', k.add('u32', k.add('u32', pos0, tok), 1), 0, live);
  const blockEnd = k.add('u32', pos0, k.min('u32', k.add('u32', t0, PREFILL_QUERIES), T));

  const rowBytes = D * 4;
  const headOff = k.mulWide('u32', k.mul('u32', kvh, k.ldParam(pctx)), rowBytes);
  const kHead = k.add('u64', k.ldGlobalPtr(pk), headOff);
  const vHead = k.add('u64', k.ldGlobalPtr(pv), headOff);
  const laneBytes = k.mul('u32', lane, 4 * E);
  const qRow = k.mad('u32', tok, nHeads, h);
  const qAt = k.add('u64', k.mad('u32', qRow, rowBytes, k.ldGlobalPtr(pq), undefined, 'wide'), k.cvt('u64', 'u32', laneBytes));
  const q = Array.from({ length: E }, () => k.mov('f32', 0));
  k.ifThen(live, () => void loadLane(k, 'global', qAt, E).forEach((v, e) => k.mov('f32', v, q[e])));
  const sl2 = scaleLog2(k, k.ldParam(psc));
  const st = initState(k, E);

  k.forRange(
    'u32',
    0,
    blockEnd,
    PREFILL_TILE,
    (ts) => {
      k.comment('cooperative load of the tile rows ts..min(ts + TILE, block end) - 1, K and V');
      const rows = k.min('u32', k.sub('u32', blockEnd, ts), PREFILL_TILE);
      const nVec = k.mul('u32', rows, D / 4);
      const tileOff = k.mulWide('u32', ts, rowBytes);
      const kTile = k.add('u64', kHead, tileOff);
      const vTile = k.add('u64', vHead, tileOff);
      k.forRange('u32', tid, nVec, threads, (f) => {
        const off = k.mul('u32', f, 16);
        const goff = k.cvt('u64', 'u32', off);
        k.stv('shared', 'f32', k.add('u32', sK, off), 0, k.ldv('global', 'f32', 4, k.add('u64', kTile, goff), 0, { nc: true }));
        k.stv('shared', 'f32', k.add('u32', sV, off), 0, k.ldv('global', 'f32', 4, k.add('u64', vTile, goff), 0, { nc: true }));
      });
      k.barSync();
      // This warp's positions in the tile: [ts, min(ts + TILE, its causal end)), empty when that end is before ts.
      const jEnd = k.max('u32', k.min('u32', k.add('u32', ts, PREFILL_TILE), myEnd), ts);
      softmaxRange(k, st, q, sl2, ts, jEnd, PREFILL_UNROLL, (j) => {
        const at = k.mad('u32', k.sub('u32', j, ts), rowBytes, laneBytes);
        return [loadLane(k, 'shared', k.add('u32', sK, at), E), loadLane(k, 'shared', k.add('u32', sV, at), E)];
      });
      k.barSync();
    },
    true,
  );
  k.ifThen(live, () => {
    const outAt = k.add('u64', k.mad('u32', qRow, rowBytes, k.ldGlobalPtr(po), undefined, 'wide'), k.cvt('u64', 'u32', laneBytes));
    k.stv('global', 'f32', outAt, 0, finalize(k, st));
  });
  k.ret();
  return k.build();
}

/** Launch geometry for T query tokens and nHeads heads. */
export function attentionPrefillLaunch(nTok: number, nHeads: number, nKvHeads: number): LaunchGeometry {
  gqaGroup(nHeads, nKvHeads);
  return { grid: [Math.max(1, Math.ceil(nTok / PREFILL_QUERIES)), nHeads, 1], block: [32 * PREFILL_QUERIES, 1, 1] };
}

/** TS reference: trueno's ref backend attention (`attentionRef`) over the segment; (T, nHeads·headDim). */
export function attentionPrefillReference(
  q: Float32Array,
  kCache: Float32Array,
  vCache: Float32Array,
  p: { nTok: number; nHeads: number; nKvHeads: number; headDim: number; ctxLen: number; pos0: number; scale: number },
): Float32Array {
  const out = new Float32Array(p.nTok * p.nHeads * p.headDim);
  refBackend.attention(q, kCache, vCache, out, p);
  return out;
}

/**
 * Bytes / flops: device memory sees the context's K/V rows (positions 0..pos0+T−1) once per KV
 * head, assuming the layer's K/V (2·ctx·nKvHeads·headDim·4 bytes: 4 MiB for a 4k Qwen2.5-0.5B
 * prompt) stays in the 50 MB L2 while the query tiles and the group's heads re-read it; q read
 * and out written once. 4·headDim flops per (query, position) pair and head, so long prompts sit
 * on the f32 compute roof (see predictedMicrosRoofline).
 */
export function attentionPrefillCost(nTok: number, pos0: number, nHeads: number, nKvHeads: number, headDim: number): KernelCost {
  let pairs = 0;
  for (let t = 0; t < nTok; t++) pairs += pos0 + t + 1;
  return { bytes: 2 * (pos0 + nTok) * nKvHeads * headDim * 4 + 2 * nTok * nHeads * headDim * 4, flops: 4 * pairs * nHeads * headDim };
}
