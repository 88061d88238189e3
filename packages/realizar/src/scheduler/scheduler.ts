/**
 * Continuous batching: `parallel` slots (sequences of a {@link BatchRunner}, each a KV cache of
 * `slotContext` positions) serve requests from a bounded FIFO queue. Every {@link Scheduler.step}
 * runs ONE forward pass holding
 *   - one decode token of every generating slot, and
 *   - a chunk of pending prompt tokens (at most `prefillChunk` in all, oldest request first),
 * so a long prompt is prefilled over several steps while the other slots keep decoding (chunked
 * prefill), then samples each slot that produced logits with the request's own sampler and RNG
 * (a seeded request gives the same output at any concurrency: rows of a pass do not mix).
 *
 * Admission happens on submit and after each step: a free slot is chosen by the longest common
 * prefix of its cached tokens with the prompt (prefix caching: that KV is kept, only the rest is
 * evaluated). A request ends on an end-of-generation token (unless ignoreEos), a stop string, a
 * done constraint ('stop'), maxTokens or the slot's context end ('length'), cancel ('cancelled')
 * or an error ('error'); its slot is free at once. Events go to the request's sink, synchronously.
 *
 * Logprobs are the model's raw distribution (log-softmax of the logits before temperature,
 * penalties, truncation and constraint masks), as OpenAI reports them.
 */
import { InvalidTokenError } from '../model/errors.js';
import type { Model } from '../model/model.js';
import type { BatchRunner } from '../model/batch-runner.js';
import { GenerateOptionsError } from '../engine/errors.js';
import type { GenerationTokenizer } from '../engine/types.js';
import { Sampler } from '../sampler/sampler.js';
import type { SamplingParams } from '../sampler/sampling-params.js';
import { logSumExp, tokenLogprob, topLogprobs } from '../sampler/logprobs.js';
import {
  PromptTooLongError,
  QueueFullError,
  type ServeEvent,
  type ServeFinishReason,
  type ServeRequest,
  type ServeSampling,
  type ServeStats,
  type TokenLogprob,
} from '../server/engine-api.js';
import { embedMean } from './embed.js';
import { ConstraintUnavailableError, type ConstraintFactory, type LiveConstraint } from './constraint.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { pickSlot } from './prefix-match.js';
import { RateWindow } from './rate-window.js';
import { TextStream } from './text-stream.js';

/** What the scheduler needs from the tokenizer. */
export interface SchedulerTokenizer extends GenerationTokenizer {
  decode(ids: readonly number[]): string;
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** Slots (sequences decoded together). */
  readonly parallel: number;
  /** KV positions per slot. */
  readonly slotContext: number;
  /** Requests that may wait for a slot. */
  readonly maxQueue: number;
  /** Most prompt tokens per step, over all prefilling requests. */
  readonly prefillChunk: number;
  /** Builds constraints; absent → requests with a constraint are rejected. */
  readonly createConstraint?: ConstraintFactory;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

/** Receives a request's events. */
export type EventSink = (ev: ServeEvent) => void;

/** A request's live state. */
interface Live {
  readonly req: ServeRequest;
  readonly sink: EventSink;
  readonly arrivedAt: number;
  readonly sampler: Sampler;
  slot: number;
  /** Prompt tokens in the slot's KV cache (cached + evaluated). */
  fed: number;
  cached: number;
  /** The sampled token to feed next step, -1 while prefilling. */
  next: number;
  generated: number;
  stream?: TextStream;
  constraint?: LiveConstraint;
  admittedAt: number;
  promptMs: number;
  firstTokenAt: number;
  lastTokenAt: number;
}

/** A slot: the tokens whose KV its cache holds, and its request. */
interface Slot {
  tokens: number[];
  lastUsed: number;
  live: Live | undefined;
}

/** The continuous-batching scheduler (single-threaded; the engine runs it on a worker thread). */
export class Scheduler {
  readonly parallel: number;
  readonly slotContext: number;
  readonly maxQueue: number;
  readonly prefillChunk: number;
  private readonly runner: BatchRunner;
  private readonly slots: Slot[];
  private readonly queue: Live[] = [];
  /** Active requests in admission order (prefill priority). */
  private readonly active: Live[] = [];
  private readonly ids = new Set<string>();
  private readonly now: () => number;
  private readonly rates: RateWindow;
  private readonly decodeIn: Int32Array;
  private readonly eog: number[] = [];
  private readonly vocab: number;
  private work: Float32Array | undefined;
  private mask: Uint8Array | undefined;
  private readonly totals = { requests: 0, prompt: 0, generated: 0, cached: 0 };
  /** Outputs of the current step: (live, output index). */
  private constraintFactory: ConstraintFactory | undefined;
  private readonly outs: Array<{ live: Live; out: number; seq: number; fed: number }> = [];
  private readonly prefilling: Array<{ live: Live; n: number; seq: number }> = [];

