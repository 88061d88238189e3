/**
 * What the routes share: the engine (once loaded), the prompt builder, metrics and options, the
 * model-name policy, and {@link Generation}, which starts an engine request and surfaces admission
 * errors (queue full, prompt too long) before any response byte is sent.
 */
import { ApiError, toApiError } from './api-error.js';
import type { ServeEngine, ServeEvent, ServeRequest } from './engine-api.js';
import type { ServerMetrics } from './metrics.js';
import type { PromptBuilder } from './prompt-builder.js';

/** Options of `createServer`. */
export interface ServerOptions {
  /** Require `Authorization: Bearer <apiKey>` on every endpoint but /health and the web page. */
  readonly apiKey?: string;
  /** Model id to serve under (default: the engine's). */
  readonly modelId?: string;
  /** Largest request body in bytes (default 8 MiB); larger ones get 413. */
  readonly maxBodyBytes?: number;
  /** Version reported by /api/version. */
  readonly version?: string;
}

/** The loaded engine and its prompt builder. */
export interface Ready {
  readonly engine: ServeEngine;
  readonly prompts: PromptBuilder;
  readonly modelId: string;
}

let nextId = 0;
/** A request id unique in this process (`<prefix>-<time>-<n>`). */
export function requestId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${(nextId++).toString(36)}`;
}

/** Shared server state. */
export class ServerContext {
  ready: Ready | null = null;
  loadError: Error | null = null;

  constructor(
    readonly metrics: ServerMetrics,
    readonly opts: ServerOptions,
    readonly maxBodyBytes: number,
  ) {}

  /** The engine, or 503 while loading (or 500 when loading failed). */
  need(): Ready {
    if (this.ready) return this.ready;
    if (this.loadError) throw new ApiError(500, `the model failed to load: ${this.loadError.message}`, 'server_error', null, 'load_failed');
    throw new ApiError(503, 'the model is still loading; retry shortly (GET /health answers 200 when ready)', 'unavailable_error', null, 'loading', { 'Retry-After': '1' });
  }

  /**
   * Model-name policy: a request may omit `model`, or name the served id, optionally with an
   * Ollama tag (`id:latest`) or a `.gguf` suffix. Any other name is a 404: a client pointed at
   * the wrong model should learn it, not silently get another one.
   */
  checkModel(name: string | undefined | null): void {
    if (name === undefined || name === null || name === '') return;
    const id = this.need().modelId;
    const base = name.replace(/:latest$/, '').replace(/\.gguf$/i, '');
    if (base !== id) {
      throw new ApiError(404, `model '${name}' is not served here; this server serves '${id}' (GET /v1/models)`, 'not_found_error', 'model', 'model_not_found');
    }
  }

  /**
   * The generation budget: `requested` tokens (undefined or negative: until the slot's context is
   * full). Refuses with 400 when the prompt plus the budget cannot fit, instead of truncating.
   */
  maxTokens(promptTokens: number, requested: number | undefined | null, param: string): number {
    const ctx = this.need().engine.model.slotContext;
    const room = ctx - promptTokens;
    if (room < 1) {
      throw new ApiError(400, `the prompt has ${promptTokens} tokens and does not fit the context of ${ctx} tokens (at least one more is needed to generate); shorten it or start the server with a larger --ctx`, 'invalid_request_error', 'messages', 'context_length_exceeded');
    }
    if (requested === undefined || requested === null || requested < 0) return room;
    if (requested > room) {
      throw new ApiError(400, `the prompt (${promptTokens} tokens) + ${param} (${requested}) = ${promptTokens + requested} tokens exceed the context of ${ctx}; use ${param} ≤ ${room} or a larger --ctx`, 'invalid_request_error', param, 'context_length_exceeded');
    }
    return requested;
  }
}

/** A started engine request. Create with {@link Generation.start}; iterate {@link events} once. */
export class Generation {
  private constructor(
    private readonly ctx: ServerContext,
    private readonly first: IteratorResult<ServeEvent>,
    private readonly it: AsyncIterator<ServeEvent>,
    private readonly t0: number,
    private readonly signal: AbortSignal,
  ) {}

  /**
   * Starts `req` and waits for its first event, so that QueueFullError / PromptTooLongError become
   * HTTP errors (429 / 400) before a stream is opened.
   */
  static async start(ctx: ServerContext, req: ServeRequest, signal: AbortSignal): Promise<Generation> {
    const t0 = performance.now();
    const engine = ctx.need().engine;
    ctx.metrics.inFlight++;
    let it: AsyncIterator<ServeEvent>;
    let first: IteratorResult<ServeEvent>;
    try {
      it = engine.generate(req, signal)[Symbol.asyncIterator]();
      first = await it.next();
    } catch (e) {
      ctx.metrics.inFlight--;
      throw toApiError(e);
    }
    return new Generation(ctx, first, it, t0, signal);
  }

  /** The request's events; records TTFT, latency, cancellation and in-flight count. */
  async *events(): AsyncGenerator<ServeEvent> {
    let sawToken = false;
    let finished = false;
    try {
      let r = this.first;
      while (!r.done) {
        const ev = r.value;
        if (ev.type === 'token' && !sawToken) {
          sawToken = true;
          this.ctx.metrics.observeTtft((performance.now() - this.t0) / 1000);
        }
        if (ev.type === 'done') {
          finished = true;
          if (ev.finishReason === 'cancelled') this.ctx.metrics.cancelledTotal++;
        }
        yield ev;
        r = await this.it.next();
      }
    } finally {
      if (!finished) {
        if (this.signal.aborted) this.ctx.metrics.cancelledTotal++;
        await this.it.return?.();
      }
      this.ctx.metrics.inFlight--;
      this.ctx.metrics.observeLatency((performance.now() - this.t0) / 1000);
    }
  }
}
