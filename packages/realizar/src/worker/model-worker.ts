/**
 * A model running on a worker thread, driven through an async API, so that the calling thread (a
 * server's event loop, a UI) stays responsive while tokens are computed: a decode step of the
 * in-thread engine blocks its thread for the whole forward pass (~100 ms for a 0.5B model on a
 * small CPU), here it blocks only the worker's.
 *
 * The worker loads the model itself (this thread never holds the weights) and runs the in-thread
 * engine (`generate`, `ChatSession`); what crosses are token ids, text, options and results.
 * Options, chunks, results and errors are those of the in-thread engine; differences:
 * - `sampling` takes parameters, not a `Sampler` instance;
 * - the worker computes ahead of the consumer (chunks are buffered here), and an abort (signal or
 *   an early `break`) stops it before its next decode step. No chunk is yielded after the abort,
 *   but the result, being the worker's, may hold tokens that were computed and not yielded (those
 *   buffered, and at most one in flight).
 */
import { Worker } from 'node:worker_threads';
import type { ChatMessage } from '../chat/chat-types.js';
import type { ChatTurnResult } from '../engine/chat-session.js';
import { GenerateOptionsError } from '../engine/errors.js';
import type { GenerateChunk, GenerateResult } from '../engine/generate.js';
import type { DecodeOptions, EncodeOptions } from '../tokenizer/tokenizer.js';
import type {
  ModelWorkerInfo,
  ModelWorkerOptions,
  WireGenerateOptions,
  WorkerChatOptions,
  WorkerGenerateOptions,
  WorkerInit,
  WorkerReply,
  WorkerRequest,
} from './protocol.js';
import { ModelWorkerClosedError, reviveError } from './worker-errors.js';
import { modelWorkerScript } from './worker-script.js';

/** A request waiting for its replies. */
interface Pending {
  /** Chunks received and not yet yielded (streams only). */
  readonly chunks: GenerateChunk[];
  result?: unknown;
  error?: Error;
  /** Wakes the consumer waiting for the next reply. */
  wake?: () => void;
}

/**
 * Starts a worker thread that loads the GGUF model at `path` and resolves when it is ready to
 * generate. Load errors (missing or bad file, unsupported architecture, unknown backend) reject
 * with the error the in-thread loader throws (same class, name and message).
 */
