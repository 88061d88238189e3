/**
 * Several sequences in one forward pass (continuous batching's core): a fixed set of sequences,
 * each with its own KV cache and position, and one pass per step carrying a few tokens of each —
 * a decode token of every generating sequence plus a chunk of a prompt being prefilled. The
 * weights are read once per pass for all of them. Buffers are allocated for the largest batch
 * (`maxRows`) and the sequence count up front, so steps do not allocate.
 *
 * Usage per step: {@link BatchRunner.clear}, then {@link BatchRunner.add} for each sequence that
 * takes part (at most once each), then {@link BatchRunner.run}; the logits of the segments that
 * asked for them are then {@link BatchRunner.logitsOf} their output index.
 */
import type { ProfiledForwardBatch } from '../models/llama.js';
import type { ArchitectureSpec, ForwardState, ModelParts } from './architecture.js';
import { Activations } from './activations.js';
import { BatchSegment } from './batch-segment.js';
import { ContextOverflowError, InvalidTokenError, ModelError } from './errors.js';
import { KvCache } from './kv-cache.js';

/** Options of `Model.createBatchRunner`. */
export interface BatchRunnerOptions {
  /** Sequences (KV caches). */
  readonly sequences: number;
  /** Positions each sequence's KV cache holds. */
  readonly contextLength: number;
  /** Most tokens (rows) of one pass, over all sequences. */
  readonly maxRows: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Runners made so far: each gets its own decode-step key for the backend's step graphs. */
let runnerCount = 0;

/** A fixed set of sequences run together. Create with `Model.createBatchRunner`. */
export class BatchRunner {
  readonly sequences: number;
  readonly contextLength: number;
  readonly maxRows: number;
  private readonly act: Activations;
  private readonly state: ForwardState;
  /** One segment (and KV cache) per sequence. */
  private readonly seqSegs: BatchSegment[];
  private readonly positions: Int32Array;
  /** Segments of the current batch, in row order: segs[0..nSeg). */
  private readonly segs: BatchSegment[];
  private readonly batch: Mutable<ProfiledForwardBatch>;
  /** Logits, (sequences, vocab): one row per output of the current batch (at most one per sequence). */
  private readonly logits: Float32Array;
  /** Views of the logits rows, made once. */
  private readonly rows: Float32Array[];
  private readonly inBatch: Uint8Array;
  private nOut = 0;
  /** Shape key of this runner's decode steps (Backend.stepBegin); the batch's composition is in the launches. */
  private readonly stepKey = `batch-runner#${++runnerCount}`;

  constructor(
    private readonly model: ModelParts,
    private readonly arch: ArchitectureSpec,
    opts: BatchRunnerOptions,
  ) {
    const c = model.config;
    for (const k of ['sequences', 'contextLength', 'maxRows'] as const) {
      if (!Number.isSafeInteger(opts[k]) || opts[k] < 1) throw new ModelError(`batch runner ${k} must be a positive integer, got ${opts[k]}`);
    }
    this.sequences = opts.sequences;
    this.contextLength = opts.contextLength;
    this.maxRows = opts.maxRows;
    this.act = new Activations(c);
    this.act.ensure(opts.maxRows);
    this.state = { act: this.act };
    this.seqSegs = Array.from({ length: opts.sequences }, () => new BatchSegment(c, new KvCache(c.nLayers, c.nKvHeads, opts.contextLength, c.headDim)));
    this.positions = new Int32Array(opts.sequences);
    this.segs = [];
    this.logits = new Float32Array(opts.sequences * c.vocabSize);
    this.rows = Array.from({ length: opts.sequences }, (_, i) => this.logits.subarray(i * c.vocabSize, (i + 1) * c.vocabSize));
    this.inBatch = new Uint8Array(opts.sequences);
    this.batch = { nTok: 0, nSeg: 0, segs: this.segs, logits: this.logits, onLayer: undefined, profiler: undefined, hidden: undefined };
  }

