/**
 * The compute backend interface: the few bricks a transformer forward pass needs, each a plain
 * function over host `Float32Array`s and ggml weight {@link Tensor}s. The `ref` backend (pure TS)
 * defines the semantics, which are ggml's CPU ops; native (C++ SIMD) and CUDA backends implement
 * the same calls and are checked against `ref`.
 *
 * Conventions shared by every method:
 * - Activations are f32, row-major, one row per token: `(nTok, n)` means `nTok` rows of `n`.
 * - Buffers may be longer than needed (sessions preallocate for their largest batch); methods
 *   only read and write the prefix that `nTok` and the sizes describe.
 * - Methods never allocate data buffers per call on the hot path: scratch is kept per backend
 *   instance and grown to the largest size seen.
 * - A backend instance is not re-entrant (its scratch is shared), which is fine for JS's single
 *   thread; a worker thread uses its own instance.
 */
import type { Tensor } from '../tensor.js';

/**
 * RoPE pair layout. `normal`: rotate adjacent pairs (x[2i], x[2i+1]) (ggml mode 0, llama GGUFs,
 * whose Q/K rows convert_hf_to_gguf already permuted). `neox`: rotate halves (x[i], x[i + nRot/2])
 * (ggml mode 2, Qwen2 and HF-layout models).
 */
export type RopeMode = 'normal' | 'neox';

/** Parameters of {@link Backend.rope}, named after `ggml_rope_ext`'s. */
export interface RopeParams {
  readonly mode: RopeMode;
  /** ggml `n_dims`: leading dimensions of each head that rotate (even, ≤ headDim); the rest pass through. Default headDim. */
  readonly nRot?: number;
  /** θ base, `<arch>.rope.freq_base` (10000 for llama, 1e6 for Qwen2.5). */
  readonly freqBase: number;
  /** ggml `freq_scale`: 1 / linear scaling factor. Default 1. */
  readonly freqScale?: number;
  /** ggml `freq_factors` (llama 3's `rope_freqs.weight`): per-pair divisors of θ, length nRot/2. */
  readonly freqFactors?: Float32Array;
  /** YaRN extrapolation mix, 0 = off (plain or linear RoPE). Default 0. */
  readonly extFactor?: number;
  /** Magnitude scale of cos/sin (YaRN attention factor). Default 1. */
  readonly attnFactor?: number;
  /** YaRN β_fast. Default 32. */
  readonly betaFast?: number;
  /** YaRN β_slow. Default 1. */
  readonly betaSlow?: number;
  /** YaRN: the context length the model was trained with. Required when extFactor ≠ 0. */
  readonly nCtxOrig?: number;
}

/**
 * Shapes of one attention call ({@link Backend.storeKv}, {@link Backend.attention}). A session keeps
 * one mutable object of this shape and updates it, so calls allocate nothing.
 */
export interface AttentionParams {
  /** Query tokens in this batch. */
  readonly nTok: number;
  readonly nHeads: number;
  /** KV heads; nHeads must be a multiple (GQA: query head h reads KV head floor(h / (nHeads / nKvHeads))). */
  readonly nKvHeads: number;
  readonly headDim: number;
  /** Positions one cache head holds: a layer's cache is `(nKvHeads, ctxLen, headDim)`. */
  readonly ctxLen: number;
  /** Position of the first token of the batch; token t sits at pos0 + t and attends to 0..pos0 + t (causal). */
  readonly pos0: number;
  /** Multiplier of the scores before the softmax, usually 1/sqrt(headDim). */
  readonly scale: number;
}

/** The compute bricks of a transformer forward pass. See the module comment for conventions. */
export interface Backend {
  /** Short id: `ref`, `native`, `cuda`. */
  readonly name: string;
  /** One line for `apr info`: what runs where. */
  readonly description: string;

  /**
   * `out (nTok, nOut) = x (nTok, nIn) · Wᵀ`, with `w` a ggml weight of shape `[nIn, nOut]` of any
   * type that has kernels. ggml's mul_mat: each row of `x` is first converted to the weight's
   * `vecDotType` (Q8_0, Q8_1, Q8_K; F16 for f16 weights), then every output is that type's vec_dot.
   */
  matmul(w: Tensor, x: Float32Array, nTok: number, out: Float32Array): void;

  /** ggml get_rows: `out (ids.length, nIn)` = dequantized rows `ids` of `w` (token embedding lookup). */
  getRows(w: Tensor, ids: ArrayLike<number>, out: Float32Array): void;

