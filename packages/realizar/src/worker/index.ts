/** Generation on a worker thread: the in-thread engine behind an async API (see model-worker.ts). */
export { ModelWorker, openModelWorker } from './model-worker.js';
export type { ModelWorkerInfo, ModelWorkerOptions, WorkerChatOptions, WorkerGenerateOptions } from './protocol.js';
export { ModelWorkerClosedError, reviveError, serializeError } from './worker-errors.js';
export type { SerializedError } from './worker-errors.js';
