/**
 * Sampling parameters, their llama.cpp defaults, and validation. Names follow llama.cpp's CLI flags
 * (`--temp`, `--top-k`, `--top-p`, `--min-p`, `--repeat-penalty`, `--repeat-last-n`,
 * `--presence-penalty`, `--frequency-penalty`, `--seed`) so that error messages can point at them.
 */

import { MAX_SEED } from './prng.js';

/** How the next token is chosen from the logits. Every field has a llama.cpp-compatible default. */
export interface SamplingParams {
  /** Softmax temperature; `<= 0` means greedy (argmax, ties → lowest token id). Default 0.8. */
  temperature: number;
  /** Keep only the k most likely tokens; `<= 0` disables. Default 40. */
  topK: number;
  /** Keep the smallest set of most likely tokens whose probability sums to ≥ topP; 1 disables. Default 0.95. */
  topP: number;
  /** Drop tokens whose probability is < minP × (probability of the most likely token); 0 disables. Default 0.05. */
  minP: number;
  /** Repetition penalty (llama.cpp/CTRL style: positive logits ÷ penalty, negative × penalty); 1 disables. Default 1. */
  repeatPenalty: number;
  /** OpenAI presence penalty: subtracted once from the logit of every token seen in the window. Default 0. */
  presencePenalty: number;
  /** OpenAI frequency penalty: subtracted once per occurrence in the window. Default 0. */
  frequencyPenalty: number;
  /** How many of the most recent tokens the penalties look at; 0 disables, -1 means all of them. Default 64. */
  penaltyLastN: number;
  /** Minimum number of candidates each truncating stage (top-p, min-p) keeps. Default 1. */
  minKeep: number;
  /** PRNG seed (unsigned integer); undefined → a random seed, readable afterwards as `Sampler.seed`. */
  seed?: number;
}

/** llama.cpp's defaults (common/common.h `common_params_sampling`). */
export const DEFAULT_SAMPLING: Readonly<SamplingParams> = Object.freeze({
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  minP: 0.05,
  repeatPenalty: 1,
  presencePenalty: 0,
  frequencyPenalty: 0,
  penaltyLastN: 64,
  minKeep: 1,
});

/** A sampling parameter is out of its range; the message names the parameter and the CLI flag. */
export class SamplingParamsError extends Error {
  override name = 'SamplingParamsError';
  /** The offending field of {@link SamplingParams}. */
  readonly param: string;
  constructor(param: string, message: string) {
    super(message);
    this.param = param;
  }
}

/** Fills in defaults and validates; throws {@link SamplingParamsError} naming the bad parameter. */
export function resolveSamplingParams(params: Partial<SamplingParams> = {}): SamplingParams {
  const p: SamplingParams = { ...DEFAULT_SAMPLING };
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined) (p as unknown as Record<string, unknown>)[k] = v;
  }
  const check = (param: keyof SamplingParams, ok: boolean, flag: string, range: string): void => {
    if (!ok) {
      throw new SamplingParamsError(
        param,
        `sampling parameter ${param} = ${String(p[param])} is invalid: ${flag} must be ${range}`,
      );
    }
  };
  const finite = (x: number): boolean => typeof x === 'number' && Number.isFinite(x);
  check('temperature', finite(p.temperature), '--temp', 'a finite number (≤ 0 for greedy)');
  check('topK', Number.isInteger(p.topK), '--top-k', 'an integer (≤ 0 disables)');
  check('topP', finite(p.topP) && p.topP > 0 && p.topP <= 1, '--top-p', 'in (0, 1] (1 disables)');
  check('minP', finite(p.minP) && p.minP >= 0 && p.minP <= 1, '--min-p', 'in [0, 1] (0 disables)');
  check('repeatPenalty', finite(p.repeatPenalty) && p.repeatPenalty > 0, '--repeat-penalty', '> 0 (1 disables)');
  check('presencePenalty', finite(p.presencePenalty), '--presence-penalty', 'a finite number (0 disables)');
  check('frequencyPenalty', finite(p.frequencyPenalty), '--frequency-penalty', 'a finite number (0 disables)');
  check('penaltyLastN', Number.isInteger(p.penaltyLastN) && p.penaltyLastN >= -1, '--repeat-last-n', 'an integer ≥ -1 (0 disables, -1 = all)');
  check('minKeep', Number.isInteger(p.minKeep) && p.minKeep >= 1, 'minKeep', 'an integer ≥ 1');
  if (p.seed !== undefined) {
    check('seed', Number.isInteger(p.seed) && p.seed >= 0 && p.seed <= MAX_SEED, '--seed', 'an integer in [0, 2^53-1]');
  }
  return p;
}
