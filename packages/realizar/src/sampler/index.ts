/** Token sampling: llama.cpp's default chain with a seeded xoshiro128** generator. */
export { Sampler, NoFiniteLogitsError, sampleGreedy } from './sampler.js';
export { DEFAULT_SAMPLING, SamplingParamsError, resolveSamplingParams } from './sampling-params.js';
export type { SamplingParams } from './sampling-params.js';
export { Xoshiro128, MAX_SEED, randomSeed } from './prng.js';
export { logSumExp, tokenLogprob, topLogprobs } from './logprobs.js';
export type { IdLogprob } from './logprobs.js';
