/**
 * What an architecture file (`models/<arch>.ts`) provides, and the table of them. The forward
 * pass of each architecture reads top to bottom like llama2.c's run.c and calls backend bricks;
 * everything else (config, weights, KV cache, sessions) is shared.
 */
import type { Backend, RopeMode, RopeParams } from '@sovereign/trueno';
import { llamaArch } from '../models/llama.js';
import { qwen2Arch } from '../models/qwen2.js';
import type { Activations } from './activations.js';
import type { ModelArch, ModelConfig } from './config.js';
import type { KvCache } from './kv-cache.js';
import type { ModelWeights } from './weights.js';

/** The read-only parts of a loaded model a forward pass uses. */
export interface ModelParts {
  readonly config: ModelConfig;
  readonly weights: ModelWeights;
  readonly backend: Backend;
  /** RoPE parameters, including `rope_freqs` factors when the file has them. */
  readonly rope: RopeParams;
}

/** A session's mutable state a forward pass updates. */
export interface ForwardState {
  readonly act: Activations;
  readonly kv: KvCache;
}

/** One batch: token ids are in `act.ids[0..nTok)`, at positions pos0.. . */
export interface ForwardBatch {
  readonly nTok: number;
  readonly pos0: number;
  /**
   * Which logits to compute: `last` writes the last token's (vocab) to `logits`, `all` writes
   * (nTok, vocab), `none` skips the output head (a prompt chunk that is not the last).
   */
  readonly outputs: 'none' | 'last' | 'all';
  readonly logits: Float32Array;
  /** Called after each layer with the residual stream (nTok, dim). */
  readonly onLayer?: (layer: number, hidden: Float32Array) => void;
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
