/**
 * The serving subpath (`@sovereign/realizar/server`): the engine contract, the continuous-batching
 * engine (src/scheduler) and the HTTP server (OpenAI / Ollama / llama-server endpoints).
 */
export * from './engine-api.js';
// The continuous-batching engine.
export { openServeEngine } from '../scheduler/serve-engine.js';
export type { ServeEngineOptions } from '../scheduler/serve-engine.js';
export { ConstraintUnavailableError } from '../scheduler/constraint.js';
export type { ConstraintFactory, LiveConstraint } from '../scheduler/constraint.js';
// The HTTP server.
export { createServer, SERVER_VERSION } from './create-server.js';
export type { AprServer } from './create-server.js';
export { startServer } from './start-server.js';
export type { RunningServer, StartServerOptions } from './start-server.js';
export type { ServerOptions } from './server-context.js';
export { ApiError } from './api-error.js';
