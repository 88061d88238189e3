/**
 * `apr check` as a library: our greedy decode scored against llama.cpp (node-llama-cpp), logits
 * compared position by position, optionally every layer against a float64 reference forward.
 */
export { DEFAULT_CHECK_PROMPT, DEFAULT_N_PREDICT, runCheck } from './run-check.js';
export type { CheckOptions, CheckReport } from './run-check.js';
export { argmax, greedyRun } from './greedy-decode.js';
export type { GreedyRun, OurLogitsMode } from './greedy-decode.js';
export { LlamaCppReference, NODE_LLAMA_CPP_VERSION } from './llama-cpp-reference.js';
export { compareLogits } from './logit-compare.js';
export type { LogitComparison, LogitTolerance, PositionComparison } from './logit-compare.js';
export { compareLayers } from './layer-compare.js';
export type { LayerComparison, LayerError } from './layer-compare.js';
export { referenceForward } from './reference-forward.js';
export type { ReferenceOutput } from './reference-forward.js';
export { matmulWeightTypes, toleranceFor } from './tolerance.js';
export type { CheckTolerance, WeightClass } from './tolerance.js';
