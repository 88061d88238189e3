/**
 * A session is one sequence being generated: its own KV cache (preallocated for its context
 * length), its activation buffers and its position. Sessions of one model share only the
 * read-only weights, so any number can run side by side (continuous batching keeps one per
 * request).
 */
import type { BrickProfiler } from '@sovereign/trueno';
import type { ProfiledForwardBatch } from '../models/llama.js';
import type { ArchitectureSpec, ForwardState, ModelParts } from './architecture.js';
import { Activations } from './activations.js';
import { BatchSegment } from './batch-segment.js';
import { ContextOverflowError, InvalidTokenError, ModelError } from './errors.js';
import { KvCache } from './kv-cache.js';
import { sampleGreedy } from '../sampler/sampler.js';

/** Options of `Model.createSession`. */
export interface SessionOptions {
  /** Positions the KV cache holds. Default: the model's trained context, at most 4096. */
  readonly contextLength?: number;
  /**
   * Most tokens computed in one batched pass (llama.cpp's n_ubatch). Longer prompts are split
   * into passes of this size. Default 512 (at most the context length).
   */
  readonly maxBatch?: number;
  /**
   * Records the time of every brick of every forward pass of this session (`blk.<i>.qkv`, …;
   * see models/llama.ts), e.g. for `apr bench --brick`. A forward's own `profiler` option wins.
   * Default: none (no timing, no cost beyond one branch per brick).
   */
  readonly profiler?: BrickProfiler;
}

/** Options of {@link Session.forward}. */
export interface ForwardOptions {
  /** Return (nTok, vocab) logits of every token instead of the last token's (vocab). */
  readonly allLogits?: boolean;
  /**
   * Called after each layer with the residual stream `(nTok, dim)` (a view, valid during the call),
   * for layer-by-layer parity checks. With prompts longer than maxBatch it is called per pass.
   */
  readonly onLayer?: (layer: number, hidden: Float32Array) => void;
  /** Records brick times of this call (default: the session's profiler, if any). */
  readonly profiler?: BrickProfiler;
  /**
   * Receives the final hidden states after the output norm, `(nTok, dim)` (what embeddings pool).
   * Must hold at least tokens.length · dim values.
   */
  readonly hidden?: Float32Array;
  /**
   * Leave the logits where the backend computed them (a GPU backend: on the device) instead of
   * copying them to the host: read them only through `backend.argmax` (greedy decoding: only the
   * index comes back) or after `backend.download?.(logits)`. Ignored with `allLogits`.
   */
  readonly deviceLogits?: boolean;
}

/** Default session context when none is asked for: llama.cpp-like, bounded so that a 32k-context model does not reserve GBs. */
export const DEFAULT_SESSION_CONTEXT = 4096;
/** Default largest batch of one pass. */
export const DEFAULT_MAX_BATCH = 512;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Shared default of `forward`'s options: a `= {}` default would allocate an object per decode step. */
const NO_FORWARD_OPTIONS: ForwardOptions = Object.freeze({});
/** forwardGreedy's options: the logits stay where the backend computed them. */
const GREEDY_ON_DEVICE: ForwardOptions = Object.freeze({ deviceLogits: true });
/** Sessions made so far: each gets its own decode-step key for the backend's step graphs. */
let sessionCount = 0;

/** One sequence: KV cache, activations and position. Create with `Model.createSession`. */
export class Session {
  /** Positions the KV cache holds. */
  readonly contextLength: number;
  /** Most tokens per batched pass. */
  readonly maxBatch: number;
  private pos = 0;
  private readonly act: Activations;
  private readonly kv: KvCache;
  private readonly state: ForwardState;
  private readonly batch: Mutable<ProfiledForwardBatch>;
  /** The batch's only segment: this sequence. */
  private readonly seg: BatchSegment;
  private readonly profiler: BrickProfiler | undefined;
  /** Shape key of this session's one-token steps (Backend.stepBegin): its buffers are its own. */
  private readonly stepKey = `session#${++sessionCount}`;

  constructor(
    private readonly model: ModelParts,
    private readonly arch: ArchitectureSpec,
    opts: SessionOptions = {},
  ) {
    const c = model.config;
    this.contextLength = opts.contextLength ?? Math.min(c.contextLength, DEFAULT_SESSION_CONTEXT);
    if (!Number.isSafeInteger(this.contextLength) || this.contextLength < 1) {
      throw new ModelError(`session contextLength must be a positive integer, got ${opts.contextLength}`);
    }
    this.maxBatch = Math.min(opts.maxBatch ?? DEFAULT_MAX_BATCH, this.contextLength);
    if (!Number.isSafeInteger(this.maxBatch) || this.maxBatch < 1) {
      throw new ModelError(`session maxBatch must be a positive integer, got ${opts.maxBatch}`);
    }
    this.kv = new KvCache(c.nLayers, c.nKvHeads, this.contextLength, c.headDim);
    this.act = new Activations(c);
    this.state = { act: this.act };
    this.profiler = opts.profiler;
    this.seg = new BatchSegment(c, this.kv);
    this.batch = { nTok: 0, nSeg: 1, segs: [this.seg], logits: this.act.logits, onLayer: undefined, profiler: undefined, hidden: undefined };
  }