  /**
   * `out (nTok, dim) = rmsnorm(x) * weight`: ggml's rms_norm (mean of squares in double) followed
   * by llama.cpp's separate `mul` with the norm weight. `out` may be `x`.
   */
  rmsNorm(x: Float32Array, weight: Float32Array, eps: number, nTok: number, dim: number, out: Float32Array): void;

  /** In place: `x (nTok, nHeads, headDim)` rotated by position `positions[t]` of each token (ggml rope_ext). */
  rope(x: Float32Array, nTok: number, nHeads: number, headDim: number, positions: ArrayLike<number>, params: RopeParams): void;

  /** In place: `x (nTok, n) += bias (n)` broadcast over rows (Qwen2's Q/K/V biases). */
  addBias(x: Float32Array, bias: Float32Array, nTok: number, n: number): void;

  /** `out[i] = a[i] + b[i]` for i < n (residual connections). `out` may alias `a` or `b`. */
  add(a: Float32Array, b: Float32Array, n: number, out: Float32Array): void;

  /** SwiGLU: `out[i] = silu(gate[i]) * up[i]` for i < n, silu(x) = x / (1 + e^-x). `out` may alias either input. */
  swiglu(gate: Float32Array, up: Float32Array, n: number, out: Float32Array): void;

  /** In place, per row of `x (nRows, n)`: softmax(scale · row), computed as ggml's soft_max (f32, sum in double). */
  softmax(x: Float32Array, nRows: number, n: number, scale?: number): void;

  /**
   * Writes this batch's keys and values `(nTok, nKvHeads · headDim)` into a layer's caches
   * `(nKvHeads, ctxLen, headDim)` at positions pos0 .. pos0 + nTok - 1.
   */
  storeKv(k: Float32Array, v: Float32Array, kCache: Float32Array, vCache: Float32Array, p: AttentionParams): void;

  /**
   * Causal multi-head attention with GQA over a layer's caches (which must already hold this
   * batch, see {@link storeKv}): `out (nTok, nHeads · headDim)` from `q (nTok, nHeads · headDim)`.
   * Per head: scores = (q · kᵀ) · scale over positions 0..pos0 + t, softmax in f32, out = p · V.
   */
  attention(q: Float32Array, kCache: Float32Array, vCache: Float32Array, out: Float32Array, p: AttentionParams): void;

  /**
   * Index of the largest of `x[0..n)` (greedy sampling over a logits row): the first index on
   * ties, and NaN never wins; 0 when no value exceeds -∞. ggml_argmax keeps the last index on
   * ties instead; the first matches the sampler's lowest-id rule.
   */
  argmax(x: Float32Array, n: number): number;

  /**
   * In place: `x[dst .. dst + n) = x[src .. src + n)` with memmove semantics, exactly
   * `x.copyWithin(dst, src, src + n)` (moving output rows to the front of an activation buffer).
   * A backend that keeps activations on a device does the move there.
   */
  copyWithin(x: Float32Array, dst: number, src: number, n: number): void;

  /**
   * Makes `x`'s host memory current before JavaScript reads it (logits, hidden states). Backends
   * that compute on the host have nothing to do and leave this undefined; a device backend
   * (trueno-gpu's `cuda`) copies the data back from the device. Call as `be.download?.(x)`.
   */
  download?(x: Float32Array): void;

  /**
   * Tells the backend that JavaScript wrote `x` (an activation, or a weight vector such as a norm
   * weight), so a device copy is stale. Host backends leave this undefined. Call as
   * `be.invalidate?.(x)`.
   */
  invalidate?(x: Float32Array): void;

  /**
   * Brackets one decode step (a one-token forward, with its greedy argmax when the caller picks
   * the token on the backend) whose op sequence repeats step after step. `key` names the step's
   * shape for the backend's cache (e.g. one key per session). A device backend (trueno-gpu) may
   * record the step's launches once and replay them as one graph; results are the same as
   * without the bracket. Host backends leave both undefined. Call as `be.stepBegin?.(key)` …
   * `be.stepEnd?.()` (in a `finally`); nested brackets belong to the outer one.
   */
  stepBegin?(key: string): void;
  /** Ends the step begun by {@link stepBegin}. */
  stepEnd?(): void;
}

/** Thrown when a backend call gets buffers or shapes that do not fit together. */
export class BackendArgumentError extends Error {
  override name = 'BackendArgumentError';
}
