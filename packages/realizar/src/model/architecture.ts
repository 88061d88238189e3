/**
 * What an architecture file (`models/<arch>.ts`) provides, and the table of them. The forward
 * pass of each architecture reads top to bottom like llama2.c's run.c and calls backend bricks;
 * everything else (config, weights, KV cache, sessions) is shared.
 */
import type { Backend, RopeMode, RopeParams } from '@sovereign/trueno';
import { llamaArch } from '../models/llama.js';
import { qwen2Arch } from '../models/qwen2.js';
import type { Activations } from './activations.js';
import type { BatchSegment } from './batch-segment.js';
import type { ModelArch, ModelConfig } from './config.js';
import type { ModelWeights } from './weights.js';

/** The read-only parts of a loaded model a forward pass uses. */
export interface ModelParts {
  readonly config: ModelConfig;
  readonly weights: ModelWeights;
  readonly backend: Backend;
  /** RoPE parameters, including `rope_freqs` factors when the file has them. */
  readonly rope: RopeParams;
}

/** The mutable buffers a forward pass works in (the KV caches are the segments'). */
export interface ForwardState {
  readonly act: Activations;
}

/**
 * One batch: token ids are in `act.ids[0..nTok)`, split into `nSeg` consecutive segments, one per
 * sequence (`segs[0..nSeg)`, rows in order, together covering all nTok rows). A single sequence's
 * prefill or decode step is the one-segment case.
 */
export interface ForwardBatch {
  /** Rows of the batch, over all segments. */
  readonly nTok: number;
  readonly nSeg: number;
  readonly segs: readonly BatchSegment[];
  /**
   * Logits, one (vocab) row per output row, in segment order: a `last` segment writes one row,
   * an `all` segment nTok rows, a `none` segment none (a prompt chunk that is not the last).
   */
  readonly logits: Float32Array;
  /** Called after each layer with the residual stream (nTok, dim). */
  readonly onLayer?: (layer: number, hidden: Float32Array) => void;
  /** When set, receives the final hidden states after the output norm, (nTok, dim) (embeddings). */
  readonly hidden?: Float32Array;
}

/** Runs one batch through the model, writing its K/V into the cache and logits into `b.logits`. */
export type ForwardFn = (m: ModelParts, s: ForwardState, b: ForwardBatch) => void;

/** One architecture: its tensor and RoPE conventions and its forward pass. */
export interface ArchitectureSpec {
  readonly name: ModelArch;
  /** RoPE pair layout: `normal` (adjacent pairs) or `neox` (halves). */
  readonly ropeMode: RopeMode;
  /** Whether `blk.N.attn_{q,k,v}.bias` must be present or may be. */
  readonly qkvBias: 'required' | 'optional';
  readonly forward: ForwardFn;
}

/** The architectures this engine runs, by `general.architecture`. */
export const ARCHITECTURES: Readonly<Record<ModelArch, ArchitectureSpec>> = {
  llama: llamaArch,
  qwen2: qwen2Arch,
};