  constructor(
    private readonly model: Model,
    private readonly tokenizer: SchedulerTokenizer,
    private readonly opts: SchedulerOptions,
  ) {
    for (const k of ['parallel', 'slotContext', 'prefillChunk'] as const) {
      if (!Number.isSafeInteger(opts[k]) || opts[k] < 1) throw new GenerateOptionsError(`scheduler ${k} must be a positive integer, got ${opts[k]}`);
    }
    if (!Number.isSafeInteger(opts.maxQueue) || opts.maxQueue < 0) throw new GenerateOptionsError(`scheduler maxQueue must be an integer ≥ 0, got ${opts.maxQueue}`);
    this.constraintFactory = opts.createConstraint;
    this.parallel = opts.parallel;
    this.slotContext = opts.slotContext;
    this.maxQueue = opts.maxQueue;
    this.prefillChunk = opts.prefillChunk;
    this.now = opts.now ?? (() => performance.now());
    this.rates = new RateWindow(5000, this.now);
    this.vocab = model.config.vocabSize;
    this.runner = model.createBatchRunner({ sequences: this.parallel, contextLength: this.slotContext, maxRows: this.parallel + this.prefillChunk });
    this.slots = Array.from({ length: this.parallel }, () => ({ tokens: [], lastUsed: 0, live: undefined }));
    this.decodeIn = new Int32Array(this.parallel);
    for (let i = 0; i < this.vocab; i++) if (tokenizer.isEog(i)) this.eog.push(i);
  }

  /** Sets the builder of constraints (the grammar module, loaded on the first constrained request). */
  setConstraintFactory(f: ConstraintFactory): void {
    this.constraintFactory = f;
  }

  /** True when a constraint builder is set. */
  get hasConstraints(): boolean {
    return this.constraintFactory !== undefined;
  }

  /** True when nothing is queued or running. */
  get idle(): boolean {
    return this.active.length === 0 && this.queue.length === 0;
  }

  /**
   * Accepts a request: validates it, then admits it to a free slot or queues it. Throws (before
   * any event) {@link QueueFullError}, {@link PromptTooLongError} (the prompt leaves no room to
   * generate in a slot; a prompt that fits stops at the context end with 'length'),
   * {@link InvalidTokenError}, SamplingParamsError or GenerateOptionsError.
   */
  submit(req: ServeRequest, sink: EventSink): void {
    const { prompt, maxTokens } = req;
    if (this.ids.has(req.id)) throw new GenerateOptionsError(`request id '${req.id}' is already live; ids must be unique among live requests`);
    if (!Number.isSafeInteger(maxTokens) || maxTokens < 0) throw new GenerateOptionsError(`maxTokens must be an integer ≥ 0, got ${maxTokens}`);
    if (prompt.length === 0) throw new GenerateOptionsError('the prompt has no tokens: at least one (e.g. BOS) is needed to compute the first logits');
    const k = req.topLogprobs ?? 0;
    if (!Number.isInteger(k) || k < 0 || k > 20) throw new GenerateOptionsError(`topLogprobs must be an integer in 0..20, got ${k}`);
    if (prompt.length >= this.slotContext) throw new PromptTooLongError(prompt.length, this.slotContext);
    for (let i = 0; i < prompt.length; i++) {
      const t = prompt[i];
      if (!Number.isInteger(t) || t < 0 || t >= this.vocab) throw new InvalidTokenError(t, i, this.vocab);
    }
    if (req.constraint && !this.constraintFactory) {
      throw new ConstraintUnavailableError('constrained decoding (json_object / json_schema) is not available: no grammar module is loaded');
    }
    const free = this.slots.some((s) => s.live === undefined);
    if (!free && this.queue.length >= this.maxQueue) {
      throw new QueueFullError(`the request queue is full (${this.queue.length} waiting for ${this.parallel} busy slots); retry later`);
    }
    const sampler = new Sampler(samplingParams(req.sampling));
    const constraint = req.constraint ? this.constraintFactory!(req.constraint, this.tokenizer as unknown as Tokenizer) : undefined;
    const live: Live = {
      req,
      sink,
      arrivedAt: this.now(),
      sampler,
      slot: -1,
      fed: 0,
      cached: 0,
      next: -1,
      generated: 0,
      ...(constraint ? { constraint } : {}),
      admittedAt: 0,
      promptMs: 0,
      firstTokenAt: 0,
      lastTokenAt: 0,
    };
    this.ids.add(req.id);
    this.totals.requests++;
    this.queue.push(live);
    this.admit();
  }

