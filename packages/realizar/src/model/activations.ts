/**
 * A session's activation buffers for a batch of up to `capacity` tokens. They grow (never
 * shrink) to the largest batch seen, so a prompt's prefill allocates once and every decode step
 * after it reuses the same memory. Shape comments give the used prefix for a batch of nTok.
 */
import type { AttentionParams } from '@sovereign/trueno';
import type { ModelConfig } from './config.js';

/** Mutable {@link AttentionParams}, updated per call instead of allocated. */
export type MutableAttentionParams = { -readonly [K in keyof AttentionParams]: AttentionParams[K] };

/** Activation buffers of one session. */
export class Activations {
  /** Tokens a batch may hold without reallocating. */
  capacity = 0;
  /** Residual stream, (nTok, dim). */
  x = new Float32Array(0);
  /** Normed input / projection output, (nTok, dim). */
  xb = new Float32Array(0);
  /** Queries, (nTok, nHeads·headDim). */
  q = new Float32Array(0);
  /** Keys of this batch, (nTok, nKvHeads·headDim). */
  k = new Float32Array(0);
  /** Values of this batch, (nTok, nKvHeads·headDim). */
  v = new Float32Array(0);
  /** Attention output, (nTok, nHeads·headDim). */
  att = new Float32Array(0);
  /** FFN gate, then silu(gate)·up, (nTok, ffnDim). */
  hb = new Float32Array(0);
  /** FFN up, (nTok, ffnDim). */
  hb2 = new Float32Array(0);
  /** Token ids of the batch, (nTok). */
  ids = new Int32Array(0);
  /** Positions of the batch, (nTok). */
  positions = new Int32Array(0);
  /** Last view handed out by {@link idsOf}: ids[0..length). */
  private idsView = new Int32Array(0);
  /** Logits of the last token, (vocab); reused by every forward call. */
  readonly logits: Float32Array;

  constructor(private readonly c: ModelConfig) {
    this.logits = new Float32Array(c.vocabSize);
  }

  /** Makes room for a batch of `nTok` tokens (reallocating only when it exceeds the capacity). */
  ensure(nTok: number): void {
    if (nTok <= this.capacity) return;
    const { dim, nHeads, nKvHeads, headDim, ffnDim } = this.c;
    const qDim = nHeads * headDim;
    const kvDim = nKvHeads * headDim;
    this.x = new Float32Array(nTok * dim);
    this.xb = new Float32Array(nTok * dim);
    this.q = new Float32Array(nTok * qDim);
    this.k = new Float32Array(nTok * kvDim);
    this.v = new Float32Array(nTok * kvDim);
    this.att = new Float32Array(nTok * qDim);
    this.hb = new Float32Array(nTok * ffnDim);
    this.hb2 = new Float32Array(nTok * ffnDim);
    this.ids = new Int32Array(nTok);
    this.positions = new Int32Array(nTok);
    this.idsView = this.ids.subarray(0, 0);
    this.capacity = nTok;
  }

  /**
   * `ids[0..nTok)` as a view (getRows takes its row count from the length). The view is kept
   * and reused while nTok stays the same, so decode steps, always nTok = 1, create no view object:
   * a `subarray` is a ~100-byte heap object.
   */
  idsOf(nTok: number): Int32Array {
    if (this.idsView.length !== nTok) this.idsView = this.ids.subarray(0, nTok);
    return this.idsView;
  }
}
