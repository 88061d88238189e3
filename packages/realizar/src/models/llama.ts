/**
 * The llama forward pass (also Qwen2's, see ./qwen2.ts), top to bottom like llama2.c's run.c:
 *
 *   x = token_embd[tokens]
 *   for each layer:
 *     h = rmsnorm(x) · attn_norm
 *     q, k, v = h·Wqᵀ (+bq), h·Wkᵀ (+bk), h·Wvᵀ (+bv)
 *     q, k = rope(q), rope(k)              normal (adjacent pairs) for llama, neox (halves) for qwen2
 *     cache[pos..] = k, v
 *     a = softmax(q·Kᵀ / sqrt(headDim), causal) · V     query head h reads KV head h / (nHeads/nKvHeads)
 *     x = x + a·Woᵀ (+bo)
 *     h = rmsnorm(x) · ffn_norm
 *     x = x + (silu(h·Wgateᵀ) ⊙ h·Wupᵀ)·Wdownᵀ
 *   logits = (rmsnorm(x) · output_norm)·Woutputᵀ
 *
 * Every step is one backend brick over the whole batch (nTok rows). A batch holds the tokens of
 * one or several sequences (segments, see model/batch-segment.ts): everything but attention is
 * row-wise, so it runs once over all rows — each weight is read once for every sequence, which
 * is what continuous batching gains — while the KV store and attention run per segment on that
 * sequence's cache, at its own positions. A prompt's prefill is one segment of many rows, a decode
 * step of N sequences is N segments of one row. No numerics and no allocation here: buffers come
 * from the session or batch runner, arithmetic from the backend.
 *
 * Host reads: the logits stay where the backend wrote them (the session or batch runner downloads
 * them); the residual stream given to `onLayer` and the `hidden` states are made current on the
 * host here with the backend's optional `download` hook (a no-op for CPU backends).
 *
 * Profiling: with a BrickProfiler in the batch, each brick's time is recorded as
 * `blk.<l>.<kind>` (kinds: {@link LAYER_BRICK_KINDS}) or `token_embd` / `output_norm` / `lm_head`.
 * Without one the cost is the `if (p)` after each brick (predicted, no call, no allocation).
 */
import type { BrickProfiler } from '@sovereign/trueno';
import type { ArchitectureSpec, ForwardBatch, ForwardState, ModelParts } from '../model/architecture.js';

/** A batch that may carry a profiler (the session's `profiler` option). */
export interface ProfiledForwardBatch extends ForwardBatch {
  /** Records brick times when present and enabled. */
  readonly profiler?: BrickProfiler;
}

/**
 * The bricks of one layer as profiled, in order (trueno's LAYER_BRICKS): `attention` includes
 * the KV-cache store, `ffn` is gate + up + SwiGLU + down, `residual` both adds of the layer.
 */
export const LAYER_BRICK_KINDS = ['attn_norm', 'qkv', 'rope', 'attention', 'o_proj', 'residual', 'ffn_norm', 'ffn'] as const;
const [ATTN_NORM, QKV, ROPE, ATTENTION, O_PROJ, RESIDUAL, FFN_NORM, FFN] = [0, 1, 2, 3, 4, 5, 6, 7];
const NB = LAYER_BRICK_KINDS.length;
/** Bricks outside the layers. */
export const MODEL_BRICK_KINDS = ['token_embd', 'output_norm', 'lm_head'] as const;
const [TOKEN_EMBD, OUTPUT_NORM, LM_HEAD] = [0, 1, 2];
const NO_IDS = new Int32Array(0);

