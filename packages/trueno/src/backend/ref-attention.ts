/**
 * Reference causal attention over a per-layer KV cache, with the arithmetic of llama.cpp's
 * non-flash path on an f32 cache: kq = mul_mat(k, q) (ggml_vec_dot_f32: float products summed in
 * double), soft_max_ext(kq · scale, causal mask) in f32, kqv = mul_mat(vᵀ, kq) (again float
 * products summed in double). Masked positions (after the query's own) contribute exactly 0 in
 * ggml, so they are simply not visited here.
 *
 * Cache layout per layer: `(nKvHeads, ctxLen, headDim)`, so one head's keys for positions
 * 0..n are contiguous.
 */
import { BackendArgumentError, type AttentionParams } from './backend.js';
import { softmaxRow } from './ref-ops.js';
import type { Scratch } from './scratch.js';

const fround = Math.fround;

/** Throws a BackendArgumentError when `p` is inconsistent or a cache of `cacheLen` values is too small for it. */
export function checkAttentionParams(op: string, p: AttentionParams, cacheLen: number): void {
  const { nTok, nHeads, nKvHeads, headDim, ctxLen, pos0 } = p;
  if (nKvHeads < 1 || nHeads % nKvHeads !== 0) {
    throw new BackendArgumentError(`${op}: nHeads (${nHeads}) must be a positive multiple of nKvHeads (${nKvHeads})`);
  }
  if (pos0 < 0 || pos0 + nTok > ctxLen) {
    throw new BackendArgumentError(`${op}: positions ${pos0}..${pos0 + nTok - 1} do not fit a cache of ${ctxLen} positions`);
  }
  if (cacheLen < nKvHeads * ctxLen * headDim) {
    throw new BackendArgumentError(`${op}: a cache (${nKvHeads}, ${ctxLen}, ${headDim}) needs ${nKvHeads * ctxLen * headDim} values, has ${cacheLen}`);
  }
}

/** Copies `k, v (nTok, nKvHeads · headDim)` into the layer caches at positions pos0.. (see Backend.storeKv). */
export function storeKvRef(k: Float32Array, v: Float32Array, kCache: Float32Array, vCache: Float32Array, p: AttentionParams): void {
  checkAttentionParams('storeKv', p, Math.min(kCache.length, vCache.length));
  const { nTok, nKvHeads, headDim, ctxLen, pos0 } = p;
  const kvDim = nKvHeads * headDim;
  if (k.length < nTok * kvDim || v.length < nTok * kvDim) {
    throw new BackendArgumentError(`storeKv: k and v need (${nTok}, ${kvDim}) values, have ${k.length} and ${v.length}`);
  }
  for (let t = 0; t < nTok; t++) {
    for (let h = 0; h < nKvHeads; h++) {
      const src = t * kvDim + h * headDim;
      const dst = (h * ctxLen + pos0 + t) * headDim;
      for (let d = 0; d < headDim; d++) {
        kCache[dst + d] = k[src + d];
        vCache[dst + d] = v[src + d];
      }
    }
  }
}

/** Causal GQA attention (see Backend.attention). */
export function attentionRef(
  q: Float32Array,
  kCache: Float32Array,
  vCache: Float32Array,
  out: Float32Array,
  p: AttentionParams,
  scratch: Scratch,
): void {
  checkAttentionParams('attention', p, Math.min(kCache.length, vCache.length));
  const { nTok, nHeads, nKvHeads, headDim, ctxLen, pos0, scale } = p;
  const qDim = nHeads * headDim;
  if (q.length < nTok * qDim || out.length < nTok * qDim) {
    throw new BackendArgumentError(`attention: q and out need (${nTok}, ${qDim}) values, have ${q.length} and ${out.length}`);
  }
  const group = nHeads / nKvHeads;
  // (nKv) for one (token, head). Sized for the whole cache, not pos0 + nTok: a decode step's nKv
  // grows by one per token, and a grow-only buffer sized to it would be reallocated as the context fills.
  const scores = scratch.f32('attention.scores', ctxLen);
  const acc = scratch.f64('attention.acc', headDim); // (headDim) double sums of p · V
  for (let t = 0; t < nTok; t++) {
    const nKv = pos0 + t + 1; // causal: positions 0..pos0+t
    for (let h = 0; h < nHeads; h++) {
      const qo = t * qDim + h * headDim;
      const base = Math.floor(h / group) * ctxLen * headDim; // KV head of query head h
      for (let j = 0; j < nKv; j++) {
        const ko = base + j * headDim;
        let dot = 0;
        for (let d = 0; d < headDim; d++) dot += fround(kCache[ko + d] * q[qo + d]);
        scores[j] = dot;
      }
      softmaxRow(scores, 0, nKv, scale);
      acc.fill(0, 0, headDim);
      for (let j = 0; j < nKv; j++) {
        const pj = scores[j];
        const vo = base + j * headDim;
        for (let d = 0; d < headDim; d++) acc[d] += fround(vCache[vo + d] * pj);
      }
      for (let d = 0; d < headDim; d++) out[qo + d] = acc[d];
    }
  }
}