  /** Tokens in the KV cache: the position the next token will take. */
  get position(): number {
    return this.pos;
  }

  /** Bytes of the KV cache. */
  get kvBytes(): number {
    return this.kv.bytes;
  }

  /**
   * Runs `tokens` at positions position.. and appends them to the KV cache. A prompt is one
   * batched pass (split in passes of maxBatch when longer), a decode step is one token.
   *
   * Returns the last token's logits `(vocab)` — a buffer owned by the session and overwritten by
   * the next call, so copy what you keep — or, with `allLogits`, a new `(nTok, vocab)` array.
   * Throws {@link ContextOverflowError} when the tokens do not fit (nothing is computed then),
   * and {@link InvalidTokenError} for an id outside the vocabulary.
   */
  forward(tokens: ArrayLike<number>, opts: ForwardOptions = NO_FORWARD_OPTIONS): Float32Array {
    const n = tokens.length;
    const { vocabSize } = this.model.config;
    if (n === 0) throw new ModelError('forward needs at least one token');
    if (this.pos + n > this.contextLength) throw new ContextOverflowError(this.pos, n, this.contextLength);
    for (let i = 0; i < n; i++) {
      const t = tokens[i];
      if (!Number.isInteger(t) || t < 0 || t >= vocabSize) throw new InvalidTokenError(t, i, vocabSize);
    }
    const all = opts.allLogits === true;
    const out = all ? new Float32Array(n * vocabSize) : this.act.logits;
    const { dim } = this.model.config;
    if (opts.hidden !== undefined && opts.hidden.length < n * dim) {
      throw new ModelError(`forward: hidden needs (${n}, ${dim}) values, has ${opts.hidden.length}`);
    }
    const b = this.batch;
    const seg = this.seg;
    b.onLayer = opts.onLayer;
    b.profiler = opts.profiler ?? this.profiler;
    // A one-token pass is a decode step: a device backend may replay it as one recorded graph.
    const be = this.model.backend;
    const step = n === 1 && be.stepBegin !== undefined;
    if (step) be.stepBegin!(this.stepKey);
    try {
      for (let start = 0; start < n; start += this.maxBatch) {
        const nTok = Math.min(this.maxBatch, n - start);
        this.act.ensure(nTok);
        for (let i = 0; i < nTok; i++) this.act.ids[i] = tokens[start + i];
        b.nTok = nTok;
        seg.nTok = nTok;
        seg.pos0 = this.pos;
        seg.outputs = all ? 'all' : start + nTok === n ? 'last' : 'none';
        b.logits = all ? out.subarray(start * vocabSize, (start + nTok) * vocabSize) : out;
        b.hidden = opts.hidden === undefined ? undefined : opts.hidden.subarray(start * dim, (start + nTok) * dim);
        this.arch.forward(this.model, this.state, b);
        this.pos += nTok;
      }
    } finally {
      if (step) be.stepEnd!();
    }
    b.onLayer = undefined;
    b.profiler = undefined;
    b.hidden = undefined;
    // A device backend computed the logits on the device: make them current on the host (one copy
    // of the vocabulary row) unless the caller reads them through the backend.
    if (all || opts.deviceLogits !== true) be.download?.(out);
    return out;
  }

  /**
   * {@link forward} then the greedy token (argmax of the last logits, ties → lowest id). On a
   * backend that keeps the logits on a device (one with a `download` hook: the GPU) the argmax
   * runs there and only the index comes back; a vocabulary with no finite logit then gives 0. On
   * the host it is the sampler's `sampleGreedy`, which throws NoFiniteLogitsError in that case.
   */
  forwardGreedy(tokens: ArrayLike<number>): number {
    const be = this.model.backend;
    if (be.download === undefined) return sampleGreedy(this.forward(tokens));
    // The step's bracket takes in the argmax: a recorded decode step ends at its token index.
    const step = tokens.length === 1 && be.stepBegin !== undefined;
    if (step) be.stepBegin!(this.stepKey);
    try {
      return be.argmax(this.forward(tokens, GREEDY_ON_DEVICE), this.model.config.vocabSize);
    } finally {
      if (step) be.stepEnd!();
    }
  }

  /**
   * Forgets every position from `pos` on (the cache keeps positions 0..pos-1), e.g. to rewind to
   * a shared prompt prefix. `pos` must be in 0..position.
   */
  truncate(pos: number): void {
    if (!Number.isInteger(pos) || pos < 0 || pos > this.pos) {
      throw new ModelError(`truncate: position must be an integer in 0..${this.pos}, got ${pos}`);
    }
    this.pos = pos;
  }

  /** Empties the sequence (position 0). */
  reset(): void {
    this.pos = 0;
  }
}
