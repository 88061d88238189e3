/**
 * Messages between the serving engine's main-thread handle ({@link openServeEngine}) and its
 * worker thread (the scheduler). Plain structured-clone data: requests, events, stats and
 * serialized errors cross; weights, KV caches and logits stay in the worker.
 */
import type { ServeEvent, ServeModelInfo, ServeRequest, ServeStats } from '../server/engine-api.js';
import type { SerializedError } from '../worker/worker-errors.js';

/** Options of `openServeEngine`. */
export interface ServeEngineOptions {
  /** Slots: sequences decoded together. Default 4. */
  readonly parallel?: number;
  /** KV positions per slot. Default min(model context, 4096). */
  readonly slotContext?: number;
  /** Requests that may wait for a slot before QueueFullError. Default 64. */
  readonly maxQueue?: number;
  /** `auto` (default), `ref`, `native` or `cuda`. */
  readonly backend?: string;
  /** Threads of a multi-threaded backend (the native pool). */
  readonly threads?: number;
  /** Most prompt tokens evaluated per step, over all prefilling requests. Default 128. */
  readonly prefillChunk?: number;
  /** Model id for /v1/models (default: the file name without .gguf). */
  readonly modelId?: string;
}

/** `workerData` of the engine thread. */
export interface EngineInit {
  readonly path: string;
  readonly opts: ServeEngineOptions;
}

/** Main thread → worker. `rid` pairs a call with its reply. */
export type EngineRequest =
  | { readonly type: 'generate'; readonly req: ServeRequest }
  | { readonly type: 'cancel'; readonly id: string }
  | { readonly type: 'embed'; readonly rid: number; readonly inputs: ReadonlyArray<readonly number[]> }
  | { readonly type: 'tokenize'; readonly rid: number; readonly text: string; readonly opts?: { readonly addSpecial?: boolean; readonly parseSpecial?: boolean } }
  | { readonly type: 'detokenize'; readonly rid: number; readonly ids: readonly number[] };

/** Worker → main thread. */
export type EngineReply =
  | { readonly type: 'ready'; readonly info: ServeModelInfo; readonly stats: ServeStats }
  | { readonly type: 'load-error'; readonly error: SerializedError }
  | { readonly type: 'event'; readonly id: string; readonly event: ServeEvent }
  | { readonly type: 'rejected'; readonly id: string; readonly error: SerializedError }
  | { readonly type: 'stats'; readonly stats: ServeStats }
  | { readonly type: 'value'; readonly rid: number; readonly value: unknown }
  | { readonly type: 'error'; readonly rid: number; readonly error: SerializedError };
