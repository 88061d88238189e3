/**
 * The messages between a {@link ModelWorker} (main thread) and its worker thread. Every message
 * is a plain object that `postMessage` structure-clones: token ids, text, options, results and
 * serialized errors cross; weights and logits never do (they live and die in the worker).
 *
 * One request runs at a time in the worker, in arrival order; `abort` may arrive for the running
 * request (it stops before the next decode step) or for a queued one (it ends at once, 'abort').
 */
import type { ChatMessage, ChatTool } from '../chat/chat-types.js';
import type { ChatSendOptions, ChatTurnResult } from '../engine/chat-session.js';
import type { GenerateChunk, GenerateOptions, GenerateResult } from '../engine/generate.js';
import type { ModelConfig } from '../model/config.js';
import type { SamplingParams } from '../sampler/sampling-params.js';
import type { DecodeOptions, EncodeOptions } from '../tokenizer/tokenizer.js';
import type { SerializedError } from './worker-errors.js';

/** Options of `openModelWorker`: where and how the worker loads the model. */
export interface ModelWorkerOptions {
  /** `auto` (default: the best available, native when its addon loads), `ref`, `native` or `cuda`. */
  readonly backend?: string;
  /** Threads of a multi-threaded backend (the native pool); default: the backend's own. */
  readonly threads?: number;
  /** KV-cache capacity of the worker's session, in tokens (default: the model's, at most 4096). */
  readonly contextLength?: number;
  /** Most tokens per batched prefill pass (default 512). */
  readonly maxBatch?: number;
  /** Chat template override: `chatml`, `llama2`, `qwen2.5` or a Jinja text (default: the file's). */
  readonly chatTemplate?: string;
}

/** What the worker loaded, reported once it is ready. */
export interface ModelWorkerInfo {
  readonly path: string;
  readonly config: ModelConfig;
  /** The backend that really runs (after any fallback), its one-line description and why it was chosen. */
  readonly backend: { readonly name: string; readonly description: string; readonly reason: string; readonly threads: number };
  readonly tokenizer: {
    readonly vocabSize: number;
    readonly bos: number | null;
    readonly eos: number | null;
    readonly eot: number | null;
    readonly addBos: boolean;
    readonly addEos: boolean;
  };
  /** KV-cache capacity of the worker's session. */
  readonly contextLength: number;
  /** Wall time of reading the file and building tokenizer and model, in ms (inside the worker). */
  readonly loadMs: number;
  /** The chat template in use and a warning when it was guessed, or why none could be built. */
  readonly chatTemplate: { readonly origin: string; readonly warning?: string } | { readonly error: string };
}

/**
 * Options of `ModelWorker.generate`: those of the in-thread `generate` except what cannot cross a
 * thread. `sampling` takes parameters only (a `Sampler` holds state of this thread); `onToken` and
 * `signal` stay on the calling thread; the context length is the worker session's.
 */
export type WorkerGenerateOptions = Omit<GenerateOptions, 'sampling' | 'contextLength' | 'loadMs'> & {
  sampling?: Partial<SamplingParams>;
  /**
   * For a text prompt: prepend BOS (default: the vocabulary's `add_bos_token`). Text is encoded
   * with special tokens parsed, as `apr run` does. Ignored for token prompts.
   */
  bos?: boolean;
};

/** Options of `ModelWorker.chat` (those of `ChatSession.send`, parameters-only sampling), plus tools. */
export type WorkerChatOptions = Omit<ChatSendOptions, 'sampling'> & {
  sampling?: Partial<SamplingParams>;
  /** Tool definitions passed to the chat template. */
  tools?: readonly ChatTool[];
};

/** The cloneable part of generation options (no callbacks, no signal). */
export interface WireGenerateOptions {
  readonly maxTokens: number;
  readonly sampling?: Partial<SamplingParams>;
  readonly stop?: readonly string[];
  readonly stopTokens?: readonly number[];
}

/** Requests, main thread → worker. `id` pairs a request with its replies. */
export type WorkerRequest =
  | { readonly type: 'generate'; readonly id: number; readonly prompt: string | readonly number[]; readonly bos?: boolean; readonly opts: WireGenerateOptions }
  | {
      readonly type: 'chat';
      readonly id: number;
      readonly messages: readonly ChatMessage[];
      readonly tools?: readonly ChatTool[];
      readonly opts: Omit<WireGenerateOptions, 'maxTokens'> & { readonly maxTokens?: number };
    }
  | { readonly type: 'tokenize'; readonly id: number; readonly text: string; readonly opts?: EncodeOptions }
  | { readonly type: 'detokenize'; readonly id: number; readonly tokens: readonly number[]; readonly opts?: DecodeOptions }
  | { readonly type: 'abort'; readonly id: number };

/** Replies, worker → main thread. */
export type WorkerReply =
  | { readonly type: 'ready'; readonly info: ModelWorkerInfo }
  | { readonly type: 'load-error'; readonly error: SerializedError }
  | { readonly type: 'chunk'; readonly id: number; readonly chunk: GenerateChunk }
  | { readonly type: 'done'; readonly id: number; readonly result: GenerateResult | ChatTurnResult }
  | { readonly type: 'value'; readonly id: number; readonly value: number[] | string }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

/** `workerData` of the worker thread. */
export interface WorkerInit {
  readonly path: string;
  readonly opts: ModelWorkerOptions;
}
