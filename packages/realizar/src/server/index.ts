/**
 * The serving subpath (`@sovereign/realizar/server`): the engine contract, the HTTP server
 * (OpenAI / Ollama / llama-server endpoints) and the serial engine.
 */
export * from './engine-api.js';
// http helper: the HTTP server and the one-request-at-a-time engine.
export { createServer, SERVER_VERSION } from './create-server.js';
export type { AprServer } from './create-server.js';
export { startServer } from './start-server.js';
export type { RunningServer, StartServerOptions } from './start-server.js';
export type { ServerOptions } from './server-context.js';
export { ApiError } from './api-error.js';
export { openSerialEngine, EngineClosedError } from './serial-engine.js';
export type { SerialEngineOptions } from './serial-engine.js';
