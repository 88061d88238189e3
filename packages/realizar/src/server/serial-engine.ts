/**
 * A {@link ServeEngine} that runs one request at a time on one session, in this thread: the
 * `--parallel 1` fallback of `apr serve` and the engine of the server tests. Requests wait in a
 * bounded FIFO queue; the KV cache keeps the last sequence so that a request sharing its prompt
 * prefix (a chat's next turn) only prefills the new tokens.
 *
 * Each forward pass blocks this thread (the generation loop yields between tokens, so sockets and
 * /health are served between decode steps); the batching engine (`openServeEngine`) runs off the
 * event loop instead.
 */
import { dominantType } from './model-quantization.js';
import { basename } from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import { selectBackend } from '@sovereign/trueno';
import { resolveChatTemplate } from '../chat/resolve-chat-template.js';
import { StopStringMatcher } from '../engine/stop-matcher.js';
import { openGGUF } from '../gguf/gguf-open.js';
import { readGGUF } from '../gguf/gguf-reader.js';
import { loadModel, type Model } from '../model/model.js';
import type { Session } from '../model/session.js';
import { Sampler } from '../sampler/sampler.js';
import { tokenizerFromGGUF } from '../tokenizer/from-gguf.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import {
  PromptTooLongError,
  QueueFullError,
  type ServeEngine,
  type ServeEvent,
  type ServeFinishReason,
  type ServeModelInfo,
  type ServeRequest,
  type ServeStats,
} from './engine-api.js';
import { EventChannel } from './event-channel.js';
import { RateWindow } from './rate-window.js';
import { tokenLogprobOf } from './token-logprob.js';

/** Options of {@link openSerialEngine}. */
export interface SerialEngineOptions {
  /** `auto` (default), `ref`, `native`, ... (trueno backends). */
  readonly backend?: string;
  /** Threads of the native backend's pool. */
  readonly threads?: number;
  /** KV-cache capacity of the one slot (default: the model's, at most 4096). */
  readonly contextLength?: number;
  /** Most requests waiting behind the running one before QueueFullError (default 64). */
  readonly maxQueue?: number;
  /** Model id for /v1/models (default: file name without `.gguf`). */
  readonly modelId?: string;
  /** Chat template override (`chatml`, `qwen2.5`, or Jinja text). */
  readonly chatTemplate?: string;
}

/** A queued unit of work on the session. */
interface Job {
  readonly run: () => Promise<void>;
  /** Called instead of run when the job is dropped (closed engine). */
  readonly drop: (err: Error) => void;
}

/** The engine was closed; requests are refused. */
export class EngineClosedError extends Error {
  override name = 'EngineClosedError';
}

/**
 * Loads the GGUF at `path` (or given bytes, for tests) and returns a serial engine. Loading runs
 * synchronously after one event-loop turn, so a server that listens first answers /health 503 until
 * this resolves.
 */
export async function openSerialEngine(path: string | { name: string; bytes: Uint8Array }, opts: SerialEngineOptions = {}): Promise<ServeEngine> {
  await nextTick();
  const t0 = performance.now();
  const sel = selectBackend(opts.backend ?? 'auto');
  const be = sel.backend as typeof sel.backend & { setThreads?: (n: number) => number };
  if (opts.threads !== undefined && typeof be.setThreads === 'function') be.setThreads(opts.threads);
  const file = typeof path === 'string' ? openGGUF(path) : readGGUF(path.bytes);
  const tokenizer = tokenizerFromGGUF(file);
  const model = loadModel(file, { backend: be });
  const session = model.createSession({ contextLength: opts.contextLength });
  let chatTemplate: string | null = null;
  try {
    chatTemplate = resolveChatTemplate(file, { override: opts.chatTemplate, tokenizer }).template.source;
  } catch {
    chatTemplate = null; // raw completions still work; chat requests get a clear 400
  }
  const name = typeof path === 'string' ? path : path.name;
  const info: ServeModelInfo = {
    id: opts.modelId ?? basename(name).replace(/\.gguf$/i, ''),
    path: name,
    architecture: model.config.arch,
    parameters: file.tensors.reduce((s, t) => s + t.nElements, 0),
    quantization: dominantType(file),
    fileBytes: file.bytes.byteLength,
    contextLength: model.config.contextLength,
    slotContext: session.contextLength,
    embeddingLength: model.config.dim,
    vocabSize: model.config.vocabSize,
    chatTemplate,
    bos: tokenizer.bos,
    eos: tokenizer.eos,
    addBos: tokenizer.addBos,
    loadMs: performance.now() - t0,
    backend: be.name,
  };
  return new SerialEngine(info, model, session, tokenizer, opts.maxQueue ?? 64);
}