  /** Cancels a request: queued or running, it ends now with 'cancelled' and its slot is free. Unknown ids are ignored. */
  cancel(id: string): void {
    const q = this.queue.findIndex((l) => l.req.id === id);
    if (q >= 0) {
      const [live] = this.queue.splice(q, 1);
      this.finish(live, 'cancelled');
      return;
    }
    const live = this.active.find((l) => l.req.id === id);
    if (live) this.finish(live, 'cancelled');
    this.admit();
  }

  /**
   * Runs one batched forward pass over the active slots and emits the resulting tokens. Returns
   * false when there was nothing to do.
   */
  step(): boolean {
    this.admit();
    if (this.active.length === 0) return false;
    const t0 = this.now();
    const r = this.runner;
    const outs = this.outs;
    const pre = this.prefilling;
    outs.length = 0;
    pre.length = 0;
    r.clear();
    for (const live of this.active) {
      if (live.next < 0) continue;
      this.decodeIn[live.slot] = live.next;
      outs.push({ live, out: r.add(live.slot, this.decodeIn, live.slot, 1, true), seq: live.slot, fed: live.next });
    }
    let budget = this.prefillChunk;
    for (const live of this.active) {
      if (budget === 0) break;
      if (live.next >= 0) continue;
      const n = Math.min(budget, live.req.prompt.length - live.fed);
      const last = live.fed + n === live.req.prompt.length;
      const out = r.add(live.slot, live.req.prompt, live.fed, n, last);
      if (last) outs.push({ live, out, seq: live.slot, fed: -1 });
      pre.push({ live, n, seq: live.slot });
      budget -= n;
    }
    try {
      r.run();
    } catch (e) {
      for (const o of [...outs.map((x) => x.live), ...pre.map((x) => x.live)]) if (o.slot >= 0) this.fail(o, e);
      return true;
    }
    const t1 = this.now();
    let promptTokens = 0;
    for (const { live, n, seq } of pre) {
      const s = this.slots[seq].tokens;
      for (let i = 0; i < n; i++) s.push(live.req.prompt[live.fed + i]);
      live.fed += n;
      live.promptMs += t1 - t0;
      promptTokens += n;
    }
    let decoded = 0;
    for (const { live, out, seq, fed } of outs) {
      if (fed >= 0) this.slots[seq].tokens.push(fed); // the slot's cache now holds the fed-back token
      if (live.slot < 0) continue; // cancelled by a sink during this step
      try {
        decoded++;
        this.sampleAndEmit(live, r.logitsOf(out));
      } catch (e) {
        this.fail(live, e);
      }
    }
    this.rates.record(promptTokens, decoded);
    this.admit();
    return true;
  }

  /** Live numbers (kvUsed counts the positions of the active slots). */
  stats(): ServeStats {
    let kvUsed = 0;
    for (let i = 0; i < this.parallel; i++) if (this.slots[i].live) kvUsed += this.runner.position(i);
    return {
      slots: this.parallel,
      activeSlots: this.active.length,
      queued: this.queue.length,
      maxQueue: this.maxQueue,
      kvUsed,
      kvCapacity: this.parallel * this.slotContext,
      requestsTotal: this.totals.requests,
      promptTokensTotal: this.totals.prompt,
      generatedTokensTotal: this.totals.generated,
      cachedPromptTokensTotal: this.totals.cached,
      ...this.rates.rates(),
    };
  }

  /** Fills free slots from the queue (FIFO), each with the slot sharing the longest prefix. */
  private admit(): void {
    while (this.queue.length > 0) {
      const free = this.slots.filter((s) => s.live === undefined);
      if (free.length === 0) return;
      const live = this.queue.shift()!;
      const prompt = live.req.prompt;
      live.admittedAt = this.now();
      this.totals.prompt += prompt.length;
      if (live.req.maxTokens === 0) {
        this.finish(live, 'length');
        continue;
      }
      const pick = pickSlot(free, prompt);
      const slot = free[pick.index];
      const seq = this.slots.indexOf(slot);
      // At least the last prompt token is evaluated: its logits give the first generated token.
      const keep = Math.min(pick.shared, prompt.length - 1);
      this.runner.truncate(seq, keep);
      slot.tokens.length = keep;
      slot.live = live;
      live.slot = seq;
      live.fed = keep;
      live.cached = keep;
      this.totals.cached += keep;
      live.sampler.acceptMany(prompt); // penalties see the prompt, as in llama.cpp
      live.stream = new TextStream(this.tokenizer.createStreamDecoder(), live.req.stop);
      this.active.push(live);
    }
  }