export async function openModelWorker(path: string, opts: ModelWorkerOptions = {}): Promise<ModelWorker> {
  const s = modelWorkerScript();
  const init: WorkerInit = { path, opts };
  const worker = new Worker(s.script, { eval: s.eval, execArgv: s.execArgv, workerData: init });
  const info = await new Promise<ModelWorkerInfo>((resolve, reject) => {
    const onMessage = (m: WorkerReply): void => {
      cleanup();
      if (m.type === 'ready') resolve(m.info);
      else if (m.type === 'load-error') reject(reviveError(m.error));
      else reject(new Error(`model worker: unexpected first message '${m.type}'`));
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new ModelWorkerClosedError(`the model worker exited (code ${code}) before loading ${path}`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  }).catch(async (e: unknown) => {
    await worker.terminate();
    throw e;
  });
  return new ModelWorker(worker, info);
}

/** A model loaded in a worker thread. Create with {@link openModelWorker}; end with {@link close}. */
export class ModelWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedBy: Error | undefined;
  private exit: number | undefined;

  /** @internal Use {@link openModelWorker}. */
  constructor(
    private readonly worker: Worker,
    /** Model config, backend, tokenizer specials, context length and load time, as the worker loaded them. */
    readonly info: ModelWorkerInfo,
  ) {
    worker.on('message', (m: WorkerReply) => this.onReply(m));
    worker.on('error', (e: Error) => this.shutDown(new ModelWorkerClosedError(`the model worker failed: ${e.message}`, { cause: e })));
    worker.on('exit', (code: number) => {
      this.exit = code;
      this.shutDown(new ModelWorkerClosedError(`the model worker exited (code ${code})`));
    });
  }

  /** The worker thread's exit code once it has exited (after {@link close}, or if it died). */
  get exitCode(): number | undefined {
    return this.exit;
  }

  /** False once {@link close} was called or the worker died. */
  get open(): boolean {
    return this.closedBy === undefined;
  }

  /**
   * Generates a continuation of `prompt` (text, tokenized in the worker with BOS per `opts.bos`,
   * or token ids), from an empty KV cache. Yields `{ token, text }` chunks and returns the
   * GenerateResult, as the in-thread `generate` does. Requests run one at a time in the worker,
   * in call order.
   */
  generate(prompt: string | readonly number[], opts: WorkerGenerateOptions): AsyncGenerator<GenerateChunk, GenerateResult, void> {
    return this.stream<GenerateResult>(
      (id) => ({
        type: 'generate',
        id,
        prompt: typeof prompt === 'string' ? prompt : [...prompt],
        ...(opts.bos !== undefined ? { bos: opts.bos } : {}),
        opts: { maxTokens: opts.maxTokens, ...wireOptions(opts) },
      }),
      opts,
    );
  }

  /**
   * One assistant turn over the whole conversation `messages` (system message first, if any), as
   * `ChatSession.send` streams it; `maxTokens` defaults to -1 (until the context is full). When
   * `messages` extend the previous turn's conversation (its messages plus the reply), the KV cache
   * of that conversation is reused and only the new messages are prefilled.
   */
  chat(messages: readonly ChatMessage[], opts: WorkerChatOptions = {}): AsyncGenerator<GenerateChunk, ChatTurnResult, void> {
    return this.stream<ChatTurnResult>(
      (id) => ({
        type: 'chat',
        id,
        messages: [...messages],
        ...(opts.tools !== undefined ? { tools: opts.tools } : {}),
        opts: { ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}), ...wireOptions(opts) },
      }),
      opts,
    );
  }

  /** Text → token ids with the model's tokenizer (`Tokenizer.encode`). */
  tokenize(text: string, opts?: EncodeOptions): Promise<number[]> {
    return this.request<number[]>((id) => ({ type: 'tokenize', id, text, ...(opts ? { opts } : {}) }));
  }

  /** Token ids → text (`Tokenizer.decode`). */
  detokenize(tokens: readonly number[], opts?: DecodeOptions): Promise<string> {
    return this.request<string>((id) => ({ type: 'detokenize', id, tokens: [...tokens], ...(opts ? { opts } : {}) }));
  }

  /**
   * Stops the worker (a running generation ends at once) and frees the model. Pending and later
   * calls fail with {@link ModelWorkerClosedError}. Resolves when the thread has exited.
   */
  async close(): Promise<void> {
    if (this.closedBy) return;
    this.shutDown(new ModelWorkerClosedError('the model worker was closed'));
    await this.worker.terminate();
  }

  private post(req: WorkerRequest): void {
    this.worker.postMessage(req);
  }

  private assertOpen(): void {
    if (this.closedBy) throw this.closedBy instanceof ModelWorkerClosedError ? new ModelWorkerClosedError(this.closedBy.message) : this.closedBy;
  }

  private onReply(m: WorkerReply): void {
    if (m.type === 'ready' || m.type === 'load-error') return;
    const p = this.pending.get(m.id);
    if (!p) return; // a stream whose consumer stopped early
    if (m.type === 'chunk') p.chunks.push(m.chunk);
    else if (m.type === 'error') p.error = reviveError(m.error);
    else p.result = m.type === 'done' ? m.result : m.value;
    p.wake?.();
  }

  /** Fails every pending request with `err` and refuses new ones. */
  private shutDown(err: Error): void {
    if (this.closedBy) return;
    this.closedBy = err;
    for (const p of this.pending.values()) {
      p.error ??= err;
      p.wake?.();
    }
  }

  private async request<T>(make: (id: number) => WorkerRequest): Promise<T> {
    this.assertOpen();
    const id = this.nextId++;
    const p: Pending = { chunks: [] };
    this.pending.set(id, p);
    try {
      this.post(make(id));
      while (p.result === undefined && p.error === undefined) await new Promise<void>((r) => (p.wake = r));
      if (p.result !== undefined) return p.result as T;
      throw p.error;
    } finally {
      this.pending.delete(id);
    }
  }

  /**
   * Streams the chunks of one generation request (built on the first `next()`, as the in-thread
   * generators validate their options only when iterated).
   */
  private async *stream<R>(
    make: (id: number) => WorkerRequest,
    opts: { signal?: AbortSignal; onToken?: (c: GenerateChunk) => void },
  ): AsyncGenerator<GenerateChunk, R, void> {
    this.assertOpen();
    const id = this.nextId++;
    const req = make(id);
    const { signal, onToken } = opts;
    const p: Pending = { chunks: [] };
    this.pending.set(id, p);
    let ended = false;
    const abort = (): void => {
      if (!this.closedBy && !ended) this.post({ type: 'abort', id });
    };
    signal?.addEventListener('abort', abort, { once: true });
    try {
      this.post(req);
      if (signal?.aborted) abort(); // generate() then returns 'abort' before feeding anything
      for (;;) {
        const chunk = signal?.aborted ? undefined : p.chunks.shift();
        if (chunk) {
          onToken?.(chunk);
          yield chunk;
          continue;
        }
        if (p.result !== undefined) {
          ended = true;
          return p.result as R; // also when the worker was closed after it finished
        }
        if (p.error) throw p.error;
        await new Promise<void>((r) => (p.wake = r));
        p.wake = undefined;
      }
    } finally {
      if (p.error) ended = true;
      abort(); // the consumer stopped early (break / return / throw): stop the worker too
      ended = true;
      signal?.removeEventListener('abort', abort);
      this.pending.delete(id);
    }
  }
}

/** The cloneable generation options but maxTokens; a Sampler instance cannot cross threads. */
function wireOptions(opts: WorkerGenerateOptions | WorkerChatOptions): Omit<WireGenerateOptions, 'maxTokens'> {
  const s: unknown = opts.sampling;
  if (s !== undefined && (typeof s !== 'object' || s === null || Object.getPrototypeOf(s) !== Object.prototype)) {
    throw new GenerateOptionsError(
      'sampling for a model worker must be a plain object of sampling parameters ({ temperature, topK, seed, ... }): a Sampler instance cannot cross threads',
    );
  }
  return {
    ...(opts.sampling !== undefined ? { sampling: { ...opts.sampling } } : {}),
    ...(opts.stop !== undefined ? { stop: [...opts.stop] } : {}),
    ...(opts.stopTokens !== undefined ? { stopTokens: [...opts.stopTokens] } : {}),
  };
}