/** One forward pass of a llama-style decoder over the batch `b` (see the module comment). */
export function forwardLlama(m: ModelParts, s: ForwardState, b: ProfiledForwardBatch): void {
  const { backend: be, config: c, weights: w, rope } = m;
  const { act } = s;
  const { nTok, nSeg, segs } = b;
  const { dim, nHeads, nKvHeads, headDim, ffnDim, rmsEps } = c;
  const qDim = nHeads * headDim;
  const kvDim = nKvHeads * headDim;
  // Brick timing: `t = p.lap(id, t, rows)` closes a brick and starts the next (see BrickProfiler).
  const p = b.profiler !== undefined && b.profiler.enabled ? b.profiler : undefined;
  const lid = p ? p.layerIds(c.nLayers, LAYER_BRICK_KINDS) : NO_IDS;
  const mid = p ? p.ids(MODEL_BRICK_KINDS) : NO_IDS;
  let t = p ? p.now() : 0;

  // Per-row positions: RoPE is row-wise, so rows of different sequences rotate by their own positions.
  let nOut = 0;
  for (let si = 0; si < nSeg; si++) {
    const g = segs[si];
    for (let i = 0; i < g.nTok; i++) act.positions[g.row0 + i] = g.pos0 + i;
    g.bind(act);
    nOut += g.outputRows;
  }

  be.getRows(w.tokenEmbd, act.idsOf(nTok), act.x); // x (nTok, dim)
  if (p) t = p.lap(mid[TOKEN_EMBD], t, nTok);

  for (let l = 0; l < c.nLayers; l++) {
    const L = w.layers[l];
    const id = l * NB;

    // Attention block.
    be.rmsNorm(act.x, L.attnNorm, rmsEps, nTok, dim, act.xb); // xb (nTok, dim)
    if (p) t = p.lap(lid[id + ATTN_NORM], t, nTok);
    be.matmul(L.wq, act.xb, nTok, act.q); // q (nTok, nHeads·headDim)
    be.matmul(L.wk, act.xb, nTok, act.k); // k (nTok, nKvHeads·headDim)
    be.matmul(L.wv, act.xb, nTok, act.v); // v (nTok, nKvHeads·headDim)
    if (L.bq) be.addBias(act.q, L.bq, nTok, qDim);
    if (L.bk) be.addBias(act.k, L.bk, nTok, kvDim);
    if (L.bv) be.addBias(act.v, L.bv, nTok, kvDim);
    if (p) t = p.lap(lid[id + QKV], t, nTok);
    be.rope(act.q, nTok, nHeads, headDim, act.positions, rope);
    be.rope(act.k, nTok, nKvHeads, headDim, act.positions, rope);
    if (p) t = p.lap(lid[id + ROPE], t, nTok);
    for (let si = 0; si < nSeg; si++) {
      const g = segs[si]; // this sequence's rows attend to its own cache only
      be.storeKv(g.k, g.v, g.kv.layerK[l], g.kv.layerV[l], g.attn); // cache (nKvHeads, ctx, headDim)
      be.attention(g.q, g.kv.layerK[l], g.kv.layerV[l], g.att, g.attn); // att (nTok, nHeads·headDim)
    }
    if (p) t = p.lap(lid[id + ATTENTION], t, nTok);
    be.matmul(L.wo, act.att, nTok, act.xb); // xb (nTok, dim)
    if (L.bo) be.addBias(act.xb, L.bo, nTok, dim);
    if (p) t = p.lap(lid[id + O_PROJ], t, nTok);
    be.add(act.x, act.xb, nTok * dim, act.x); // residual
    if (p) t = p.split(lid[id + RESIDUAL], t); // the layer's residual call closes after the FFN's add

    // Feed-forward block (SwiGLU).
    be.rmsNorm(act.x, L.ffnNorm, rmsEps, nTok, dim, act.xb);
    if (p) t = p.lap(lid[id + FFN_NORM], t, nTok);
    be.matmul(L.wGate, act.xb, nTok, act.hb); // hb (nTok, ffnDim)
    be.matmul(L.wUp, act.xb, nTok, act.hb2); // hb2 (nTok, ffnDim)
    be.swiglu(act.hb, act.hb2, nTok * ffnDim, act.hb);
    be.matmul(L.wDown, act.hb, nTok, act.xb); // xb (nTok, dim)
    if (p) t = p.lap(lid[id + FFN], t, nTok);
    be.add(act.x, act.xb, nTok * dim, act.x); // residual
    if (p) t = p.lap(lid[id + RESIDUAL], t, nTok);

    if (b.onLayer) {
      be.download?.(act.x); // a device backend copies the residual stream back for the callback
      b.onLayer(l, act.x.subarray(0, nTok * dim));
      if (p) t = p.now(); // the callback's time belongs to no brick
    }
  }

  // Embeddings read the normed final hidden states of every row.
  if (b.hidden) {
    be.rmsNorm(act.x, w.outputNorm, rmsEps, nTok, dim, b.hidden); // hidden (nTok, dim)
    be.download?.(b.hidden); // the caller reads it on the host
  }
  if (nOut === 0) return;
  // Output: only the rows whose logits are wanted (llama.cpp's inp_out_ids does the same). They
  // are moved to the front of x (row i ≤ its source row, so in place), then normed and projected
  // together: one read of the output matrix for every sequence. Profiled per row computed.
  if (nOut !== nTok) {
    let o = 0;
    for (let si = 0; si < nSeg; si++) {
      const g = segs[si];
      const from = g.outputs === 'all' ? g.row0 : g.row0 + g.nTok - 1;
      const n = g.outputRows;
      if (n > 0 && from !== o) be.copyWithin(act.x, o * dim, from * dim, n * dim); // where x lives (host or device)
      o += n;
    }
  }
  be.rmsNorm(act.x, w.outputNorm, rmsEps, nOut, dim, act.xb); // xb (nOut, dim)
  if (p) t = p.lap(mid[OUTPUT_NORM], t, nOut);
  be.matmul(w.output, act.xb, nOut, b.logits); // logits (nOut, vocab)
  if (p) p.lap(mid[LM_HEAD], t, nOut);
}

/** llama: RoPE on adjacent pairs (GGUF Q/K rows are pre-permuted), attention biases optional. */
export const llamaArch: ArchitectureSpec = {
  name: 'llama',
  ropeMode: 'normal',
  qkvBias: 'optional',
  forward: forwardLlama,
};
