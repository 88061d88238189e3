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
 * Every step is one backend brick over the whole batch (nTok rows: a prompt's prefill is one
 * pass, a decode step is nTok = 1). No numerics and no allocation here: buffers come from the
 * session, arithmetic from the backend.
 */
import type { ArchitectureSpec, ForwardBatch, ForwardState, ModelParts } from '../model/architecture.js';

/** One forward pass of a llama-style decoder over the batch `b` (see the module comment). */
export function forwardLlama(m: ModelParts, s: ForwardState, b: ForwardBatch): void {
  const { backend: be, config: c, weights: w, rope } = m;
  const { act, kv } = s;
  const { nTok, pos0 } = b;
  const { dim, nHeads, nKvHeads, headDim, ffnDim, rmsEps } = c;
  const qDim = nHeads * headDim;
  const kvDim = nKvHeads * headDim;

  for (let t = 0; t < nTok; t++) act.positions[t] = pos0 + t;
  const attn = act.attn;
  attn.nTok = nTok;
  attn.pos0 = pos0;

  be.getRows(w.tokenEmbd, act.ids.subarray(0, nTok), act.x); // x (nTok, dim)

  for (let l = 0; l < c.nLayers; l++) {
    const L = w.layers[l];

    // Attention block.
    be.rmsNorm(act.x, L.attnNorm, rmsEps, nTok, dim, act.xb); // xb (nTok, dim)
    be.matmul(L.wq, act.xb, nTok, act.q); // q (nTok, nHeads·headDim)
    be.matmul(L.wk, act.xb, nTok, act.k); // k (nTok, nKvHeads·headDim)
    be.matmul(L.wv, act.xb, nTok, act.v); // v (nTok, nKvHeads·headDim)
    if (L.bq) be.addBias(act.q, L.bq, nTok, qDim);
    if (L.bk) be.addBias(act.k, L.bk, nTok, kvDim);
    if (L.bv) be.addBias(act.v, L.bv, nTok, kvDim);
    be.rope(act.q, nTok, nHeads, headDim, act.positions, rope);
    be.rope(act.k, nTok, nKvHeads, headDim, act.positions, rope);
    be.storeKv(act.k, act.v, kv.layerK[l], kv.layerV[l], attn); // cache (nKvHeads, ctx, headDim)
    be.attention(act.q, kv.layerK[l], kv.layerV[l], act.att, attn); // att (nTok, nHeads·headDim)
    be.matmul(L.wo, act.att, nTok, act.xb); // xb (nTok, dim)
    if (L.bo) be.addBias(act.xb, L.bo, nTok, dim);
    be.add(act.x, act.xb, nTok * dim, act.x); // residual

    // Feed-forward block (SwiGLU).
    be.rmsNorm(act.x, L.ffnNorm, rmsEps, nTok, dim, act.xb);
    be.matmul(L.wGate, act.xb, nTok, act.hb); // hb (nTok, ffnDim)
    be.matmul(L.wUp, act.xb, nTok, act.hb2); // hb2 (nTok, ffnDim)
    be.swiglu(act.hb, act.hb2, nTok * ffnDim, act.hb);
    be.matmul(L.wDown, act.hb, nTok, act.xb); // xb (nTok, dim)
    be.add(act.x, act.xb, nTok * dim, act.x); // residual

    b.onLayer?.(l, act.x.subarray(0, nTok * dim));
  }

  // Output: only the rows whose logits are wanted (llama.cpp's inp_out_ids does the same).
  if (b.outputs === 'all') {
    be.rmsNorm(act.x, w.outputNorm, rmsEps, nTok, dim, act.xb);
    be.matmul(w.output, act.xb, nTok, b.logits); // logits (nTok, vocab)
  } else if (b.outputs === 'last') {
    be.rmsNorm(act.x.subarray((nTok - 1) * dim), w.outputNorm, rmsEps, 1, dim, act.xb);
    be.matmul(w.output, act.xb, 1, b.logits); // logits (vocab)
  }
}

/** llama: RoPE on adjacent pairs (GGUF Q/K rows are pre-permuted), attention biases optional. */
export const llamaArch: ArchitectureSpec = {
  name: 'llama',
  ropeMode: 'normal',
  qkvBias: 'optional',
  forward: forwardLlama,
};
