/** The serving engine and the HTTP server of `apr serve` (`@sovereign/realizar/server`). */
// sched: the engine contract and the continuous-batching engine.
export * from './engine-api.js';
export { openServeEngine } from '../scheduler/serve-engine.js';
export type { ServeEngineOptions } from '../scheduler/serve-engine.js';
export { ConstraintUnavailableError } from '../scheduler/constraint.js';
export type { ConstraintFactory, LiveConstraint } from '../scheduler/constraint.js';