  /** Tokens in sequence `seq`'s KV cache (the position its next token takes). */
  position(seq: number): number {
    return this.positions[this.check(seq)];
  }

  /** Forgets positions `pos..` of sequence `seq` (keeps its prefix 0..pos-1; 0 empties it). */
  truncate(seq: number, pos: number): void {
    this.check(seq);
    if (!Number.isInteger(pos) || pos < 0 || pos > this.positions[seq]) {
      throw new ModelError(`truncate: position must be an integer in 0..${this.positions[seq]}, got ${pos}`);
    }
    this.positions[seq] = pos;
  }

  /** Starts a new batch. */
  clear(): void {
    this.inBatch.fill(0);
    this.segs.length = 0;
    this.batch.nSeg = 0;
    this.batch.nTok = 0;
    this.nOut = 0;
  }

  /** Rows in the batch so far. */
  get rowCount(): number {
    return this.batch.nTok;
  }

  /**
   * Adds `tokens[from .. from + n)` of sequence `seq` at its current position. With `logits`,
   * the last token's logits are computed; returns their output index (for {@link logitsOf}),
   * else -1. Throws when the batch or the sequence's cache has no room, or on a bad token id.
   */
  add(seq: number, tokens: ArrayLike<number>, from: number, n: number, logits: boolean): number {
    this.check(seq);
    const b = this.batch;
    if (this.inBatch[seq]) throw new ModelError(`sequence ${seq} is already in this batch; add each sequence at most once per pass`);
    if (!Number.isInteger(n) || n < 1) throw new ModelError(`add: token count must be a positive integer, got ${n}`);
    if (b.nTok + n > this.maxRows) throw new ModelError(`add: the batch holds ${b.nTok} of ${this.maxRows} rows, no room for ${n} more`);
    const pos = this.positions[seq];
    if (pos + n > this.contextLength) throw new ContextOverflowError(pos, n, this.contextLength);
    const vocab = this.model.config.vocabSize;
    const ids = this.act.ids;
    for (let i = 0; i < n; i++) {
      const t = tokens[from + i];
      if (!Number.isInteger(t) || t < 0 || t >= vocab) throw new InvalidTokenError(t, from + i, vocab);
      ids[b.nTok + i] = t;
    }
    const g = this.seqSegs[seq];
    g.row0 = b.nTok;
    g.nTok = n;
    g.pos0 = pos;
    g.outputs = logits ? 'last' : 'none';
    this.segs.push(g);
    this.inBatch[seq] = 1;
    b.nSeg++;
    b.nTok += n;
    return logits ? this.nOut++ : -1;
  }

  /** Runs the batch: every added sequence's tokens enter its KV cache, and the asked logits are computed. */
  run(): void {
    const b = this.batch;
    if (b.nTok === 0) return;
    // One token per sequence is a decode step: a device backend may replay it as one recorded graph.
    const be = this.model.backend;
    const step = b.nTok === b.nSeg && be.stepBegin !== undefined;
    if (step) be.stepBegin!(this.stepKey);
    try {
      this.arch.forward(this.model, this.state, b);
    } finally {
      if (step) be.stepEnd!();
    }
    for (let seq = 0; seq < this.sequences; seq++) if (this.inBatch[seq]) this.positions[seq] += this.seqSegs[seq].nTok;
  }

  /** Logits `(vocab)` of output `i` of the last run (a view, overwritten by the next run). */
  logitsOf(i: number): Float32Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.nOut) throw new ModelError(`logitsOf: output ${i} is not in 0..${this.nOut - 1}`);
    this.model.backend.download?.(this.logits); // a device backend: one copy per run, later calls find it current
    return this.rows[i];
  }

  private check(seq: number): number {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.sequences) throw new ModelError(`sequence must be an integer in 0..${this.sequences - 1}, got ${seq}`);
    return seq;
  }
}