  /** Samples the next token of `live` from `logits`, emits it, and ends the request when it should. */
  private sampleAndEmit(live: Live, logits: Float32Array): void {
    const req = live.req;
    let row = logits;
    if (live.constraint || req.ignoreEos) {
      const w = (this.work ??= new Float32Array(this.vocab));
      w.set(logits);
      if (req.ignoreEos) for (const id of this.eog) w[id] = -Infinity;
      if (live.constraint) {
        const m = (this.mask ??= new Uint8Array(this.vocab));
        m.fill(0);
        live.constraint.allowed(m);
        for (let i = 0; i < this.vocab; i++) if (m[i] === 0) w[i] = -Infinity;
      }
      row = w;
    }
    const token = live.sampler.sample(row);
    live.sampler.accept(token);
    live.constraint?.accept(token);
    const t = this.now();
    if (live.generated === 0) live.firstTokenAt = t;
    live.lastTokenAt = t;
    live.generated++;
    this.totals.generated++; // before the events, so stats read at 'done' count this token
    const logprob = req.logprobs || (req.topLogprobs ?? 0) > 0 ? this.logprobOf(logits, token, req.topLogprobs ?? 0) : undefined;

    const stream = live.stream!;
    let reason: ServeFinishReason | undefined;
    let text: string;
    if (this.tokenizer.isEog(token) && !req.ignoreEos) {
      reason = 'stop';
      text = stream.drain().text; // the end-of-generation token's own text is never shown
    } else {
      const p = stream.push(token);
      text = p.text;
      if (p.stopped) reason = 'stop';
      else if (live.constraint?.done()) reason = 'stop';
      else if (live.generated >= req.maxTokens || this.runner.position(live.slot) >= this.slotContext) reason = 'length';
      if (reason !== undefined && !p.stopped) {
        const d = stream.drain();
        text += d.text;
        if (d.stopped) reason = 'stop';
      }
    }
    live.next = token;
    live.sink({ type: 'token', text, id: token, ...(logprob ? { logprob } : {}) });
    if (reason !== undefined && live.slot >= 0) this.finish(live, reason);
  }

  private logprobOf(logits: Float32Array, token: number, k: number): TokenLogprob {
    const lse = logSumExp(logits);
    const text = (id: number): string => this.tokenizer.decode([id]);
    return {
      id: token,
      text: text(token),
      logprob: tokenLogprob(logits, token, lse),
      ...(k > 0 ? { top: topLogprobs(logits, k, lse).map((x) => ({ id: x.id, text: text(x.id), logprob: x.logprob })) } : {}),
    };
  }

  private fail(live: Live, e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    this.finish(live, 'error', { name: err.name, message: err.message });
  }

  /** Emits 'done' and frees the request's slot (its KV stays for prefix reuse). */
  private finish(live: Live, finishReason: ServeFinishReason, error?: { name: string; message: string }): void {
    const i = this.active.indexOf(live);
    if (i >= 0) this.active.splice(i, 1);
    if (live.slot >= 0) {
      const s = this.slots[live.slot];
      s.live = undefined;
      s.lastUsed = this.now();
      live.slot = -1;
    }
    this.ids.delete(live.req.id);
    const admitted = live.admittedAt > 0 ? live.admittedAt : this.now();
    live.sink({
      type: 'done',
      finishReason,
      promptTokens: live.req.prompt.length,
      completionTokens: live.generated,
      timings: {
        queuedMs: admitted - live.arrivedAt,
        promptMs: live.promptMs,
        decodeMs: live.generated > 0 ? live.lastTokenAt - live.firstTokenAt : 0,
        promptEvaluated: live.fed - live.cached,
        promptCached: live.cached,
      },
      ...(error ? { error } : {}),
    });
  }

  /** Mean-pooled, L2-normalised final hidden states of each input (see ./embed.ts). */
  embed(inputs: ReadonlyArray<readonly number[]>): { embeddings: number[][]; promptTokens: number } {
    return embedMean(this.model, inputs);
  }
}

/** ServeSampling → the sampler's parameters (its defaults for what is missing). */
function samplingParams(s: ServeSampling | undefined): Partial<SamplingParams> {
  if (!s) return {};
  const out: Partial<SamplingParams> = {};
  if (s.temperature !== undefined) out.temperature = s.temperature;
  if (s.topK !== undefined) out.topK = s.topK;
  if (s.topP !== undefined) out.topP = s.topP;
  if (s.minP !== undefined) out.minP = s.minP;
  if (s.seed !== undefined) out.seed = s.seed;
  if (s.repeatPenalty !== undefined) out.repeatPenalty = s.repeatPenalty;
  if (s.presencePenalty !== undefined) out.presencePenalty = s.presencePenalty;
  if (s.frequencyPenalty !== undefined) out.frequencyPenalty = s.frequencyPenalty;
  return out;
}