class SerialEngine implements ServeEngine {
  private readonly queue: Job[] = [];
  private running = false;
  private closed = false;
  /** Token ids currently in the session's KV cache (for prefix reuse). */
  private cached: number[] = [];
  private activeKv = 0;
  private requestsTotal = 0;
  private promptTokensTotal = 0;
  private generatedTokensTotal = 0;
  private cachedPromptTokensTotal = 0;
  private readonly promptRate = new RateWindow();
  private readonly decodeRate = new RateWindow();

  constructor(
    readonly model: ServeModelInfo,
    private readonly m: Model,
    private readonly session: Session,
    private readonly tokenizer: Tokenizer,
    private readonly maxQueue: number,
  ) {}

  tokenize(text: string, opts?: { readonly addSpecial?: boolean; readonly parseSpecial?: boolean }): Promise<number[]> {
    return Promise.resolve(this.tokenizer.encode(text, { addSpecial: opts?.addSpecial ?? false, parseSpecial: opts?.parseSpecial ?? true }));
  }

  detokenize(ids: readonly number[]): Promise<string> {
    return Promise.resolve(this.tokenizer.decode(ids));
  }

  generate(req: ServeRequest, signal?: AbortSignal): AsyncIterable<ServeEvent> {
    const ch = new EventChannel<ServeEvent>();
    try {
      this.admit(req.prompt.length + Math.max(req.maxTokens, 1));
      if (req.prompt.length === 0) throw new RangeError('the prompt has no tokens');
      this.enqueue({
        run: () => this.runGenerate(req, ch, signal, performance.now()),
        drop: (e) => ch.end(e),
      });
    } catch (e) {
      ch.end(e as Error);
    }
    return ch;
  }

  async embed(inputs: ReadonlyArray<readonly number[]>): Promise<{ embeddings: number[][]; promptTokens: number }> {
    for (const ids of inputs) {
      if (ids.length === 0) throw new RangeError('an embedding input has no tokens');
      this.admit(ids.length);
    }
    return new Promise((resolve, reject) => {
      this.enqueue({
        run: async () => {
          try {
            resolve(this.runEmbed(inputs));
          } catch (e) {
            reject(e as Error);
          }
          await nextTick();
        },
        drop: reject,
      });
    });
  }

  stats(): ServeStats {
    return {
      slots: 1,
      activeSlots: this.running ? 1 : 0,
      queued: this.queue.length,
      maxQueue: this.maxQueue,
      kvUsed: this.activeKv,
      kvCapacity: this.session.contextLength,
      requestsTotal: this.requestsTotal,
      promptTokensTotal: this.promptTokensTotal,
      generatedTokensTotal: this.generatedTokensTotal,
      cachedPromptTokensTotal: this.cachedPromptTokensTotal,
      promptTokensPerSec: this.promptRate.rate(),
      decodeTokensPerSec: this.decodeRate.rate(),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.drop(new EngineClosedError('the engine was closed (server shutting down)'));
    while (this.running) await nextTick();
  }

  /** Refuses work that can never fit or that would overflow the queue. */
  private admit(tokens: number): void {
    if (this.closed) throw new EngineClosedError('the engine was closed (server shutting down)');
    const ctx = this.session.contextLength;
    if (tokens > ctx) throw new PromptTooLongError(tokens, ctx);
    if (this.queue.length >= this.maxQueue) {
      throw new QueueFullError(`the request queue is full (${this.maxQueue} waiting behind 1 running); retry later or start the server with a larger --parallel`);
    }
  }

  private enqueue(job: Job): void {
    this.queue.push(job);
    if (!this.running) void this.pump();
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      for (let job = this.queue.shift(); job; job = this.queue.shift()) await job.run();
    } finally {
      this.running = false;
      this.activeKv = 0;
    }
  }

  /** Rewinds the session to the longest prefix shared with `prompt` (at least one token is always fed). */
  private reuse(prompt: readonly number[]): number {
    let n = 0;
    const lim = Math.min(this.cached.length, prompt.length - 1);
    while (n < lim && this.cached[n] === prompt[n]) n++;
    this.session.truncate(n);
    this.cached.length = n;
    return n;
  }

