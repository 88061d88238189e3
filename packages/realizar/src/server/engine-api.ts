/**
 * The contract between the HTTP server (main thread) and the serving engine (a scheduler with
 * continuous batching on a worker thread). Everything here is plain data that structured clone
 * carries: the server never touches weights or logits, the engine never touches HTTP.
 *
 * Prompts cross as token ids: the server renders chat templates and tokenizes through
 * {@link ServeEngine.tokenize} (or its own tokenizer copy) so that usage counts are exact and
 * prefix caching sees the same ids a second request sends.
 */

/** Sampling parameters of one request (OpenAI/Ollama names mapped by the server). */
export interface ServeSampling {
  /** 0 = greedy. Default 0.8 (llama.cpp). */
  readonly temperature?: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly minP?: number;
  /** Seeds the request's own RNG: same seed, same prompt, same output (at any concurrency). */
  readonly seed?: number;
  readonly repeatPenalty?: number;
  readonly presencePenalty?: number;
  readonly frequencyPenalty?: number;
}

/**
 * A decoding constraint evaluated inside the engine at every step (JSON mode, JSON schema): the
 * engine asks for the allowed tokens before sampling and reports the sampled token after.
 * Descriptions cross threads; the engine builds the live constraint from them.
 */
export type ConstraintSpec =
  | { readonly kind: 'json_object' }
  | { readonly kind: 'json_schema'; readonly schema: unknown };

/** One generation request. */
export interface ServeRequest {
  /** Caller-chosen id, unique among live requests (used by cancel and in events). */
  readonly id: string;
  /** Prompt token ids (BOS and chat template already applied). */
  readonly prompt: readonly number[];
  /** Most tokens to generate (after the prompt); the engine also stops at the slot's context end. */
  readonly maxTokens: number;
  readonly sampling?: ServeSampling;
  /** Stop strings: generation ends before the first occurrence, which is not returned. */
  readonly stop?: readonly string[];
  /** Return the sampled token's logprob and this many alternatives per token (0..20). */
  readonly topLogprobs?: number;
  /** Whether to return logprobs at all. */
  readonly logprobs?: boolean;
  readonly constraint?: ConstraintSpec;
  /** Ignore end-of-generation tokens (benchmarks). */
  readonly ignoreEos?: boolean;
}

/** A token's log-probability and the best alternatives (after temperature, before truncation). */
export interface TokenLogprob {
  readonly id: number;
  readonly text: string;
  readonly logprob: number;
  readonly top?: ReadonlyArray<{ readonly id: number; readonly text: string; readonly logprob: number }>;
}

/** Why a request ended. */
export type ServeFinishReason = 'stop' | 'length' | 'cancelled' | 'error';

/** Per-request timings, ms (the server converts to Ollama's ns). */
export interface ServeTimings {
  /** Waiting for a slot. */
  readonly queuedMs: number;
  /** Prompt evaluation (prefill), excluding tokens reused from the prefix cache. */
  readonly promptMs: number;
  /** From the first generated token to the last. */
  readonly decodeMs: number;
  /** Prompt tokens actually evaluated (prompt length minus the reused prefix). */
  readonly promptEvaluated: number;
  /** Prompt tokens whose KV was reused from the prefix cache. */
  readonly promptCached: number;
}

/** Streamed to the caller of {@link ServeEngine.generate}. */
export type ServeEvent =
  | {
      readonly type: 'token';
      /** Text completed by this token (may be '' while a UTF-8 character or a stop string is pending). */
      readonly text: string;
      readonly id: number;
      readonly logprob?: TokenLogprob;
    }
  | {
      readonly type: 'done';
      readonly finishReason: ServeFinishReason;
      /** Exact counts: prompt tokens and generated tokens (including a stop token's, excluding nothing else). */
      readonly promptTokens: number;
      readonly completionTokens: number;
      readonly timings: ServeTimings;
      /** Set when finishReason is 'error'. */
      readonly error?: { readonly name: string; readonly message: string };
    };

/** Live numbers for /metrics and the web page. */
export interface ServeStats {
  readonly slots: number;
  readonly activeSlots: number;
  readonly queued: number;
  readonly maxQueue: number;
  /** KV positions in use over all slots, and the total capacity. */
  readonly kvUsed: number;
  readonly kvCapacity: number;
  readonly requestsTotal: number;
  readonly promptTokensTotal: number;
  readonly generatedTokensTotal: number;
  /** Prompt tokens served from the prefix cache. */
  readonly cachedPromptTokensTotal: number;
  /** Recent throughput (tokens/s over the last few seconds). */
  readonly promptTokensPerSec: number;
  readonly decodeTokensPerSec: number;
}

/** What the server needs to know about the loaded model. */
export interface ServeModelInfo {
  /** Model id shown by /v1/models and /api/tags (file name without .gguf unless given). */
  readonly id: string;
  readonly path: string;
  readonly architecture: string;
  readonly parameters: number;
  readonly quantization: string;
  readonly fileBytes: number;
  readonly contextLength: number;
  /** Context of each slot. */
  readonly slotContext: number;
  readonly embeddingLength: number;
  readonly vocabSize: number;
  /** Chat template text (Jinja) in use, or null when the model has none. */
  readonly chatTemplate: string | null;
  readonly bos: number | null;
  readonly eos: number | null;
  readonly addBos: boolean;
  readonly loadMs: number;
  readonly backend: string;
}

/** Thrown (rejected) when the queue is full: the server answers 429/503 with Retry-After. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

/** Thrown (rejected) when prompt + maxTokens cannot fit a slot: the server answers 400. */
export class PromptTooLongError extends Error {
  override name = 'PromptTooLongError';
  constructor(
    readonly promptTokens: number,
    readonly slotContext: number,
  ) {
    super(`prompt of ${promptTokens} tokens does not fit the slot context of ${slotContext} tokens; shorten it or start the server with a larger --ctx`);
  }
}

/** The serving engine: continuous batching over `slots` sequences, off the main thread. */
export interface ServeEngine {
  readonly model: ServeModelInfo;
  /** Tokenize text (parseSpecial: chat-template markers become their special ids). */
  tokenize(text: string, opts?: { readonly addSpecial?: boolean; readonly parseSpecial?: boolean }): Promise<number[]>;
  detokenize(ids: readonly number[]): Promise<string>;
  /**
   * Starts a request and streams its events; the iterator ends after the 'done' event. Aborting
   * `signal` (client disconnect) cancels the sequence and frees its slot within one step.
   * Rejects with {@link QueueFullError} or {@link PromptTooLongError} before any event.
   */
  generate(req: ServeRequest, signal?: AbortSignal): AsyncIterable<ServeEvent>;
  /** Mean-pooled, L2-normalised final hidden states, one vector per input. */
  embed(inputs: ReadonlyArray<readonly number[]>): Promise<{ embeddings: number[][]; promptTokens: number }>;
  stats(): ServeStats;
  close(): Promise<void>;
}
