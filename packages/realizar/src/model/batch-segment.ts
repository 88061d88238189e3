/**
 * One sequence's share of a batched forward pass: rows `row0 .. row0 + nTok` of the batch, at
 * positions `pos0 ..` of that sequence's own KV cache. A pass over several segments computes the
 * matmuls, norms and SwiGLU over all rows at once (each weight is read once for every sequence:
 * continuous batching's speed-up) and runs `storeKv` + `attention` per segment on its cache.
 *
 * The backend's attention bricks read their rows from the start of the arrays they get, so a
 * segment hands out views of the batch buffers at its first row. The views are kept and only
 * rebuilt when the row or the buffers change, so steady decode steps (same slots, one row each)
 * create no objects.
 */
import type { Activations, MutableAttentionParams } from './activations.js';
import type { ModelConfig } from './config.js';
import type { KvCache } from './kv-cache.js';

/** Which logits a segment wants: none, its last row's, or every row's. */
export type SegmentOutputs = 'none' | 'last' | 'all';

/** A sequence's rows in one batch, with its cache and the views the attention bricks read. */
export class BatchSegment {
  /** First row of the segment in the batch. */
  row0 = 0;
  /** Rows (tokens) of the segment. */
  nTok = 0;
  /** Position of its first token in the sequence. */
  pos0 = 0;
  outputs: SegmentOutputs = 'last';
  /** Attention shapes of this segment (nTok, pos0, its cache's ctxLen). */
  readonly attn: MutableAttentionParams;
  /** Queries of the segment, a view of act.q at row0: (nTok, nHeads·headDim). */
  q = new Float32Array(0);
  /** Keys of the segment, a view of act.k: (nTok, nKvHeads·headDim). */
  k = new Float32Array(0);
  /** Values of the segment, a view of act.v: (nTok, nKvHeads·headDim). */
  v = new Float32Array(0);
  /** Attention output of the segment, a view of act.att: (nTok, nHeads·headDim). */
  att = new Float32Array(0);
  private boundRow = -1;
  private boundQ: Float32Array | undefined;

  constructor(
    c: ModelConfig,
    /** The sequence's KV cache. */
    readonly kv: KvCache,
  ) {
    this.attn = {
      nTok: 0,
      nHeads: c.nHeads,
      nKvHeads: c.nKvHeads,
      headDim: c.headDim,
      ctxLen: kv.ctxLen,
      pos0: 0,
      // llama.cpp: kq_scale = 1/sqrt(n_embd_head), applied inside the softmax.
      scale: 1 / Math.sqrt(c.headDim),
    };
  }

  /** Points the views at row0 of `act`'s buffers and fills attn (allocates only when row0 or the buffers changed). */
  bind(act: Activations): void {
    this.attn.nTok = this.nTok;
    this.attn.pos0 = this.pos0;
    if (this.boundRow === this.row0 && this.boundQ === act.q) return;
    const qDim = this.attn.nHeads * this.attn.headDim;
    const kvDim = this.attn.nKvHeads * this.attn.headDim;
    const r = this.row0;
    this.q = r === 0 ? act.q : act.q.subarray(r * qDim);
    this.att = r === 0 ? act.att : act.att.subarray(r * qDim);
    this.k = r === 0 ? act.k : act.k.subarray(r * kvDim);
    this.v = r === 0 ? act.v : act.v.subarray(r * kvDim);
    this.boundRow = r;
    this.boundQ = act.q;
  }

  /** Rows of logits this segment produces. */
  get outputRows(): number {
    return this.outputs === 'all' ? this.nTok : this.outputs === 'last' ? 1 : 0;
  }
}