  private async runGenerate(req: ServeRequest, ch: EventChannel<ServeEvent>, signal: AbortSignal | undefined, tQueued: number): Promise<void> {
    const queuedMs = performance.now() - tQueued;
    this.requestsTotal++;
    const prompt = req.prompt;
    let finishReason: ServeFinishReason = 'length';
    let completion = 0;
    let promptMs = 0;
    let decodeMs = 0;
    let cachedN = 0;
    let error: { name: string; message: string } | undefined;
    try {
      if (signal?.aborted) {
        finishReason = 'cancelled';
        return;
      }
      const sampler = new Sampler({ ...req.sampling });
      sampler.acceptMany(prompt);
      cachedN = this.reuse(prompt);
      const fresh = prompt.slice(cachedN);
      let t = performance.now();
      let logits = this.session.forward(fresh);
      this.cached.push(...fresh);
      promptMs = performance.now() - t;
      this.promptRate.add(fresh.length, promptMs);
      this.activeKv = this.session.position;
      const decoder = this.tokenizer.createStreamDecoder();
      const matcher = new StopStringMatcher(req.stop);
      const limit = Math.min(req.maxTokens, this.session.contextLength - prompt.length);
      const temperature = sampler.params.temperature;
      while (completion < limit) {
        t = performance.now();
        const id = sampler.sample(logits); // does not modify logits
        const lp = req.logprobs ? tokenLogprobOf(logits, id, temperature, req.topLogprobs ?? 0, (i) => this.tokenizer.decode([i])) : undefined;
        sampler.accept(id);
        completion++;
        let text: string;
        let last = true;
        if (!req.ignoreEos && this.tokenizer.isEog(id)) {
          finishReason = 'stop';
          text = matcher.push(decoder.flush()).text + matcher.flush();
        } else {
          const m = matcher.push(decoder.push(id));
          text = m.text;
          if (m.stopped) finishReason = 'stop';
          else if (completion >= limit) text += matcher.push(decoder.flush()).text + matcher.flush();
          else last = false;
        }
        ch.push({ type: 'token', text, id, ...(lp ? { logprob: lp } : {}) });
        decodeMs += performance.now() - t;
        if (last) break;
        await nextTick(); // sockets, aborts and /health run between decode steps
        if (signal?.aborted || this.closed) {
          finishReason = 'cancelled';
          break;
        }
        t = performance.now();
        logits = this.session.forward([id]);
        this.cached.push(id);
        this.activeKv = this.session.position;
        const dt = performance.now() - t;
        decodeMs += dt;
        this.decodeRate.add(1, dt);
      }
    } catch (e) {
      finishReason = 'error';
      error = { name: (e as Error).name, message: (e as Error).message };
      this.session.reset();
      this.cached = [];
    } finally {
      this.promptTokensTotal += prompt.length;
      this.cachedPromptTokensTotal += cachedN;
      this.generatedTokensTotal += completion;
      this.activeKv = 0;
      ch.push({
        type: 'done',
        finishReason,
        promptTokens: prompt.length,
        completionTokens: completion,
        timings: { queuedMs, promptMs, decodeMs, promptEvaluated: prompt.length - cachedN, promptCached: cachedN },
        ...(error ? { error } : {}),
      });
      ch.end();
    }
  }

  /** Mean of the final-norm hidden states over the tokens, L2-normalised (llama.cpp's mean pooling). */
  private runEmbed(inputs: ReadonlyArray<readonly number[]>): { embeddings: number[][]; promptTokens: number } {
    const { dim, nLayers, rmsEps } = this.m.config;
    const norm = this.m.weights.outputNorm; // (dim)
    const embeddings: number[][] = [];
    let promptTokens = 0;
    this.requestsTotal++;
    try {
      for (const ids of inputs) {
        this.session.reset();
        this.cached = [];
        const sum = new Float64Array(dim);
        this.session.forward(ids, {
          onLayer: (layer, hidden) => {
            if (layer !== nLayers - 1) return;
            // hidden: (nTok, dim) residual stream after the last layer; apply output_norm per token.
            for (let r = 0; r + dim <= hidden.length; r += dim) {
              let ss = 0;
              for (let i = 0; i < dim; i++) ss += hidden[r + i] * hidden[r + i];
              const scale = 1 / Math.sqrt(ss / dim + rmsEps);
              for (let i = 0; i < dim; i++) sum[i] += hidden[r + i] * scale * norm[i];
            }
          },
        });
        let l2 = 0;
        for (let i = 0; i < dim; i++) l2 += sum[i] * sum[i];
        const inv = l2 > 0 ? 1 / Math.sqrt(l2) : 0; // the 1/nTok of the mean cancels in the normalisation
        embeddings.push(Array.from(sum, (v) => v * inv));
        promptTokens += ids.length;
      }
    } finally {
      this.session.reset();
      this.cached = [];
      this.promptTokensTotal += promptTokens;
    }
    return { embeddings, promptTokens };
  }
}
